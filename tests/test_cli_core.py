"""manage.py: init-db, seed-demo, score --json, export-assessment, create-user."""
from __future__ import annotations

import json

from openpyxl import load_workbook

import manage


def test_score_json_on_the_seed(seeded, capsys):
    assert manage.main(["seed-demo"]) == 0
    capsys.readouterr()
    assert manage.main(["score", "--unit", "Pemerintah Kabupaten Blitar", "--year", "2022", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert set(doc) == {"unit", "year", "state", "instrument_version", "aspects", "questions"}
    assert doc["unit"] == "Pemerintah Kabupaten Blitar" and doc["year"] == 2022
    assert [a["name"] for a in doc["aspects"]] == ["Kelembagaan & Kebijakan", "Sumber Daya Manusia",
                                                   "Pemanfaatan Data & Optimalisasi Aplikasi",
                                                   "Partisipasi Pemangku Kepentingan", "Koordinasi, Monev"]
    assert [a["mean"] for a in doc["aspects"]] == [3.50, 3.56, 3.40, 4.00, 3.67]
    assert [a["suggested_priority"] for a in doc["aspects"]] == [2, 3, 1, 5, 4]
    assert [a["final_priority"] for a in doc["aspects"]] == [None] * 5
    assert doc["aspects"][2]["reason"] == "Belum terintegrasinya aplikasi local ke aplikasi SP4N-LAPOR!"
    assert [q["score"] for q in doc["questions"]] == [4, 3, 4, 4, 4, 4, 3, 4, 3, 4, 4, 2, 3, 4, 3, 4, 4, 4, 3, 4, 2, 4]
    assert doc["questions"][11] == {"no": 12, "score": 2, "category": "perlu_perbaikan"}


def test_score_unknown_unit_is_a_clear_error(seeded, capsys):
    assert manage.main(["score", "--unit", "Dinas Tidak Ada", "--year", "2022", "--json"]) == 1
    assert "Unit 'Dinas Tidak Ada' tidak dikenal" in capsys.readouterr().err


def test_export_assessment_writes_real_excel(seeded, tmp_path, capsys):
    manage.main(["seed-demo"])
    out = tmp_path / "blitar.xlsx"
    assert manage.main(["export-assessment", "--unit", "Kabupaten Blitar", "--year", "2022", "--out", str(out)]) == 0
    wb = load_workbook(out)
    t3 = wb["Tabel 3 Matriks Asesmen"]
    row12 = [c.value for c in t3[13]]
    assert row12[0] == 12 and row12[3] == "√" and row12[6] == 2 and row12[7] == "Perlu perbaikan"
    t5 = wb["Tabel 5 Prioritas"]
    assert [r[1].value for r in t5.iter_rows(min_row=2)] == [3.5, 3.56, 3.4, 4.0, 3.67]
    assert [r[3].value for r in t5.iter_rows(min_row=2)] == [2, 3, 1, 5, 4]


def test_create_user_reads_password_from_stdin(seeded, monkeypatch, capsys):
    import io

    monkeypatch.setattr("sys.stdin", io.StringIO("Kuat-sekali-123\n"))
    assert manage.main(["create-user", "--role", "admin", "--username", "kominfo", "--full-name", "Admin"]) == 0
    from assessment import accounts

    assert accounts.authenticate("kominfo", "Kuat-sekali-123").role == "admin"
    monkeypatch.setattr("sys.stdin", io.StringIO("pendek\n"))
    assert manage.main(["create-user", "--role", "admin", "--username", "kedua"]) == 1
    assert "minimal 10 karakter" in capsys.readouterr().err


def test_import_units_csv_all_or_nothing(seeded, tmp_path, capsys):
    from assessment import units

    good = tmp_path / "unit.csv"
    good.write_text("Nama;Jenis;Nama lain;Dikonfirmasi\nDinas Kearsipan Baru;OPD;Arsip Baru;ya\n"
                    "Dinas Kominfo;OPD;Kominfo Blitar;ya\n", encoding="utf-8")
    before = len(units.list_units())
    assert manage.main(["import-units", str(good)]) == 0
    assert "Unit baru: 1, nama lain baru: 2." in capsys.readouterr().out
    assert len(units.list_units()) == before + 1
    assert units.resolve_unit("Kominfo Blitar").name == "Dinas Komunikasi dan Informatika"
    bad = tmp_path / "rusak.csv"
    bad.write_text("Nama;Jenis\nDinas A;OPD\n;OPD\nDinas C;Badan\n", encoding="utf-8")
    assert manage.main(["import-units", str(bad)]) == 1
    err = capsys.readouterr().err
    assert "berkas rusak.csv, baris 3, kolom 'Nama': nama kosong" in err
    assert "baris 4, kolom 'Jenis'" in err
    assert len(units.list_units()) == before + 1
