"""Reading a SP4N-LAPOR! export: the real Excel file, or a CSV copy of it.

What the file looks like (shared/domain/lapor-export.md, data/complaints/columns.yaml):
- a metadata block (Judul Laporan, Nama Instansi, Tanggal Generate, ...) above the table; the header
  row is the first row whose first cell is `Tracking ID`;
- the 26 LAPOR! columns (either label of Instansi Terdisposisi), plus the optional dates operators
  recorded (Tanggal Disposisi, Tanggal Tindak Lanjut, Tanggal Selesai);
- CSV copies: comma, semicolon or tab; UTF-8 with or without BOM, or Windows-1252.

`parse()` returns a `ParsedFile` whose `problems` list every fault by row (as the user sees the
row in Excel) and column; `read()` does the same and raises `ImportRejected` when there is any.
A fault that makes the file unreadable as a whole (not Excel/CSV, empty, no header row, a required
column missing, too big) raises `ImportRejected` from both.

Fast at a million rows: CSV goes through pyarrow's parser, values are normalised column-wise with
pandas, and dates are parsed once per distinct value (a year of reports has a few hundred).
"""
from __future__ import annotations

import csv
import hashlib
import io
import re
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from typing import Any, Optional

import numpy as np
import pandas as pd

from .config import get_settings
from .datafiles import fail, load_yaml
from .errors import ImportRejected, Problem

COLUMNS_FILE = "complaints/columns.yaml"
MAX_PROBLEMS = 1000  # kept in full; beyond this only counted
EXCEL_EPOCH = date(1899, 12, 30)

# --- the column catalogue -------------------------------------------------------------------------


@dataclass(frozen=True)
class ColumnDef:
    key: str
    label: str
    aliases: tuple[str, ...] = ()
    required: bool = False
    kind: str = "text"  # text | date | number
    personal: bool = False
    optional: bool = False  # not in the LAPOR! export (operator-recorded)


@dataclass(frozen=True)
class Catalogue:
    columns: tuple[ColumnDef, ...]
    marker: str
    metadata: dict[str, str]

    @property
    def by_key(self) -> dict[str, ColumnDef]:
        return {c.key: c for c in self.columns}

    @property
    def lapor_columns(self) -> list[ColumnDef]:
        return [c for c in self.columns if not c.optional]

    @property
    def personal_keys(self) -> set[str]:
        return {c.key for c in self.columns if c.personal}

    def header_index(self) -> dict[str, ColumnDef]:
        out: dict[str, ColumnDef] = {}
        for c in self.columns:
            for name in (c.label, *c.aliases):
                out[header_key(name)] = c
        return out


def header_key(name: Any) -> str:
    """Header matching ignores case, dots, commas, brackets, a BOM and repeated spaces."""
    s = str(name or "").replace("\ufeff", "").lower()
    s = re.sub(r"[.,()]", " ", s)
    return re.sub(r"\s+", " ", s).strip()


@lru_cache(maxsize=1)
def catalogue() -> Catalogue:
    data = load_yaml(COLUMNS_FILE) or {}
    cols: list[ColumnDef] = []
    for section, optional in (("columns", False), ("optional_columns", True)):
        rows = data.get(section)
        if not isinstance(rows, list) or (not optional and len(rows) != 26):
            raise fail(COLUMNS_FILE, f"'{section}' harus daftar" + ("" if optional else " berisi 26 kolom LAPOR!") + ".")
        for i, r in enumerate(rows, 1):
            if not isinstance(r, dict) or not r.get("key") or not r.get("label"):
                raise fail(COLUMNS_FILE, f"{section} butir ke-{i} harus punya 'key' dan 'label'.")
            kind = r.get("kind", "text")
            if kind not in ("text", "date", "number"):
                raise fail(COLUMNS_FILE, f"{section} butir ke-{i}: kind '{kind}' tidak dikenal.")
            cols.append(ColumnDef(r["key"], r["label"], tuple(r.get("aliases") or ()), bool(r.get("required")),
                                  kind, bool(r.get("personal")), optional))
    keys = [c.key for c in cols]
    if len(set(keys)) != len(keys):
        raise fail(COLUMNS_FILE, "ada 'key' kolom yang ganda.")
    need = {"tracking_id", "report_date", "status_raw", "instansi_name", "classification"}
    if not need <= set(keys):
        raise fail(COLUMNS_FILE, f"kolom wajib tidak lengkap: {sorted(need - set(keys))}.")
    return Catalogue(tuple(cols), data.get("header_marker", "Tracking ID"), dict(data.get("metadata") or {}))


# --- dates ----------------------------------------------------------------------------------------

MONTHS: dict[str, int] = {}
for _n, _names in enumerate((
    "januari jan january",
    "februari feb pebruari peb february",
    "maret mar march",
    "april apr",
    "mei may",
    "juni jun june",
    "juli jul july",
    "agustus agu agt ags agst aug august",
    "september sep sept",
    "oktober okt oct october",
    "november nov nop",
    "desember des dec december",
), start=1):
    for _w in _names.split():
        MONTHS[_w] = _n

