"""Perbandingan: two years of one unit, and units side by side (heat map, averages, ranking per kind)."""
from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from assessment import assessments, comparison, units as units_svc
from assessment.errors import DomainError
from pages import ui
from scoring import comparison as cmp
from scoring.assessment import round2

actor = ui.require_actor()
ui.header(
    "Perbandingan Asesmen",
    "Antar tahun: nilai tiap pertanyaan dan rata-rata tiap aspek satu unit pada dua tahun, dengan perubahan "
    "(membaik, menurun, tetap); urutkan menurut peningkatan untuk melihat kemajuan terbesar. Antar unit: peta "
    "panas 22 pertanyaan untuk semua unit yang sudah menilai diri pada satu tahun, rata-rata per jenis unit, dan "
    "peringkat yang hanya membandingkan unit sejenis (OPD dengan OPD, kecamatan dengan kecamatan).",
)
KIND_LABELS = {**units_svc.KINDS, **{None: "Semua jenis"}}
STATUS = {**cmp.STATUS_LABELS, None: "-"}


def num(x) -> str:
    """Two decimals with the Indonesian decimal comma (3,50), as on the results page and in the document."""
    return ui.fmt_num(round2(x))


def signed(x) -> str:
    """A change: +0,33 / -0,20 / 0,00; "-" when there is none."""
    return "-" if x is None else ("+" if x > 0 else "") + ui.fmt_num(x)

tab_years, tab_units = st.tabs(["Antar tahun (satu unit)", "Antar unit (satu tahun)"])

with tab_years:
    all_units = units_svc.list_units()
    if actor.role == "operator_opd":
        all_units = [u for u in all_units if u.id == actor.unit_id]
    names = {u.id: u.name for u in all_units}
    if not names:
        st.info("Belum ada unit yang dapat Anda pilih.")
    else:
        # Open on a unit that can be compared (two years or more), not on an empty first unit of the list.
        per_unit: dict[int, int] = {}
        for a in assessments.list_assessments(actor):
            per_unit[a.unit_id] = per_unit.get(a.unit_id, 0) + 1
        comparable = [u for u in names if per_unit.get(u, 0) >= 2]
        start = list(names).index(comparable[0]) if comparable else 0
        unit_id = st.selectbox("Unit", list(names), format_func=names.get, key="cmp_unit", index=start,
                               placeholder="Pilih unit")
        if not comparable:
            st.caption("Belum ada unit dengan asesmen pada dua tahun atau lebih.")
        years = sorted({a.year for a in comparison.unit_years(actor, unit_id)}, reverse=True)
        if len(years) < 2:
            st.info(f"{names[unit_id]} baru memiliki {len(years)} asesmen; perbandingan antar tahun memerlukan dua.")
        else:
            c1, c2 = st.columns(2)
            y_old = c1.selectbox("Tahun pembanding (lama)", years, index=1, key="cmp_year_old",
                                 placeholder="Pilih tahun")
            y_new = c2.selectbox("Tahun yang dinilai (baru)", years, index=0, key="cmp_year_new",
                                 placeholder="Pilih tahun")
            try:
                yc = comparison.compare_years(actor, unit_id, y_old, y_new)
            except DomainError as exc:
                ui.show_error(exc)
                yc = None
            if yc is not None:
                for n in yc.notes:
                    st.warning(n)
                m1, m2, m3, m4 = st.columns(4)
                m1.metric("Pertanyaan membaik", yc.count(cmp.IMPROVED))
                m2.metric("Pertanyaan menurun", yc.count(cmp.DECLINED))
                m3.metric("Pertanyaan tetap", yc.count(cmp.SAME))
                m4.metric(f"Rata-rata {yc.year_new}", num(yc.mean_new),
                          delta=None if yc.mean_change is None else signed(yc.mean_change),
                          help=f"Rata-rata 22 nilai; {yc.year_old}: {num(yc.mean_old)}")
                order = st.radio("Urutkan", ["Urutan pertanyaan/aspek", "Peningkatan terbesar dulu",
                                             "Penurunan terbesar dulu"], horizontal=True, key="cmp_sort")

                def _sorted(rows):
                    if order.startswith("Peningkatan"):
                        return cmp.by_improvement(rows)
                    if order.startswith("Penurunan"):
                        return list(reversed(cmp.by_improvement([r for r in rows if r.change is not None]))) + [
                            r for r in rows if r.change is None]
                    return list(rows)

                st.subheader("Per aspek")
                aspect_rows = [{
                    "Aspek": a.name, f"Rata-rata {yc.year_old}": num(a.old_mean),
                    f"Rata-rata {yc.year_new}": num(a.new_mean), "Perubahan": signed(a.change),
                    "Keterangan": STATUS[a.status],
                } for a in _sorted(yc.aspects)]
                st.dataframe(pd.DataFrame(aspect_rows), hide_index=True, width="stretch")
                chart = pd.DataFrame([{"Aspek": a.name, "Perubahan": a.change or 0.0, "Label": signed(a.change),
                                       "Keterangan": STATUS[a.status]} for a in yc.aspects])
                st.altair_chart(alt.Chart(chart, title=f"Perubahan rata-rata aspek {yc.year_old} -> {yc.year_new}")
                                .mark_bar().encode(
                                    x=alt.X("Perubahan:Q", title="Perubahan rata-rata"),
                                    y=alt.Y("Aspek:N", sort=[a.name for a in yc.aspects], title=None),
                                    color=alt.Color("Keterangan:N", scale=alt.Scale(
                                        domain=["Membaik", "Tetap", "Menurun", "-"],
                                        range=["#2ca02c", "#bbbbbb", "#d62728", "#eeeeee"])),
                                    tooltip=["Aspek", alt.Tooltip("Label:N", title="Perubahan"), "Keterangan"]),
                                width="stretch")
                st.subheader("Per pertanyaan")
                st.dataframe(pd.DataFrame([{
                    "No": q.question_no, f"Nilai {yc.year_old}": q.old, f"Nilai {yc.year_new}": q.new,
                    "Perubahan": q.change, "Keterangan": STATUS[q.status], "Pertanyaan": q.text,
                } for q in _sorted(yc.questions)]), hide_index=True, width="stretch",
                    column_config={"Perubahan": st.column_config.NumberColumn(format="%+d"),
                                   "Pertanyaan": st.column_config.TextColumn(width="large")})

