"""The ranking on a small case computed by hand (exact numbers), the overdue rule, ties, Tabel 2."""
from __future__ import annotations

from datetime import date

import pandas as pd
import pytest
from hypothesis import given, settings, strategies as st

from scoring import ranking as rk
from scoring.workdays import WorkCalendar

S = date(2026, 3, 27)  # a Friday; March 2026 working days: 2-6, 9-13, 16-18 + 20 (Nyepi 19), 23-27
CAL = WorkCalendar()  # national holidays only (no cuti bersama) unless a test says otherwise
RULES = rk.Rules(completion_days={"aspirasi": 5, "permintaan informasi": 5,
                                  "pengaduan tidak berkadar pengawasan": 14,
                                  "pengaduan berkadar pengawasan": 60})
NAMES = {1: "Dinas A", 2: "Dinas B", 3: "Kecamatan C", 4: "Dinas D", 5: "Dinas E", 6: "Dinas F"}


def r(unit, state, report, disp=None, fu=None, seen=None, wait=None, rating=None, tid=None, n=1,
      klas="Aspirasi", year=2026):
    return {"unit_id": unit, "year": year, "state": state, "report_date": pd.Timestamp(report),
            "disposition_date": pd.Timestamp(disp) if disp else pd.NaT,
            "follow_up_date": pd.Timestamp(fu) if fu else pd.NaT,
            "followed_up_seen": pd.Timestamp(seen) if seen else pd.NaT,
            "waiting_seen": pd.Timestamp(wait) if wait else pd.NaT,
            "rating": rating, "tracking_id": tid, "n": n, "classification": klas}


def case() -> pd.DataFrame:
    rows = [
        # Dinas A
        r(1, "selesai", "2026-03-02", disp="2026-03-03", fu="2026-03-05", rating=5, tid="A1"),  # 2 wd: on time
        r(1, "selesai", "2026-03-02", disp="2026-03-03", fu="2026-03-12", tid="A2"),  # 7 wd > 5: late
        r(1, "diproses", "2026-03-09", seen="2026-03-13", tid="A3"),  # seen by 13 Mar: 4 wd <= 8: on time
        r(1, "menunggu tindak lanjut", "2026-03-16", tid="A4"),  # waiting 8 wd: not beyond 8
        r(1, "arsip", "2026-03-04", tid="A5"),  # with the admin: not counted
        r(1, "selesai", "2026-03-02", seen="2026-03-27", wait="2026-03-20", rating=4, tid="A6"),  # waiting 13 wd: late
        r(1, "selesai", "2025-12-01", tid="A0", year=2025),  # another year
        # Dinas B: four on time (one grouped row) and one overdue with a known disposition
        r(2, "selesai", "2026-03-02", disp="2026-03-02", fu="2026-03-03", n=4),
        r(2, "menunggu tindak lanjut", "2026-03-02", disp="2026-03-10", tid="B5"),  # 12 wd > 5
        # Kecamatan C: too few reports, one overdue since February (Imlek 17 Feb)
        r(3, "selesai", "2026-03-12", seen="2026-03-13", tid="C1"),
        r(3, "selesai", "2026-03-12", seen="2026-03-13", tid="C2"),
        r(3, "menunggu tindak lanjut", "2026-02-02", tid="C3"),  # 37 wd > 8
        # Dinas D: all followed up, one of them with unknown timing
        r(4, "selesai", "2026-03-02", disp="2026-03-02", fu="2026-03-03", n=4),
        r(4, "diproses", "2026-03-02", seen="2026-03-27", tid="D5"),  # seen 18 wd after: unknown
        # not yet disposed
        r(None, "menunggu verifikasi", "2026-03-26", tid="X1"),
    ]
    return pd.DataFrame(rows)


def by_unit(ranking):
    return {row["unit"]: row for row in ranking.units.to_dict("records")}


def test_overdue_rule_on_the_case():
    ev = rk.evaluate(case(), S, RULES, CAL)
    od = ev[ev["overdue"]]
    assert sorted(od["tracking_id"]) == ["B5", "C3"]
    days = dict(zip(ev["tracking_id"], ev["days_waiting"]))
    assert days["A4"] == 8 and days["B5"] == 12 and days["C3"] == 37
    limits = dict(zip(ev["tracking_id"], ev["limit"]))
    assert limits["B5"] == 5 and limits["A4"] == 8  # disposition known: 5; unknown: 3 + 5


