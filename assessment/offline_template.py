"""The offline path: an Excel template of the matrix (Tabel 3) for one unit and year, filled in
without the portal and uploaded back.

The template (`build_template`):
- sheet "Matriks Asesmen": No, Pertanyaan (locked: the sheet is protected, without a password),
  Nilai (a 1-4 drop-down), Catatan, Tautan bukti; pre-filled with the current answers;
- sheet "Petunjuk": what to do and the meaning of each score;
- a very hidden sheet "_meta" with the assessment id, unit, year, instrument version and a checksum.

The checksum is SHA-256 over those fields and the instrument version's question texts (see
`_checksum`). It is an integrity check, not a signature: it catches a template meant for another
unit, year or instrument version, and a hand-edited metadata sheet. Who may upload is decided by the
permission check of the service, not by the file.

Upload (`parse_upload`) is validated like every import: every fault becomes an
`errors.Problem(row, column, message)` and the whole file is refused with `errors.ImportRejected`.
Nothing is written until `commit`, which saves the previewed changes with `assessments.save_answers`
in one transaction (refused, and nothing written, if an answer was changed in the portal after the
preview was made).
"""
from __future__ import annotations

import hashlib
import json
import zipfile
from dataclasses import dataclass, field
from io import BytesIO
from typing import Any, Optional

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font, PatternFill, Protection
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.workbook.protection import WorkbookProtection

from . import assessments, evidence
from .assessments import AnswerChange, AssessmentView
from .errors import ImportRejected, Problem, ValidationError
from .permissions import Actor, Perm, require

KIND = "monev-sp4n-lapor/matriks-asesmen"
FORMAT = 1
SHEET = "Matriks Asesmen"
HELP_SHEET = "Petunjuk"
META_SHEET = "_meta"
META_EDITED = (f"lembar {META_SHEET} pada templat telah diubah (checksum tidak cocok): unduh templat yang baru "
               "dari halaman Asesmen Offline lalu isi ulang")
HEADERS = ["No", "Pertanyaan", "Nilai (1-4)", "Catatan", "Tautan bukti"]
HEADER_ROW = 5
MAX_BYTES = 2 * 1024 * 1024
MAX_UNPACKED = 40 * 1024 * 1024
MAX_ROWS = 500
NOTE_LIMIT = 4000
_EDIT_FILL = PatternFill("solid", fgColor="FFF2CC")
_HEAD_FILL = PatternFill("solid", fgColor="DDEBF7")


@dataclass(frozen=True)
class RowChange:
    question_no: int
    text: str
    old_score: Optional[int]
    new_score: Optional[int]
    old_note: Optional[str]
    new_note: Optional[str]
    old_link: Optional[str]
    new_link: Optional[str]

    @property
    def fields(self) -> list[str]:
        out = []
        if self.old_score != self.new_score:
            out.append("nilai")
        if self.old_note != self.new_note:
            out.append("catatan")
        if self.old_link != self.new_link:
            out.append("tautan bukti")
        return out


@dataclass(frozen=True)
class ParsedUpload:
    assessment_id: int
    filename: str
    unit_name: str
    year: int
    rows: dict[int, tuple[Optional[int], Optional[str], Optional[str]]]
    base_versions: dict[int, int]
    changes: list[RowChange] = field(default_factory=list)

    @property
    def unchanged(self) -> int:
        return len(self.rows) - len(self.changes)


# --- the template ----------------------------------------------------------------------------------

def _questions_digest(view: AssessmentView) -> str:
    texts = [[q, view.instrument.questions[q]] for q in sorted(view.instrument.questions)]
    return hashlib.sha256(json.dumps(texts, ensure_ascii=False).encode()).hexdigest()


def _meta(view: AssessmentView) -> dict[str, Any]:
    return {
        "jenis": KIND, "format": FORMAT, "assessment_id": view.id, "unit_id": view.unit_id,
        "unit": view.unit_name, "year": view.year, "instrument_version": view.instrument.number,
        "questions": view.instrument.question_count,
    }


