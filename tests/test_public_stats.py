"""Statistik Publik: exact counts, the synthetic-data label, and no personal data on the page ever."""
from __future__ import annotations

from datetime import date

import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import ROOT

# Fixture personal data: none of it may ever appear on the public page.
SECRETS = {
    "names": ["Siti Aminah Rahasiawati", "Budi Pelapor Santoso", "Anonim Tersembunyi"],
    "titles": ["Jalan rusak depan rumah Bu Siti", "Pungli di kantor desa Ngadirejo"],
    "bodies": ["Isi laporan pribadi nomor HP 0812-3456-7890", "Alamat saya Jl. Melati 7 RT 02"],
    "tracking": ["5012345", "7098765", "5011111", "7000001", "5099999"],
    "hold": ["Alasan tunda: pelapor Siti tidak bisa dihubungi"],
}


def _units() -> tuple[int, int]:
    from assessment.units import resolve_unit

    return resolve_unit("Dinas Komunikasi dan Informatika").id, resolve_unit("Dinas Kesehatan").id


def _add_reports(synthetic: bool = False) -> None:
    kominfo, dinkes = _units()
    _insert([  # tracking, date, unit, state, category, type, follow-up date recorded
        ("5012345", date(2024, 1, 5), kominfo, "selesai", "Infrastruktur", "Biasa", None),
        ("7098765", date(2024, 1, 20), kominfo, "menunggu tindak lanjut", "Infrastruktur", "Rahasia", None),
        ("5011111", date(2024, 2, 3), dinkes, "diproses", "Kesehatan", "Anonim", None),
        ("7000001", date(2024, 2, 9), dinkes, "menunggu tindak lanjut", "Kesehatan", "Rahasia", date(2024, 2, 12)),
        ("5099999", date(2024, 2, 10), None, "menunggu verifikasi", None, "Biasa", None),
    ], synthetic)


def _add_twenty_reports() -> None:
    """Kominfo 10 (Januari, Infrastruktur, selesai); Dinkes 8 (2 Januari, 6 Februari; 7 Kesehatan, 1 without
    a category; diproses); 2 not disposed (Februari, no category, waiting for verification). Two of
    the Rahasia ones carry the fixture's secret Tracking IDs."""
    kominfo, dinkes = _units()
    rows = [(f"60000{i:02d}", date(2024, 1, 3 + i), kominfo, "selesai", "Infrastruktur", "Biasa", None)
            for i in range(10)]
    rows += [(f"61000{i:02d}", date(2024, 1 if i < 2 else 2, 4 + i), dinkes, "diproses",
              "Kesehatan" if i < 7 else None, "Rahasia" if i == 0 else "Biasa", None) for i in range(8)]
    rows += [("7098765", date(2024, 2, 20), None, "menunggu verifikasi", None, "Rahasia", None),
             ("5099999", date(2024, 2, 21), None, "menunggu verifikasi", None, "Rahasia", None)]
    _insert(rows)


def _insert(rows, synthetic: bool = False) -> None:
    from assessment.db import transaction
    from assessment.models import ComplaintReport, ComplaintSnapshot

    with transaction() as s:
        snap = ComplaintSnapshot(snapshot_date=date(2024, 3, 1), filename="ekspor.xlsx", sha256="0" * 64, kind="xlsx",
                                 rows=len(rows), synthetic=synthetic, imported_by="uji")
        s.add(snap)
        s.flush()
        for i, (tid, d, unit, state, cat, kind, fu) in enumerate(rows):
            s.add(ComplaintReport(
                tracking_id=tid, report_date=d, year=d.year, reporter_name=SECRETS["names"][i % 3],
                classification="Pengaduan Tidak Berkadar Pengawasan", category=cat,
                title=SECRETS["titles"][i % 2], body_initial=SECRETS["bodies"][i % 2], body_final=SECRETS["bodies"][0],
                report_type=kind, unit_id=unit, status_raw=state, status_key=state, state=state,
                hold_reason=SECRETS["hold"][0], village="Desa Rahasia Ngadirejo", follow_up_date=fu,
                first_snapshot_id=snap.id, first_seen_date=snap.snapshot_date, last_snapshot_id=snap.id,
                last_seen_date=snap.snapshot_date, content_hash=1000 + i))


