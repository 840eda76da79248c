"""The catalogue equals the seed: every Tabel 9 row (code, title, planned years, pihak terlibat) is
compared with tests/fixtures/seed_tabel9.txt, a verbatim copy of the seed's Tabel 9 section (so the
tests do not need ../shared). The fixture is parsed here with its own code, not with the loader."""
from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from sqlmodel import select

from assessment import renaksi, seed
from assessment.config import DATA_DIR
from assessment.datafiles import DataFileError
from assessment.db import read_only
from assessment.models import AuditLog, RenaksiIndicator, RenaksiItem

FIXTURE = Path(__file__).parent / "fixtures" / "seed_tabel9.txt"
TICK = "\u221a"
ROW = re.compile(r"^(?P<code>[IVX]+(?:\.\d+){1,2})\.?\t(?P<title>[^\t]*)\t(?P<w1>[^\t]*)\t(?P<w2>[^\t]*)\t"
                 r"(?P<w3>[^\t]*)\t(?P<w4>[^\t]*)\t(?P<parties>[^\t]*)$")
KP_ROW = re.compile(r"^(?:<b>)?KP\.(?P<n>[0-9IVX]+)\.? (?P<title>[^<\t]+)(?:</b>)?\t")


def seed_rows() -> list[dict]:
    rows = []
    for line in FIXTURE.read_text(encoding="utf-8").splitlines():
        m = ROW.match(line)
        if m:
            rows.append({
                "code": m["code"],
                "title": m["title"].replace("<i>", "").replace("</i>", ""),
                "planned_years": [y for y, w in zip((2021, 2022, 2023, 2024), (m["w1"], m["w2"], m["w3"], m["w4"]))
                                  if w.strip() == TICK],
                "parties": m["parties"],
            })
    return rows


def seed_kp() -> list[tuple[str, str]]:
    roman = {"1": "I"}
    out = []
    for line in FIXTURE.read_text(encoding="utf-8").splitlines():
        m = KP_ROW.match(line)
        if m:
            out.append((f"KP {roman.get(m['n'], m['n'])}", m["title"].strip()))
    return out


def test_fixture_has_44_programs_and_kegiatan_and_5_kp():
    rows = seed_rows()
    assert len(rows) == 44
    assert len({r["code"] for r in rows}) == 44
    assert [c for c, _t in seed_kp()] == ["KP I", "KP II", "KP III", "KP IV", "KP V"]
    # A sanity check of the parser itself on rows read by eye from the seed.
    by = {r["code"]: r for r in rows}
    assert by["I.3.3"]["planned_years"] == [2023, 2024]
    assert by["V.4"]["planned_years"] == [2022, 2024]
    assert by["IV.1.3"]["parties"] == "Dinas Kominfo"
    assert by["I.2.1"]["parties"] == "Dinas Kominfo, Bagian Organisasi, Bagian Hukum dan seluruh OPD"


def test_every_tabel9_row_in_the_data_file_equals_the_seed():
    cat = renaksi.read_catalogue()
    mine = {r["code"]: r for r in cat.items if r["source"] == "tabel9" and r["level"] != "kp"}
    rows = seed_rows()
    assert sorted(mine) == sorted(r["code"] for r in rows)
    for r in rows:
        got = mine[r["code"]]
        assert (got["title"], got["planned_years"], got["parties"]) == (r["title"], r["planned_years"], r["parties"]), r["code"]
        assert got["level"] == ("program" if r["code"].count(".") == 1 else "kegiatan")
    assert cat.years == (2021, 2022, 2023, 2024)


def test_every_tabel9_row_in_the_database_equals_the_seed(seeded, admin):
    items = {it.code: it for it in renaksi.list_items(admin)}
    assert len(items) == 52  # 5 KP + 44 Tabel 9 + 3 Tabel 7 only
    for r in seed_rows():
        it = items[r["code"]]
        assert (it.title, list(it.planned_years), it.parties, it.source) == (
            r["title"], r["planned_years"], r["parties"], "tabel9"), r["code"]
        assert it.baseline_years == it.planned_years
    for code, title in seed_kp():
        assert items[code].level == "kp" and items[code].title == title and items[code].planned_years == ()


def test_the_three_tabel7_only_entries(seeded, admin):
    items = {it.code: it for it in renaksi.list_items(admin)}
    t7 = {c: it for c, it in items.items() if it.source == "tabel7"}
    assert sorted(t7) == ["I.2.6", "I.2.7", "V.1.1"]
    assert t7["I.2.6"].title == "Penyusunan Standar Pelayanan Pengelolaan Pengaduan"
    assert t7["I.2.7"].title == "Penyusunan SOP Pengelolaan Pengaduan tingkat OPD"
    assert t7["V.1.1"].title == "Pemantauan proses pengelolaan pengaduan" == items["V.2"].title
    assert t7["V.1.1"].tabel9_code == "V.2" and items["V.2"].tabel7_code == "V.1.1" and not items["V.2"].in_tabel7
    assert all(it.planned_years == () and it.years == {} and not it.late for it in t7.values())
    assert [it.code for it in renaksi.list_items(admin)][9:13] == ["I.2.5", "I.2.6", "I.2.7", "I.3"]


