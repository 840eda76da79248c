"""Impor Data LAPOR!: upload an export, preview it, map unknown statuses and instansi, then save."""
from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from assessment import complaints as svc, lapor_file, settings_store, units as units_svc
from assessment.config import get_settings
from assessment.errors import DomainError
from assessment.permissions import Perm
from pages import ui
from scoring import ranking as rk
from scoring.formatting import fmt_num


def fmt_int(n: int) -> str:
    return f"{int(n):,}".replace(",", ".")


actor = ui.require_actor()
ui.header(
    "Impor Data LAPOR!",
    "Unggah ekspor Excel SP4N-LAPOR! (atau salinan CSV-nya). Setiap impor menjadi satu snapshot bertanggal "
    "(Tanggal Generate di berkas): laporan diperbarui menurut Tracking ID dan riwayat statusnya disimpan, sehingga "
    "portal tahu pada snapshot mana laporan mulai ditindaklanjuti. Berkas diperiksa dulu (pratinjau); tidak ada "
    "yang disimpan sebelum Anda menekan Simpan, dan impor disimpan utuh atau tidak sama sekali.",
)
admin = ui.can_do(Perm.COMPLAINTS_IMPORT)
tabs = st.tabs(["Impor", "Riwayat snapshot", "Tabel status", "Hari kerja & batas waktu"])
KEY = "lapor_preview"

