"""AppTest of the complaint pages: Impor Data LAPOR! (preview, mapping, save), Peringkat OPD, Detail Unit."""
from __future__ import annotations

import time
from pathlib import Path

from streamlit.testing.v1 import AppTest

from assessment import complaints as svc, settings_store, units
from assessment.permissions import SYSTEM
from tests.conftest import ROOT, actor_for

FIX = Path(__file__).parent / "fixtures" / "lapor"


def page(name: str, actor) -> AppTest:
    at = AppTest.from_file(str(ROOT / "pages" / name), default_timeout=60)
    now = time.time()
    at.session_state["actor"] = actor
    at.session_state["login_at"] = now
    at.session_state["last_seen"] = now
    return at


def texts(at: AppTest) -> str:
    parts = []
    for kind in ("title", "header", "subheader", "caption", "markdown", "info", "warning", "error", "success"):
        parts += [str(e.value) for e in getattr(at, kind)]
    return "\n".join(parts)


def frames(at: AppTest) -> list:
    return [d.value for d in at.dataframe]


def frame_with(at: AppTest, column: str):
    return next(f for f in frames(at) if column in f.columns)


def imp(name: str):
    return svc.commit_import(SYSTEM, name, (FIX / name).read_bytes())


def test_import_page_preview_mapping_and_save(seeded, admin):
    at = page("impor_lapor.py", admin).run()
    assert not at.exception
    assert "Setiap impor menjadi satu snapshot" in texts(at)
    # the upload itself is exercised by the browser test; here the preview it produces is given
    data = (FIX / "lapor_unknown.xlsx").read_bytes()
    pv = svc.preview_import(admin, "lapor_unknown.xlsx", data)
    at.session_state["lapor_preview"] = {"preview": pv, "snapshot_date": None}
    at.run()
    assert not at.exception
    save = next(b for b in at.button if b.label == "Simpan impor")
    assert save.disabled and "Petakan semua status dan instansi" in texts(at)
    assert [m.value for m in at.metric] == ["14", "14", "0", "0"]
    sel = {s.label.split("'")[1]: s for s in at.selectbox if s.label.startswith("'")}
    sel["Bukan Wewenang"].set_value("arsip")
    sel["UPT Pasar Wlingi"].set_value("new:opd")
    at.run()
    save = next(b for b in at.button if b.label == "Simpan impor")
    assert not save.disabled
    save.click().run()
    assert not at.exception
    assert any("Snapshot 27 Mar 2026 tersimpan: 14 baru" in s.value for s in at.success)
    assert units.resolve_unit("UPT Pasar Wlingi").kind == "opd"
    hist = frames(at)[0]
    assert list(hist["Laporan"]) == [14]


def test_import_page_shows_problems_by_row_and_column(seeded, admin):
    data = (FIX / "bad_dates.csv").read_bytes()
    pv = svc.preview_import(admin, "bad_dates.csv", data)
    at = page("impor_lapor.py", admin)
    at.session_state["lapor_preview"] = {"preview": pv, "snapshot_date": None}
    at.run()
    assert not at.exception
    assert any("2 masalah" in e.value for e in at.error)
    probs = frames(at)[0]
    assert list(probs["Baris"]) == [7, 9] and set(probs["Kolom"]) == {"Tanggal Laporan Masuk"}
    assert not [b for b in at.button if b.label == "Simpan impor"]


def test_import_page_for_non_admin(seeded):
    at = page("impor_lapor.py", actor_for("pimpinan")).run()
    assert not at.exception
    assert "Hanya admin" in texts(at)
    assert not [b for b in at.button if b.label.startswith("Periksa")]


def test_ranking_page(seeded):
    settings_store.set_value(SYSTEM, "ranking.min_reports", 2)
    imp("lapor_s1.xlsx")
    imp("lapor_s2.xlsx")
    at = page("peringkat_opd.py", actor_for("pimpinan")).run()
    assert not at.exception
    table = frames(at)[0]
    first = table.iloc[0]
    assert (first["Unit"], first["Peringkat"], first["Skor"]) == ("Kecamatan Wlingi", 1, 98.75)
    assert "Reward" in first["Status"]
    t = texts(at)
    assert "Daftar reward (I.3.3)" in t and "Daftar punishment (I.3.4)" in t
    pun = frame_with(at, "Tracking ID")
    assert set(pun["Unit"]) == {"Dinas Sosial", "Dinas Pekerjaan Umum dan Penataan Ruang"}
    assert "5049679" in set(pun["Tracking ID"])
    assert len(at.get("download_button")) == 6
    assert len(at.get("vega_lite_chart")) == 3
    # filters: kecamatan only
    next(s for s in at.selectbox if s.label == "Jenis unit").set_value("kecamatan").run()
    assert list(frames(at)[0]["Unit"]) == ["Kecamatan Wlingi"]
    # an earlier snapshot
    at = page("peringkat_opd.py", actor_for("pimpinan")).run()
    next(s for s in at.selectbox if s.label == "Snapshot").set_value(svc.list_snapshots(SYSTEM)[1].snapshot_date).run()
    pun = frame_with(at, "Tracking ID")
    assert "5049674" in " ".join(pun["Tracking ID"])


def test_ranking_page_marks_demo_data_synthetic(seeded):
    from assessment.db import transaction

    with transaction() as s:
        svc.load_demo(s, SYSTEM)
    at = page("peringkat_opd.py", actor_for("tim_asesor")).run()
    assert not at.exception
    assert any("DATA SINTETIS (demo)" in w.value for w in at.warning)
    assert len(frames(at)[0]) >= 60


def test_ranking_page_without_data(seeded):
    at = page("peringkat_opd.py", actor_for("pimpinan")).run()
    assert not at.exception and "Belum ada data LAPOR!" in texts(at)


def test_detail_page_for_own_unit(seeded):
    imp("lapor_s1.xlsx")
    imp("lapor_s2.xlsx")
    sosial = units.resolve_unit("Dinas Sosial").id
    at = page("detail_unit.py", actor_for("operator_opd", sosial)).run()
    assert not at.exception
    assert [s.label for s in at.selectbox][0] == "Unit" and at.selectbox[0].options == ["Dinas Sosial"]
    od = frames(at)[0]
    assert list(od["Tracking ID"]) == ["5049679"] and list(od["Hari kerja menunggu"]) == [11]
    rep = frames(at)[1]
    assert set(rep["Tracking ID"]) == {"5049672", "5049673", "5049674", "5049679"}
    assert "Nama pelapor" in rep.columns
    t = texts(at)
    assert "Belum dapat dinilai" in t and "Masuk daftar punishment" in t


def test_detail_page_hides_rahasia_and_anonim(seeded):
    imp("lapor_s1.xlsx")
    kes = units.resolve_unit("Dinas Kesehatan").id
    at = page("detail_unit.py", actor_for("pimpinan"))
    at.session_state["detail_unit"] = kes
    at.run()
    assert not at.exception
    rep = frames(at)[-1].set_index("Tracking ID")
    assert rep.loc["5049675", "Nama pelapor"] == "(anonim)"
    assert rep.loc["5049676", "Judul"] == "(rahasia)" and rep.loc["5049676", "Nama pelapor"] == "(rahasia)"
    assert "Pelapor Contoh" not in " ".join(map(str, rep.get("Nama pelapor", [])))