def test_statistics_exact_values(seeded):
    from assessment import public_stats

    _add_reports()
    st = public_stats.statistics(2024)  # the default (logged-in pages): every count as it is
    # 5 received; requiring follow-up: 4 (not the one waiting for verification);
    # followed up: selesai, diproses, and the waiting one with a recorded follow-up date = 3 -> 75 %; selesai 1 -> 25 %.
    assert (st.received, st.followed_up_pct, st.resolved_pct) == (5, 75.0, 25.0)
    assert st.by_month.to_dict("records") == [
        {"Bulan": "Januari 2024", "Diterima": 2, "% ditindaklanjuti": 50.0, "% selesai": 50.0},
        {"Bulan": "Februari 2024", "Diterima": 3, "% ditindaklanjuti": 100.0, "% selesai": 0.0},
    ]
    cats = {r["Kategori"]: (r["Diterima"], r["% ditindaklanjuti"]) for r in st.by_category.to_dict("records")}
    assert cats["Infrastruktur"] == (2, 50.0) and cats["Kesehatan"] == (2, 100.0)
    assert cats["(tanpa kategori)"][0] == 1
    units = {r["Unit"]: r["Diterima"] for r in st.by_unit.to_dict("records")}
    assert units == {"Dinas Komunikasi dan Informatika": 2, "Dinas Kesehatan": 2, "Belum terdisposisi": 1}
    assert not st.suppressed and st.suppression_note == "" and st.received_text == "5"
    assert st.years == [2024] and not st.synthetic and st.last_snapshot == date(2024, 3, 1)
    assert {t.key for t in st.targets} == {"jumlah_pengaduan", "persentase_penyelesaian"}


def test_small_counts_are_suppressed_with_the_setting(seeded):
    """public.min_count 5 (data/settings.yaml): every month, category and unit of the five reports is
    below it; the total (5) is not, so it stays, and the hidden rows add up to 5 - which leaves each
    of them anywhere from 1 to 4, so nothing more needs hiding."""
    from assessment import public_stats

    _add_reports()
    st = public_stats.statistics(2024, public_stats.min_count())
    assert st.min_count == 5 and st.suppressed
    assert (st.received, st.received_text, st.followed_up_pct, st.resolved_pct) == (5, "5", 75.0, 25.0)
    assert st.by_month.to_dict("records") == [
        {"Bulan": "Januari 2024", "Diterima": "< 5", "% ditindaklanjuti": None, "% selesai": None},
        {"Bulan": "Februari 2024", "Diterima": "< 5", "% ditindaklanjuti": None, "% selesai": None},
    ]
    assert st.month_chart.to_dict("records") == [
        {"Bulan": "Januari 2024", "Diterima": None, "% ditindaklanjuti": None, "% selesai": None},
        {"Bulan": "Februari 2024", "Diterima": None, "% ditindaklanjuti": None, "% selesai": None},
    ]
    assert set(st.by_unit["Diterima"]) == set(st.by_category["Diterima"]) == {"< 5"}
    assert st.by_unit["% ditindaklanjuti"].isna().all() and st.by_category["% selesai"].isna().all()
    assert st.suppression_note == (
        "Agar tidak ada pelapor yang dapat dikenali, jumlah di bawah 5 laporan ditampilkan sebagai \"< 5\" "
        "tanpa persentase. Bila jumlah tersebut masih dapat dihitung dari total dan baris lain, baris terkecil "
        "berikutnya ikut \"disembunyikan\".")


def test_the_threshold_is_a_setting(seeded, admin):
    from assessment import public_stats, settings_store

    assert public_stats.min_count() == 5
    settings_store.set_value(admin, "public.min_count", 2)
    _add_reports()
    st = public_stats.statistics(2024, public_stats.min_count())
    assert st.by_month["Diterima"].tolist() == [2, 3]
    # 2 Kominfo, 2 Dinkes, 1 not disposed: the 1 alone = 5 - 2 - 2; with one 2 hidden, 3 = 1 + (at least 2).
    assert st.by_unit["Diterima"].tolist() == ["disembunyikan", "disembunyikan", "< 2"]
    settings_store.set_value(admin, "public.min_count", 0)
    assert public_stats.min_count() == 1


def test_a_year_below_the_threshold_hides_its_total_too(seeded):
    from assessment import public_stats

    _add_reports()
    st = public_stats.statistics(2024, 6)
    assert (st.received_text, st.followed_up_pct, st.resolved_pct) == ("< 6", None, None)
    assert not st.empty
    for frame in (st.by_month, st.by_category, st.by_unit):
        assert set(frame["Diterima"]) == {"< 6"} and frame["% ditindaklanjuti"].isna().all()


