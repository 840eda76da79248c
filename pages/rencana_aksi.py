"""Rencana Aksi 2022-2024 (Tabel 7/9): the filterable table with in-place editing by item id, the
timeline (plan vs baseline vs status), roll-ups and late items, per-item edits with evidence, export."""
from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from assessment import evidence, renaksi
from assessment.errors import DomainError
from assessment.permissions import Perm
from pages import ui
from scoring import renaksi as sr

actor = ui.require_actor()
ui.header(
    "Rencana Aksi 2022-2024",
    "Semua kelompok program, program dan kegiatan Tabel 9 (ditambah tiga butir Tabel 7 yang tidak dijadwalkan) "
    "dengan jadwal, status, progres dan bukti per tahun. Saring tabel, pilih satu tahun untuk mengubah status "
    "langsung di tabel, atau buka tab 'Ubah rinci & bukti' untuk mengunggah bukti. Butir terlambat: tahun "
    "rencananya sudah lewat tanpa status Selesai. Progres program = rata-rata progres kegiatannya pada tahun itu.",
)
if st.session_state.get("ra_flash"):
    st.success(st.session_state.pop("ra_flash"))

YEARS = list(renaksi.plan_years())
with st.expander("Tanggal acuan & tampilan", expanded=False):
    today = st.date_input("Tanggal acuan keterlambatan", value=renaksi.today_wib(), key="ra_today",
                          help="Bawaan: hari ini (WIB). Ubah untuk melihat keadaan pada tanggal lain.")
    show_retired = st.checkbox("Tampilkan butir yang dipensiunkan", key="ra_retired")
all_items = renaksi.list_items(actor, today=today, include_retired=show_retired)
kp_titles = {it.kp: it.title for it in all_items if it.level == "kp"}

c1, c3, c4, c5 = st.columns([2, 2, 2, 1])
f_kp = c1.multiselect("Kelompok program", list(kp_titles), format_func=lambda k: f"KP {k} {kp_titles[k]}", key="ra_f_kp", placeholder="Semua KP")
f_party = c3.multiselect("Pihak terlibat", renaksi.all_party_tokens(all_items), key="ra_f_party",
                         placeholder="Semua pihak")
f_status = c4.multiselect("Status", list(sr.STATUSES), format_func=sr.status_label, key="ra_f_status",
                          placeholder="Semua status")
f_late = c5.selectbox("Keterlambatan", ["Semua", "Terlambat", "Tidak terlambat"], key="ra_f_late")
f_late = {"Semua": None, "Terlambat": True, "Tidak terlambat": False}[f_late]
c2, c6, c7 = st.columns([2, 2, 1])
year_choice = c2.segmented_control("Tahun", ["Semua tahun"] + [str(y) for y in YEARS], default="Semua tahun",
                                   key="ra_f_year")
f_year = None if year_choice in (None, "Semua tahun") else int(year_choice)
f_text = c6.text_input("Cari kode atau uraian", key="ra_f_text")
mine = c7.checkbox("Hanya butir unit saya", key="ra_f_mine", value=actor.role == "operator_opd",
                   disabled=actor.unit_id is None)
rows = renaksi.filter_items(all_items, kp=f_kp, year=f_year, parties=f_party, statuses=f_status, late=f_late,
                            unit_id=actor.unit_id if mine and actor.unit_id else None, text=f_text)
filters = renaksi.describe_filters(f_kp, f_year, f_party, f_status, f_late, f_text)
st.caption(ui.escape_md(f"{len(rows)} butir ditampilkan" + (f" (filter: {filters})" if filters else "") + "."))
if not rows and mine and actor.unit_id:
    st.info(
        "Belum ada butir rencana aksi yang ditugaskan ke unit Anda. Butir ditugaskan ke unit oleh Admin "
        "(Dinas Kominfo) di halaman **Katalog Rencana Aksi** (menu Pengaturan), tab **Unit penanggung jawab**: "
        "pilih butirnya, pilih unitnya, lalu simpan. Bila unit Anda seharusnya ikut menangani sebuah butir, "
        "hubungi Admin. Untuk melihat semua butir, hapus centang \"Hanya butir unit saya\".",
        icon=":material/info:")
can_update = ui.can_do(Perm.RENAKSI_UPDATE)

t_table, t_time, t_roll, t_edit = st.tabs(["Tabel", "Linimasa", "Rekap & keterlambatan", "Ubah rinci & bukti"])