_DAY_NAME = re.compile(r"^(senin|selasa|rabu|kamis|jumat|jum'at|sabtu|minggu|ahad|monday|tuesday|wednesday|"
                       r"thursday|friday|saturday|sunday|mon|tue|wed|thu|fri|sat|sun)\b[,\s]*", re.I)
_ISO = re.compile(r"^(\d{4})[-/](\d{1,2})[-/](\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$")
_NUMERIC = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4}|\d{2})(?:\s+\d{1,2}[:.]\d{2}(?::\d{2})?)?$")
_DMY_NAME = re.compile(r"^(\d{1,2})[\s/.-]+([a-z]+)\.?[\s/.,-]+(\d{4}|\d{2})(?:,?\s+\d{1,2}[:.]\d{2}(?::\d{2})?(?:\s*wib)?)?$", re.I)
_MDY_NAME = re.compile(r"^([a-z]+)\.?\s+(\d{1,2}),?\s+(\d{4})(?:,?\s+\d{1,2}:\d{2}(?::\d{2})?)?$", re.I)
_SERIAL = re.compile(r"^\d{5}(?:\.\d+)?$")
SERIAL_MIN, SERIAL_MAX = 25569, 73051  # 1970-01-01 .. 2100-01-01


def _year(y: str) -> int:
    n = int(y)
    return 2000 + n if len(y) == 2 else n


def _mk(y: int, m: int, d: int) -> Optional[date]:
    try:
        out = date(y, m, d)
    except ValueError:
        return None
    return out if 1990 <= out.year <= 2100 else None


def parse_date_value(v: Any, numeric_order: str = "dmy") -> Optional[date]:
    """One value -> date, or None when it cannot be read. Empty values are handled by the caller.

    Accepts: `3 Jan 2026`, `03 Januari 2026`, `3-Agu-2025`, `Senin, 3 Jan 2026`, `Jan 3, 2026`,
    `2026-01-03` (time part ignored), `03/01/2026` (day first unless `numeric_order="mdy"`),
    Excel dates (datetime objects or serial numbers).
    """
    if isinstance(v, datetime):
        return v.date()
    if isinstance(v, date):
        return v
    if isinstance(v, pd.Timestamp):
        return None if pd.isna(v) else v.date()
    if isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool):
        if np.isnan(v) if isinstance(v, (float, np.floating)) else False:
            return None
        if SERIAL_MIN <= float(v) <= SERIAL_MAX:
            return EXCEL_EPOCH + timedelta(days=int(float(v)))
        return None
    s = re.sub(r"\s+", " ", str(v)).strip()
    s = _DAY_NAME.sub("", s).strip()
    if not s:
        return None
    m = _ISO.match(s)
    if m:
        return _mk(int(m[1]), int(m[2]), int(m[3]))
    m = _DMY_NAME.match(s)
    if m:
        mon = MONTHS.get(m[2].lower())
        return _mk(_year(m[3]), mon, int(m[1])) if mon else None
    m = _MDY_NAME.match(s)
    if m:
        mon = MONTHS.get(m[1].lower())
        return _mk(int(m[3]), mon, int(m[2])) if mon else None
    m = _NUMERIC.match(s)
    if m:
        a, b, y = int(m[1]), int(m[2]), _year(m[3])
        return _mk(y, a, b) if numeric_order == "mdy" else _mk(y, b, a)
    if _SERIAL.match(s) and SERIAL_MIN <= float(s) <= SERIAL_MAX:
        return EXCEL_EPOCH + timedelta(days=int(float(s)))
    return None


def _numeric_order(values: list[Any]) -> str:
    """Day-first unless the column's d/m/y values only make sense month-first (13/25/2026)."""
    first_big = second_big = False
    for v in values:
        if isinstance(v, str):
            m = _NUMERIC.match(v.strip())
            if m:
                first_big |= int(m[1]) > 12
                second_big |= int(m[2]) > 12
    return "mdy" if second_big and not first_big else "dmy"


def today_wib() -> date:
    """Today's date in WIB (Asia/Jakarta), the day a snapshot may at most be dated (tests replace it)."""
    from scoring.formatting import WIB

    return datetime.now(WIB).date()


def fmt_date(d: Any) -> str:
    """`3 Jan 2026` style, with Indonesian month abbreviations (as LAPOR! writes them)."""
    if d is None or (not isinstance(d, date) and pd.isna(d)):
        return "-"
    if not isinstance(d, date):
        d = pd.Timestamp(d).date()
    names = ["Jan", "Feb", "Mar", "Apr", "Mei", "Jun", "Jul", "Agu", "Sep", "Okt", "Nov", "Des"]
    return f"{d.day} {names[d.month - 1]} {d.year}"


# --- the result -----------------------------------------------------------------------------------


@dataclass
class ParsedFile:
    filename: str
    sha256: str
    size: int
    kind: str  # xlsx | csv
    header_row: int
    frame: pd.DataFrame  # canonical keys (catalogue), plus `row` (Excel row) and `status_key`
    columns_present: list[str]
    metadata: dict[str, str] = field(default_factory=dict)
    generated_date: Optional[date] = None
    snapshot_date: Optional[date] = None
    encoding: Optional[str] = None
    delimiter: Optional[str] = None
    problems: list[Problem] = field(default_factory=list)
    problem_count: int = 0
    warnings: list[str] = field(default_factory=list)
    identical_duplicates: int = 0

    @property
    def rows(self) -> int:
        return len(self.frame)

    @property
    def ok(self) -> bool:
        return self.problem_count == 0


