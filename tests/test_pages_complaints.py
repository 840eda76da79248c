"""AppTest of the complaint pages: Impor Data LAPOR! (preview, mapping, save), Peringkat OPD, Detail Unit."""
from __future__ import annotations

import time
from datetime import date
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
    assert list(probs["Baris"]) == ["7", "9"] and set(probs["Kolom"]) == {"Tanggal Laporan Masuk"}
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
    assert list(table.columns[:4]) == ["Peringkat", "Unit", "Skor", "Status"]
    assert (first["Unit"], first["Peringkat"], first["Skor"]) == ("Kecamatan Wlingi", 1, "98,75")
    assert "Reward" in first["Status"]
    assert "None" not in " ".join(map(str, table["Rating"])) and "-" in set(table["Rating"])
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


def test_ranking_page_downloads_and_the_punishment_list_ignore_only_assessed(seeded):
    import io

    import openpyxl

    imp("lapor_s1.xlsx")
    imp("lapor_s2.xlsx")  # with ranking.min_reports 5 no unit is assessed (fewer reports)
    at = page("peringkat_opd.py", actor_for("pimpinan")).run()
    next(s for s in at.selectbox if s.label == "Jenis unit").set_value("opd").run()
    next(c for c in at.checkbox if c.label == "Hanya yang dinilai").check().run()
    assert not at.exception
    table = frames(at)[0]
    assert len(table) == 0  # no OPD is assessed
    pun = frame_with(at, "Paling lama (hari kerja)")
    # every OPD with an overdue report, assessed or not
    assert list(pun["Unit"]) == ["Dinas Pekerjaan Umum dan Penataan Ruang", "Dinas Sosial"]
    assert list(pun["Terlambat"]) == [1, 1] and list(pun["Paling lama (hari kerja)"]) == [32, 11]
    assert len(at.get("download_button")) == 6
    assert svc.download_name("peringkat", 2026, date(2026, 4, 10), "opd", True) == \
        "peringkat-2026-snapshot-2026-04-10-opd-dinilai"
    assert svc.download_name("punishment", 2026, date(2026, 12, 3), "kecamatan") == \
        "punishment-2026-snapshot-2026-12-03-kecamatan"
    from assessment import complaints

    res = complaints.ranking(2026)
    u = res.units
    opd = u[u["kind"] == "opd"]
    frame = complaints.export_frame(rk_punish(opd))
    assert "Paling lama (hari kerja)" in frame.columns
    csv = complaints.table_bytes(frame, "csv", "x").decode("utf-8-sig").splitlines()
    assert csv[0].split(";")[:4] == ["Peringkat", "Unit", "Skor", "Dinilai"]
    assert len(csv) == 1 + len(pun)
    xlsx = complaints.table_bytes(complaints.export_frame(opd[opd["assessed"]]), "xlsx", "Peringkat", ["catatan"])
    ws = openpyxl.load_workbook(io.BytesIO(xlsx)).active
    rows = list(ws.iter_rows(values_only=True))
    assert [r[1] for r in rows[4:]] == list(table["Unit"]) == []


def rk_punish(units):
    from scoring import ranking as rk

    return rk.punishment_list(units)


def test_csv_uses_a_decimal_comma():
    import pandas as pd

    out = svc.table_bytes(pd.DataFrame({"Unit": ["A"], "Skor": [4.89], "Terlambat": [2]}), "csv", "t")
    assert out.decode("utf-8-sig") == "Unit;Skor;Terlambat\nA;4,89;2\n"


