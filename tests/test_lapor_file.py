"""Reading SP4N-LAPOR! exports: layout, formats, dates, Tracking IDs, and every fault by row and column."""
from __future__ import annotations

import io
from datetime import date, datetime
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pyarrow as pa
import pytest

from assessment import lapor_file as lf
from assessment.errors import ImportRejected

FIX = Path(__file__).parent / "fixtures"
LAPOR = FIX / "lapor"
HEADER = [c.label for c in lf.catalogue().lapor_columns]


def parse(name: str, **kw) -> lf.ParsedFile:
    path = FIX / name if (FIX / name).exists() else LAPOR / name
    return lf.parse(path.name, path.read_bytes(), **kw)


def csv_bytes(rows: list[list[str]], delimiter=";", generated="27 Mar 2026", encoding="utf-8") -> bytes:
    lines = ["Judul Laporan;Rekapitulasi".replace(";", delimiter), f"Tanggal Generate{delimiter}{generated}", "",
             delimiter.join(HEADER)]
    lines += [delimiter.join(r) for r in rows]
    return ("\r\n".join(lines) + "\r\n").encode(encoding)


def row(tid="5049672", when="3 Jan 2026", status="Terdisposisi Selesai", unit="Dinas Sosial", **kw) -> list[str]:
    r = dict(zip(HEADER, [""] * len(HEADER)))
    r.update({"Tracking ID": tid, "Tanggal Laporan Masuk": when, "Status Laporan": status,
              "Instansi Terdisposisi": unit, "Klasifikasi Laporan": "Aspirasi", "Tipe Laporan (Anonim/Rahasia)": "Biasa"})
    r.update(kw)
    return [r[h] for h in HEADER]


@pytest.mark.parametrize("text,expected", [
    ("3 Jan 2026", date(2026, 1, 3)), ("03 Januari 2026", date(2026, 1, 3)), ("3-Agu-2025", date(2025, 8, 3)),
    ("3 Agt 2025", date(2025, 8, 3)), ("3 Ags 2025", date(2025, 8, 3)), ("17 Agustus 2025", date(2025, 8, 17)),
    ("1 Nop 2025", date(2025, 11, 1)), ("5 Des 2025", date(2025, 12, 5)), ("3 Mei 2026", date(2026, 5, 3)),
    ("17 Sept 2025", date(2025, 9, 17)), ("9 Okt 2025", date(2025, 10, 9)), ("Senin, 5 Jan 2026", date(2026, 1, 5)),
    ("Jan 3, 2026", date(2026, 1, 3)), ("3 May 2026", date(2026, 5, 3)), ("2026-01-03", date(2026, 1, 3)),
    ("2026-01-03 10:22:00", date(2026, 1, 3)), ("03/01/2026", date(2026, 1, 3)), ("3.1.2026", date(2026, 1, 3)),
    ("3 Jan 26", date(2026, 1, 3)), ("46025", date(2026, 1, 3)), (45658, date(2025, 1, 1)),
    (datetime(2026, 3, 20, 13, 30), date(2026, 3, 20)), ("  3   Jan   2026 ", date(2026, 1, 3)),
])
def test_dates(text, expected):
    assert lf.parse_date_value(text) == expected


@pytest.mark.parametrize("text", ["32 Jan 2026", "31/02/2026", "kemarin sore", "3 Foo 2026", "2026-13-01", "12345"])
def test_unreadable_dates(text):
    assert lf.parse_date_value(text) is None


def test_a_month_first_column_is_read_month_first():
    arr, bad = lf.parse_dates(pa.chunked_array([pa.array(["01/13/2026", "02/14/2026", "03/01/2026", ""])]))
    assert list(arr[:3].astype(str)) == ["2026-01-13", "2026-02-14", "2026-03-01"] and np.isnat(arr[3])
    assert not bad.any()


def test_sample_export_in_the_real_layout():
    p = parse("sample-lapor-export.xlsx")
    assert (p.kind, p.rows, p.header_row, p.snapshot_date) == ("xlsx", 25, 5, date(2025, 3, 10))
    assert p.metadata["Nama Instansi"] == "Pemerintah Kabupaten Blitar" and p.problem_count == 0
    f = p.frame
    assert list(f["tracking_id"][:3]) == ["7000000", "7000001", "7000002"]
    assert list(f["row"][:2]) == [6, 7]
    first = f.iloc[0]
    assert first["report_date"] == np.datetime64("2025-02-08") and first["instansi_name"] == "Satpol PP"
    assert f.loc[f["tracking_id"] == "7000003", "rating"].iloc[0] == 4.0
    assert set(f["report_type"]) == {"Biasa", "Anonim", "Rahasia"}
    assert f["report_date"].min() == np.datetime64("2024-11-30")