class _Problems:
    def __init__(self, filename: str):
        self.filename = filename
        self.items: list[Problem] = []
        self.count = 0

    def add(self, message: str, row: int | None = None, column: str | None = None) -> None:
        self.count += 1
        if len(self.items) < MAX_PROBLEMS:
            self.items.append(Problem(message, row, column, self.filename))

    def add_rows(self, rows: np.ndarray, column: str, message_for) -> None:
        """One problem per row in `rows`; `message_for(i)` gives the text for the i-th of them."""
        self.count += len(rows)
        room = MAX_PROBLEMS - len(self.items)
        for i, r in enumerate(rows[:max(room, 0)]):
            self.items.append(Problem(message_for(i), int(r), column, self.filename))

    def finish(self) -> list[Problem]:
        out = list(self.items)
        if self.count > len(self.items):
            out.append(Problem(f"dan {self.count - len(self.items)} masalah lain yang tidak ditampilkan", None, None,
                               self.filename))
        return out


def _reject(filename: str, message: str, row: int | None = None, column: str | None = None) -> ImportRejected:
    return ImportRejected([Problem(message, row, column, filename)], summary=f"Berkas '{filename}' ditolak")


# --- reading the raw table ------------------------------------------------------------------------


@dataclass
class _Raw:
    kind: str
    header: list[str]
    header_row: int  # as the user sees it (1-based)
    meta: dict[str, Any]
    table: dict  # positional columns c0..cN: pyarrow string arrays (csv) or object Series (xlsx)
    rows: int
    encoding: Optional[str] = None
    delimiter: Optional[str] = None


def _sniff(filename: str, data: bytes) -> str:
    if data[:4] == b"PK\x03\x04":
        try:
            names = zipfile.ZipFile(io.BytesIO(data)).namelist()
        except zipfile.BadZipFile:
            raise _reject(filename, "berkas ZIP/Excel rusak dan tidak dapat dibuka.") from None
        if "xl/workbook.xml" in names:
            return "xlsx"
        raise _reject(filename, "bukan berkas Excel (.xlsx) atau CSV (berkas ZIP/Office lain, misalnya Word).")
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise _reject(filename, "format Excel lama (.xls) tidak didukung: buka di Excel lalu simpan sebagai .xlsx atau CSV.")
    head = data[:65536]
    if b"\x00" in head or head[:5] == b"%PDF-" or head[:4] in (b"\x89PNG", b"GIF8") or head[:3] == b"\xff\xd8\xff":
        raise _reject(filename, "bukan berkas Excel (.xlsx) atau CSV (isi berkas biner).")
    return "csv"


def _is_marker(cell: Any, marker: str) -> bool:
    return header_key(cell) == header_key(marker)


def _read_xlsx(filename: str, data: bytes, marker: str) -> _Raw:
    import openpyxl

    try:
        wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - any openpyxl failure means the same to the user
        raise _reject(filename, f"berkas Excel tidak dapat dibaca ({type(exc).__name__}).") from None
    try:
        ws = wb.worksheets[0]
        ws.reset_dimensions()
        meta: dict[str, Any] = {}
        header: list[str] | None = None
        header_row = 0
        rows: list[tuple] = []
        for n, values in enumerate(ws.iter_rows(values_only=True), start=1):
            if header is None:
                if values and _is_marker(values[0], marker):
                    header = ["" if v is None else str(v).strip() for v in values]
                    header_row = n
                elif values and values[0] is not None and str(values[0]).strip():
                    rest = [v for v in values[1:] if v is not None and str(v).strip()]
                    meta[str(values[0]).strip()] = rest[0] if rest else None
                continue
            rows.append(values)
    finally:
        wb.close()
    if header is None:
        raise _reject(filename, f"baris judul kolom tidak ditemukan: tidak ada baris yang kolom A-nya '{marker}'. "
                                "Pastikan ini ekspor SP4N-LAPOR! (sheet pertama).")
    while header and not header[-1]:
        header.pop()
    width = len(header)
    fixed = [tuple(r[:width]) + (None,) * (width - len(r)) if len(r) != width else r for r in rows]
    # object columns: pandas would turn a column of ints with one empty cell into floats ("102.0")
    cols = list(zip(*fixed)) if fixed else [()] * width
    table = {f"c{i}": pd.Series(list(cols[i]), dtype=object) for i in range(width)}
    return _Raw("xlsx", header, header_row, meta, table, len(fixed))


def _decode_head(data: bytes) -> tuple[str, str, int]:
    """(text of the first ~512 KB, encoding, offset after a BOM): UTF-8 (BOM or not) or Windows-1252."""
    off = 3 if data.startswith(b"\xef\xbb\xbf") else 0
    head = data[off:off + 524288]
    if len(data) - off > len(head):
        cut = head.rfind(b"\n")
        head = head[: cut + 1] if cut > 0 else head
    if off:
        return head.decode("utf-8", errors="replace"), "utf-8", off
    try:
        return head.decode("utf-8"), "utf-8", 0
    except UnicodeDecodeError:
        return head.decode("cp1252", errors="replace"), "cp1252", 0