def test_overdue_depends_on_cuti_bersama():
    # report 16 Mar 2026, unknown disposition, still waiting on Fri 27 Mar
    f = pd.DataFrame([r(1, "menunggu tindak lanjut", "2026-03-13", tid="Z")])
    plain = rk.evaluate(f, S, RULES, CAL)
    assert plain["days_waiting"].iloc[0] == 9 and bool(plain["overdue"].iloc[0])
    cuti = WorkCalendar((date(2026, 3, 18), date(2026, 3, 20), date(2026, 3, 23), date(2026, 3, 24)))
    withc = rk.evaluate(f, S, RULES, cuti)
    assert withc["days_waiting"].iloc[0] == 5 and not bool(withc["overdue"].iloc[0])


def test_hand_computed_metrics_scores_and_ranks():
    res = rk.compute_ranking(case(), 2026, S, RULES, CAL, NAMES)
    u = by_unit(res)
    a = u["Dinas A"]
    assert (a["received"], a["assessable"], a["followed_up"], a["resolved"]) == (6, 5, 4, 3)
    assert (a["on_time"], a["late"], a["overdue"], a["timing_unknown"], a["pending"]) == (2, 2, 0, 0, 1)
    assert a["followed_up_pct"] == 80.0 and a["on_time_pct"] == 50.0 and a["resolved_pct"] == 60.0
    assert a["rating"] == 4.5 and a["median_days_to_follow_up"] == 5.5  # exact: 3 and 8 wd
    # (50 x 40 + 80 x 30 + 60 x 20 + 87.5 x 10) / 100
    assert a["score"] == 64.75

    b = u["Dinas B"]
    assert (b["received"], b["followed_up"], b["on_time"], b["late"], b["overdue"]) == (5, 4, 4, 1, 1)
    assert b["on_time_pct"] == 80.0 and pd.isna(b["rating"])
    assert b["score"] == 80.0  # no rating: (80 x 40 + 80 x 30 + 80 x 20) / 90
    assert b["median_days_to_follow_up"] == 1.0
    assert b["overdue_ids"] == ["B5"]

    d = u["Dinas D"]
    assert (d["followed_up_pct"], d["on_time_pct"], d["resolved_pct"], d["timing_unknown"]) == (100.0, 100.0, 80.0, 1)
    assert d["score"] == 95.56  # (100 x 40 + 100 x 30 + 80 x 20) / 90 = 95.555...

    c = u["Kecamatan C"]
    assert not c["assessed"] and c["rank"] is None and pd.isna(c["score"])
    assert c["overdue"] == 1 and c["overdue_ids"] == ["C3"] and c["punishment"]

    assert [(x["unit"], x["rank"]) for x in res.units.to_dict("records") if x["assessed"]] == \
        [("Dinas D", 1), ("Dinas B", 2), ("Dinas A", 3)]
    assert list(res.rewards["unit"]) == ["Dinas D"]  # B has an overdue report, A 50 % on time
    # punishment: one overdue each; the longest overdue first (C 37 wd, B 12 wd)
    assert list(res.punishments["unit"]) == ["Kecamatan C", "Dinas B"]
    assert list(res.punishments["punishment_rank"]) == [1, 2]
    assert list(res.overdue["tracking_id"]) == ["C3", "B5"]


def test_ranking_document_has_exactly_the_documented_keys():
    doc = rk.ranking_document(rk.compute_ranking(case(), 2026, S, RULES, CAL, NAMES))
    assert set(doc) == {"year", "snapshot_date", "rules", "units"}
    assert doc["snapshot_date"] == "2026-03-27" and doc["year"] == 2026
    keys = {"unit", "received", "followed_up_pct", "on_time_pct", "resolved_pct", "overdue", "overdue_ids",
            "median_days_to_follow_up", "rating", "score", "rank", "assessed", "reward", "punishment"}
    assert all(set(u) == keys for u in doc["units"])
    b = next(u for u in doc["units"] if u["unit"] == "Dinas B")
    assert b == {"unit": "Dinas B", "received": 5, "followed_up_pct": 80.0, "on_time_pct": 80.0,
                 "resolved_pct": 80.0, "overdue": 1, "overdue_ids": ["B5"], "median_days_to_follow_up": 1.0,
                 "rating": None, "score": 80.0, "rank": 2, "assessed": True, "reward": False, "punishment": True}
    assert doc["rules"]["weights"] == {"on_time": 40.0, "followed_up": 30.0, "resolved": 20.0, "rating": 10.0}


