"""Excel downloads of an assessment: Tabel 3 (ticks), Tabel 4 (categorisation), Tabel 5 (priorities).

The numbers come from scoring/ through the same Result the pages show.
"""
from __future__ import annotations

from io import BytesIO

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from scoring.assessment import Result, round2

from .assessments import AssessmentView

TICK = "√"
_HEAD = Font(bold=True)
_FILL = PatternFill("solid", fgColor="DDEBF7")
_WRAP = Alignment(wrap_text=True, vertical="top")


def safe_cell(value):
    """Text that Excel would run as a formula is written as plain text (CSV/Excel injection)."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def _table(ws, headers: list[str], rows: list[list], widths: list[int]) -> None:
    ws.append(headers)
    for c in ws[ws.max_row]:
        c.font, c.fill = _HEAD, _FILL
    for r in rows:
        ws.append([safe_cell(v) for v in r])
    for i, w in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = w
    for row in ws.iter_rows(min_row=2):
        for c in row:
            c.alignment = _WRAP


def assessment_workbook(view: AssessmentView, res: Result) -> bytes:
    inst = view.instrument
    cats = {c.key: c.label for c in inst.categories}
    wb = Workbook()
    info = wb.active
    info.title = "Informasi"
    for k, v in [("Unit", view.unit_name), ("Tahun", view.year), ("Status", view.state_label),
                 ("Versi instrumen", inst.number), ("Terisi", f"{res.answered}/{res.total}")]:
        info.append([k, safe_cell(v)])
    info.column_dimensions["A"].width = 20
    info.column_dimensions["B"].width = 50

    t3 = wb.create_sheet("Tabel 3 Matriks Asesmen")
    rows = []
    for q in sorted(inst.questions):
        a = view.answers.get(q)
        score = a.score if a else None
        rows.append([q, inst.questions[q]] + [TICK if score == v else "" for v in (1, 2, 3, 4)]
                    + [score, cats.get(res.categories.get(q), ""), (a.note if a else None) or "",
                       (a.evidence_link if a else None) or ""])
    _table(t3, ["No", "Pertanyaan", "1", "2", "3", "4", "Nilai", "Kategori", "Catatan", "Tautan bukti"], rows,
           [5, 70, 4, 4, 4, 4, 7, 16, 40, 40])

    t4 = wb.create_sheet("Tabel 4 Kategorisasi")
    aspects = sorted(inst.aspects, key=lambda x: x.order)
    rows = []
    for q in sorted(inst.questions):
        rows.append([q, inst.questions[q], cats.get(res.categories.get(q), "")]
                    + [TICK if a.key in inst.mapping.get(q, []) else "" for a in aspects]
                    + [inst.provenance.get(q, "")])
    _table(t4, ["No", "Pertanyaan", "Kategori"] + [a.name for a in aspects] + ["Sumber pemetaan"], rows,
           [5, 60, 16] + [16] * len(aspects) + [24])

    t5 = wb.create_sheet("Tabel 5 Prioritas")
    rows = []
    for r in sorted(res.aspects, key=lambda x: x.order):
        rows.append([r.name, round2(r.mean), r.weak, r.suggested_priority, r.final_priority or "", r.priority,
                     r.reason or ""])
    _table(t5, ["Aspek", "Rata-rata", "Pertanyaan lemah", "Prioritas usulan", "Prioritas akhir (tim)",
                "Prioritas berlaku", "Alasan"], rows, [40, 10, 10, 10, 12, 10, 70])
    buf = BytesIO()
    wb.save(buf)
    return buf.getvalue()