def _split_line(line: str, delimiter: str) -> list[str]:
    return next(csv.reader([line], delimiter=delimiter), [])


def _read_csv(filename: str, data: bytes, marker: str) -> _Raw:
    text, encoding, bom = _decode_head(data)
    lines = [ln.rstrip("\r") for ln in text.split("\n")[:200]]
    header_idx = None
    delimiter = ","
    for i, line in enumerate(lines):
        best = None
        for d in (";", ",", "\t", "|"):
            cells = _split_line(line, d)
            if cells and _is_marker(cells[0], marker) and (best is None or len(cells) > len(best[1])):
                best = (d, cells)
        if best is not None:
            header_idx, delimiter = i, best[0]
            break
    if header_idx is None:
        if not text.strip():
            raise _reject(filename, "berkas kosong.")
        raise _reject(filename, f"baris judul kolom tidak ditemukan: tidak ada baris yang diawali '{marker}'. "
                                "Pastikan ini ekspor SP4N-LAPOR! atau salinannya dalam CSV.")
    header = [c.strip() for c in _split_line(lines[header_idx], delimiter)]
    header[0] = header[0].replace("\ufeff", "")
    while header and not header[-1]:
        header.pop()
    width = len(header)
    meta: dict[str, Any] = {}
    for line in lines[:header_idx]:
        cells = [c.strip() for c in _split_line(line, delimiter)]
        if cells and cells[0]:
            rest = [c for c in cells[1:] if c]
            meta[cells[0].replace("\ufeff", "")] = rest[0] if rest else None
    # The body starts after the header's newline; metadata rows hold no quoted newline, and 0x0A is
    # the newline byte in both UTF-8 and Windows-1252, so counting newline bytes is exact.
    start = bom
    for _ in range(header_idx + 1):
        nl = data.find(b"\n", start)
        start = len(data) if nl < 0 else nl + 1
    end = len(data)
    while end > start and data[end - 1] in b"\r\n \t":  # trailing empty lines
        end -= 1
    body = memoryview(data)[start:end]
    names = [f"c{i}" for i in range(width)]
    # An empty line inside the table makes pyarrow fail (ignore_empty_lines=False), as do ragged rows:
    # the exact Python reader takes over then, so row numbers always match the file.
    table = _pyarrow_csv(body, names, delimiter, encoding)
    if table is None and encoding == "utf-8" and not bom and not _valid_utf8(body):
        encoding = "cp1252"
        table = _pyarrow_csv(body, names, delimiter, encoding)
    if table is None:
        try:
            body_text = bytes(body).decode(encoding)
        except UnicodeDecodeError:
            encoding = "cp1252"
            body_text = bytes(body).decode("cp1252", errors="replace")
        table = _python_csv(body_text, names, delimiter, filename, header_idx + 1)
    label = "UTF-8 (BOM)" if bom else ("Windows-1252" if encoding == "cp1252" else "UTF-8")
    rows = len(next(iter(table.values()))) if table else 0
    return _Raw("csv", header, header_idx + 1, meta, table, rows, label, delimiter)


def _valid_utf8(body: memoryview) -> bool:
    try:
        bytes(body).decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _pyarrow_csv(body: memoryview, names: list[str], delimiter: str, encoding: str) -> Optional[dict]:
    import pyarrow as pa
    import pyarrow.csv as pacsv

    ro = pacsv.ReadOptions(column_names=names, encoding="utf8" if encoding == "utf-8" else encoding,
                           block_size=1 << 24)
    # empty lines are not skipped (that would shift the row numbers): they make the read fail instead
    po = pacsv.ParseOptions(delimiter=delimiter, newlines_in_values=True, ignore_empty_lines=False)
    # large_string: what pandas' pyarrow-backed str dtype holds, so to_pandas() does not copy
    co = pacsv.ConvertOptions(column_types={n: pa.large_string() for n in names}, strings_can_be_null=False,
                              quoted_strings_can_be_null=False)
    try:
        t = pacsv.read_csv(pa.BufferReader(pa.py_buffer(body)), read_options=ro, parse_options=po, convert_options=co)
    except pa.ArrowInvalid:
        return None  # ragged rows or invalid UTF-8: the exact (slower) reader reports or handles it
    return {n: t.column(n) for n in names}


def _python_csv(text: str, names: list[str], delimiter: str, filename: str, header_row: int) -> dict:
    import pyarrow as pa

    width = len(names)
    cols: list[list[str]] = [[] for _ in range(width)]
    extra: list[int] = []
    for i, rec in enumerate(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)):
        if len(rec) > width and any(c.strip() for c in rec[width:]):
            extra.append(header_row + 1 + i)
        if len(rec) < width:
            rec = rec + [""] * (width - len(rec))
        for j in range(width):
            cols[j].append(rec[j])
    if extra:
        shown = ", ".join(str(r) for r in extra[:20]) + (" ..." if len(extra) > 20 else "")
        raise ImportRejected([Problem(f"baris berisi lebih banyak sel daripada judul kolom ({width}); periksa "
                                      f"pemisah kolom dan tanda kutip: baris {shown}", extra[0], None, filename)],
                             summary=f"Berkas '{filename}' ditolak")
    return {n: pa.chunked_array([pa.array(c, type=pa.large_string())]) for n, c in zip(names, cols)}