def test_four_copies_of_one_export_read_the_same():
    frames = {n: parse(n) for n in ["lapor_s1.xlsx", "lapor_s1_comma_utf8.csv", "lapor_s1_semicolon_bom.csv",
                                    "lapor_s1_semicolon_cp1252.csv"]}
    assert {n: (p.encoding, p.delimiter) for n, p in frames.items()} == {
        "lapor_s1.xlsx": (None, None), "lapor_s1_comma_utf8.csv": ("UTF-8", ","),
        "lapor_s1_semicolon_bom.csv": ("UTF-8 (BOM)", ";"), "lapor_s1_semicolon_cp1252.csv": ("Windows-1252", ";")}
    ref = frames["lapor_s1.xlsx"].frame
    for n, p in frames.items():
        assert p.snapshot_date == date(2026, 3, 27), n
        for c in ref.columns:
            assert ref[c].astype(str).tolist() == p.frame[c].astype(str).tolist(), (n, c)
    # an Excel float Tracking ID, an Excel date cell, Indonesian month names
    assert ref["tracking_id"][0] == "5049672" and ref["report_date"][4] == np.datetime64("2026-01-05")
    assert ref["report_date"][5] == np.datetime64("2026-02-12") and ref["title"][1].endswith("– café")


def test_alias_header_and_optional_operator_columns():
    s2 = parse("lapor_s2.xlsx")
    assert s2.problem_count == 0 and "instansi_name" in s2.columns_present
    op = parse("lapor_operator_dates.csv")
    assert {"disposition_date", "follow_up_date", "completion_date"} <= set(op.columns_present)
    assert op.frame["follow_up_date"][1] == np.datetime64("2026-04-01")
    assert pd.isna(op.frame["disposition_date"][3])


def test_snapshot_date_given_wins_with_a_warning():
    p = parse("lapor_s1.xlsx", snapshot_date=date(2026, 3, 30))
    assert p.snapshot_date == date(2026, 3, 30) and p.generated_date == date(2026, 3, 27)
    assert any("berbeda dari Tanggal Generate" in w for w in p.warnings)
    data = csv_bytes([row()], generated="")
    p = lf.parse("x.csv", data)
    assert p.problems[0].column == "Tanggal Generate" and "tanggal snapshot tidak diketahui" in p.problems[0].message
    assert lf.parse("x.csv", data, snapshot_date=date(2026, 1, 5)).problem_count == 0


def test_tracking_ids_are_text():
    p = lf.parse("x.csv", csv_bytes([row("5049672.0"), row("005049673"), row("ABC12"), row("5.04967E+06"), row("")]))
    f = p.frame
    assert list(f["tracking_id"][:2]) == ["5049672", "5049673"]
    msgs = [(x.row, x.column, x.message) for x in p.problems]
    assert (7, "Tracking ID", "Tracking ID 'ABC12' bukan angka.") in msgs
    assert any(r == 8 and "notasi ilmiah" in m for r, _, m in msgs)
    assert (9, "Tracking ID", "Tracking ID kosong.") in msgs


def test_values_are_normalised_and_checked():
    p = lf.parse("x.csv", csv_bytes([
        row("1", **{"Tipe Laporan (Anonim/Rahasia)": "Anonim/Rahasia", "Rating": "4,5"}),
        row("2", status="  terdisposisi   SELESAI ", **{"Tipe Laporan (Anonim/Rahasia)": "Publik"}),
        row("3", **{"Tipe Laporan (Anonim/Rahasia)": "Rahasiaa", "Rating": "6"}),
        row("4", status=""),
        row("5", when="3 Apr 2026"),
    ]))
    f = p.frame.set_index("tracking_id")
    assert f.loc["1", "report_type"] == "Rahasia" and f.loc["1", "rating"] == 4.5
    assert f.loc["2", "report_type"] == "Biasa" and f.loc["2", "status_key"] == "terdisposisi selesai"
    got = {(x.row, x.column): x.message for x in p.problems}
    assert got[(7, "Rating")] == "Rating '6' harus angka 1 sampai 5."
    assert got[(8, "Status Laporan")] == "Status Laporan kosong."
    assert got[(9, "Tanggal Laporan Masuk")] == "tanggal 3 Apr 2026 sesudah tanggal snapshot 27 Mar 2026."
    assert len(p.problems) == 3


def test_duplicates():
    same = lf.parse("x.csv", csv_bytes([row("1"), row("2"), row("1")]))
    assert same.rows == 2 and same.problem_count == 0 and "1 baris kembar" in same.warnings[0]
    diff = lf.parse("x.csv", csv_bytes([row("1"), row("1", status="Terverifikasi")]))
    assert [(x.row, x.column) for x in diff.problems] == [(6, "Tracking ID")]


