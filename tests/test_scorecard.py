"""Scorecard Pimpinan: the pure comparison (exact values), the data dict, the page, and the PDF read back."""
from __future__ import annotations

import re
import zlib

import pytest

from scoring import scorecard as sc
from scoring.assessment import AspectResult
from scoring.formatting import fmt_num
from tests.conftest import ROOT, actor_for


def _ar(key, order, mean, prio, final=None):
    return AspectResult(key, key.upper(), order, (), 1, mean, 0, prio, final)


def test_compare_aspects_exact_values_and_arrows():
    cur = [_ar("a", 1, 3.555, 3), _ar("b", 2, 2.5, 1), _ar("c", 3, 3.0, 2), _ar("d", 4, None, 4)]
    prev = [_ar("a", 1, 3.0, 1), _ar("b", 2, 2.75, 2, final=3), _ar("c", 3, 3.0, 2)]
    rows = sc.compare_aspects(cur, prev)
    got = [(r.key, r.mean, r.previous_mean, r.delta, r.arrow, r.priority, r.previous_priority) for r in rows]
    assert got == [
        ("a", 3.56, 3.0, 0.56, "▲", 3, 1),
        ("b", 2.5, 2.75, -0.25, "▼", 1, 3),
        ("c", 3.0, 3.0, 0.0, "▶", 2, 2),
        ("d", None, None, None, None, None, None),
    ]
    assert rows[0].priority_change == -2 and rows[1].priority_change == 2
    assert [r.key for r in sc.sort_by_improvement(rows)] == ["a", "c", "b", "d"]
    assert [r.key for r in sc.sort_by_improvement(rows, best_first=False)] == ["b", "c", "a", "d"]
    s = sc.summarize(rows)
    assert (s.improved, s.declined, s.same, s.not_comparable, s.mean_delta) == (1, 1, 1, 1, 0.1)


def test_compare_without_previous_year():
    rows = sc.compare_aspects([_ar("a", 1, 2.0, 1)], None)
    assert rows[0].arrow is None and rows[0].trend_label == "tidak ada pembanding"


# --- the PDF, read back -------------------------------------------------------------------------------

def _unescape(lit: bytes) -> bytes:
    out, i = bytearray(), 0
    while i < len(lit):
        c = lit[i]
        if c == 0x5C:  # backslash
            n = lit[i + 1]
            if chr(n) in "01234567":
                m = re.match(rb"[0-7]{1,3}", lit[i + 1:i + 4])
                out.append(int(m.group(), 8) & 0xFF)
                i += 1 + len(m.group())
                continue
            out.append({ord("n"): 10, ord("r"): 13, ord("t"): 9, ord("b"): 8, ord("f"): 12}.get(n, n))
            i += 2
            continue
        out.append(c)
        i += 1
    return bytes(out)


def pdf_text(data: bytes) -> str:
    """The text of an fpdf2 PDF (two-byte glyph ids mapped back through each font's ToUnicode CMap)."""
    objs = {int(n): body for n, body in re.findall(rb"(\d+) 0 obj(.*?)endobj", data, re.S)}

    def stream(body: bytes) -> bytes:
        m = re.search(rb"stream\r?\n(.*?)\r?\nendstream", body, re.S)
        raw = m.group(1) if m else b""
        return zlib.decompress(raw) if b"/FlateDecode" in body else raw

    cmaps = {}
    for n, body in objs.items():
        font = re.search(rb"/ToUnicode (\d+) 0 R", body)
        if font:
            cmap = {}
            text = stream(objs[int(font.group(1))])
            for block in re.findall(rb"beginbfchar(.*?)endbfchar", text, re.S):
                for src, dst in re.findall(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block):
                    cmap[int(src, 16)] = bytes.fromhex(dst.decode()).decode("utf-16-be")
            for block in re.findall(rb"beginbfrange(.*?)endbfrange", text, re.S):
                for a, b, dst in re.findall(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block):
                    start = int(dst, 16)
                    for k, g in enumerate(range(int(a, 16), int(b, 16) + 1)):
                        cmap[g] = chr(start + k)
            cmaps[n] = cmap
    names = {}
    for body in objs.values():
        for name, ref in re.findall(rb"/(F\d+) (\d+) 0 R", body):
            names[name.decode()] = int(ref)
    lines = []
    for body in objs.values():
        if b"stream" not in body or b"/ToUnicode" in body:
            continue
        try:
            content = stream(body)
        except zlib.error:
            continue
        if b" Tj" not in content:
            continue
        cmap = {}
        for tok in re.finditer(rb"/(F\d+) [\d.]+ Tf|\(((?:\\.|[^\\)])*)\) Tj", content, re.S):
            if tok.group(1):
                cmap = cmaps.get(names.get(tok.group(1).decode()), None)
                continue
            raw = _unescape(tok.group(2))
            if cmap is None:  # a core font: latin-1 text
                lines.append(raw.decode("latin-1"))
            else:
                lines.append("".join(cmap.get(int.from_bytes(raw[i:i + 2], "big"), "?") for i in range(0, len(raw), 2)))
    return "\n".join(lines)


# --- the service, the page, the PDF -----------------------------------------------------------------------