with tabs[0]:
    if not admin:
        st.info("Hanya admin (Dinas Kominfo) yang dapat mengimpor data LAPOR!.")
    else:
        limit = get_settings().max_import_mb
        # no `type=`: a wrong file gets the service's Indonesian reason instead of the widget's English tooltip
        up = st.file_uploader(f"Berkas ekspor (.xlsx atau .csv, maksimal {limit} MB)", accept_multiple_files=False,
                              key="lapor_file")
        own_date = st.checkbox("Tentukan tanggal snapshot sendiri (bila Tanggal Generate tidak ada atau salah)",
                               key="lapor_own_date")
        snap_date = st.date_input("Tanggal snapshot", value=date.today(), format="DD/MM/YYYY",
                                  key="lapor_snap_date") if own_date else None
        if st.button("Periksa berkas (pratinjau)", type="primary", disabled=up is None, key="lapor_check"):
            data = up.getvalue()
            size = (f"{fmt_num(len(data) / 1048576, 1)} MB" if len(data) >= 1048576 else
                    f"{fmt_num(max(len(data) / 1024, 0.1), 1)} KB")
            with st.spinner(f"Membaca {size} ..."):
                pv = svc.preview_import(actor, up.name, data, snap_date)
            del data  # the preview keeps what it read; the bytes are not needed again
            st.session_state[KEY] = {"preview": pv, "snapshot_date": snap_date}

    state = st.session_state.get(KEY)
    if admin and state:
        pv: svc.ImportPreview = state["preview"]
        st.subheader(f"Pratinjau: {pv.filename}")
        if pv.snapshot_date:
            st.caption(f"Snapshot {lapor_file.fmt_date(pv.snapshot_date)} - {pv.kind.upper()}"
                       + (f", {pv.encoding}, pemisah '{pv.delimiter}'" if pv.kind == "csv" else "")
                       + f" - {pv.rows:,} laporan".replace(",", "."))
        if pv.parsed is not None:  # a refused file has nothing to count
            c = st.columns(4)
            c[0].metric("Laporan di berkas", f"{pv.rows:,}".replace(",", "."))
            c[1].metric("Baru", fmt_int(pv.new))
            c[2].metric("Berubah", fmt_int(pv.updated))
            c[3].metric("Tetap", fmt_int(pv.unchanged))
        if pv.ok and pv.partial:
            st.metric("Tersimpan tetapi tidak ada di berkas", fmt_int(pv.absent))
        for w in pv.warnings:
            st.warning(w)
        if pv.problem_count:
            order_only = all(p.row is None and ("sudah diimpor" in p.message or "snapshot bertanggal" in p.message
                                                or "lebih awal daripada snapshot" in p.message) for p in pv.problems)
            file_wide = all(p.row is None for p in pv.problems) and len(pv.problems) <= 3
            said = " ".join((f"{p.column}: " if p.column else "") + p.message[:1].upper() + p.message[1:]
                            for p in pv.problems)
            if order_only:
                st.error("Berkas tidak dapat diimpor; tidak ada yang disimpan. " + said)
            elif file_wide:
                st.error(f"Berkas '{pv.filename}' tidak dapat diimpor; tidak ada yang disimpan. {said}")
            else:
                st.error(f"Berkas tidak dapat diimpor: {pv.problem_count} masalah (baris dan kolom di tabel). Perbaiki "
                         "berkasnya lalu unggah lagi; tidak ada yang disimpan.")
            st.dataframe(pv.problems_frame(), hide_index=True, width="stretch")
        confirm_partial = True
        if pv.ok and pv.partial:
            st.warning(
                f"Ekspor sebagian: {fmt_int(pv.absent)} laporan yang sudah tersimpan dari snapshot sebelumnya tidak ada "
                f"di berkas ini (mis. Tracking ID {', '.join(pv.absent_sample)}). Laporan itu tidak diperbarui: "
                "peringkat tetap memakai keadaan terakhir yang diketahui, sehingga laporan yang masih menunggu terus "
                "bertambah umurnya dan dapat masuk daftar punishment walaupun sebenarnya sudah ditindaklanjuti. "
                "Impor ekspor lengkap bila ada.")
            st.dataframe(pd.DataFrame(pv.absent_by_unit[:15], columns=["Unit", "Laporan tidak ada di berkas"]),
                         hide_index=True, width="stretch")
            if len(pv.absent_by_unit) > 15:
                st.caption(f"... dan {len(pv.absent_by_unit) - 15} unit lain.")
            confirm_partial = st.checkbox(f"Saya mengerti: simpan sebagai snapshot walaupun {fmt_int(pv.absent)} laporan "
                                          "tidak ada di berkas", key="lapor_partial_ok")
        status_map, unit_map = {}, {}
        if pv.ok and pv.unknown_statuses:
            st.markdown("**Status yang belum dikenal** - pilih status kanoniknya (tidak pernah ditebak):")
            for i, u in enumerate(pv.unknown_statuses):
                choice = st.selectbox(f"'{u.value}' ({u.count} laporan, mis. baris {', '.join(map(str, u.rows[:5]))})",
                                      [None, *rk.STATES], format_func=lambda v: "- pilih -" if v is None else rk.STATE_LABELS[v],
                                      key=f"map_status_{i}")
                if choice:
                    status_map[u.value] = choice
        if pv.ok and pv.unknown_units:
            st.markdown("**Instansi yang belum dikenal** - cocokkan dengan unit, atau buat unit baru (belum dikonfirmasi):")
            units = units_svc.list_units()
            units = sorted(units, key=lambda u: u.name.casefold())
            options = [None, "new:opd", "new:kecamatan", *[u.id for u in units]]
            label = {None: "- pilih -", "new:opd": "Buat unit baru (OPD)", "new:kecamatan": "Buat unit baru (Kecamatan)",
                     **{u.id: u.name for u in units}}
            for i, u in enumerate(pv.unknown_units):
                choice = st.selectbox(f"'{u.value}' ({u.count} laporan, mis. baris {', '.join(map(str, u.rows[:5]))})",
                                      options, format_func=lambda v: label[v], key=f"map_unit_{i}")
                if choice is not None:
                    unit_map[u.value] = choice
        if pv.ok:
            ready = pv.ready(status_map, unit_map)
            if not ready:
                st.info("Petakan semua status dan instansi yang belum dikenal untuk melanjutkan.")
            elif not confirm_partial:
                st.info("Centang konfirmasi ekspor sebagian di atas untuk menyimpan.")
            if st.button("Simpan impor", type="primary", disabled=not (ready and confirm_partial), key="lapor_save"):
                bar = st.progress(0.0, text="Menyimpan ...")
                try:
                    res = svc.commit_import(actor, pv.filename, None, state["snapshot_date"], status_map,
                                            unit_map, progress=lambda f, m: bar.progress(min(max(f, 0.0), 1.0), text=m),
                                            parsed=pv.parsed, allow_partial=pv.partial and confirm_partial)
                    del st.session_state[KEY]
                    st.success(f"Snapshot {lapor_file.fmt_date(res.snapshot_date)} tersimpan: {res.new} baru, "
                               f"{res.updated} berubah, {res.unchanged} tetap. Lihat halaman Peringkat OPD.")
                except DomainError as exc:
                    ui.show_error(exc)