def test_row_numbers_survive_blank_lines_multiline_texts_and_short_rows():
    r1 = row("1", **{"Isi Laporan Awal": '"baris satu\nbaris dua"'})
    text = csv_bytes([r1, row("2")]).decode()
    text = text.replace("\r\n2;", "\r\n\r\n2;")  # a blank line before the 2nd report
    text += ";".join(row("3", when="99 Jan 2026")[:10]) + "\r\n"  # a short row (10 cells)
    p = lf.parse("x.csv", text.encode())
    assert list(p.frame["tracking_id"]) == ["1", "2", "3"]
    assert p.frame["body_initial"][0] == "baris satu\nbaris dua"
    # header on row 4; reports on rows 5, 7 (after the blank row 6) and 8 (short: no status either)
    assert [(x.row, x.column) for x in p.problems] == [(8, "Tanggal Laporan Masuk"), (8, "Status Laporan")]


def test_xlsx_row_numbers_with_a_gap():
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Tanggal Generate", "27 Mar 2026"])
    ws.append(HEADER)
    ws.append(row("1"))
    ws.append([])
    ws.append(row("2", when="xx"))
    buf = io.BytesIO()
    wb.save(buf)
    p = lf.parse("x.xlsx", buf.getvalue())
    assert p.header_row == 2 and list(p.frame["row"]) == [3, 5]
    assert [(x.row, x.column) for x in p.problems] == [(5, "Tanggal Laporan Masuk")]


def test_too_many_cells_in_a_row():
    text = csv_bytes([row("1")]).decode() + ";".join(row("2") + ["ekstra"]) + "\r\n"
    with pytest.raises(ImportRejected) as e:
        lf.parse("x.csv", text.encode())
    assert e.value.problems[0].row == 6 and "lebih banyak sel" in e.value.problems[0].message


def test_windows_1252_detected_after_the_first_block():
    rows = [row(str(i)) for i in range(1, 3000)] + [row("3000", **{"Judul Laporan": "Jum’at – tanggapan"})]
    p = lf.parse("x.csv", csv_bytes(rows, encoding="cp1252"))
    assert p.encoding == "Windows-1252" and p.frame["title"].iloc[-1] == "Jum’at – tanggapan"


@pytest.mark.parametrize("data,message", [
    (b"", "berkas kosong"), (b"   \r\n", "berkas kosong"), (b"%PDF-1.4 ...", "bukan berkas Excel"),
    (b"\x89PNG\r\n\x1a\n....", "bukan berkas Excel"), (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1....", "format Excel lama (.xls)"),
    (b"Nomor;Isi\r\n1;x\r\n", "baris judul kolom tidak ditemukan"),
])
def test_file_level_refusals(data, message):
    with pytest.raises(ImportRejected) as e:
        lf.parse("x", data)
    assert message in str(e.value)


def test_missing_columns_and_size_limit():
    with pytest.raises(ImportRejected) as e:
        parse("bad_missing_columns.csv")
    assert [(p.row, p.column) for p in e.value.problems] == [(5, "Tanggal Laporan Masuk"), (5, "Status Laporan")]
    data = (LAPOR / "lapor_s1.xlsx").read_bytes()
    with pytest.raises(ImportRejected) as e:
        lf.parse("x.xlsx", data, max_bytes=1000)
    assert "melebihi batas" in str(e.value)


def test_read_raises_with_every_problem_and_caps_the_list():
    rows = [row(str(i), when="bukan tanggal") for i in range(1, 1201)]
    with pytest.raises(ImportRejected) as e:
        lf.read("x.csv", csv_bytes(rows))
    assert len(e.value.problems) == lf.MAX_PROBLEMS + 1
    assert e.value.problems[-1].message == "dan 200 masalah lain yang tidak ditampilkan"
    assert "(1200 masalah)" in e.value.summary


def test_plain_text_renamed_xlsx_is_not_a_valid_excel_file():
    with pytest.raises(ImportRejected) as e:
        lf.parse("laporan.xlsx", b"ini hanya catatan biasa\nbukan ekspor\n")
    assert e.value.problems[0].message.startswith("bukan berkas Excel yang sah: namanya berakhiran 'xlsx' tetapi isinya "
                                                  "teks biasa")
    with pytest.raises(ImportRejected) as e:
        lf.parse("laporan.pdf", b"%PDF-1.4 ...")
    assert e.value.problems[0].message == "bukan berkas Excel (.xlsx) atau CSV (isi berkas biner)."