@pytest.fixture
def two_years(seeded):
    """The seed's Blitar 2022 assessment (final) and a 2023 assessment of the same unit with other scores."""
    from assessment import assessments
    from assessment.assessments import AnswerChange
    from assessment.permissions import SYSTEM
    from assessment.units import instansi_unit

    from assessment.db import transaction

    with transaction() as s:
        assessments.load_seed_assessment(s, SYSTEM)
    uid = instansi_unit().id
    aid = assessments.create(SYSTEM, uid, 2023)
    view = assessments.get(SYSTEM, aid)
    assessments.save_answers(SYSTEM, aid, {q: AnswerChange(score=4 if q % 2 else 2) for q in view.instrument.questions})
    return uid


def test_build_compares_with_the_previous_year(two_years):
    from assessment import assessments, scorecard
    from assessment.permissions import SYSTEM

    data = scorecard.build(SYSTEM, 2023)
    a = data["aspects"]
    assert a["available"] and a["state"] == "Draf" and a["previous_state"] == "Final"
    _, cur = assessments.result(SYSTEM, assessments.find(SYSTEM, two_years, 2023))
    _, prev = assessments.result(SYSTEM, assessments.find(SYSTEM, two_years, 2022))
    expected = {r.key: r for r in sc.compare_aspects(cur.aspects, prev.aspects)}
    for row in a["rows"]:
        e = expected[row["key"]]
        assert (row["mean"], row["previous_mean"], row["delta"], row["arrow"]) == (e.mean, e.previous_mean, e.delta, e.arrow)
    ordered = scorecard.build(SYSTEM, 2023, sort_by_improvement=True)["aspects"]["rows"]
    deltas = [r["delta"] for r in ordered if r["delta"] is not None]
    assert deltas == sorted(deltas, reverse=True)
    assert data["tabel6"]["available"]
    # Sources without data say so instead of failing.
    for key in ("ranking", "trend"):
        assert data[key]["available"] or data[key]["message"].startswith("Belum ada data")


def test_build_without_any_data_says_belum_ada_data(db):
    from assessment import scorecard

    data = scorecard.build(actor_for("pimpinan"), 2024)
    for key in ("aspects", "renaksi", "ranking", "tabel6", "trend"):
        sec = data[key]
        assert sec["available"] is False or key == "tabel6", key
        if not sec["available"]:
            assert sec["message"], key
    scorecard.pdf(data)  # prints the messages, does not crash


def test_operator_may_not_open_the_scorecard(seeded):
    from assessment import scorecard
    from assessment.errors import PermissionDenied

    with pytest.raises(PermissionDenied):
        scorecard.build(actor_for("operator_opd", 1), 2024)
    with pytest.raises(PermissionDenied):
        scorecard.build(None, 2024)


def test_pdf_is_one_page_with_the_same_numbers(two_years):
    from assessment import scorecard
    from assessment.permissions import SYSTEM

    data = scorecard.build(SYSTEM, 2023)
    out = scorecard.pdf(data)
    assert out[:5] == b"%PDF-"
    assert re.findall(rb"/Count (\d+)", out) == [b"1"]
    text = pdf_text(out)
    assert "Scorecard Pimpinan" in text
    for row in data["aspects"]["rows"]:
        assert row["name"][:20] in text
        assert fmt_num(row["mean"]) in text and fmt_num(row["previous_mean"]) in text
        assert scorecard._delta(row["delta"]) in text
    if scorecard.FONT_DIR.joinpath("DejaVuSans.ttf").exists():
        assert any(a in text for a in "▲▼▶")
    for k in data["renaksi"]["per_kp"]:
        assert k["title"][:15] in text
    for r in data["tabel6"]["rows"][:3]:
        assert r["name"][:20] in text


def test_pdf_without_dejavu_uses_core_font(two_years, monkeypatch, tmp_path):
    from assessment import scorecard
    from assessment.permissions import SYSTEM

    monkeypatch.setattr(scorecard, "FONT_DIR", tmp_path)
    out = scorecard.pdf(scorecard.build(SYSTEM, 2023))
    text = pdf_text(out)
    assert "Scorecard Pimpinan" in text and ("naik" in text or "turun" in text or "tetap" in text)


def test_page_renders_for_pimpinan(two_years):
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "pages/scorecard_pimpinan.py"), default_timeout=60)
    import time

    at.session_state["actor"] = actor_for("pimpinan")
    at.session_state["login_at"] = at.session_state["last_seen"] = time.time()
    at.session_state["scorecard_year"] = 2023
    at.run()
    assert not at.exception
    assert any("Nilai aspek 2023 dibanding 2022" in s.value for s in at.subheader)
    df = at.dataframe[0].value
    assert any(str(t).startswith(("▲", "▼", "▶")) for t in df["Tren"])
    at.toggle(key="scorecard_sort").set_value(True).run()
    assert not at.exception


def test_years_include_the_imported_lapor_years(seeded):
    """The reward/punishment and trend sections need the years of imported reports to be choosable."""
    from assessment import complaints, scorecard, seed

    seed.load_demo()
    lapor_years = complaints.years_available()
    assert lapor_years, "the demo data set imports LAPOR! reports"
    pimpinan = actor_for("pimpinan")
    ys = scorecard.years(pimpinan)
    assert set(lapor_years) <= set(ys) and ys == sorted(ys, reverse=True)
    data = scorecard.build(pimpinan, lapor_years[0])
    section = next(v for k, v in data.items() if isinstance(v, dict) and "rewards" in v)
    assert section["available"] and len(section["rewards"]) + len(section["punishments"]) > 0
