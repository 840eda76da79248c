"""The Lampiran-style document of one unit and year (.docx and .pdf), generated from the data.

`build` computes ONE data structure (`DocumentData`: sections with headings and tables whose cells
are already text) with the same functions the pages use:
- Tabel 2 from `figures.list_figures` + `scoring.figures` (the two years before the assessment year,
  as the Lampiran does: a 2022 document shows 2020 and 2021);
- Tabel 3, 4 and 5 from `assessments.result` (scoring.assessment: categories, means, priorities);
- Tabel 6, 8 and 9 from `assessment.renaksi` (`tabel6` with the Tabel 2 figures of the instansi as
  realisasi, `list_indicators`, `list_items`). The rencana aksi is the instansi's: a document of an
  OPD or kecamatan lists in Tabel 9 only the items the unit is responsible for.
`render_docx` (python-docx) and `render_pdf` (fpdf2, DejaVu Sans when installed) only lay it out, so
both files carry the same numbers. Decimals are written the Indonesian way (3,50; 100,0 %), as
`pages/ui.fmt_num` writes them.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from io import BytesIO
from pathlib import Path
from typing import Optional, Sequence

from scoring import figures as fig
from scoring.assessment import round2
from scoring.formatting import fmt_num, fmt_pct  # noqa: F401 (used by the document tables)

from . import assessments, figures, renaksi
from .permissions import Actor

TICK = "√"
WIB = timezone(timedelta(hours=7))
FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PDF_MIME = "application/pdf"


# --- formatting (shared rules in scoring/formatting.py) ---------------------------------------------

def fmt_plain(x: Optional[float]) -> str:
    """A target or count as printed: 95 -> "95", 99.5 -> "99,5"."""
    if x is None:
        return "-"
    return str(int(x)) if float(x).is_integer() else fmt_num(x, 1)


_CTRL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _clean(text: object) -> str:
    """Text fit for the XML of a .docx and for a PDF: control characters removed."""
    return _CTRL.sub("", "" if text is None else str(text))


# --- the data structure --------------------------------------------------------------------------

@dataclass(frozen=True)
class DocTable:
    number: int
    title: str
    headers: list[str]
    rows: list[list[str]]
    widths: list[float]  # relative
    notes: list[str] = field(default_factory=list)
    bold_rows: frozenset[int] = frozenset()  # indexes into rows (group rows of Tabel 9)
    center: frozenset[int] = frozenset()  # column indexes drawn centred (ticks, numbers)

    @property
    def caption(self) -> str:
        return f"Tabel {self.number} {self.title}"


@dataclass(frozen=True)
class DocSection:
    heading: str
    level: int
    paragraphs: list[str]
    tables: list[DocTable]


@dataclass(frozen=True)
class DocumentData:
    title: str
    subtitle: str
    facts: list[tuple[str, str]]
    sections: list[DocSection]
    unit_name: str
    year: int

    @property
    def tables(self) -> list[DocTable]:
        return [t for s in self.sections for t in s.tables]

    def table(self, number: int) -> DocTable:
        for t in self.tables:
            if t.number == number:
                return t
        raise KeyError(number)

    @property
    def filename_stem(self) -> str:
        safe = "".join(ch if ch.isalnum() else "_" for ch in self.unit_name).strip("_")
        return f"lampiran_renaksi_{safe}_{self.year}"


def _tabel2(actor: Actor, view: assessments.AssessmentView) -> DocTable:
    rows = [r for r in figures.list_figures(actor, view.unit_id) if r.year < view.year][-2:]
    f = [(r, figures.as_scoring(r)) for r in rows]
    headers = ["No.", "Uraian"]
    for r, _ in f:
        label = str(r.year) if r.months == 12 else f"{r.year} ({r.months} bulan)"
        headers += [f"{label} Jumlah", f"{label} %"]
    # The same cells as the "Seperti Tabel 2 Lampiran" table of pages/informasi_umum.py.
    def pct(x: Optional[float]) -> str:
        return "-" if x is None else fmt_num(x, 0)

    body = [
        ["1.", "Jumlah Pengaduan"] + [c for r, g in f for c in (str(r.received), "100" if r.received else "-")],
        ["2.", "Rata-rata jumlah pengaduan yang diterima dalam 1 bulan"]
        + [c for _r, g in f for c in (str(g.monthly_printed), "-")],
        ["3.", "Jumlah pengaduan yang diselesaikan"]
        + [c for r, g in f for c in (str(r.resolved), pct(g.resolved_pct))],
        ["4.", "Jumlah pengaduan yang tidak dapat diselesaikan"]
        + [c for r, g in f for c in (str(r.unresolved), pct(g.unresolved_pct))],
    ]
    notes = []
    if f:
        notes.append("Rata-rata per bulan dicetak dibulatkan ke bawah seperti pada dokumen; nilai tepatnya: "
                     + "; ".join(f"{r.year}: {fmt_num(g.monthly_exact, 2)}" for r, g in f) + ".")
    else:
        notes.append(f"Belum ada angka Tabel 2 untuk tahun-tahun sebelum {view.year}.")
    n = len(f)
    return DocTable(2, "Matriks Asesmen Informasi Umum", headers, body,
                    [0.06, 0.46] + [0.48 / (2 * n)] * (2 * n) if n else [0.1, 0.9], notes,
                    center=frozenset(range(2, 2 + 2 * n)))


def _tabel3(view: assessments.AssessmentView) -> DocTable:
    inst = view.instrument
    rows = [[f"{q}.", _clean(inst.questions[q])] + [TICK if view.scores.get(q) == v else "" for v in (1, 2, 3, 4)]
            for q in sorted(inst.questions)]
    notes = [] if not view.missing else [
        f"Belum dinilai: pertanyaan {', '.join(map(str, view.missing))}."]
    return DocTable(3, "Matriks Asesmen", ["No.", "Pertanyaan", "1", "2", "3", "4"], rows,
                    [0.06, 0.70, 0.06, 0.06, 0.06, 0.06], ["Skala 1 terendah sampai 4 tertinggi."] + notes,
                    center=frozenset({2, 3, 4, 5}))


def _tabel4(view: assessments.AssessmentView, res) -> DocTable:
    inst = view.instrument
    cats = {c.key: c.label for c in inst.categories}
    aspects = sorted(inst.aspects, key=lambda a: a.order)
    rows = [[f"{q}.", _clean(inst.questions[q]), cats.get(res.categories.get(q), "-")]
            + [TICK if a.key in inst.mapping.get(q, []) else "" for a in aspects] for q in sorted(inst.questions)]
    legend = "; ".join(f"A{a.order} = {a.name}" for a in aspects)
    return DocTable(4, "Kategorisasi Hasil Asesmen", ["No.", "Pertanyaan", "Kategori"] + [f"A{a.order}" for a in aspects],
                    rows, [0.05, 0.52, 0.13] + [0.30 / len(aspects)] * len(aspects),
                    [f"Aspek: {legend}.", f"Pemetaan pertanyaan ke aspek: instrumen versi {inst.number}."],
                    center=frozenset(range(3, 3 + len(aspects))))


def _tabel5(res) -> DocTable:
    rows = []
    for r in sorted(res.aspects, key=lambda r: r.order):
        rows.append([r.name, fmt_num(round2(r.mean), 2), str(r.weak), str(r.suggested_priority),
                     "-" if r.final_priority is None else str(r.final_priority), str(r.priority), _clean(r.reason or "")])
    return DocTable(5, "Penentuan Prioritas Instansi",
                    ["Aspek", "Rata-rata", "Pertanyaan lemah", "Prioritas usulan", "Prioritas akhir (tim)",
                     "Prioritas berlaku", "Alasan"], rows, [0.18, 0.08, 0.105, 0.105, 0.105, 0.105, 0.32],
                    ["Prioritas 1 = paling mendesak (rata-rata terendah; bila sama, lebih banyak pertanyaan lemah, "
                     "lalu urutan aspek). Prioritas akhir diisi bila tim menetapkan lain dari usulan."],
                    center=frozenset({1, 2, 3, 4, 5}))


def _tabel6(actor: Actor) -> DocTable:
    targets = {t.key: t for t in renaksi.read_targets()}
    rows_in = renaksi.tabel6(actor)
    rows, no, seen = [], 0, []
    for r in rows_in:
        t = targets[r.key]
        first = r.key not in seen
        if first:
            seen.append(r.key)
            no += 1
        unit = t.unit
        target = fmt_plain(r.target) + (" %" if unit == "%" else f" {unit}")
        actual = "-" if r.actual is None else (fmt_pct(r.actual) if unit == "%" else fmt_plain(r.actual) + f" {unit}")
        baseline = fmt_plain(t.baseline_value) + (" %" if unit == "%" else f" {unit}") + f" ({t.baseline_year})"
        rows.append([str(no) if first else "", t.name if first else "", baseline if first else "", str(r.year),
                     target, actual, r.status])
    years = sorted({r.year for r in rows_in} | {t.baseline_year for t in targets.values()})
    title = "Indikator Sasaran Strategis dan Target" + (f" {min(years)}-{max(years)}" if years else "")
    return DocTable(6, title, ["No", "Indikator Sasaran Strategis", "Baseline", "Tahun", "Target", "Realisasi",
                               "Status"], rows, [0.05, 0.29, 0.14, 0.08, 0.13, 0.13, 0.18],
                    ["Realisasi dari Tabel 2 (angka umum pengaduan) pemerintah daerah; tercapai bila realisasi "
                     "mencapai target. Tahun yang belum mencakup 12 bulan dinilai sementara."])


def _status_year(year: int, years: Sequence[int]) -> int:
    """The plan year whose status the document shows: the assessment year, or the nearest plan year."""
    if year in years:
        return year
    return min(years, key=lambda y: (abs(y - year), y)) if years else year


def _tabel8(actor: Actor, year: int) -> DocTable:
    inds = renaksi.list_indicators(actor)
    sy = _status_year(year, renaksi.plan_years())
    rows, last = [], None
    for i in inds:
        prog = f"{i.program_no}. {i.program_name}" if i.program_no != last else ""
        last = i.program_no
        iy = i.years.get(sy)
        rows.append([i.code, prog, _clean(i.text), iy.status_label if iy else "-"])
    return DocTable(8, "Indikator (Ukuran) Keberhasilan Program", ["Kode", "Program", "Indikator (Ukuran) Keberhasilan",
                                                                  f"Status {sy}"], rows, [0.07, 0.25, 0.50, 0.18])


def _tabel9(actor: Actor, view: assessments.AssessmentView) -> DocTable:
    items = renaksi.list_items(actor)
    years = list(renaksi.plan_years())
    sy = _status_year(view.year, years)
    scoped = view.unit_kind != "instansi"
    if scoped:
        items = renaksi.filter_items(items, unit_id=view.unit_id)
    rows, bold = [], set()
    for it in items:
        if it.level == "kp":
            bold.add(len(rows))
            rows.append([it.code, _clean(it.title)] + [""] * len(years) + ["", ""])
            continue
        yv = it.years.get(sy)
        if yv is None:
            status = "-"
        else:
            status = yv.status_label
            if yv.progress is not None and yv.status not in ("belum_dimulai",):
                status += f" ({fmt_num(yv.progress, 1)} %)"
            if yv.late:
                status += ", terlambat"
        rows.append([it.code, _clean(it.title)] + [TICK if y in it.planned_years else "" for y in years]
                    + [_clean(it.parties), status])
    notes = [f"Status pada tahun {sy}; \"-\" bila butir tidak dijadwalkan pada tahun itu."]
    if scoped:
        notes.append(f"Hanya butir rencana aksi pemerintah daerah dengan {view.unit_name} sebagai unit penanggung jawab.")
        if not rows:
            notes.append("Belum ada butir rencana aksi dengan unit ini sebagai penanggung jawab.")
    span = f"{years[0]}-{years[-1]}" if years else ""
    yw = 0.05
    return DocTable(9, f"Rencana Aksi Pengelolaan Pengaduan {view.unit_name} Tahun {span}".strip(),
                    ["No.", "Kelompok Program/ Program/Kegiatan"] + [str(y) for y in years] + ["Pihak Terlibat",
                                                                                               f"Status {sy}"],
                    rows, [0.08, 0.37] + [yw] * len(years) + [0.19, 0.16], notes, frozenset(bold),
                    frozenset(range(2, 2 + len(years))))


def build(actor: Actor, assessment_id: int, now: Optional[datetime] = None) -> DocumentData:
    view, res = assessments.result(actor, assessment_id)
    return build_for(actor, view, res, now)


def build_by_name(actor: Actor, unit_name: str, year: int, now: Optional[datetime] = None) -> DocumentData:
    view = assessments.find_by_name(actor, unit_name, year)
    return build_for(actor, view, assessments.compute(view), now)


def build_for(actor: Actor, view: assessments.AssessmentView, res, now: Optional[datetime] = None) -> DocumentData:
    now = (now or datetime.now(timezone.utc)).astimezone(WIB)
    facts = [
        ("Unit", view.unit_name), ("Tahun asesmen", str(view.year)), ("Status asesmen", view.state_label),
        ("Versi instrumen", str(view.instrument.number)), ("Pertanyaan terisi", f"{res.answered}/{res.total}"),
        ("Dibuat", f"{now.strftime('%d-%m-%Y %H:%M')} WIB oleh {actor.username} dari data Portal Monev SP4N-LAPOR!"),
    ]
    sections = [
        DocSection("BAB II ASESMEN PENGELOLAAN PENGADUAN", 1, [], []),
        DocSection("II.2. Penilaian (Asesmen) Pengelolaan Pengaduan Instansi", 2,
                   ["Asesmen bertujuan mengetahui kondisi pengelolaan pengaduan sebagai dasar menentukan sasaran, "
                    "program, dan kegiatan rencana aksi."], []),
        DocSection("II.2.1. Pengisian Matriks Asesmen", 3, [], [_tabel2(actor, view), _tabel3(view)]),
        DocSection("II.2.2. Kategorisasi Hasil Asesmen", 3, [], [_tabel4(view, res)]),
        DocSection("II.3. Penetapan Prioritas", 2,
                   ["Berdasarkan matriks asesmen dan kategori di atas ditentukan kelompok prioritas untuk meningkatkan "
                    "efektivitas pengelolaan pengaduan."], [_tabel5(res)]),
        DocSection("BAB III TUJUAN, SASARAN, PROGRAM, KEGIATAN DAN INDIKATOR-INDIKATOR", 1, [], []),
        DocSection("III.1. Tujuan dan Sasaran Rencana Aksi", 2, [], [_tabel6(actor)]),
        DocSection("III.2. Program dan Kegiatan Rencana Aksi", 2, [], [_tabel8(actor, view.year), _tabel9(actor, view)]),
    ]
    if res.problems:
        sections[4].paragraphs.extend(f"Catatan: {p}" for p in res.problems)
    return DocumentData(
        title="Rencana Aksi SP4N-LAPOR!",
        subtitle=f"Hasil Asesmen dan Rencana Aksi Pengelolaan Pengaduan - {view.unit_name} - Tahun {view.year}",
        facts=facts, sections=sections, unit_name=view.unit_name, year=view.year,
    )


# --- .docx -----------------------------------------------------------------------------------------

def render_docx(data: DocumentData) -> bytes:
    from docx import Document
    from docx.enum.section import WD_ORIENT
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Cm, Pt, RGBColor

    doc = Document()
    sec = doc.sections[0]
    sec.orientation = WD_ORIENT.PORTRAIT
    sec.page_width, sec.page_height = Cm(21.0), Cm(29.7)
    for side in ("left_margin", "right_margin"):
        setattr(sec, side, Cm(1.8))
    sec.top_margin = sec.bottom_margin = Cm(1.8)
    usable = 21.0 - 3.6
    normal = doc.styles["Normal"]
    normal.font.name = "Arial"
    normal.font.size = Pt(10)
    doc.core_properties.title = f"{data.title} - {data.unit_name} - {data.year}"
    doc.core_properties.language = "id-ID"

    doc.add_heading(_clean(data.title), level=0)
    doc.add_paragraph(_clean(data.subtitle))
    facts = doc.add_table(rows=0, cols=2)
    for k, v in data.facts:
        cells = facts.add_row().cells
        cells[0].text, cells[1].text = _clean(k), _clean(v)
        cells[0].width, cells[1].width = Cm(4), Cm(usable - 4)

    for s in data.sections:
        doc.add_heading(_clean(s.heading), level=min(s.level, 3))
        for p in s.paragraphs:
            doc.add_paragraph(_clean(p))
        for t in s.tables:
            cap = doc.add_paragraph()
            run = cap.add_run(_clean(t.caption))
            run.bold = True
            table = doc.add_table(rows=1, cols=len(t.headers))
            table.style = "Table Grid"
            table.alignment = WD_TABLE_ALIGNMENT.CENTER
            total = sum(t.widths)
            widths = [Cm(usable * w / total) for w in t.widths]
            head = table.rows[0]
            tr_pr = head._tr.get_or_add_trPr()
            rep = OxmlElement("w:tblHeader")
            rep.set(qn("w:val"), "true")
            tr_pr.append(rep)
            for i, h in enumerate(t.headers):
                cell = head.cells[i]
                cell.width = widths[i]
                cell.text = ""
                r = cell.paragraphs[0].add_run(_clean(h))
                r.bold, r.font.size = True, Pt(8)
                shd = OxmlElement("w:shd")
                shd.set(qn("w:val"), "clear")
                shd.set(qn("w:fill"), "DDEBF7")
                cell._tc.get_or_add_tcPr().append(shd)
            for ri, row in enumerate(t.rows):
                cells = table.add_row().cells
                for i, value in enumerate(row):
                    cells[i].width = widths[i]
                    cells[i].text = ""
                    para = cells[i].paragraphs[0]
                    if i in t.center:
                        para.alignment = WD_ALIGN_PARAGRAPH.CENTER
                    r = para.add_run(_clean(value))
                    r.font.size = Pt(8)
                    r.bold = ri in t.bold_rows
            for n in t.notes:
                p = doc.add_paragraph()
                r = p.add_run(_clean(n))
                r.italic, r.font.size = True, Pt(8)
                r.font.color.rgb = RGBColor(0x44, 0x44, 0x44)
    buf = BytesIO()
    doc.save(buf)
    return buf.getvalue()


# --- .pdf ------------------------------------------------------------------------------------------

def _pdf_fonts(pdf) -> tuple[str, bool]:
    regular, bold = FONT_DIR / "DejaVuSans.ttf", FONT_DIR / "DejaVuSans-Bold.ttf"
    if regular.exists() and bold.exists():
        pdf.add_font("DejaVu", "", str(regular))
        pdf.add_font("DejaVu", "B", str(bold))
        oblique = FONT_DIR / "DejaVuSans-Oblique.ttf"
        pdf.add_font("DejaVu", "I", str(oblique if oblique.exists() else regular))
        return "DejaVu", True
    return "helvetica", False


def render_pdf(data: DocumentData) -> bytes:
    from fpdf import FPDF
    from fpdf.fonts import FontFace

    pdf = FPDF(orientation="P", unit="mm", format="A4")
    pdf.set_margins(15, 15, 15)
    pdf.set_auto_page_break(True, margin=15)
    family, unicode_ok = _pdf_fonts(pdf)

    def t(text: object) -> str:
        text = _clean(text)
        if unicode_ok:
            return text
        return text.replace(TICK, "v").encode("latin-1", "replace").decode("latin-1")

    pdf.set_title(t(f"{data.title} - {data.unit_name} - {data.year}"))
    pdf.set_lang("id")
    pdf.set_creator("Portal Monev SP4N-LAPOR!")
    pdf.add_page()
    pdf.set_font(family, "B", 16)
    pdf.multi_cell(0, 8, t(data.title), new_x="LMARGIN", new_y="NEXT", align="L")
    pdf.set_font(family, "", 11)
    pdf.multi_cell(0, 6, t(data.subtitle), new_x="LMARGIN", new_y="NEXT", align="L")
    pdf.ln(2)
    pdf.set_font(family, "", 9)
    for k, v in data.facts:
        pdf.multi_cell(0, 5, t(f"{k}: {v}"), new_x="LMARGIN", new_y="NEXT", align="L")
    sizes = {1: 13, 2: 11.5, 3: 10.5}
    head_style = FontFace(emphasis="BOLD", fill_color=(221, 235, 247))
    bold_style = FontFace(emphasis="BOLD")
    for s in data.sections:
        pdf.ln(3)
        pdf.set_font(family, "B", sizes.get(s.level, 10))
        pdf.multi_cell(0, 6, t(s.heading), new_x="LMARGIN", new_y="NEXT", align="L")
        pdf.set_font(family, "", 9.5)
        for p in s.paragraphs:
            pdf.multi_cell(0, 5, t(p), new_x="LMARGIN", new_y="NEXT", align="L")
        for tb in s.tables:
            pdf.ln(2)
            pdf.set_font(family, "B", 9.5)
            pdf.multi_cell(0, 5, t(tb.caption), new_x="LMARGIN", new_y="NEXT", align="L")
            pdf.set_font(family, "", 7.5)
            with pdf.table(col_widths=tuple(tb.widths), width=pdf.epw, text_align="LEFT", line_height=3.6,
                           headings_style=head_style, first_row_as_headings=True, repeat_headings=1,
                           padding=0.8) as table:
                row = table.row()
                for h in tb.headers:
                    row.cell(t(h))
                for ri, values in enumerate(tb.rows):
                    row = table.row()
                    for ci, v in enumerate(values):
                        row.cell(t(v), style=bold_style if ri in tb.bold_rows else None,
                                 align="CENTER" if ci in tb.center else None)
            pdf.set_font(family, "I", 7.5)
            for n in tb.notes:
                pdf.multi_cell(0, 4, t(n), new_x="LMARGIN", new_y="NEXT", align="L")
    return bytes(pdf.output())


def render(data: DocumentData, fmt: str) -> bytes:
    fmt = fmt.lower().lstrip(".")
    if fmt == "docx":
        return render_docx(data)
    if fmt == "pdf":
        return render_pdf(data)
    from .errors import ValidationError

    raise ValidationError(f"Format dokumen '{fmt}' tidak dikenal: pilih .docx atau .pdf.")
