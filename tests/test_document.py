"""The Lampiran document: read the .docx back with python-docx and the PDF's text, and compare every
number with the services (Blitar 2022: means 3.50, 3.56, 3.40, 4.00, 3.67; priorities 2, 3, 1, 5, 4)."""
from __future__ import annotations

import re
import zlib
from io import BytesIO

import pytest
from docx import Document

import manage
from assessment import assessments, document, figures, renaksi
from scoring.assessment import round2
from tests.blitar_seed import load_blitar_2022

BLITAR = [4, 3, 4, 4, 4, 4, 3, 4, 3, 4, 4, 2, 3, 4, 3, 4, 4, 4, 3, 4, 2, 4]


# --- reading the files back ------------------------------------------------------------------------

def docx_tables(data: bytes) -> dict[int, list[list[str]]]:
    """Tabel number -> rows (header first), pairing each table with the caption paragraph before it."""
    doc = Document(BytesIO(data))
    out, caption = {}, None
    body = doc.element.body
    tables = iter(doc.tables)
    paragraphs = {p._p: p for p in doc.paragraphs}
    for child in body.iterchildren():
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "p":
            text = paragraphs[child].text if child in paragraphs else ""
            m = re.match(r"Tabel (\d+) ", text)
            caption = int(m.group(1)) if m else caption
        elif tag == "tbl":
            t = next(tables)
            if caption is not None and caption not in out:
                out[caption] = [[c.text for c in r.cells] for r in t.rows]
            caption = None
    return out