with t_table:
    if f_year is None or not can_update:
        st.dataframe(pd.DataFrame(renaksi.overview_rows(rows, YEARS)), hide_index=True, width="stretch")
        if can_update:
            st.info("Pilih satu tahun pada filter 'Tahun' untuk mengubah status langsung di tabel.")
    else:
        # The editor works on a snapshot taken when this view was opened, so its rows never shift under
        # the user's edits; each save names the item id and the version the user saw.
        sig = (f_year, filters, bool(mine), show_retired, str(today))
        snap = st.session_state.get("ra_snap")
        if snap is None or snap["sig"] != sig:
            base, versions = renaksi.editor_rows(rows, f_year)
            snap = {"sig": sig, "rows": base, "versions": versions, "nonce": st.session_state.get("ra_nonce", 0) + 1}
            st.session_state["ra_nonce"] = snap["nonce"]
            st.session_state["ra_snap"] = snap
        df = pd.DataFrame.from_dict(snap["rows"], orient="index")
        if df.empty:
            st.info("Tidak ada butir yang dijadwalkan pada tahun ini dengan filter tersebut.")
        else:
            df.index.name = "item_id"
            edited = st.data_editor(
                df, key=f"ra_editor_{snap['nonce']}", hide_index=True, width="stretch", num_rows="fixed",
                disabled=[c for c in df.columns if c not in renaksi.EDITABLE_COLS],
                column_config={
                    renaksi.COL_STATUS: st.column_config.SelectboxColumn(
                        renaksi.COL_STATUS, options=list(sr.STATUSES.values()), required=True),
                    renaksi.COL_PROGRESS: st.column_config.NumberColumn(renaksi.COL_PROGRESS, min_value=0,
                                                                       max_value=100, step=1),
                    "Terlambat": st.column_config.CheckboxColumn("Terlambat"),
                    "Uraian (Tabel 9)": st.column_config.TextColumn("Uraian (Tabel 9)", width="medium"),
                },
            )
            edits = renaksi.diff_edits(snap["rows"], edited.to_dict("index"), f_year, snap["versions"])
            b1, b2, b3 = st.columns([1, 1, 3])
            if b1.button(f"Simpan {len(edits)} perubahan", type="primary", disabled=not edits, key="ra_save"):
                try:
                    n = renaksi.apply_edits(actor, edits)
                    st.session_state.pop("ra_snap", None)
                    st.session_state["ra_flash"] = f"{n} butir tahun {f_year} tersimpan."
                    st.rerun()
                except DomainError as exc:
                    ui.show_error(exc)
            if b2.button("Muat ulang data", key="ra_reload", help="Buang perubahan yang belum disimpan"):
                st.session_state.pop("ra_snap", None)
                st.rerun()
            b3.caption("Tabel ini memakai data saat dibuka. Jika orang lain mengubah butir yang sama, "
                       "penyimpanan ditolak dan Anda diminta memuat ulang.")
    st.download_button(
        "Unduh Excel (format Tabel 9)", data=renaksi.export_excel(rows, YEARS, filters, today),
        file_name=f"rencana_aksi_{today.isoformat()}.xlsx", key="ra_export",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        help="Berisi tepat baris yang ditampilkan filter.", on_click="ignore",
    )

with t_time:
    plans, states = renaksi.scoring_plans([it for it in rows if it.level != "kp"])
    tl = pd.DataFrame(sr.timeline_rows(plans, states))
    if not tl.empty:
        titles = {it.code: it.title for it in rows}
        tl["title"] = tl["code"].map(titles)
    if tl.empty:
        st.info("Tidak ada butir terjadwal untuk ditampilkan.")
    else:
        order = [p.code for p in plans]
        colors = alt.Scale(domain=list(sr.STATUSES.values()) + ["Tidak dijadwalkan lagi"],
                           range=["#c7c7c7", "#f2b134", "#4caf50", "#8e6c8a", "#ffffff"])
        base = alt.Chart(tl).encode(
            x=alt.X("year:O", title="Tahun", axis=alt.Axis(orient="top", labelAngle=0)),
            y=alt.Y("code:N", sort=order, title="Butir", axis=alt.Axis(labelOverlap=False)),
            tooltip=[alt.Tooltip("code:N", title="Kode"), alt.Tooltip("title:N", title="Uraian"),
                     alt.Tooltip("year:O", title="Tahun"),
                     alt.Tooltip("status:N", title="Status"), alt.Tooltip("progress:Q", title="Progres (%)"),
                     alt.Tooltip("rencana:N", title="Rencana")])
        current = base.mark_rect().encode(color=alt.Color("status:N", scale=colors, title="Status"))
        frame = base.transform_filter("datum.rencana != 'hanya rencana kini'").mark_rect(
            fill=None, stroke="#1f3b73", strokeWidth=2, strokeDash=[4, 2])
        late = base.transform_filter("datum.late").mark_text(text="!", fontWeight="bold", color="#b00020", size=14)
        st.altair_chart((current + frame + late).properties(height=max(160, 20 * len(order))), width="stretch")
        st.caption("Kotak berwarna: rencana kini dan statusnya. Bingkai putus-putus: rencana awal (baseline). "
                   "Kotak putih berbingkai: tahun yang dihapus dari rencana. Tanda '!': terlambat.")