def test_tabel7_wording_kept_where_it_differs(seeded, admin):
    items = {it.code: it for it in renaksi.list_items(admin)}
    assert items["I.3.2"].title.endswith("bagi OPD di Kabupaten Blitar")
    assert items["I.3.2"].title_tabel7.endswith("bagi Kab/Kota se Jawa Timur")
    assert "OPD dan Kab/Kota" in items["I.3.3"].title and "Kab/Kota" not in items["I.3.3"].title_tabel7
    assert items["V.1"].title == ("Koordinasi dengan simpul( hub )Provinsi yaitu Perangkat Daerah di lingkungan "
                                  "Pemerintah Kabupaten Blitar")
    assert "Provinsi" in items["V.1"].notes
    assert items["I.2.4"].title_tabel7 == ("Review SOP pengelolaan tingkat Pemerintah Kabupaten Blitar dengan "
                                           "melibatkan seluruh OPD")
    assert items["I.3.5"].title_tabel7 is None  # same wording in both tables
    assert sum(1 for it in items.values() if it.title_tabel7) == 17


def test_responsible_units_come_from_named_parties(seeded, admin):
    items = {it.code: it for it in renaksi.list_items(admin)}
    assert [n for _u, n in items["I.1.1"].responsible] == ["Bagian Hukum Sekretariat Daerah",
                                                          "Dinas Komunikasi dan Informatika"]
    assert [n for _u, n in items["I.2.2"].responsible] == ["Dinas Komunikasi dan Informatika", "Inspektorat"]
    assert items["I.1"].responsible == ()  # "Seluruh OPD" names no single unit


def test_loading_again_changes_nothing(seeded, admin):
    with read_only() as s:
        before = len(s.exec(select(AuditLog)).all())
    seed.load_base()
    with read_only() as s:
        assert len(s.exec(select(RenaksiItem)).all()) == 52
        assert len(s.exec(select(RenaksiIndicator)).all()) == 12
        assert len(s.exec(select(AuditLog)).all()) == before


def test_indicators_targets_and_aspect_map_are_the_seed():
    inds = renaksi.read_indicators()
    assert [sum(1 for i in inds if i["program_no"] == n) for n in range(1, 6)] == [2, 3, 3, 2, 2]
    assert inds[0]["text"] == "Jumlah (alokasi) sumber daya manusia, anggaran, dan perangkat yang memadai"
    assert inds[7]["code"] == "3.3" and inds[7]["text"] == "Jumlah aplikasi lain yang diintegrasikan dengan aplikasi LAPOR!"
    assert inds[-1]["text"].startswith("Pemantauan dan evaluasi dilakukan secara rutin") and inds[-1]["kp"] == "V"
    t = {x.key: x for x in renaksi.read_targets()}
    assert dict(t["jumlah_pengaduan"].targets) == {2021: 74, 2022: 95, 2023: 105, 2024: 110}
    assert (t["jumlah_pengaduan"].baseline_year, t["jumlah_pengaduan"].baseline_value) == (2020, 91)
    assert dict(t["persentase_penyelesaian"].targets) == {2021: 100, 2022: 100, 2023: 100, 2024: 100}
    assert renaksi.read_aspect_kp() == {"kelembagaan": "I", "sdm": "II", "data_aplikasi": "III",
                                        "partisipasi": "IV", "koordinasi_monev": "V"}


def _broken(tmp_path: Path, name: str, old: str, new: str) -> Path:
    base = tmp_path / "data"
    shutil.copytree(DATA_DIR / "renaksi", base / "renaksi")
    shutil.copytree(DATA_DIR / "instrument", base / "instrument")
    p = base / "renaksi" / name
    text = p.read_text(encoding="utf-8")
    assert old in text
    p.write_text(text.replace(old, new, 1), encoding="utf-8")
    return base


@pytest.mark.parametrize("old,new,message", [
    ("- code: I.1.2\n", "- code: I.1.1\n", "kode I.1.1 muncul dua kali"),
    ("  planned_years: [2021]\n  parties: Dinas Kominfo, Bagian Hukum", "  planned_years: [2025]\n  parties: Dinas Kominfo, Bagian Hukum",
     "tahun 2025 di luar periode 2021-2024"),
    ("- code: I.1\n", "- code: I.9\n", "induknya I.1 harus tercantum"),
    ("  level: program\n  title: Pelatihan", "  level: kegiatan\n  title: Pelatihan", "kode tidak sesuai tingkat 'kegiatan'"),
    ("  source: tabel7\n", "  source: tabel8\n", "'source' harus tabel9 atau tabel7"),
])
def test_broken_catalogue_names_the_item_and_fault(tmp_path, old, new, message):
    base = _broken(tmp_path, "items.yaml", old, new)
    with pytest.raises(DataFileError) as exc:
        renaksi.read_catalogue(base=base)
    assert message in exc.value.message and "renaksi/items.yaml" in exc.value.message


def test_broken_aspect_map_is_refused(tmp_path):
    base = _broken(tmp_path, "aspect_kp.yaml", 'sdm: "II"', 'sdm: "III"')
    with pytest.raises(DataFileError) as exc:
        renaksi.read_aspect_kp(base=base)
    assert "aspek 'sdm' dipetakan ke KP III" in exc.value.message