def test_explanation_lines():
    res = rk.compute_ranking(case(), 2026, S, RULES, CAL, NAMES)
    a = by_unit(res)["Dinas A"]
    lines = rk.explain(a, RULES, assessed_count=3)
    text = "\n".join(lines)
    assert "wajib ditindaklanjuti: 5" in text
    assert "% tindak lanjut tepat waktu: 2 tepat waktu dari 4" in text
    assert "= 50,00 x bobot 40 = 2.000,00" in text
    assert "Skor = 6.475,00 / 100 = 64,75." in text
    assert "Peringkat 3 dari 3 unit yang dinilai." in text
    assert "Belum memenuhi standar minimal reward: tepat waktu 50,00 % < 90,00 %." in text
    b = "\n".join(rk.explain(by_unit(res)["Dinas B"], RULES))
    assert "Rating rata-rata (skala 0-100): tidak tersedia" in b and "Skor = 7.200,00 / 90 = 80,00." in b
    assert "Masuk daftar punishment (peringkat 2)" in b


def test_tie_rule_and_explanation():
    rules = rk.Rules(weights={"on_time": 1, "followed_up": 0, "resolved": 0, "rating": 0})
    rows = [r(2, "selesai", "2026-03-02", disp="2026-03-02", fu="2026-03-03", n=4),
            r(2, "menunggu tindak lanjut", "2026-03-02", disp="2026-03-10", tid="B5")]
    for unit in (5, 6):  # E and F: identical, four on time and one followed up late, nothing overdue
        rows += [r(unit, "selesai", "2026-03-02", disp="2026-03-02", fu="2026-03-03", n=4),
                 r(unit, "selesai", "2026-03-02", disp="2026-03-02", fu="2026-03-20")]
    res = rk.compute_ranking(pd.DataFrame(rows), 2026, S, rules, CAL, NAMES)
    order = [(x["unit"], x["score"], x["rank"]) for x in res.units.to_dict("records")]
    assert order == [("Dinas E", 80.0, 1), ("Dinas F", 80.0, 1), ("Dinas B", 80.0, 3)]
    u = by_unit(res)
    assert "sama pada semua kriteria pemisah: berbagi peringkat 1" in u["Dinas E"]["tie_note"]
    assert ("di bawahnya karena Dinas F laporan terlambat lebih sedikit (0 lawan 1)" in u["Dinas B"]["tie_note"])
    assert "di atasnya karena laporan terlambat lebih sedikit (0 lawan 1)" in u["Dinas F"]["tie_note"]


def test_min_reports_and_weights_are_settings():
    res = rk.compute_ranking(case(), 2026, S, rk.Rules(min_reports=3), CAL, NAMES)
    c = by_unit(res)["Kecamatan C"]
    assert c["assessed"] and c["score"] is not None
    # C: 2 followed up on time of 3, 1 overdue: on time 2/3, followed 2/3, selesai 2/3 -> 66.67
    assert c["score"] == 66.67
    with pytest.raises(ValueError):
        rk.Rules(weights={"speed": 1})


def test_tabel2_from_reports():
    counts, timing = rk.parts(rk.evaluate(case()[lambda f: f["year"] == 2026], S, RULES, CAL))
    t = rk.tabel2(counts, timing, 2026, rk.months_covered(2026, S))
    assert (t.received, t.resolved, t.unresolved, t.in_process, t.followed_up, t.overdue, t.months) == \
        (20, 13, 1, 6, 15, 2, 3)
    assert t.general.monthly_printed == 6 and round(t.general.monthly_exact, 2) == 6.67
    assert t.resolved_pct == 65.0
    assert rk.months_covered(2025, S) == 12 and rk.months_covered(2027, S) == 0


def test_public_aggregates_hold_no_ids():
    counts, _ = rk.parts(rk.evaluate(case(), S, RULES, CAL))
    pub = rk.public_aggregates(counts, "unit_id")
    assert list(pub.columns) == ["unit_id", "received", "followed_up_pct", "resolved_pct"]
    row = pub[pub["unit_id"] == 2].iloc[0]
    assert (row["received"], row["followed_up_pct"], row["resolved_pct"]) == (5, 80.0, 80.0)


