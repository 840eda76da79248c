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
def _stats(database_url: str, stamp: tuple, year, min_count: int):
    # Many visitors at once cost one aggregation; a new import or Tabel 2 edit changes `stamp`,
    # a changed `public.min_count` the last argument.
    return public_stats.statistics(year, min_count)


url = get_settings().database_url
stamp = public_stats.data_stamp()
min_count = public_stats.min_count()
first = _stats(url, stamp, None, min_count)
if not first.years:
    st.info("Belum ada data laporan SP4N-LAPOR! yang diimpor. Statistik akan tampil setelah data pertama diimpor.")
    data = first
else:
    year = st.selectbox("Tahun", first.years, key="public_year")
    data = _stats(url, stamp, int(year), min_count)
    if data.synthetic:
        st.warning("DATA SINTETIS (demo): sebagian atau seluruh angka di bawah berasal dari data contoh buatan, "
                   "bukan laporan masyarakat yang sebenarnya.")
    if data.last_snapshot:
        st.caption(data.snapshot_caption)
    c1, c2, c3 = st.columns(3)
    c1.metric("Laporan diterima", data.received_text)
    c2.metric("Ditindaklanjuti", data.followed_up_text)
    c3.metric("Selesai", data.resolved_text)
    if data.suppressed:
        st.caption(data.suppression_note)

    if not data.by_month.empty:
        st.subheader("Per bulan")
        order = list(data.by_month["Bulan"])
        # Hidden counts are None in month_chart: they get no bar and no point, and are not in the chart data.
        # Tooltips use text columns ("2.507", "99,1 %"), written like the tables below.
        chart = public_stats.chart_tooltips(data.month_chart)
        shown = chart.dropna(subset=["Diterima"]).astype({"Diterima": int})
        long = pd.concat([
            chart[["Bulan", col, col + " (teks)"]].rename(columns={col: "Persen", col + " (teks)": "Nilai"})
            .assign(Ukuran=col) for col in ("% ditindaklanjuti", "% selesai")
        ]).dropna(subset=["Persen"])
        if not shown.empty:
            bars = alt.Chart(shown).mark_bar(color="#4C78A8").encode(
                x=alt.X("Bulan:N", sort=order, title=None), y=alt.Y("Diterima:Q", title="Laporan diterima"),
                tooltip=[alt.Tooltip("Bulan:N"), alt.Tooltip("Diterima (teks):N", title="Diterima")])
            st.altair_chart(bars, width="stretch")
        if not long.empty:
            lines = alt.Chart(long.astype({"Persen": float})).mark_line(point=True).encode(
                x=alt.X("Bulan:N", sort=order, title=None), y=alt.Y("Persen:Q", scale=alt.Scale(domain=[0, 100])),
                color=alt.Color("Ukuran:N", title=None),
                tooltip=[alt.Tooltip("Bulan:N"), alt.Tooltip("Ukuran:N"), alt.Tooltip("Nilai:N", title="Persen")])
            st.altair_chart(lines, width="stretch")
        st.dataframe(public_stats.table_text(data.by_month), hide_index=True, width="stretch")

    col_a, col_b = st.columns(2)
    with col_a:
        st.subheader("Per kategori")
        st.dataframe(public_stats.table_text(data.by_category), hide_index=True, width="stretch")
    with col_b:
        st.subheader("Per unit")
        st.dataframe(public_stats.table_text(data.by_unit), hide_index=True, width="stretch")

st.subheader("Target sasaran strategis (Tabel 6)")
if not data.targets:
    st.info("Belum ada target sasaran strategis.")
else:
    st.dataframe(public_stats.target_table(data), hide_index=True, width="stretch")
    st.caption("Capaian diambil dari Tabel 2 (Informasi Umum) Pemerintah Kabupaten Blitar. "
               "Tahun yang belum lengkap 12 bulan ditandai sementara.")