with tabs[1]:
    if st.session_state.get("lapor_deleted"):
        st.success(st.session_state.pop("lapor_deleted"))
    snaps = svc.list_snapshots(actor)
    if not snaps:
        st.info("Belum ada snapshot yang diimpor.")
    else:
        st.dataframe(pd.DataFrame([{
            "Tanggal snapshot": lapor_file.fmt_date(x.snapshot_date), "Berkas": x.filename, "Laporan": x.rows,
            "Baru": x.new, "Berubah": x.updated, "Tetap": x.unchanged,
            "Keterangan": x.label if x.synthetic else "", "Diimpor oleh": x.imported_by, "Waktu (WIB)": ui.wib(x.imported_at),
        } for x in snaps]), hide_index=True, width="stretch")
        if admin:
            last = snaps[0]
            with st.expander(f"Hapus snapshot terakhir ({lapor_file.fmt_date(last.snapshot_date)}) - batalkan impor yang keliru"):
                st.caption("Hanya snapshot terakhir yang dapat dihapus. Laporan yang pertama kali muncul di snapshot itu "
                           "dihapus; laporan yang diubahnya kembali seperti pada snapshot sebelumnya; riwayat status dan "
                           "data peringkatnya ikut dihapus; tercatat di log audit. Pemetaan status dan unit baru yang "
                           "ditambahkan saat impor itu tetap ada.")
                sure = st.checkbox(f"Ya, hapus snapshot {lapor_file.fmt_date(last.snapshot_date)} ({last.filename}, "
                                   f"{fmt_int(last.rows)} laporan)", key="lapor_del_ok")
                if st.button("Hapus snapshot terakhir", disabled=not sure, key="lapor_del"):
                    try:
                        r = svc.delete_latest_snapshot(actor, last.snapshot_date)
                        st.session_state["lapor_deleted"] = (
                            f"Snapshot {lapor_file.fmt_date(r.snapshot_date)} dihapus: {fmt_int(r.removed_reports)} "
                            f"laporan baru dihapus, {fmt_int(r.restored_reports)} laporan dipulihkan, "
                            f"{fmt_int(r.reseen_reports)} kembali ke penampakan sebelumnya. Snapshot terakhir sekarang: "
                            + (lapor_file.fmt_date(r.previous) if r.previous else "tidak ada") + ".")
                        st.session_state.pop(KEY, None)
                        st.session_state.pop("lapor_del_ok", None)
                        st.rerun()
                    except DomainError as exc:
                        ui.show_error(exc)

with tabs[2]:
    st.caption("Status mentah di ekspor LAPOR! dipetakan ke status kanonik. Pencocokan mengabaikan huruf besar/kecil "
               "dan spasi. Mengubah pemetaan ikut mengubah status laporan yang sudah tersimpan.")
    sm = svc.status_map()
    st.dataframe(sm.rename(columns={"raw": "Status mentah", "state": "Status kanonik", "source": "Sumber",
                                    "reports": "Laporan", "updated_by": "Diubah oleh"})[
        ["Status mentah", "Status kanonik", "Sumber", "Laporan", "Diubah oleh"]], hide_index=True, width="stretch")
    if admin:
        with st.form("status_map_form"):
            raw = st.text_input("Status mentah (seperti tertulis di ekspor)")
            state_sel = st.selectbox("Status kanonik", list(rk.STATES), format_func=lambda v: rk.STATE_LABELS[v])
            if st.form_submit_button("Simpan pemetaan"):
                try:
                    svc.set_status_mapping(actor, raw, state_sel)
                    st.success("Pemetaan tersimpan.")
                except DomainError as exc:
                    ui.show_error(exc)

with tabs[3]:
    st.caption("Hari kerja = Senin-Jumat, dikurangi hari libur nasional (paket `holidays`, Indonesia) dan cuti "
               "bersama yang dicatat di sini sesuai SKB tiap tahun.")
    year = st.selectbox("Tahun", ui.year_options(2018), key="cuti_year")
    days = svc.list_cuti_bersama(year)
    st.dataframe(pd.DataFrame([{"Tanggal": lapor_file.fmt_date(d.day), "Keterangan": d.note or "",
                                "Dicatat oleh": d.updated_by} for d in days], columns=["Tanggal", "Keterangan", "Dicatat oleh"]),
                 hide_index=True, width="stretch")
    if ui.can_do(Perm.SETTINGS_EDIT):
        sugg = svc.suggest_cuti_bersama(year)
        if sugg:
            st.caption("Usulan dari paket `holidays` (periksa dengan SKB sebelum menambahkan): "
                       + "; ".join(f"{lapor_file.fmt_date(d)} ({n})" for d, n in sugg))
        with st.form("cuti_form"):
            c1, c2 = st.columns([1, 2])
            day = c1.date_input("Tanggal cuti bersama", value=date(year, 1, 2), format="DD/MM/YYYY")
            note = c2.text_input("Keterangan", value="Cuti bersama")
            add, rem = st.columns(2)
            if add.form_submit_button("Tambah"):
                try:
                    svc.add_cuti_bersama(actor, day, note)
                    st.success("Cuti bersama ditambahkan.")
                except DomainError as exc:
                    ui.show_error(exc)
            if rem.form_submit_button("Hapus tanggal ini"):
                try:
                    svc.remove_cuti_bersama(actor, day)
                    st.success("Cuti bersama dihapus.")
                except DomainError as exc:
                    ui.show_error(exc)
    st.markdown("**Batas waktu (hari kerja)** - diubah di pengaturan metode; dicatat pada setiap peringkat.")
    cat = svc.time_limit_catalogue()
    st.dataframe(pd.DataFrame([{"Tahap": r["label"], "Batas (hari kerja)": settings_store.get(r["key"]),
                                "Klasifikasi": ", ".join(r.get("classifications") or ["semua"]), "Sumber": r["source"]}
                               for r in cat["steps"] + cat["completion"]]), hide_index=True, width="stretch")