def test_one_small_row_is_not_given_away_by_the_total(seeded):
    """Per unit 10 / 8 / 2: showing 10 and 8 would give the 2 away (20 - 10 - 8), so the 8 is hidden
    too; the reader then knows only that the two hidden rows hold 10, the small one 1 to 4."""
    from assessment import public_stats

    _add_twenty_reports()
    st = public_stats.statistics(2024, public_stats.min_count())
    assert (st.received_text, st.followed_up_pct, st.resolved_pct) == ("20", 100.0, 55.6)
    assert st.by_unit.to_dict("records") == [
        {"Unit": "Dinas Komunikasi dan Informatika", "Diterima": 10, "% ditindaklanjuti": 100.0, "% selesai": 100.0},
        {"Unit": "Dinas Kesehatan", "Diterima": "disembunyikan", "% ditindaklanjuti": None, "% selesai": None},
        {"Unit": "Belum terdisposisi", "Diterima": "< 5", "% ditindaklanjuti": None, "% selesai": None},
    ]
    assert st.by_category.to_dict("records") == [
        {"Kategori": "Infrastruktur", "Diterima": 10, "% ditindaklanjuti": 100.0, "% selesai": 100.0},
        {"Kategori": "Kesehatan", "Diterima": "disembunyikan", "% ditindaklanjuti": None, "% selesai": None},
        {"Kategori": "(tanpa kategori)", "Diterima": "< 5", "% ditindaklanjuti": None, "% selesai": None},
    ]
    # Januari 12 (10 selesai, 2 diproses), Februari 8 (6 diproses, 2 not yet verified): nothing small.
    assert st.by_month.to_dict("records") == [
        {"Bulan": "Januari 2024", "Diterima": 12, "% ditindaklanjuti": 100.0, "% selesai": 83.3},
        {"Bulan": "Februari 2024", "Diterima": 8, "% ditindaklanjuti": 100.0, "% selesai": 0.0},
    ]
    assert st.month_chart["Diterima"].tolist() == [12, 8]


@pytest.mark.parametrize("counts,expected", [
    ([30, 40], "SS"),
    ([2, 3], "ss"),              # 5 hidden, each 1-4: neither can be worked out
    ([10, 8, 2], "Scs"),         # alone, the 2 = 20 - 10 - 8
    ([1, 10, 20], "scS"),
    ([4, 4, 30], "ssc"),         # 38 - 30 = 8 = 4 + 4: both would be known
    ([3, 4, 30], "ssS"),         # 7 = 3 + 4 or 4 + 3
    ([1, 1, 30, 40], "sscS"),    # 2 = 1 + 1
    ([1, 5, 5, 20], "sccc"),     # hiding one 5: 6 = 1 + (at least 5); both 5s: 11 = 1 + 10; so the 20 too
    ([6, 1], "cs"),              # 7 = (5 or 6) + (2 or 1)
    ([0, 3, 20], "Ssc"),         # an empty row stays
    ([3, 1], "ss"),              # total 4 < 5: the caller hides the total, nothing to subtract
])
def test_suppression_rule_exact(counts, expected):
    from scoring import disclosure

    code = {disclosure.SHOWN: "S", disclosure.SMALL: "s", disclosure.COMPLEMENT: "c"}
    assert "".join(code[x] for x in disclosure.suppress(counts, 5)) == expected
    assert disclosure.suppress(counts, 1) == [disclosure.SHOWN] * len(counts)


def test_public_page_hides_small_counts(seeded):
    _add_twenty_reports()
    at = _public_page().run()
    assert not at.exception
    text = _all_text(at)
    assert "Agar tidak ada pelapor yang dapat dikenali" in text
    units = next(d.value for d in at.dataframe if "Unit" in d.value.columns)
    assert units["Diterima"].tolist() == ["10", "disembunyikan", "< 5"]
    assert units["% selesai"].tolist() == ["100,0 %", "-", "-"]
    for v in ("7098765", "5099999") + tuple(SECRETS["names"]):
        assert v not in text


def _all_text(at: AppTest) -> str:
    """Everything the page rendered: every element's protobuf (text, tables, chart specs)."""
    parts = []

    def walk(node):
        proto = getattr(node, "proto", None)
        if proto is not None:
            parts.append(str(proto))
        for child in getattr(node, "children", {}).values():
            walk(child)

    walk(at._tree)
    for df in at.dataframe:
        parts.append(df.value.to_csv())
    return "\n".join(parts)


def _public_page() -> AppTest:
    return AppTest.from_file(str(ROOT / "pages/statistik_publik.py"), default_timeout=60)


@pytest.mark.parametrize("synthetic", [False, True])
def test_public_page_shows_no_personal_data(seeded, synthetic):
    _add_reports(synthetic)
    at = _public_page().run()  # no actor in the session: the public
    assert not at.exception
    text = _all_text(at)
    assert "Laporan diterima" in text and "Dinas Kesehatan" in text
    for group, values in SECRETS.items():
        for v in values:
            assert v not in text, f"{group} '{v}' appears on the public page"
    assert "Desa Rahasia" not in text
    assert ("DATA SINTETIS" in text) == synthetic


def test_public_page_without_reports(seeded):
    at = _public_page().run()
    assert not at.exception
    assert any("Belum ada data laporan" in i.value for i in at.info)
    assert any("Tabel 6" in s.value for s in at.subheader)


