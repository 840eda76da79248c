"""Statistik Publik: open to everyone, no login. Counts only: never a name, a report text or a Tracking ID."""
from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from assessment import public_stats
from assessment.config import get_settings
from pages import ui

ui.header(
    "Statistik Publik SP4N-LAPOR! Kabupaten Blitar",
    "Keterbukaan pengelolaan pengaduan (nilai transparan, Peraturan Bupati Blitar 54/2022): jumlah laporan "
    "yang diterima per bulan, per kategori dan per unit, berapa persen yang sudah ditindaklanjuti dan yang "
    "selesai, serta target sasaran strategis (Tabel 6) dibanding capaiannya. Halaman ini hanya memuat angka: "
    "tidak ada nama pelapor, isi laporan, atau nomor Tracking ID. Persentase dihitung dari laporan yang perlu "
    "ditindaklanjuti (menunggu tindak lanjut, diproses, selesai), menurut status terakhir yang diketahui.",
)


@st.cache_data(ttl=300, show_spinner=False, max_entries=50)
def _stats(database_url: str, stamp: tuple, year):
    # Many visitors at once cost one aggregation; a new import or Tabel 2 edit changes `stamp`.
    return public_stats.statistics(year)


url = get_settings().database_url
stamp = public_stats.data_stamp()
first = _stats(url, stamp, None)
if not first.years:
    st.info("Belum ada data laporan SP4N-LAPOR! yang diimpor. Statistik akan tampil setelah data pertama diimpor.")
    data = first
else:
    year = st.selectbox("Tahun", first.years, key="public_year")
    data = _stats(url, stamp, int(year))
    if data.synthetic:
        st.warning("DATA SINTETIS (demo): sebagian atau seluruh angka di bawah berasal dari data contoh buatan, "
                   "bukan laporan masyarakat yang sebenarnya.")
    if data.last_snapshot:
        st.caption(f"Data sampai dengan ekspor LAPOR! tanggal {data.last_snapshot:%d-%m-%Y}.")
    c1, c2, c3 = st.columns(3)
    c1.metric("Laporan diterima", f"{data.received:,}".replace(",", "."))
    c2.metric("Ditindaklanjuti", ui.fmt_pct(data.followed_up_pct))
    c3.metric("Selesai", ui.fmt_pct(data.resolved_pct))

    if not data.by_month.empty:
        st.subheader("Per bulan")
        order = list(data.by_month["Bulan"])
        long = data.by_month.melt(id_vars="Bulan", value_vars=["% ditindaklanjuti", "% selesai"],
                                  var_name="Ukuran", value_name="Persen")
        bars = alt.Chart(data.by_month).mark_bar(color="#4C78A8").encode(
            x=alt.X("Bulan:N", sort=order, title=None), y=alt.Y("Diterima:Q", title="Laporan diterima"),
            tooltip=["Bulan", "Diterima"])
        st.altair_chart(bars, width="stretch")
        lines = alt.Chart(long).mark_line(point=True).encode(
            x=alt.X("Bulan:N", sort=order, title=None), y=alt.Y("Persen:Q", scale=alt.Scale(domain=[0, 100])),
            color=alt.Color("Ukuran:N", title=None), tooltip=["Bulan", "Ukuran", "Persen"])
        st.altair_chart(lines, width="stretch")
        st.dataframe(data.by_month, hide_index=True, width="stretch")

    col_a, col_b = st.columns(2)
    with col_a:
        st.subheader("Per kategori")
        st.dataframe(data.by_category, hide_index=True, width="stretch")
    with col_b:
        st.subheader("Per unit")
        st.dataframe(data.by_unit, hide_index=True, width="stretch")

st.subheader("Target sasaran strategis (Tabel 6)")
if not data.targets:
    st.info("Belum ada target sasaran strategis.")
else:
    rows = [{
        "Indikator": r.name, "Tahun": str(r.year), "Target": ui.fmt_num(r.target, 0),
        "Capaian": "-" if r.actual is None else ui.fmt_num(r.actual, 1),
        "Status": r.status + (" (sementara)" if r.provisional else ""),
        "Sumber capaian": r.source or "-",
    } for r in data.targets]
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
    st.caption("Capaian diambil dari Tabel 2 (Informasi Umum) Pemerintah Kabupaten Blitar. "
               "Tahun yang belum lengkap 12 bulan ditandai sementara.")