def test_import_page_partial_export_needs_the_checkbox(seeded, admin):
    imp("lapor_s1.xlsx")
    lines = (FIX / "lapor_s1_comma_utf8.csv").read_text(encoding="utf-8").splitlines()
    lines[2] = "Tanggal Generate,2026-04-10" + "," * 24
    data = ("\n".join(lines[:8]) + "\n").encode("utf-8")
    pv = svc.preview_import(admin, "sebagian.csv", data)
    at = page("impor_lapor.py", admin)
    at.session_state["lapor_preview"] = {"preview": pv, "snapshot_date": None}
    at.run()
    assert not at.exception
    assert any(w.value.startswith("Ekspor sebagian: 9 laporan yang sudah tersimpan") and "5049675" in w.value
               for w in at.warning)
    per_unit = frame_with(at, "Laporan tidak ada di berkas")
    assert per_unit["Laporan tidak ada di berkas"].sum() == 9
    save = next(b for b in at.button if b.label == "Simpan impor")
    assert save.disabled
    next(c for c in at.checkbox if c.label.startswith("Saya mengerti")).check().run()
    save = next(b for b in at.button if b.label == "Simpan impor")
    assert not save.disabled
    save.click().run()
    assert not at.exception
    assert any("Snapshot 10 Apr 2026 tersimpan: 0 baru, 0 berubah, 3 tetap" in s.value for s in at.success)


def test_import_page_deletes_the_latest_snapshot(seeded, admin):
    imp("lapor_s1.xlsx")
    imp("lapor_s2.xlsx")
    at = page("impor_lapor.py", admin).run()
    btn = next(b for b in at.button if b.label == "Hapus snapshot terakhir")
    assert btn.disabled
    next(c for c in at.checkbox if c.label.startswith("Ya, hapus snapshot 10 Apr 2026")).check().run()
    next(b for b in at.button if b.label == "Hapus snapshot terakhir").click().run()
    assert not at.exception
    assert any(s.value.startswith("Snapshot 10 Apr 2026 dihapus: 2 laporan baru dihapus, 5 laporan dipulihkan, "
                                  "7 kembali") for s in at.success)
    assert [x.snapshot_date for x in svc.list_snapshots(admin)] == [date(2026, 3, 27)]


def test_import_page_explains_the_order_rule(seeded, admin):
    imp("lapor_s2.xlsx")
    pv = svc.preview_import(admin, "lapor_s1.xlsx", (FIX / "lapor_s1.xlsx").read_bytes())
    at = page("impor_lapor.py", admin)
    at.session_state["lapor_preview"] = {"preview": pv, "snapshot_date": None}
    at.run()
    err = " ".join(e.value for e in at.error)
    assert "menurut urutan tanggalnya" in err and "Perbaiki berkasnya" not in err
    assert list(frames(at)[0]["Baris"]) == ["seluruh berkas"]


def test_informasi_umum_offers_the_imported_counts(seeded, admin):
    imp("lapor_s1.xlsx")
    sosial = units.resolve_unit("Dinas Sosial").id
    at = page("informasi_umum.py", admin)
    at.session_state["fig_unit"] = sosial
    at.session_state["fig_year"] = 2026
    at.run()
    assert not at.exception
    lap = frame_with(at, "Cakupan")
    t2 = svc.figures_from_reports(2026, sosial)
    kab = svc.figures_from_reports(2026)
    assert list(lap["Cakupan"]) == ["Dinas Sosial", "Seluruh kabupaten"]
    assert list(lap["Jumlah pengaduan"]) == [t2.received, kab.received] == [3, 11]
    num = {n.label: n for n in at.number_input}
    assert num["Jumlah pengaduan"].value == 0
    next(b for b in at.button if b.label == "Ambil angka Dinas Sosial ke formulir").click().run()
    num = {n.label: n for n in at.number_input}
    assert (num["Jumlah pengaduan"].value, num["Diselesaikan"].value, num["Tidak dapat diselesaikan"].value,
            num["Bulan yang dicakup"].value) == (t2.received, t2.resolved, t2.unresolved, t2.months)
    from assessment import figures

    assert figures.list_figures(admin, sosial) == []  # not saved until the user presses Simpan


def test_instansi_dropdown_is_sorted_ignoring_case(seeded, admin):
    pv = svc.preview_import(admin, "lapor_unknown.xlsx", (FIX / "lapor_unknown.xlsx").read_bytes())
    at = page("impor_lapor.py", admin)
    at.session_state["lapor_preview"] = {"preview": pv, "snapshot_date": None}
    at.run()
    assert not at.exception
    sel = next(s for s in at.selectbox if s.label.startswith("'UPT Pasar Wlingi'"))
    names = list(sel.options)[3:]
    assert names == sorted(names, key=str.casefold) and len(names) >= 55
