"""`manage.py renaksi ...`: the rencana aksi on the command line (acts as permissions.SYSTEM).

manage.py calls `register(subparsers)`; each sub-command sets `fn`, a handler `fn(args) -> int`
(the exit code) that prints its output to stdout and a refusal's message to stderr.

    manage.py renaksi list [--json] [--all] [--today YYYY-MM-DD]
    manage.py renaksi set-status CODE YEAR STATUS [--progress N] [--note TEXT] [--reason TEXT]
                                 [--evidence-link URL]
"""
from __future__ import annotations

import argparse
import json
import sys
from datetime import date

from . import renaksi
from .errors import DomainError
from .permissions import SYSTEM


def register(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    p = subparsers.add_parser("renaksi", help="Rencana aksi (Tabel 7/9): daftar butir dan status per tahun")
    sub = p.add_subparsers(dest="renaksi_command", required=True)

    ls = sub.add_parser("list", help="Daftar butir rencana aksi")
    ls.add_argument("--json", action="store_true", help="keluaran JSON: satu objek per butir")
    ls.add_argument("--all", action="store_true", help="termasuk butir yang dipensiunkan")
    ls.add_argument("--today", default=None, help="tanggal acuan keterlambatan YYYY-MM-DD (bawaan: hari ini, WIB)")
    ls.set_defaults(fn=cmd_list)

    st = sub.add_parser("set-status", help="Ubah status satu butir pada satu tahun")
    st.add_argument("code", metavar="CODE", help="kode butir, mis. I.1.1")
    st.add_argument("year", metavar="YEAR", help="tahun rencana, 2021-2024")
    st.add_argument("status", metavar="STATUS",
                    help="Belum dimulai | Berjalan | Selesai | Tidak dilaksanakan (atau belum_dimulai, ...)")
    st.add_argument("--progress", default=None, help="progres 0-100")
    st.add_argument("--note", default=None, help="catatan")
    st.add_argument("--reason", default=None, help="alasan (wajib untuk Tidak dilaksanakan)")
    st.add_argument("--evidence-link", default=None, dest="evidence_link", help="tautan bukti dukung (http/https)")
    st.set_defaults(fn=cmd_set_status)
    return p


def _fail(message: str) -> int:
    print(f"Ditolak: {message}", file=sys.stderr)
    return 1


def cmd_list(args: argparse.Namespace) -> int:
    try:
        today = date.fromisoformat(args.today) if args.today else None
    except ValueError:
        return _fail(f"tanggal '{args.today}' tidak sah; tulis YYYY-MM-DD.")
    try:
        items = renaksi.list_items(SYSTEM, today=today, include_retired=bool(args.all))
    except DomainError as exc:
        return _fail(exc.message)
    if args.json:
        print(json.dumps(renaksi.as_json(items), ensure_ascii=False, indent=2))
        return 0
    for it in items:
        years = " ".join(f"{y}:{yv.status_label}" for y, yv in sorted(it.years.items()))
        flag = " TERLAMBAT" if it.late else ""
        print(f"{it.code:<9} {it.level:<8} {it.title[:60]:<60} {years}{flag}")
    return 0


def cmd_set_status(args: argparse.Namespace) -> int:
    try:
        year = int(str(args.year).strip())
    except ValueError:
        return _fail(f"tahun '{args.year}' bukan angka; tulis misalnya 2023.")
    try:
        yv = renaksi.set_status(SYSTEM, args.code, year, args.status, progress=args.progress, note=args.note,
                                reason=args.reason, evidence_link=args.evidence_link)
    except DomainError as exc:
        return _fail(exc.message)
    pr = "-" if yv.progress is None else f"{yv.progress:.0f}%"
    print(f"OK: {renaksi.normalize_code(args.code)} {year} -> {yv.status_label} ({pr}), versi {yv.version}")
    return 0