with t_roll:
    st.caption("Rekap seluruh butir aktif (tidak mengikuti filter). Dihitung per butir-tahun yang diisi langsung: "
               "kegiatan, dan program pada tahun tanpa kegiatan terjadwal. % selesai tidak menghitung "
               "'Tidak dilaksanakan'.")
    tables = renaksi.rollup_tables(all_items)
    st.subheader("Per kelompok program")
    st.dataframe(pd.DataFrame(tables["per_kp"]), hide_index=True, width="stretch")
    st.subheader("Per tahun")
    st.dataframe(pd.DataFrame(tables["per_year"]), hide_index=True, width="stretch")
    kp_year = pd.DataFrame(tables["kp_year"])
    if not kp_year.empty:
        st.subheader("% selesai per kelompok program dan tahun")
        st.dataframe(kp_year.pivot(index="KP", columns="Tahun", values="% selesai"), width="stretch")
    st.subheader(f"Butir terlambat per {today.strftime('%d-%m-%Y')} ({len(tables['late'])})")
    if tables["late"]:
        st.dataframe(pd.DataFrame(tables["late"]), hide_index=True, width="stretch")
    else:
        st.success("Tidak ada butir yang terlambat.")

with t_edit:
    tracked = [it for it in rows if it.tracked]
    if not tracked:
        st.info("Tidak ada butir terjadwal dengan filter ini.")
    else:
        ids = [it.id for it in tracked]
        by_id = {it.id: it for it in tracked}
        if st.session_state.get("ra_d_item") not in ids:
            st.session_state["ra_d_item"] = ids[0]
        item = by_id[st.selectbox("Butir", ids, key="ra_d_item",
                                  format_func=lambda i: f"{by_id[i].code} {by_id[i].title[:90]}")]
        years = list(item.planned_years)
        year = st.selectbox("Tahun", years, index=years.index(f_year) if f_year in years else 0,
                            key=f"ra_d_year_{item.id}")
        yv = item.years[year]
        m1, m2, m3, m4 = st.columns([2, 1, 1, 1])
        m1.metric("Status", yv.status_label)
        m2.metric("Progres", "-" if yv.progress is None else f"{yv.progress:.1f} %")
        m3.metric("Terlambat", "Ya" if yv.late else "Tidak")
        m4.metric("Versi", yv.version)
        st.caption(ui.escape_md(
            f"Pihak terlibat: {item.parties or '-'} | Unit penanggung jawab: "
            f"{', '.join(n for _u, n in item.responsible) or '-'} | Jadwal: {item.plan_diff.label} | "
            f"Terakhir diubah: {yv.updated_by or '-'} {ui.wib(yv.updated_at)}"))
        if item.title_tabel7:
            st.caption(ui.escape_md("Rumusan Tabel 7: " + item.title_tabel7))
        if item.notes:
            st.caption(ui.escape_md("Catatan: " + item.notes))
        if yv.derived:
            st.info("Status program pada tahun ini dihitung dari kegiatannya: " + ", ".join(yv.counted)
                    + (f"; tidak dihitung (tidak dilaksanakan): {', '.join(yv.excluded)}" if yv.excluded else "")
                    + ". Ubah status kegiatannya.")
        for ev in yv.evidence:
            e1, e2 = st.columns([4, 1])
            if ev.kind == "link":
                e1.link_button(f"Tautan: {(ev.url or '')[:80]}", ev.url or "")
            else:
                name, ctype, data = evidence.download(ev.id)
                e1.download_button(ev.label, data=data, file_name=name, mime=ctype, key=f"ra_dl_{ev.id}")
            if can_update and e2.button("Hapus", key=f"ra_rm_{ev.id}"):
                try:
                    renaksi.remove_evidence(actor, item.id, year, ev.id)
                    st.rerun()
                except DomainError as exc:
                    ui.show_error(exc)
        if can_update and not yv.derived:
            submit_key = f"ra_d_submit_{item.id}_{year}"
            seen_key = f"ra_d_seen_{item.id}_{year}"
            if not st.session_state.get(submit_key) or seen_key not in st.session_state:
                st.session_state[seen_key] = yv.version  # the version this form shows
            with st.form(f"ra_d_form_{item.id}_{year}"):
                labels = list(sr.STATUSES.values())
                status = st.selectbox("Status", labels, index=labels.index(yv.status_label))
                progress = st.number_input("Progres (%)", min_value=0, max_value=100, step=1,
                                           value=int(round(yv.progress or 0)))
                reason = st.text_input("Alasan (wajib jika Tidak dilaksanakan)", value=yv.reason or "")
                note = st.text_area("Catatan", value=yv.note or "")
                link = st.text_input("Tautan bukti (http/https)")
                upload = st.file_uploader(ui.evidence_upload_label())
                if st.form_submit_button("Simpan", type="primary", key=submit_key):
                    try:
                        keep = status in (sr.STATUSES[sr.BERJALAN], sr.STATUSES[sr.TIDAK])  # Selesai/Belum set 100/0
                        renaksi.set_status(actor, item.code, year, status, progress=progress if keep else None, note=note,
                                           reason=reason, expected_version=st.session_state[seen_key],
                                           evidence_link=link or None,
                                           evidence_file=(upload.name, upload.getvalue()) if upload else None)
                        st.session_state.pop(seen_key, None)
                        st.session_state["ra_flash"] = f"Butir {item.code} tahun {year} tersimpan."
                        st.session_state.pop("ra_snap", None)
                        st.rerun()
                    except DomainError as exc:
                        st.session_state.pop(seen_key, None)
                        ui.show_error(exc)