def test_demo_data_is_marked_synthetic(seeded):
    """With the complaints area's demo loader present, the demo makes the page say DATA SINTETIS."""
    from assessment import seed
    from assessment.permissions import SYSTEM

    pytest.importorskip("assessment.complaints")
    seed.load_demo(SYSTEM)
    from assessment import public_stats

    st = public_stats.statistics()
    if st.received:
        assert st.synthetic


def test_public_page_writes_numbers_and_dates_in_indonesian(seeded):
    """Headline, tables and captions alike: "75,0 %" (not 75.0), "1 Mar 2024" (not 01-03-2024)."""
    _add_reports()
    at = _public_page().run()
    assert not at.exception
    assert [m.value for m in at.metric] == ["5", "75,0 %", "25,0 %"]
    assert "Data sampai dengan ekspor LAPOR! tanggal 1 Mar 2024." in [c.value for c in at.caption]
    units = next(d.value for d in at.dataframe if "Unit" in d.value.columns)
    assert units["Diterima"].tolist() == ["< 5", "< 5", "< 5"]  # the small-count suppression stays
    targets = next(d.value for d in at.dataframe if "Indikator" in d.value.columns)
    pct = targets[targets["Indikator"] == "Persentase penyelesaian pengaduan"]
    assert set(pct["Target"]) == {"100 %"}
    count = targets[targets["Indikator"] == "Jumlah pengaduan dari masyarakat"]
    assert count["Target"].tolist() == ["74", "95", "105", "110"]


def test_table_text_and_target_table_exact():
    import numpy as np
    import pandas as pd

    from assessment import public_stats
    from scoring import renaksi as sr

    frame = pd.DataFrame({"Unit": ["A", "B", "C"], "Diterima": pd.Series([2507, "< 5", "disembunyikan"], dtype=object),
                          "% ditindaklanjuti": pd.Series([99.1, None, None], dtype=object),
                          "% selesai": pd.Series([97.84, None, None], dtype=object)})
    frame.loc[0, "Diterima"] = np.int64(2507)  # counts come out of pandas as numpy integers
    out = public_stats.table_text(frame)
    assert out.to_dict("records") == [
        {"Unit": "A", "Diterima": "2.507", "% ditindaklanjuti": "99,1 %", "% selesai": "97,8 %"},
        {"Unit": "B", "Diterima": "< 5", "% ditindaklanjuti": "-", "% selesai": "-"},
        {"Unit": "C", "Diterima": "disembunyikan", "% ditindaklanjuti": "-", "% selesai": "-"},
    ]
    chart = public_stats.chart_tooltips(pd.DataFrame({
        "Bulan": ["Januari 2026", "Februari 2026"], "Diterima": pd.Series([1234, None], dtype=object),
        "% ditindaklanjuti": pd.Series([99.14, None], dtype=object), "% selesai": pd.Series([50.0, None], dtype=object)}))
    assert chart[["Diterima (teks)", "% ditindaklanjuti (teks)", "% selesai (teks)"]].to_dict("records") == [
        {"Diterima (teks)": "1.234", "% ditindaklanjuti (teks)": "99,1 %", "% selesai (teks)": "50,0 %"},
        {"Diterima (teks)": None, "% ditindaklanjuti (teks)": None, "% selesai (teks)": None},
    ]
    data = public_stats.PublicStats(year=2022, years=[2022], targets=[
        sr.Tabel6Row("jumlah_pengaduan", "Jumlah pengaduan", 2022, 95.0, 1234.0, True, "Tercapai", False, "Tabel 2"),
        sr.Tabel6Row("persentase_penyelesaian", "Persentase penyelesaian", 2022, 100.0, 99.1, False, "Tidak tercapai",
                     False, "Tabel 2"),
        sr.Tabel6Row("persentase_penyelesaian", "Persentase penyelesaian", 2023, 100.0, None, None, "Belum ada data",
                     False, None),
    ], target_kinds={"jumlah_pengaduan": "count", "persentase_penyelesaian": "percent"},
        last_snapshot=date(2026, 12, 3))
    assert public_stats.target_table(data)[["Target", "Capaian", "Sumber capaian"]].to_dict("records") == [
        {"Target": "95", "Capaian": "1.234", "Sumber capaian": "Tabel 2"},
        {"Target": "100 %", "Capaian": "99,1 %", "Sumber capaian": "Tabel 2"},
        {"Target": "100 %", "Capaian": "-", "Sumber capaian": "-"},
    ]
    assert data.snapshot_caption == "Data sampai dengan ekspor LAPOR! tanggal 3 Des 2026."
    assert public_stats.PublicStats(year=None, years=[]).snapshot_caption == ""