# --- normalising values (pyarrow compute: a million rows in well under a second per column) --------


def _xlsx_text(values: pd.Series):
    """Excel cell values -> text ('' for empty); integral floats lose their '.0' (5049672.0 -> 5049672)."""
    import pyarrow as pa

    def conv(v: Any) -> str:
        if v is None:
            return ""
        if isinstance(v, bool):
            return str(v)
        if isinstance(v, float):
            if np.isnan(v):
                return ""
            return str(int(v)) if v.is_integer() else repr(v)
        if isinstance(v, datetime):
            return v.isoformat(sep=" ")
        if isinstance(v, time):
            return v.strftime("%H:%M")
        return str(v)

    return pa.chunked_array([pa.array([conv(v).strip() for v in values.to_numpy()], type=pa.large_string())])


def _np(mask) -> np.ndarray:
    return np.asarray(mask.to_numpy(zero_copy_only=False), dtype=bool)


def _single(arr):
    import pyarrow as pa

    return arr.combine_chunks() if isinstance(arr, pa.ChunkedArray) else arr


def _is_dict(arr) -> bool:
    import pyarrow as pa

    return pa.types.is_dictionary(arr.type)


def _dictionary(indices, values):
    """A dictionary array whose values are unique again (a trim may merge two of them)."""
    import pyarrow as pa

    enc = values.dictionary_encode()
    return pa.chunked_array([pa.DictionaryArray.from_arrays(enc.indices.take(indices), enc.dictionary)])


def _by_dictionary(arr, fn):
    """Apply `fn` (pyarrow array -> array) to the distinct values only, and keep the column dictionary-
    encoded (a pandas Categorical in the end): cheap and small on low-cardinality columns."""
    enc = _single(arr).dictionary_encode()
    if len(enc.dictionary) * 4 > len(arr):
        return fn(arr)
    return _dictionary(enc.indices, fn(enc.dictionary))


def _dmap(arr, fn):
    """`fn` on the values of a (possibly dictionary-encoded) string column."""
    if _is_dict(arr):
        a = _single(arr)
        return _dictionary(a.indices, fn(a.dictionary))
    return fn(arr)


def _mask(arr, fn) -> np.ndarray:
    """A numpy bool mask from `fn` (array -> boolean array), computed once per distinct value when the
    column is dictionary-encoded."""
    if _is_dict(arr):
        a = _single(arr)
        return _np(fn(a.dictionary))[a.indices.to_numpy(zero_copy_only=False)]
    return _np(fn(arr))


def _dense(arr):
    import pyarrow as pa

    return arr.cast(pa.large_string()) if _is_dict(arr) else arr


def _trim(arr, many_values: bool = False):
    import pyarrow.compute as pc

    return pc.utf8_trim_whitespace(arr) if many_values else _by_dictionary(arr, pc.utf8_trim_whitespace)


def _clean(arr):
    """Trim and collapse inner whitespace."""
    import pyarrow.compute as pc

    return _by_dictionary(arr, lambda a: pc.utf8_trim_whitespace(pc.replace_substring_regex(a, r"\s+", " ")))


# Columns with (nearly) one value per report: trimmed directly, not through a dictionary.
_MANY_VALUES = ("tracking_id", "reporter_name")
# Columns that are matched, compared or parsed: trimmed. Free texts are kept as the file has them.
_TRIMMED = ("tracking_id", "report_time", "category_id", "parent_instansi", "instansi_id", "province", "city",
            "district", "village", "setwapres", "rating", "reporter_name")


def parse_dates(values) -> tuple[np.ndarray, np.ndarray]:
    """A column of date-like values (pyarrow strings, or Excel objects) -> (datetime64[D] with NaT,
    mask of non-empty values that cannot be read). Parses each distinct value once."""
    import pyarrow as pa

    if isinstance(values, (pa.Array, pa.ChunkedArray)):
        enc = _single(values)
        if not pa.types.is_dictionary(enc.type):
            enc = enc.dictionary_encode()
        uniq = enc.dictionary.to_pylist()
        codes = enc.indices.to_numpy(zero_copy_only=False).astype(np.int64)
    else:
        codes, uniques = pd.factorize(values, use_na_sentinel=True)
        uniq = list(uniques)
    order = _numeric_order(uniq)
    parsed = np.empty(len(uniq) + 1, dtype="datetime64[D]")
    bad_u = np.zeros(len(uniq) + 1, dtype=bool)
    parsed[-1] = np.datetime64("NaT")
    for i, v in enumerate(uniq):
        if v is None or (isinstance(v, str) and not v.strip()):
            parsed[i] = np.datetime64("NaT")
            continue
        d = parse_date_value(v, order)
        if d is None:
            parsed[i] = np.datetime64("NaT")
            bad_u[i] = True
        else:
            parsed[i] = np.datetime64(d, "D")
    idx = np.where(codes < 0, len(uniq), codes)
    return parsed[idx], bad_u[idx]