def test_state_as_of_history():
    hist = pd.DataFrame([
        # report 1: waiting at s1, followed up at s3 (seen waiting at s2 = its previous sighting)
        {"report_id": 1, "snapshot_id": 1, "snapshot_date": "2026-03-06", "state": "menunggu tindak lanjut",
         "unit_id": 7, "prev_seen_date": None},
        {"report_id": 1, "snapshot_id": 3, "snapshot_date": "2026-03-20", "state": "diproses",
         "unit_id": 7, "prev_seen_date": "2026-03-13"},
        # report 2: verification first, then selesai: no waiting sighting
        {"report_id": 2, "snapshot_id": 1, "snapshot_date": "2026-03-06", "state": "menunggu verifikasi",
         "unit_id": None, "prev_seen_date": None},
        {"report_id": 2, "snapshot_id": 2, "snapshot_date": "2026-03-13", "state": "selesai",
         "unit_id": 8, "prev_seen_date": "2026-03-06"},
        # report 3: first seen at s3
        {"report_id": 3, "snapshot_id": 3, "snapshot_date": "2026-03-20", "state": "selesai",
         "unit_id": 8, "prev_seen_date": None},
    ])
    at2 = rk.state_as_of(hist, date(2026, 3, 13), 2).set_index("report_id")
    assert list(at2.index) == [1, 2]
    assert at2.loc[1, "state"] == "menunggu tindak lanjut" and pd.isna(at2.loc[1, "followed_up_seen"])
    assert at2.loc[2, "state"] == "selesai" and at2.loc[2, "unit_id"] == 8 and pd.isna(at2.loc[2, "waiting_seen"])
    at3 = rk.state_as_of(hist, date(2026, 3, 20), 3).set_index("report_id")
    assert at3.loc[1, "followed_up_seen"] == pd.Timestamp("2026-03-20")
    assert at3.loc[1, "waiting_seen"] == pd.Timestamp("2026-03-13")
    assert len(at3) == 3


@settings(max_examples=25, deadline=None)
@given(st.lists(st.tuples(st.integers(1, 4), st.sampled_from(rk.STATES), st.integers(0, 80),
                          st.one_of(st.none(), st.integers(1, 5))), min_size=1, max_size=40))
def test_properties_of_any_ranking(items):
    rows = [r(u, s, pd.Timestamp("2026-01-01") + pd.Timedelta(days=d), rating=rt, tid=f"T{i}",
              seen="2026-03-27" if s in rk.FOLLOWED_UP_STATES else None)
            for i, (u, s, d, rt) in enumerate(items)]
    res = rk.compute_ranking(pd.DataFrame(rows), 2026, S, rk.Rules(min_reports=1), CAL, NAMES)
    un = res.units
    assert un["received"].sum() == len(rows)
    for row in un.to_dict("records"):
        if row["score"] is not None and not pd.isna(row["score"]):
            assert 0.0 <= row["score"] <= 100.0
        assert row["overdue"] == len(row["overdue_ids"])
        assert row["punishment"] == (row["overdue"] > 0)
        if row["reward"]:
            assert row["overdue"] == 0 and row["on_time_pct"] >= 90
    ranks = [x for x in un["rank"] if x is not None]
    assert ranks == sorted(ranks) and (not ranks or ranks[0] == 1)
    # grouping identical rows changes nothing
    grouped = rk.compute_ranking(pd.DataFrame(rows * 2), 2026, S, rk.Rules(min_reports=1), CAL, NAMES).units
    assert list(grouped["received"]) == [2 * x for x in un["received"]]
    assert list(grouped["score"].fillna(-1)) == list(un["score"].fillna(-1))


def test_compact_timing_changes_no_number():
    counts, timing = rk.parts(rk.evaluate(case()[lambda f: f["year"] == 2026], S, RULES, CAL))
    full = rk.ranking_document(rk.rank_parts(counts, timing, 2026, S, RULES, NAMES))
    small = rk.compact_timing(timing, cap=9, cap_completion=64)
    assert len(small) < len(timing)
    assert rk.ranking_document(rk.rank_parts(counts, small, 2026, S, RULES, NAMES)) == full
    assert full == rk.ranking_document(rk.compute_ranking(case(), 2026, S, RULES, CAL, NAMES))


def test_parts_of_chunks_merge_to_the_parts_of_all():
    ev_all = rk.evaluate(case(), S, RULES, CAL)
    whole = rk.parts(ev_all)
    f = case()
    pieces = [rk.parts(rk.evaluate(f.iloc[i:i + 4], S, RULES, CAL)) for i in range(0, len(f), 4)]
    pieces = [(c, rk.compact_timing(t, 9, 64)) for c, t in pieces]
    counts, timing = rk.merge_parts(pieces, 9, 64)
    a = rk.ranking_document(rk.rank_parts(*whole, 2026, S, RULES, NAMES))
    assert rk.ranking_document(rk.rank_parts(counts, timing, 2026, S, RULES, NAMES)) == a
    assert rk.tabel2(counts, rk.flag(timing, RULES), 2026, 3) == rk.tabel2(whole[0], whole[1], 2026, 3)