with tab_units:
    c1, c2 = st.columns([1, 2])
    year = c1.selectbox("Tahun", ui.year_options(), key="cmp_units_year", placeholder="Pilih tahun",
                        index=ui.year_options().index(max((a.year for a in assessments.list_assessments(actor)),
                                                          default=ui.year_options()[0])))
    state_opts = list(assessments.STATES)
    states = c2.multiselect("Status asesmen yang diikutkan", state_opts, default=state_opts,
                            format_func=assessments.STATES.get, key="cmp_units_states",
                            placeholder="Pilih status asesmen (kosong = semua status)")
    uc = comparison.compare_units(actor, int(year), states or None)
    if not uc.entries:
        st.info(f"Belum ada unit yang mengisi asesmen tahun {year} (dengan status terpilih).")
    else:
        kinds_present = [k.kind for k in uc.kinds]
        kind = st.selectbox("Jenis unit pada peta panas", [None] + kinds_present, key="cmp_units_kind", placeholder="Pilih jenis unit",
                            format_func=lambda k: KIND_LABELS.get(k, k))
        long = uc.long
        if kind is not None:
            long = long[long["kind"] == kind]
        long = long.assign(Jenis=long["kind"].map(lambda k: KIND_LABELS.get(k, k)),
                           Pertanyaan=long["question"].map(lambda q: f"{q}. {uc.texts.get(q, '')[:80]}"))
        unit_order = list(dict.fromkeys(long["unit"]))
        st.altair_chart(
            alt.Chart(long, title=f"Nilai 22 pertanyaan per unit, tahun {year}").mark_rect(stroke="white").encode(
                x=alt.X("question:O", title="Pertanyaan"),
                y=alt.Y("unit:N", sort=unit_order, title=None, axis=alt.Axis(labelOverlap=False, labelLimit=260)),
                color=alt.Color("score:Q", scale=alt.Scale(domain=[1, 4], scheme="redyellowgreen"), title="Nilai"),
                tooltip=[alt.Tooltip("unit:N", title="Unit"), "Jenis:N", "Pertanyaan:N",
                         alt.Tooltip("score:Q", title="Nilai")],
            ).properties(height=max(120, 28 * len(unit_order))),
            width="stretch", height=max(120, 28 * len(unit_order)) + 80,
        )
        st.caption("Sel kosong: pertanyaan belum dinilai. Warna: merah = 1 (terendah) sampai hijau = 4 (tertinggi).")

        st.subheader("Rata-rata per jenis unit")
        kind_rows = []
        for k in uc.kinds:
            row = {"Jenis": KIND_LABELS.get(k.kind, k.kind), "Jumlah unit": k.units, "Lengkap (22/22)": k.complete,
                   "Rata-rata": num(k.mean)}
            row.update({uc.aspect_names.get(key, key): num(v) for key, v in k.aspect_means.items()})
            kind_rows.append(row)
        st.dataframe(pd.DataFrame(kind_rows), hide_index=True, width="stretch")
        with st.expander("Rata-rata per pertanyaan menurut jenis unit"):
            st.dataframe(pd.DataFrame([{"No": q, **{KIND_LABELS.get(k.kind, k.kind): num(k.question_means[q])
                                                   for k in uc.kinds}, "Pertanyaan": uc.texts[q]}
                                       for q in uc.questions]), hide_index=True, width="stretch")

        st.subheader("Peringkat dalam jenis yang sama")
        st.caption("Hanya asesmen lengkap (22 pertanyaan). Rata-rata sama (dua desimal) berbagi peringkat. "
                   "Unit tidak dibandingkan dengan unit jenis lain.")
        ranked_kinds = list(dict.fromkeys(r.kind for r in uc.ranking))
        if not ranked_kinds:
            st.info("Belum ada asesmen lengkap untuk diperingkat.")
        else:
            rk = st.selectbox("Jenis unit", ranked_kinds, format_func=lambda k: KIND_LABELS.get(k, k),
                              key="cmp_rank_kind", placeholder="Pilih jenis unit")
            st.dataframe(pd.DataFrame([{
                "Peringkat": f"{r.rank} dari {r.of}", "Unit": r.unit_name, "Rata-rata": num(r.mean),
                "Selisih dari rata-rata jenis": signed(r.diff_from_kind),
            } for r in uc.ranking if r.kind == rk]), hide_index=True, width="stretch")