def _checksum(meta: dict[str, Any], questions_digest: str) -> str:
    body = {k: meta[k] for k in ("jenis", "format", "assessment_id", "unit_id", "unit", "year",
                                 "instrument_version", "questions")}
    body["questions_digest"] = questions_digest
    return hashlib.sha256(json.dumps(body, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def template_filename(view: AssessmentView) -> str:
    safe = "".join(ch if ch.isalnum() else "_" for ch in view.unit_name).strip("_")
    return f"templat_matriks_{safe}_{view.year}.xlsx"


def build_template(actor: Actor, assessment_id: int) -> bytes:
    """The xlsx template for one assessment, pre-filled with its current answers."""
    view = assessments.get(actor, assessment_id)
    return template_for_view(view)


def _put(ws, row: int, col: int, value: Any):
    """Write a cell; text is always stored as text (never run as a formula, kept as written)."""
    c = ws.cell(row=row, column=col, value=value)
    if isinstance(value, str):
        c.data_type = "s"
    return c


def template_for_view(view: AssessmentView) -> bytes:
    inst = view.instrument
    wb = Workbook()
    ws = wb.active
    ws.title = SHEET
    _put(ws, 1, 1, f"Matriks Asesmen SP4N-LAPOR! - {view.unit_name} - Tahun {view.year}")
    ws["A1"].font = Font(bold=True, size=13)
    ws["A2"] = ("Isi kolom Nilai (1 terendah sampai 4 tertinggi) dari daftar pilihan, Catatan dan Tautan bukti "
                "(http/https). Kolom No dan Pertanyaan dikunci. Unggah kembali berkas ini di portal "
                "(Asesmen Offline); portal menampilkan pratinjau perubahan sebelum disimpan.")
    _put(ws, 3, 1, f"Instrumen versi {inst.number} - asesmen #{view.id} - status {view.state_label}")
    ws.merge_cells("A2:E2")
    ws["A2"].alignment = Alignment(wrap_text=True, vertical="top")
    ws.row_dimensions[2].height = 45
    for col, head in enumerate(HEADERS, start=1):
        c = ws.cell(row=HEADER_ROW, column=col, value=head)
        c.font, c.fill = Font(bold=True), _HEAD_FILL
    first = HEADER_ROW + 1
    for i, q in enumerate(sorted(inst.questions)):
        r = first + i
        a = view.answers.get(q)
        ws.cell(row=r, column=1, value=q)
        _put(ws, r, 2, inst.questions[q]).alignment = Alignment(wrap_text=True, vertical="top")
        for col, value in ((3, a.score if a else None), (4, a.note if a else None),
                           (5, a.evidence_link if a else None)):
            c = _put(ws, r, col, value)
            c.protection = Protection(locked=False)
            c.fill = _EDIT_FILL
            c.alignment = Alignment(wrap_text=True, vertical="top")
    last = first + inst.question_count - 1
    dv = DataValidation(type="list", formula1='"1,2,3,4"', allow_blank=True, showDropDown=False,
                        showErrorMessage=True, errorTitle="Nilai tidak valid",
                        error="Nilai harus 1, 2, 3 atau 4.", promptTitle="Nilai", prompt="Pilih 1 sampai 4",
                        showInputMessage=True)
    dv.add(f"C{first}:C{last}")
    ws.add_data_validation(dv)
    for col, width in zip("ABCDE", (6, 80, 12, 50, 40)):
        ws.column_dimensions[col].width = width
    ws.freeze_panes = f"C{first}"
    ws.protection.sheet = True
    ws.protection.formatColumns = False  # False = allowed: widths and heights may be changed
    ws.protection.formatRows = False
    ws.protection.formatCells = False

    help_ws = wb.create_sheet(HELP_SHEET)
    help_ws.append(["Nilai", "Arti"])
    for i, s in enumerate(inst.scale, start=2):
        _put(help_ws, i, 1, s["score"])
        _put(help_ws, i, 2, f"{s.get('label', '')}: {s.get('description', '')}")
    help_ws.append([])
    help_ws.append(["", "Jangan menambah atau menghapus baris, dan jangan mengubah nomor pertanyaan."])
    help_ws.append(["", "Sel Nilai yang dikosongkan berarti pertanyaan itu belum dinilai."])
    help_ws.column_dimensions["B"].width = 100
    help_ws.protection.sheet = True

    meta_ws = wb.create_sheet(META_SHEET)
    meta = _meta(view)
    meta["checksum"] = _checksum(meta, _questions_digest(view))
    for i, (k, v) in enumerate(meta.items(), start=1):
        _put(meta_ws, i, 1, k)
        _put(meta_ws, i, 2, v)
    meta_ws.sheet_state = "veryHidden"
    meta_ws.protection.sheet = True
    wb.security = WorkbookProtection(lockStructure=True)
    buf = BytesIO()
    wb.save(buf)
    return buf.getvalue()


# --- the upload ------------------------------------------------------------------------------------

def _int_cell(value: Any) -> tuple[Optional[int], Optional[str]]:
    """(value, None) or (None, fault) for a cell that must hold a whole number."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None, None
    if isinstance(value, bool):
        return None, "bukan angka"
    if isinstance(value, int):
        return value, None
    if isinstance(value, float):
        return (int(value), None) if value.is_integer() else (None, f"'{value:g}' bukan bilangan bulat")
    text = str(value).strip()
    try:
        f = float(text.replace(",", "."))
    except ValueError:
        return None, f"'{text[:40]}' bukan angka"
    if not f.is_integer():
        return None, f"'{text[:40]}' bukan bilangan bulat"
    return int(f), None


def _text_cell(value: Any) -> Optional[str]:
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    return text or None


def _reject(problems: list[Problem], filename: str) -> ImportRejected:
    return ImportRejected(problems=problems, summary=f"Berkas '{filename}' ditolak")


def parse_upload(actor: Actor, assessment_id: int, filename: str, data: bytes) -> ParsedUpload:
    """Read and validate a filled template for this assessment; returns the preview. Writes nothing."""
    view = assessments.get(actor, assessment_id)
    require(actor, Perm.ASSESSMENT_EDIT, unit_id=view.unit_id)
    if not view.editable:
        raise ValidationError(f"Asesmen {view.unit_name} {view.year} berstatus {view.state_label} dan tidak "
                              "dapat diubah: hanya Draf atau Dikembalikan yang dapat diisi dari templat.")
    fname = (filename or "berkas").rsplit("/", 1)[-1]
    if len(data) > MAX_BYTES:
        raise _reject([Problem(f"berkas berukuran {len(data) / 1024 / 1024:.1f} MB, melebihi batas "
                               f"{MAX_BYTES // 1024 // 1024} MB untuk templat", file=fname)], fname)
    if not data.startswith(b"PK\x03\x04"):
        raise _reject([Problem("bukan berkas Excel (.xlsx); unduh templat dari portal lalu isi", file=fname)], fname)
    try:
        unpacked = sum(i.file_size for i in zipfile.ZipFile(BytesIO(data)).infolist())
    except (zipfile.BadZipFile, ValueError, OSError):
        raise _reject([Problem("bukan berkas Excel (.xlsx) yang dapat dibaca", file=fname)], fname) from None
    if unpacked > MAX_UNPACKED:
        raise _reject([Problem(f"isi berkas terlalu besar ({unpacked / 1024 / 1024:.0f} MB setelah dibuka); "
                               "templat yang benar jauh lebih kecil", file=fname)], fname)
    try:
        wb = load_workbook(BytesIO(data), data_only=False)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, TypeError) as exc:
        raise _reject([Problem(f"bukan berkas Excel (.xlsx) yang dapat dibaca ({type(exc).__name__})",
                               file=fname)], fname) from None
    except Exception as exc:  # openpyxl raises a variety of errors on broken files
        raise _reject([Problem(f"berkas Excel rusak atau tidak dapat dibaca ({type(exc).__name__})",
                               file=fname)], fname) from None

    # the template's identity
    if META_SHEET not in wb.sheetnames or SHEET not in wb.sheetnames:
        raise _reject([Problem("bukan templat matriks asesmen dari portal ini (lembar data templat tidak ada); "
                               "unduh templat dari halaman Asesmen Offline", file=fname)], fname)
    meta_raw = {}
    for row in wb[META_SHEET].iter_rows(min_row=1, max_row=50, max_col=2, values_only=True):
        if row and row[0] is not None:
            meta_raw[str(row[0])] = row[1]
    if meta_raw.get("jenis") != KIND:
        raise _reject([Problem("bukan templat matriks asesmen dari portal ini", file=fname)], fname)
    problems: list[Problem] = []
    expected = _meta(view)

    def meta_int(key: str) -> Any:
        v, _err = _int_cell(meta_raw.get(key))
        return v

    got = {k: (meta_int(k) if isinstance(expected[k], int) else meta_raw.get(k)) for k in expected}
    if got["format"] != FORMAT:
        problems.append(Problem(f"format templat {got['format']} tidak dikenal (diharapkan {FORMAT})", file=fname))
    # The checksum covers every _meta field (and the question texts of the instrument version). With the
    # same instrument version, a mismatch means the _meta sheet (or its checksum) was edited by hand: then
    # the fields cannot be trusted to say which assessment the template is for, so say only that.
    same_version = got["instrument_version"] == view.instrument.number
    tampered = same_version and meta_raw.get("checksum") != _checksum(got, _questions_digest(view))
    other = (got["unit_id"], got["year"], got["assessment_id"]) != (view.unit_id, view.year, view.id)
    described_as_this = (got["unit"], got["year"], got["assessment_id"]) == (view.unit_name, view.year, view.id)
    if tampered or (other and described_as_this):
        problems.append(Problem(META_EDITED, file=fname))
    elif other:
        problems.append(Problem(
            f"templat ini untuk {got['unit']} tahun {got['year']} (asesmen #{got['assessment_id']}), bukan untuk "
            f"{view.unit_name} tahun {view.year} (asesmen #{view.id}); unduh templat untuk unit dan tahun ini",
            file=fname))
    if not same_version:
        problems.append(Problem(
            f"templat dibuat dengan instrumen versi {got['instrument_version']}, sedangkan asesmen ini memakai "
            f"versi {view.instrument.number}; unduh templat yang baru", file=fname))
    if problems:
        raise _reject(problems, fname)

    ws = wb[SHEET]
    if ws.max_row > MAX_ROWS:
        raise _reject([Problem(f"lembar '{SHEET}' berisi {ws.max_row} baris, melebihi batas {MAX_ROWS}",
                               file=fname)], fname)
    head = [ws.cell(row=HEADER_ROW, column=c).value for c in range(1, len(HEADERS) + 1)]
    if [str(h or "").strip() for h in head] != HEADERS:
        raise _reject([Problem(f"judul kolom harus {', '.join(HEADERS)}", row=HEADER_ROW, file=fname)], fname)

    inst = view.instrument
    rows: dict[int, tuple[Optional[int], Optional[str], Optional[str]]] = {}
    seen_at: dict[int, int] = {}
    for r in range(HEADER_ROW + 1, ws.max_row + 1):
        raw = [ws.cell(row=r, column=c) for c in range(1, len(HEADERS) + 1)]
        cells = [c.value for c in raw]
        formulas = [HEADERS[i] for i, c in enumerate(raw) if c.data_type == "f"]
        if formulas:
            for col in formulas:
                problems.append(Problem("berisi rumus; isi dengan nilai atau teks biasa", row=r, column=col,
                                        file=fname))
            no, _err = _int_cell(cells[0]) if HEADERS[0] not in formulas else (None, None)
            if no in inst.questions:
                seen_at.setdefault(no, r)
            continue
        if all(v is None or (isinstance(v, str) and not v.strip()) for v in cells):
            continue
        no, err = _int_cell(cells[0])
        if err or no is None:
            problems.append(Problem(f"nomor pertanyaan {err or 'kosong'}", row=r, column=HEADERS[0], file=fname))
            continue
        if no not in inst.questions:
            problems.append(Problem(f"nomor pertanyaan {no} tidak dikenal (instrumen versi {inst.number}: "
                                    f"1-{inst.question_count})", row=r, column=HEADERS[0], file=fname))
            continue
        if no in seen_at:
            problems.append(Problem(f"pertanyaan {no} muncul dua kali (juga di baris {seen_at[no]})",
                                    row=r, column=HEADERS[0], file=fname))
            continue
        seen_at[no] = r
        if _text_cell(cells[1]) != inst.questions[no]:
            problems.append(Problem(f"teks pertanyaan {no} berbeda dari instrumen versi {inst.number}; "
                                    "jangan mengubah kolom Pertanyaan", row=r, column=HEADERS[1], file=fname))
        score, err = _int_cell(cells[2])
        if err:
            problems.append(Problem(f"nilai {err}; isi 1, 2, 3 atau 4", row=r, column=HEADERS[2], file=fname))
        elif score is not None and not 1 <= score <= 4:
            problems.append(Problem(f"nilai {score} di luar skala; isi 1, 2, 3 atau 4", row=r, column=HEADERS[2],
                                    file=fname))
        note = _text_cell(cells[3])
        if note and len(note) > NOTE_LIMIT:
            problems.append(Problem(f"catatan terlalu panjang ({len(note)} karakter, maksimal {NOTE_LIMIT})",
                                    row=r, column=HEADERS[3], file=fname))
        link = _text_cell(cells[4])
        if link:
            try:
                link = evidence.check_link(link)
            except ValidationError as exc:
                problems.append(Problem(exc.message, row=r, column=HEADERS[4], file=fname))
        rows[no] = (score, note, link)
    missing = [q for q in sorted(inst.questions) if q not in seen_at]
    if missing:
        problems.append(Problem(f"pertanyaan {', '.join(map(str, missing))} tidak ada dalam berkas; "
                                "jangan menghapus baris", column=HEADERS[0], file=fname))
    if problems:
        raise _reject(problems, fname)

    changes = []
    for q in sorted(rows):
        score, note, link = rows[q]
        a = view.answers.get(q)
        old = (a.score, a.note, a.evidence_link) if a else (None, None, None)
        if old != (score, note, link):
            changes.append(RowChange(q, inst.questions[q], old[0], score, old[1], note, old[2], link))
    return ParsedUpload(
        assessment_id=view.id, filename=fname, unit_name=view.unit_name, year=view.year, rows=rows,
        base_versions={q: a.version for q, a in view.answers.items()}, changes=changes,
    )


def commit(actor: Actor, parsed: ParsedUpload) -> int:
    """Save the previewed changes in one transaction; returns how many questions changed."""
    changes = {
        c.question_no: AnswerChange(c.new_score, c.new_note, c.new_link,
                                    base_version=parsed.base_versions.get(c.question_no))
        for c in parsed.changes
    }
    from . import audit
    from .db import transaction

    with transaction() as s:
        assessments.save_answers_in(s, actor, parsed.assessment_id, changes)
        audit.record(s, actor, "assessment.import_template", "assessment", parsed.assessment_id, None,
                     {"file": parsed.filename, "questions": sorted(changes)})
    return len(changes)