def _pdf_literal(buf: bytes, i: int) -> tuple[bytes, int]:
    """Parse a PDF literal string starting after '(' at i; returns (bytes, index after ')')."""
    out, depth = bytearray(), 1
    esc = {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f"}
    while i < len(buf):
        c = buf[i:i + 1]
        if c == b"\\":
            n = buf[i + 1:i + 2]
            if n in esc:
                out += esc[n]
                i += 2
            elif n.isdigit():
                m = re.match(rb"[0-7]{1,3}", buf[i + 1:i + 4])
                out.append(int(m.group(0), 8) & 0xFF)
                i += 1 + len(m.group(0))
            elif n in (b"\n", b"\r"):
                i += 2
            else:
                out += n
                i += 2
            continue
        if c == b"(":
            depth += 1
        elif c == b")":
            depth -= 1
            if depth == 0:
                return bytes(out), i + 1
        out += c
        i += 1
    raise ValueError("unterminated string")


def pdf_runs(data: bytes) -> list[tuple[int, float, float, str]]:
    """(page, x, y, text) of every text run in an fpdf2 PDF (Type0 fonts with ToUnicode, or core fonts)."""
    objs = dict(re.findall(rb"(\d+) 0 obj\s*(.*?)endobj", data, re.S))

    def stream(n: bytes) -> bytes:
        body = objs[n]
        m = re.search(rb"stream\r?\n(.*?)\r?\nendstream", body, re.S)
        raw = m.group(1)
        # decompressobj: the regex may swallow a final b"\r" of the binary data, which zlib.decompress
        # reports as a truncated stream; decompressobj returns everything that was decoded.
        return zlib.decompressobj().decompress(raw) if b"FlateDecode" in body[:m.start()] else raw

    def cmap(n: bytes) -> dict[int, str]:
        text = stream(n).decode("latin-1")
        out = {}
        for block in re.findall(r"beginbfchar(.*?)endbfchar", text, re.S):
            for src, dst in re.findall(r"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block):
                out[int(src, 16)] = bytes.fromhex(dst).decode("utf-16-be")
        for block in re.findall(r"beginbfrange(.*?)endbfrange", text, re.S):
            for lo, hi, dst in re.findall(r"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block):
                base = int(dst, 16)
                for k, code in enumerate(range(int(lo, 16), int(hi, 16) + 1)):
                    out[code] = chr(base + k)
        return out

    pages = []
    for num, body in objs.items():
        if re.search(rb"/Type /Page\b", body):
            pages.append((int(num), re.search(rb"/Contents (\d+) 0 R", body).group(1),
                          re.search(rb"/Resources (\d+) 0 R", body).group(1)))
    runs = []
    for pno, (_pg, contents, res) in enumerate(sorted(pages), start=1):
        fonts = dict(re.findall(rb"/(F\d+) (\d+) 0 R", objs[res]))
        maps = {}
        for name, ref in fonts.items():
            tu = re.search(rb"/ToUnicode (\d+) 0 R", objs[ref])
            maps["/" + name.decode()] = cmap(tu.group(1)) if tu else None
        runs += _scan(stream(contents), maps, pno)
    return runs


def _scan(content: bytes, maps: dict, pno: int) -> list[tuple[int, float, float, str]]:
    """Walk a content stream token by token: Tf sets the font, Td the position, Tj/TJ show text."""
    runs, stack, strings = [], [], []
    font, x, y = None, 0.0, 0.0
    i, n = 0, len(content)
    delims = b"()<>[]{}/%"
    while i < n:
        c = content[i:i + 1]
        if c.isspace() or c in (b"[", b"]"):
            i += 1
        elif c == b"(":
            raw, i = _pdf_literal(content, i + 1)
            strings.append(raw)
        elif c == b"<" and content[i + 1:i + 2] != b"<":
            j = content.index(b">", i)
            strings.append(bytes.fromhex(content[i + 1:j].decode()))
            i = j + 1
        elif c == b"%":
            while i < n and content[i:i + 1] not in (b"\n", b"\r"):
                i += 1
        else:
            j = i + 1
            while j < n and not content[j:j + 1].isspace() and content[j:j + 1] not in delims:
                j += 1
            tok = content[i:j].decode("latin-1")
            i = j
            if tok.startswith("/") or re.match(r"^[-+.\d]+$", tok):
                stack.append(tok)
                continue
            if tok == "Tf" and len(stack) >= 2:
                font = stack[-2]
            elif tok == "Td" and len(stack) >= 2:
                x, y = float(stack[-2]), float(stack[-1])
            elif tok in ("Tj", "TJ"):
                raw = b"".join(strings)
                cm = maps.get(font)
                if cm is None:
                    text = raw.decode("latin-1")
                else:
                    text = "".join(cm.get(int.from_bytes(raw[k:k + 2], "big"), "?") for k in range(0, len(raw), 2))
                runs.append((pno, x, y, text))
                strings = []
            stack = []
    return runs


def pdf_segments(runs) -> dict[int, list[tuple[int, float, float, str]]]:
    """Runs between one table caption ("Tabel N ...") and the next."""
    out, current = {}, None
    for r in runs:
        m = re.match(r"Tabel (\d+) ", r[3])
        if m:
            current = int(m.group(1))
            out.setdefault(current, [])
            continue
        if current is not None:
            out[current].append(r)
    return out


NUMERIC = re.compile(r"^(-|\d+|\d+,\d+|\d+,\d+ %|\d+ %)$")


# --- the test ----------------------------------------------------------------------------------------

@pytest.fixture
def blitar(seeded, admin):
    load_blitar_2022()
    renaksi.set_indicator_status(admin, "1.1", 2022, "sebagian", note="Anggaran sebagian")
    renaksi.set_status(admin, "I.2.1", 2022, "berjalan", progress=50)
    view = assessments.find_by_name(admin, "Pemerintah Kabupaten Blitar", 2022)
    return view


def _expected(admin, view):
    res = assessments.compute(view)
    aspects = sorted(res.aspects, key=lambda r: r.order)
    return res, aspects


def test_data_structure_matches_services(blitar, admin):
    view = blitar
    res, aspects = _expected(admin, view)
    assert [round2(a.mean) for a in aspects] == [3.50, 3.56, 3.40, 4.00, 3.67]
    assert [a.suggested_priority for a in aspects] == [2, 3, 1, 5, 4]
    data = document.build(admin, view.id)
    assert [t.number for t in data.tables] == [2, 3, 4, 5, 6, 8, 9]
    t5 = data.table(5)
    assert [r[1] for r in t5.rows] == ["3,50", "3,56", "3,40", "4,00", "3,67"]
    assert [r[3] for r in t5.rows] == ["2", "3", "1", "5", "4"]
    assert t5.rows[2][6] == "Belum terintegrasinya aplikasi local ke aplikasi SP4N-LAPOR!"
    assert data.table(2).headers == ["No.", "Uraian", "2020 Jumlah", "2020 %", "2021 Jumlah", "2021 %"]
    assert data.table(2).rows[1][2:] == ["7", "-", "6", "-"]
    assert "2020: 7,58; 2021: 6,17" in data.table(2).notes[0]
    assert data.table(6).title == "Indikator Sasaran Strategis dan Target 2020-2024"


def _check_docx_against_services(tables, admin, view):
    res, aspects = _expected(admin, view)
    inst = view.instrument
    # Tabel 2 from figures
    figs = [f for f in figures.list_figures(admin, view.unit_id) if f.year < view.year][-2:]
    t2 = tables[2]
    assert t2[0] == ["No.", "Uraian"] + [h for f in figs for h in (f"{f.year} Jumlah", f"{f.year} %")]
    for f, col in zip(figs, (2, 4)):
        g = figures.as_scoring(f)
        assert int(t2[1][col]) == f.received
        assert int(t2[2][col]) == g.monthly_printed
        assert int(t2[3][col]) == f.resolved
        assert int(t2[4][col]) == f.unresolved
        assert t2[1][col + 1] == "100"
        assert float(t2[3][col + 1].replace(",", ".")) == round(g.resolved_pct) == 100
        assert float(t2[4][col + 1].replace(",", ".")) == round(g.unresolved_pct) == 0
    assert [t2[1][2], t2[1][4], t2[2][2], t2[2][4]] == ["91", "74", "7", "6"]
    # Tabel 3: one tick per question, in the column of its score
    t3 = tables[3]
    assert t3[0] == ["No.", "Pertanyaan", "1", "2", "3", "4"]
    assert len(t3) == 23
    for q, row in enumerate(t3[1:], start=1):
        assert row[0] == f"{q}." and row[1] == inst.questions[q]
        ticked = [v for v, cell in zip((1, 2, 3, 4), row[2:]) if cell == "√"]
        assert ticked == [view.scores[q]] == [BLITAR[q - 1]]
    # Tabel 4: category and aspects of each question
    t4 = tables[4]
    labels = {c.key: c.label for c in inst.categories}
    order = sorted(inst.aspects, key=lambda a: a.order)
    for q, row in enumerate(t4[1:], start=1):
        assert row[2] == labels[res.categories[q]]
        assert [a.key for a, cell in zip(order, row[3:]) if cell == "√"] == [a.key for a in order
                                                                           if a.key in inst.mapping[q]]
    assert t4[12][2] == "Perlu perbaikan"  # question 12 scored 2
    # Tabel 5: means, weak questions, priorities, reasons
    t5 = tables[5]
    assert [r[0] for r in t5[1:]] == [a.name for a in aspects]
    assert [float(r[1].replace(",", ".")) for r in t5[1:]] == [round2(a.mean) for a in aspects] == [3.50, 3.56, 3.40,
                                                                                                   4.00, 3.67]
    assert [int(r[2]) for r in t5[1:]] == [a.weak for a in aspects] == [1, 0, 1, 0, 0]
    assert [int(r[3]) for r in t5[1:]] == [a.suggested_priority for a in aspects] == [2, 3, 1, 5, 4]
    assert [int(r[5]) for r in t5[1:]] == [a.priority for a in aspects]
    assert [r[4] for r in t5[1:]] == ["-"] * 5
    assert [r[6] for r in t5[1:]] == [a.reason or "" for a in aspects]
    # Tabel 6: targets and actuals from the renaksi service
    rows6 = renaksi.tabel6(admin)
    t6 = tables[6]
    assert len(t6) - 1 == len(rows6) == 8
    for r, row in zip(rows6, t6[1:]):
        assert int(row[3]) == r.year
        assert float(row[4].split()[0].replace(",", ".")) == r.target
        assert row[6] == r.status
        if r.actual is None:
            assert row[5] == "-"
        else:
            assert float(row[5].split()[0].replace(",", ".")) == pytest.approx(r.actual, abs=0.05)
    assert t6[1][:6] == ["1", "Jumlah pengaduan dari masyarakat", "91 pengaduan (2020)", "2021", "74 pengaduan",
                         "74 pengaduan"]
    assert [row[4] for row in t6[1:5]] == ["74 pengaduan", "95 pengaduan", "105 pengaduan", "110 pengaduan"]
    # Tabel 8: every indicator with its 2022 status
    inds = renaksi.list_indicators(admin)
    t8 = tables[8]
    assert t8[0][-1] == "Status 2022"
    assert [(r[0], r[2], r[3]) for r in t8[1:]] == [(i.code, i.text, i.years[2022].status_label) for i in inds]
    assert t8[1][3] == "Tercapai sebagian"
    # Tabel 9: every item, its plan years and its 2022 status
    items = renaksi.list_items(admin)
    t9 = tables[9]
    years = list(renaksi.plan_years())
    assert t9[0][2:2 + len(years)] == [str(y) for y in years]
    assert [r[0] for r in t9[1:]] == [it.code for it in items]
    for it, row in zip(items, t9[1:]):
        if it.level == "kp":
            continue
        assert [y for y, cell in zip(years, row[2:2 + len(years)]) if cell == "√"] == list(it.planned_years)
        assert row[-2] == it.parties
        yv = it.years.get(2022)
        assert row[-1].startswith(yv.status_label if yv else "-")
    i21 = next(r for r in t9 if r[0] == "I.2.1")
    assert i21[-1] == "Berjalan (50,0 %), terlambat"


def test_docx_numbers_equal_services(blitar, admin):
    data = document.build(admin, blitar.id)
    tables = docx_tables(document.render_docx(data))
    assert sorted(tables) == [2, 3, 4, 5, 6, 8, 9]
    _check_docx_against_services(tables, admin, blitar)


def test_pdf_numbers_equal_services(blitar, admin):
    data = document.build(admin, blitar.id)
    pdf = document.render_pdf(data)
    assert pdf.startswith(b"%PDF-") and pdf.rstrip().endswith(b"%%EOF")
    runs = pdf_runs(pdf)
    seg = pdf_segments(runs)
    assert sorted(seg) == [2, 3, 4, 5, 6, 8, 9]
    res, aspects = _expected(admin, blitar)
    # Tabel 5: the numeric cells in reading order: mean, weak, suggested, final, priority per aspect
    nums5 = [r[3] for r in seg[5] if NUMERIC.match(r[3])]
    expected5 = []
    for a in aspects:
        expected5 += [document.fmt_num(round2(a.mean)), str(a.weak), str(a.suggested_priority),
                      "-" if a.final_priority is None else str(a.final_priority), str(a.priority)]
    assert nums5 == expected5
    assert nums5[0::5] == ["3,50", "3,56", "3,40", "4,00", "3,67"]
    assert nums5[2::5] == ["2", "3", "1", "5", "4"]
    # Tabel 2
    nums2 = [r[3] for r in seg[2] if NUMERIC.match(r[3]) and r[3] not in data.table(2).headers]
    assert nums2 == ["91", "100", "74", "100", "7", "-", "6", "-", "91", "100", "74", "100", "0", "0", "0", "0"]
    # Tabel 3: the tick of each question sits under the header of its score
    t3 = seg[3]
    heads = {}
    for page, x, y, text in t3:
        if text in ("1", "2", "3", "4") and len(heads) < 4 and text not in heads:
            heads[text] = (page, x)
    ticks = [(page, x, y) for page, x, y, text in t3 if text == "√"]
    assert len(ticks) == 22
    cols = sorted(heads.items(), key=lambda kv: kv[1][1])
    col_x = [x for _t, (_p, x) in cols]

    def column(x):
        return min(range(4), key=lambda i: abs(col_x[i] - x)) + 1

    assert [column(x) for _p, x, _y in ticks] == BLITAR
    # Tabel 6 numbers as in the service
    text6 = [r[3] for r in seg[6]]
    for r in renaksi.tabel6(admin):
        assert r.status in text6
    assert "74 pengaduan" in text6 and "110 pengaduan" in text6
    # Tabel 9 status of I.2.1
    text9 = [r[3] for r in seg[9]]
    assert "Berjalan (50,0 %), terlambat" in " ".join(text9)  # the cell may wrap onto two lines


def test_cli_export_document(blitar, tmp_path, capsys):
    out = tmp_path / "lampiran.docx"
    assert manage.main(["export-document", "--unit", "Kabupaten Blitar", "--year", "2022", "--out", str(out)]) == 0
    assert "Ditulis" in capsys.readouterr().out
    tables = docx_tables(out.read_bytes())
    assert [r[1] for r in tables[5][1:]] == ["3,50", "3,56", "3,40", "4,00", "3,67"]
    assert [r[3] for r in tables[5][1:]] == ["2", "3", "1", "5", "4"]
    assert manage.main(["export-document", "--unit", "Pemerintah Kabupaten Blitar", "--year", "2022",
                        "--out", str(tmp_path / "tidak-ada" / "x.pdf")]) == 1
    assert "Folder" in capsys.readouterr().err and not (tmp_path / "tidak-ada").exists()
    pdf = tmp_path / "lampiran.pdf"
    assert manage.main(["export-document", "--unit", "Pemerintah Kabupaten Blitar", "--year", "2022",
                        "--out", str(pdf)]) == 0
    assert pdf.read_bytes().startswith(b"%PDF-")
    assert manage.main(["export-document", "--unit", "Pemerintah Kabupaten Blitar", "--year", "2022",
                        "--out", str(tmp_path / "x.txt")]) == 1
    assert ".docx atau .pdf" in capsys.readouterr().err
    assert manage.main(["export-document", "--unit", "Pemerintah Kabupaten Blitar", "--year", "2019",
                        "--out", str(out)]) == 1
    assert "Belum ada asesmen" in capsys.readouterr().err


def test_opd_document_and_fallback_font(seeded, admin, monkeypatch):
    from assessment import units

    unit = units.resolve_unit("Dinas Komunikasi dan Informatika")
    aid = assessments.create(admin, unit.id, 2023)
    assessments.save_answer(admin, aid, 1, 4, note="Catatan\x0bdengan karakter kendali")
    data = document.build(admin, aid)
    t9 = data.table(9)
    items = renaksi.filter_items(renaksi.list_items(admin), unit_id=unit.id)
    assert [r[0] for r in t9.rows] == [it.code for it in items]
    assert any("penanggung jawab" in n for n in t9.notes)
    assert "Belum dinilai: pertanyaan 2, 3" in data.table(3).notes[1]
    assert data.table(5).rows[0][1] in ("4,00", "-")
    tables = docx_tables(document.render_docx(data))
    assert tables[3][1][5] == "√"
    # without DejaVu the PDF falls back to a core font (the tick becomes "v")
    monkeypatch.setattr(document, "FONT_DIR", document.Path("/nonexistent"))
    pdf = document.render_pdf(data)
    runs = [r[3] for r in pdf_runs(pdf)]
    assert "v" in runs and "Tabel 5 Penentuan Prioritas Instansi" in runs


def test_formatting_equals_pages_ui():
    from pages import ui

    for x in (3.5, 3.5555, 100.0, 0.0, 1234.5):
        assert document.fmt_num(x) == ui.fmt_num(x)
        assert document.fmt_pct(x) == ui.fmt_pct(x)


def test_document_equals_the_screens(blitar, admin):
    """The same numbers as the results page (Tabel 3, 5) and the Tabel 2 page, read from the pages themselves."""
    from streamlit.testing.v1 import AppTest

    from tests.conftest import ROOT

    data = document.build(admin, blitar.id)
    res = AppTest.from_file(str(ROOT / "pages" / "hasil_prioritas.py"), default_timeout=60)
    res.session_state["actor"] = admin
    res.run()
    res.selectbox(key="sel_unit").set_value(blitar.unit_id)
    res.selectbox(key="sel_year").set_value(2022)
    res.run()
    assert not res.exception
    t5 = next(d.value for d in res.dataframe if "Prioritas usulan" in d.value.columns)
    doc5 = data.table(5).rows
    # the same strings (Indonesian decimal comma) on the page and in the document
    assert [r[1] for r in doc5] == list(t5["Rata-rata"]) == ["3,50", "3,56", "3,40", "4,00", "3,67"]
    assert [int(r[2]) for r in doc5] == list(t5["Pertanyaan lemah"])
    assert [int(r[3]) for r in doc5] == list(t5["Prioritas usulan"])
    assert [int(r[5]) for r in doc5] == list(t5["Prioritas berlaku"])
    t3 = next(d.value for d in res.dataframe if "Pertanyaan" in d.value.columns and "1" in d.value.columns)
    assert [r[2:6] for r in data.table(3).rows] == t3[["1", "2", "3", "4"]].values.tolist()
    assert len(res.get("download_button")) == 3  # Excel, DOCX, PDF

    fig = AppTest.from_file(str(ROOT / "pages" / "informasi_umum.py"), default_timeout=60)
    fig.session_state["actor"] = admin
    fig.run()
    fig.selectbox(key="fig_unit").set_value(blitar.unit_id)
    fig.run()
    screen = next(d.value for d in fig.dataframe if "Uraian" in d.value.columns)
    doc2 = data.table(2)
    assert list(screen.columns) == doc2.headers
    assert [[str(v) for v in row] for row in screen.values.tolist()] == doc2.rows
