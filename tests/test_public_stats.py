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


def _add_reports(synthetic: bool = False) -> None:
    from assessment.db import transaction
    from assessment.models import ComplaintReport, ComplaintSnapshot
    from assessment.units import resolve_unit

    kominfo = resolve_unit("Dinas Komunikasi dan Informatika").id
    dinkes = resolve_unit("Dinas Kesehatan").id
    rows = [  # tracking, date, unit, state, category, type, follow-up date recorded
        ("5012345", date(2024, 1, 5), kominfo, "selesai", "Infrastruktur", "Biasa", None),
        ("7098765", date(2024, 1, 20), kominfo, "menunggu tindak lanjut", "Infrastruktur", "Rahasia", None),
        ("5011111", date(2024, 2, 3), dinkes, "diproses", "Kesehatan", "Anonim", None),
        ("7000001", date(2024, 2, 9), dinkes, "menunggu tindak lanjut", "Kesehatan", "Rahasia", date(2024, 2, 12)),
        ("5099999", date(2024, 2, 10), None, "menunggu verifikasi", None, "Biasa", None),
    ]
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
    st = public_stats.statistics(2024)
    # 5 received; requiring follow-up: 4 (not the one waiting for verification);
    # followed up: selesai, diproses, and the waiting one with a recorded follow-up date = 3 -> 75 %; selesai 1 -> 25 %.
    assert (st.received, st.followed_up_pct, st.resolved_pct) == (5, 75.0, 25.0)
    assert st.by_month.to_dict("records") == [
        {"Bulan": "Januari 2024", "Diterima": 2, "% ditindaklanjuti": 50.0, "% selesai": 50.0},
        {"Bulan": "Februari 2024", "Diterima": 3, "% ditindaklanjuti": 100.0, "% selesai": 0.0},
    ]
    cats = {r["Kategori"]: (r["Diterima"], r["% ditindaklanjuti"]) for r in st.by_category.to_dict("records")}
    assert cats["Infrastruktur"] == (2, 50.0) and cats["Kesehatan"] == (2, 100.0) and cats["(tanpa kategori)"][0] == 1
    units = {r["Unit"]: r["Diterima"] for r in st.by_unit.to_dict("records")}
    assert units == {"Dinas Komunikasi dan Informatika": 2, "Dinas Kesehatan": 2, "Belum terdisposisi": 1}
    assert st.years == [2024] and not st.synthetic and st.last_snapshot == date(2024, 3, 1)
    assert {t.key for t in st.targets} == {"jumlah_pengaduan", "persentase_penyelesaian"}


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
