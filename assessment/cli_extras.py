"""Extra commands for manage.py (loaded automatically):

    python manage.py export-document --unit NAME --year YYYY --out FILE.docx|FILE.pdf
"""
from __future__ import annotations

import argparse
from pathlib import Path


def cmd_export_document(args: argparse.Namespace) -> int:
    from . import document
    from .errors import ValidationError
    from .permissions import SYSTEM

    out = Path(args.out)
    fmt = out.suffix.lower().lstrip(".")
    if fmt not in ("docx", "pdf"):
        raise ValidationError(f"Berkas keluaran '{args.out}' harus berakhiran .docx atau .pdf.")
    data = document.build_by_name(SYSTEM, args.unit, args.year)
    payload = document.render(data, fmt)
    if not out.parent.is_dir():
        # Never create folders on the user's behalf: a typo in --out should be an error, not a new folder.
        raise ValidationError(f"Folder '{out.parent}' tidak ada; buat dulu atau pilih folder lain.")
    out.write_bytes(payload)
    print(f"Ditulis: {out} ({len(payload) // 1024} KB; {data.unit_name} {data.year}, "
          f"{len(data.tables)} tabel)")
    return 0


def register(sub) -> None:
    e = sub.add_parser("export-document", help="dokumen Lampiran (Tabel 2-9) sebagai .docx atau .pdf")
    e.add_argument("--unit", required=True, help="nama unit (atau nama lainnya)")
    e.add_argument("--year", required=True, type=int)
    e.add_argument("--out", required=True, help="FILE.docx atau FILE.pdf")
    e.set_defaults(fn=cmd_export_document)
