"""`manage.py renaksi list --json` and `renaksi set-status`: handlers, JSON shape, refusals."""
from __future__ import annotations

import argparse
import json

from sqlmodel import select

from assessment import cli_renaksi
from assessment.db import read_only
from assessment.models import AuditLog, RenaksiProgress

KEYS = {"code", "title", "level", "planned_years", "parties", "source", "status", "late"}


def _run(argv: list[str]) -> int:
    parser = argparse.ArgumentParser()
    cli_renaksi.register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return args.fn(args)


def _list(capsys, *extra: str) -> list[dict]:
    assert _run(["renaksi", "list", "--json", *extra]) == 0
    return json.loads(capsys.readouterr().out)


def test_list_json_shape_and_seed_values(seeded, capsys):
    doc = _list(capsys, "--today", "2023-01-01")
    assert len(doc) == 52
    assert all(set(d) == KEYS for d in doc)
    assert all(isinstance(d["code"], str) and isinstance(d["title"], str) and isinstance(d["parties"], str)
               and isinstance(d["late"], bool) and all(isinstance(y, int) for y in d["planned_years"])
               and all(isinstance(k, str) and len(k) == 4 and isinstance(v, str) for k, v in d["status"].items())
               for d in doc)
    assert {d["level"] for d in doc} == {"kp", "program", "kegiatan"}
    assert sum(1 for d in doc if d["source"] == "tabel9" and d["level"] != "kp") == 44
    assert sorted(d["code"] for d in doc if d["source"] == "tabel7") == ["I.2.6", "I.2.7", "V.1.1"]
    by = {d["code"]: d for d in doc}
    assert by["I.3.3"]["planned_years"] == [2023, 2024] and by["I.3.3"]["status"] == {"2023": "Belum dimulai",
                                                                                      "2024": "Belum dimulai"}
    assert by["I.3.3"]["late"] is False  # on 1 January 2023 only 2021 and 2022 are over
    assert by["I.1.1"]["late"] is True and by["I.1.1"]["parties"] == "Dinas Kominfo, Bagian Hukum, seluruh OPD"
    assert by["KP III"] == {"code": "KP III", "title": "Optimalisasi Pemanfaatan Data dan Aplikasi", "level": "kp",
                            "planned_years": [], "parties": "", "source": "tabel9", "status": {}, "late": False}
    assert [d["code"] for d in doc[:4]] == ["KP I", "I.1", "I.1.1", "I.1.2"]


def test_set_status_then_list_shows_it(seeded, capsys):
    assert _run(["renaksi", "set-status", "I.1.1", "2021", "Berjalan", "--progress", "30", "--note", "Draf"]) == 0
    assert "OK: I.1.1 2021 -> Berjalan (30%), versi 1" in capsys.readouterr().out
    assert _run(["renaksi", "set-status", "I.1.1.", "2021", "selesai", "--evidence-link",
                 "https://blitarkab.go.id/perbup"]) == 0
    capsys.readouterr()
    by = {d["code"]: d for d in _list(capsys)}
    assert by["I.1.1"]["status"] == {"2021": "Selesai"} and by["I.1.1"]["late"] is False
    with read_only() as s:
        log = s.exec(select(AuditLog).where(AuditLog.action == "renaksi.progress_set").order_by(AuditLog.id)).all()
    assert [(a.actor, a.entity_id) for a in log] == [("system", "I.1.1/2021"), ("system", "I.1.1/2021")]


def test_set_status_refusals_write_nothing(seeded, capsys):
    cases = [
        (["X.1", "2021", "Berjalan"], "kode 'X.1' tidak ada"),
        (["I.1.1", "2030", "Berjalan"], "di luar periode rencana aksi 2021-2024"),
        (["I.1.1", "2023", "Berjalan"], "tidak ada dalam rencana butir tersebut"),
        (["I.1.1", "dua ribu", "Berjalan"], "tahun 'dua ribu' bukan angka"),
        (["I.1.1", "2021", "Berjalan", "--progress", "150"], "progres harus 0 sampai 100"),
        (["I.1.1", "2021", "Selesai"], "memerlukan bukti dukung"),
        (["I.1.1", "2021", "Tidak dilaksanakan"], "wajib disertai alasan"),
        (["I.1.1", "2021", "Tertunda"], "Status 'Tertunda' tidak dikenal"),
    ]
    for argv, message in cases:
        assert _run(["renaksi", "set-status", *argv]) == 1, argv
        err = capsys.readouterr().err
        assert message in err, (argv, err)
    with read_only() as s:
        assert s.exec(select(RenaksiProgress)).all() == []


def test_manage_py_registers_the_command(seeded, capsys):
    import manage

    assert manage.main(["renaksi", "list", "--json"]) == 0
    assert len(json.loads(capsys.readouterr().out)) == 52
    assert manage.main(["renaksi", "set-status", "V.2", "2021", "Tidak dilaksanakan", "--reason", "Digabung"]) == 0
    assert "V.2 2021 -> Tidak dilaksanakan" in capsys.readouterr().out
