"""Beranda: what the portal is for, and where each user starts."""
from __future__ import annotations

import streamlit as st

from assessment import assessments
from assessment.datafiles import load_yaml
from pages import ui

actor = ui.require_actor()
inst = load_yaml("instansi.yaml") or {}
ui.header(
    "Portal Monev SP4N-LAPOR!",
    f"{inst.get('name', '')} - monitoring dan evaluasi pengelolaan pengaduan pelayanan publik "
    f"menurut {inst.get('regulation', '')} (Road Map SP4N 2020-2024, PermenPANRB 46/2020).",
)

st.markdown(
    """
**Apa yang dapat dilakukan di portal ini**
1. **Asesmen Mandiri** - Tim Asesor (atau operator OPD untuk unitnya) mengisi 22 pertanyaan matriks
   asesmen (Tabel 3) dengan nilai 1-4, catatan dan bukti dukung. Isian tersimpan otomatis.
   Tim juga dapat menilai sendiri-sendiri lalu bermusyawarah (**Konsensus Tim Asesor**), atau mengisi
   lewat Excel tanpa portal (**Asesmen Offline**).
2. **Ajukan** - setelah 22 pertanyaan terisi, asesmen diajukan; Verifikator memverifikasi atau
   mengembalikannya dengan komentar; Admin/Verifikator memfinalkan.
3. **Hasil & Prioritas** - kategorisasi (Tabel 4), rata-rata tiap aspek dan usulan prioritas 1-5
   (Tabel 5). Tim dapat menetapkan prioritas akhir yang berbeda dengan alasan. **Perbandingan**
   menunjukkan perubahan antar tahun dan antar unit.
4. **Informasi Umum** - angka umum pengaduan per tahun (Tabel 2).
5. **Rencana Aksi** - jadwal dan capaian rencana aksi 2022-2024 (Tabel 7 dan 9), target strategis
   (Tabel 6) dan indikator keberhasilan (Tabel 8).
6. **Pengaduan LAPOR!** - impor ekspor data SP4N-LAPOR!, lalu peringkat OPD dan kecamatan untuk
   *reward* dan *punishment* (renaksi I.3.3 dan I.3.4).
7. **Scorecard Pimpinan** untuk Bupati dan Sekda; **Statistik Publik** terbuka tanpa login.

Menu di kiri hanya menampilkan halaman yang boleh dipakai peran Anda. Ukuran huruf dapat diubah di
bagian bawah menu.
"""
)

items = assessments.list_assessments(actor)
st.subheader("Asesmen yang ada")
if not items:
    st.info("Belum ada asesmen. Buka **Asesmen Mandiri** untuk memulai.")
else:
    st.dataframe(
        [{"Unit": a.unit_name, "Tahun": a.year, "Status": a.state_label, "Terisi": f"{a.answered}/{a.total}",
          "Diubah": ui.wib(a.updated_at)} for a in items],
        hide_index=True, width="stretch",
    )