def status_key(s: Any) -> str:
    """Matching of raw statuses ignores case, surrounding and repeated spaces."""
    return re.sub(r"\s+", " ", str(s or "")).strip().lower()


_CLEANED = ("status_raw", "instansi_name", "classification", "category", "channel", "report_type")


def parse(filename: str, data: bytes, snapshot_date: date | None = None, max_bytes: int | None = None) -> ParsedFile:
    """Read a LAPOR! export. File-level faults raise ImportRejected; row faults go to `problems`."""
    import pyarrow as pa
    import pyarrow.compute as pc

    filename = filename or "berkas"
    limit = max_bytes if max_bytes is not None else get_settings().max_import_mb * 1024 * 1024
    if len(data) > limit:
        raise _reject(filename, f"ukuran berkas {len(data) / 1048576:.1f} MB melebihi batas {limit / 1048576:.1f} MB.")
    if not data or (re.fullmatch(rb"[\s\xef\xbb\xbf]*", data[:65536]) and len(data) <= 65536):
        raise _reject(filename, "berkas kosong.")
    cat = catalogue()
    kind = _sniff(filename, data)
    if kind != "xlsx" and filename.lower().endswith((".xlsx", ".xlsm", ".xls")):
        raise _reject(filename, "bukan berkas Excel yang sah: namanya berakhiran "
                                f"'{filename.rsplit('.', 1)[-1]}' tetapi isinya teks biasa, bukan buku kerja Excel. "
                                "Unggah ekspor aslinya dari SP4N-LAPOR!, atau bila isinya CSV, ganti akhiran namanya menjadi .csv.")
    raw = _read_xlsx(filename, data, cat.marker) if kind == "xlsx" else _read_csv(filename, data, cat.marker)
    probs = _Problems(filename)

    # header -> catalogue keys
    index = cat.header_index()
    positions: dict[str, int] = {}
    warnings: list[str] = []
    for i, name in enumerate(raw.header):
        if not name:
            continue
        c = index.get(header_key(name))
        if c is None:
            warnings.append(f"Kolom '{name}' tidak dikenal dan diabaikan.")
            continue
        if c.key in positions:
            probs.add(f"kolom '{c.label}' muncul dua kali (kolom ke-{positions[c.key] + 1} dan ke-{i + 1}).",
                      raw.header_row, name)
            continue
        positions[c.key] = i
    missing = [c for c in cat.columns if c.required and c.key not in positions]
    if missing:
        raise ImportRejected(
            [Problem("kolom wajib tidak ada" + (f" (nama lain yang diterima: {', '.join(c.aliases)})" if c.aliases else ""),
                     raw.header_row, c.label, filename) for c in missing] + probs.finish(),
            summary=f"Berkas '{filename}' ditolak: kolom wajib tidak lengkap")
    absent = [c.label for c in cat.lapor_columns if c.key not in positions]
    if absent:
        warnings.append(f"{len(absent)} kolom LAPOR! tidak ada di berkas dan dibiarkan kosong: {', '.join(absent)}.")
    if probs.count:
        raise ImportRejected(probs.finish(), summary=f"Berkas '{filename}' ditolak")

    n = raw.rows
    text: dict[str, Any] = {}
    for c in cat.columns:
        if c.key in positions:
            col = raw.table.pop(f"c{positions[c.key]}")  # popped: the raw copy is freed as we go
            if isinstance(col, pd.Series):  # xlsx: real dates stay objects for the date parser
                text[c.key] = col if c.kind == "date" else _xlsx_text(col)
            else:
                text[c.key] = _trim(col, c.key in _MANY_VALUES) if (c.kind != "text" or c.key in _TRIMMED) else col
        else:
            text[c.key] = None
    raw.table.clear()
    rownum = np.arange(raw.header_row + 1, raw.header_row + 1 + n, dtype=np.int64)

    # rows that are entirely empty (trailing rows of a spreadsheet) are skipped
    nonempty = np.zeros(n, dtype=bool)
    for k in positions:
        v = text[k]
        nonempty |= _filled(v) if isinstance(v, pd.Series) else _mask(v, lambda a: pc.not_equal(a, ""))
    if not nonempty.all():
        keep = np.flatnonzero(nonempty)
        take = pa.array(keep)
        text = {k: (None if v is None else v.iloc[keep].reset_index(drop=True) if isinstance(v, pd.Series)
                    else v.take(take)) for k, v in text.items()}
        rownum = rownum[keep]
        n = len(keep)
    if n == 0:
        raise _reject(filename, "berkas tidak berisi baris laporan di bawah judul kolom.", raw.header_row)
    empty_text = pa.chunked_array([pa.array(np.full(n, "", dtype=object), type=pa.large_string())])
    text = {k: (empty_text if v is None and by_kind(cat, k) != "date" else v) for k, v in text.items()}

    # metadata: Tanggal Generate
    meta = {str(k): ("" if v is None else (fmt_date(v) if isinstance(v, (date, datetime)) else str(v)))
            for k, v in raw.meta.items()}
    gen_label = header_key(cat.metadata.get("generated", "Tanggal Generate"))
    generated = None
    for k, v in raw.meta.items():
        if header_key(k) == gen_label and v not in (None, ""):
            generated = parse_date_value(v)
            if generated is None:
                warnings.append(f"Tanggal Generate '{v}' tidak dapat dibaca.")
    snap = snapshot_date or generated
    if snapshot_date and generated and snapshot_date != generated:
        warnings.append(f"Tanggal snapshot {fmt_date(snapshot_date)} dipakai, berbeda dari Tanggal Generate "
                        f"{fmt_date(generated)} di berkas.")
    today = today_wib()
    if snap is not None and snap > today:
        if snapshot_date:
            where, col = "tanggal snapshot yang diisi saat impor", "Tanggal snapshot"
        else:
            where, col = "metadata 'Tanggal Generate' (di atas judul kolom)", "Tanggal Generate"
        probs.add(f"tanggal snapshot {fmt_date(snap)} ({where}) sesudah hari ini ({fmt_date(today)} WIB): sebuah "
                  "ekspor tidak dapat dibuat pada hari yang belum tiba. Periksa tanggalnya; bila Tanggal Generate "
                  "salah, isi tanggal snapshot yang benar saat mengimpor.", None, col)
    if snap is None:
        probs.add("tanggal snapshot tidak diketahui: berkas tidak memuat 'Tanggal Generate' yang terbaca; "
                  "isi tanggal snapshot saat mengimpor.", None, "Tanggal Generate")

    by = cat.by_key
    out: dict[str, Any] = {"row": rownum}

    # Tracking ID: digits only, kept as text ("5049672", never "5049672.0")
    raw_tid = text["tracking_id"]
    tid = raw_tid
    digits = _np(pc.utf8_is_digit(tid))  # false for ''
    if not digits.all():
        tid = pc.replace_substring_regex(tid, r"^(\d+)\.0*$", r"\1")
        digits = _np(pc.utf8_is_digit(tid))
    if _np(pc.starts_with(tid, "0")).any():
        tid = pc.replace_substring_regex(tid, r"^0+(\d)", r"\1")
    empty_id = _np(pc.equal(tid, ""))
    bad_id = ~(digits & _np(pc.less_equal(pc.utf8_length(tid), 18))) & ~empty_id
    lbl = by["tracking_id"].label
    if empty_id.any():
        probs.add_rows(rownum[empty_id], lbl, lambda i: "Tracking ID kosong.")
    if bad_id.any():
        vals = raw_tid.filter(pa.array(bad_id)).to_pylist()
        sci = [bool(re.fullmatch(r"\d(?:[.,]\d+)?[eE]\+?\d+", str(v))) for v in vals]
        probs.add_rows(rownum[bad_id], lbl, lambda i: (
            f"Tracking ID '{vals[i]}' tertulis dalam notasi ilmiah (digitnya hilang); simpan kolom sebagai teks."
            if sci[i] else f"Tracking ID '{vals[i]}' bukan angka."))
    out["tracking_id"] = tid

    # dates
    for key in ("report_date", "disposition_date", "follow_up_date", "completion_date"):
        col = by[key]
        vals = text[key]
        if vals is None:
            out[key] = np.full(n, np.datetime64("NaT"), dtype="datetime64[D]")
            continue
        arr, bad = parse_dates(vals)
        if bad.any():
            shown = (vals[bad].tolist() if isinstance(vals, pd.Series) else _dense(vals).filter(pa.array(bad)).to_pylist())
            probs.add_rows(rownum[bad], col.label, lambda i, shown=shown: (
                f"tanggal '{shown[i]}' tidak dapat dibaca (contoh yang diterima: 3 Jan 2026, 3 Januari 2026, "
                f"2026-01-03, 03/01/2026)."))
        out[key] = arr
        if key == "report_date":
            no_date = np.isnat(arr) & ~bad & ~empty_id
            if no_date.any():
                probs.add_rows(rownum[no_date], col.label, lambda i: "Tanggal Laporan Masuk kosong.")
    if snap is not None:
        s64 = np.datetime64(snap, "D")
        for key in ("report_date", "disposition_date", "follow_up_date", "completion_date"):
            arr = out[key]
            late = ~np.isnat(arr) & (arr > s64)
            if late.any():
                ds = arr[late]
                probs.add_rows(rownum[late], by[key].label, lambda i, ds=ds: (
                    f"tanggal {fmt_date(ds[i].astype(date))} sesudah tanggal snapshot {fmt_date(snap)}."))
    for key, before, what in (("disposition_date", "report_date", "Tanggal Laporan Masuk"),
                              ("follow_up_date", "disposition_date", "Tanggal Disposisi"),
                              ("follow_up_date", "report_date", "Tanggal Laporan Masuk"),
                              ("completion_date", "report_date", "Tanggal Laporan Masuk")):
        a, b = out[key], out[before]
        wrong = ~np.isnat(a) & ~np.isnat(b) & (a < b)
        if wrong.any():
            probs.add_rows(rownum[wrong], by[key].label, lambda i, what=what: f"tanggal lebih awal daripada {what}.")

    # text columns
    for c in cat.columns:
        if c.kind == "text" and c.key != "tracking_id":
            out[c.key] = _clean(text[c.key]) if c.key in _CLEANED else text[c.key]
    out["status_key"] = _dmap(out["status_raw"], pc.utf8_lower)
    empty_status = _mask(out["status_raw"], lambda a: pc.equal(a, ""))
    if empty_status.any():
        probs.add_rows(rownum[empty_status], by["status_raw"].label, lambda i: "Status Laporan kosong.")
    low = _dmap(out["report_type"], pc.utf8_lower)
    rah = _mask(low, lambda a: pc.match_substring(a, "rahasia"))
    ano = _mask(low, lambda a: pc.match_substring(a, "anonim"))
    biasa = _mask(low, lambda a: pc.is_in(a, value_set=pa.array(["", "biasa", "publik", "umum", "-"])))
    bad_rt = ~(biasa | ano | rah)
    if bad_rt.any():
        vals = _dense(out["report_type"]).filter(pa.array(bad_rt)).to_pylist()
        probs.add_rows(rownum[bad_rt], by["report_type"].label,
                       lambda i: f"Tipe Laporan '{vals[i]}' tidak dikenal (Biasa, Anonim atau Rahasia).")
    rt = np.full(n, "Biasa", dtype=object)
    rt[ano] = "Anonim"
    rt[rah] = "Rahasia"  # "Anonim/Rahasia" is treated as the stricter one
    out["report_type"] = pa.array(rt, type=pa.large_string())

    # rating 1-5 (may be empty)
    rtext = _dmap(text["rating"], lambda a: pc.replace_substring(a, ",", "."))
    num_ok = _mask(rtext, lambda a: pc.match_substring_regex(a, r"^\d+(\.\d+)?$"))
    filled = _mask(rtext, lambda a: pc.not_equal(a, ""))
    rating = np.full(n, np.nan)
    if num_ok.any():
        rating[num_ok] = pc.cast(_dense(rtext).filter(pa.array(num_ok)), pa.float64()).to_numpy(zero_copy_only=False)
    bad_r = (filled & ~num_ok) | (~np.isnan(rating) & ((rating < 1) | (rating > 5)))
    if bad_r.any():
        vals = _dense(text["rating"]).filter(pa.array(bad_r)).to_pylist()
        probs.add_rows(rownum[bad_r], by["rating"].label, lambda i: f"Rating '{vals[i]}' harus angka 1 sampai 5.")
        rating[bad_r] = np.nan
    out["rating"] = rating

    frame = pa.table({k: v for k, v in out.items() if not isinstance(v, np.ndarray)}).to_pandas()
    for k, v in out.items():
        if isinstance(v, np.ndarray):
            frame[k] = v
    frame = frame[["row"] + [c.key for c in cat.columns] + ["status_key"]]

    # the same Tracking ID twice: identical rows are merged, different content is refused
    identical = 0
    dup_all = np.zeros(len(frame), dtype=bool)
    if len(pc.unique(out["tracking_id"])) < len(frame):
        dup_all = frame["tracking_id"].duplicated(keep=False).to_numpy() & ~empty_id
    if dup_all.any():
        sub = frame.loc[dup_all]
        content = [c for c in frame.columns if c != "row"]
        h = pd.util.hash_pandas_object(sub[content].astype("str"), index=False).to_numpy()
        drop_rows: list[int] = []
        for tid_value, g in sub.assign(_h=h).groupby("tracking_id", sort=False):
            first_row, first_h = int(g["row"].iloc[0]), g["_h"].iloc[0]
            for idx, r, hv in zip(g.index[1:], g["row"].iloc[1:], g["_h"].iloc[1:]):
                if hv != first_h:
                    probs.add(f"Tracking ID {tid_value} sudah ada di baris {first_row} dengan isi berbeda.", int(r), lbl)
                else:
                    drop_rows.append(idx)
                    identical += 1
        if drop_rows:
            frame = frame.drop(index=drop_rows).reset_index(drop=True)
        if identical:
            warnings.append(f"{identical} baris kembar (Tracking ID dan isi sama) dihitung satu kali.")

    pa.default_memory_pool().release_unused()  # the raw table's buffers are free now
    return ParsedFile(
        filename=filename, sha256=hashlib.sha256(data).hexdigest(), size=len(data), kind=kind,
        header_row=raw.header_row, frame=frame, columns_present=sorted(positions), metadata=meta,
        generated_date=generated, snapshot_date=snap, encoding=raw.encoding, delimiter=raw.delimiter,
        problems=probs.finish(), problem_count=probs.count, warnings=warnings, identical_duplicates=identical,
    )


def by_kind(cat: Catalogue, key: str) -> str:
    return cat.by_key[key].kind


def _filled(s: pd.Series) -> np.ndarray:
    return np.array([v is not None and not (isinstance(v, float) and np.isnan(v)) and str(v).strip() != ""
                     for v in s.to_numpy()], dtype=bool)


def read(filename: str, data: bytes, snapshot_date: date | None = None, max_bytes: int | None = None) -> ParsedFile:
    """`parse`, raising ImportRejected with every problem when there is any."""
    p = parse(filename, data, snapshot_date, max_bytes)
    if p.problem_count:
        raise ImportRejected(p.problems, summary=f"Berkas '{p.filename}' ditolak ({p.problem_count} masalah)")
    return p
