"""Command line for the SP4N-LAPOR! complaints (wired into manage.py by `register`).

    manage.py import-complaints FILE [--snapshot-date YYYY-MM-DD] [--json]
                                [--map-status RAW=CANONICAL ...] [--map-unit NAME=UNIT ...]
    manage.py rank --year YYYY [--snapshot-date YYYY-MM-DD] [--json]
    manage.py delete-snapshot --date YYYY-MM-DD [--json]

`delete-snapshot` removes the LATEST snapshot (undo a mistaken import); --date must be its date.
`import-complaints` refuses a partial export (stored reports missing from the file) unless --allow-partial.

UNIT in --map-unit is a unit's name (or alias), its numeric id, or new:<kind> (opd, kecamatan,
instansi) to create it. The command acts as `system` (an admin), like every manage.py command.
Exit status: 0 done, 1 refused (the reasons on stderr, or in the JSON).
"""
from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from pathlib import Path
from typing import Any

from .errors import DomainError, ImportRejected
from .permissions import SYSTEM


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"tanggal '{value}' harus berformat YYYY-MM-DD") from None


def _pairs(values: list[str] | None, what: str) -> dict[str, str]:
    out = {}
    for v in values or []:
        if "=" not in v:
            raise DomainError(f"{what} '{v}' harus berbentuk NAMA=NILAI.")
        k, _, val = v.partition("=")
        out[k.strip()] = val.strip()
    return out


def _unit_target(value: str) -> Any:
    from . import units

    if value.startswith("new:"):
        return value
    if value.isdigit():
        return int(value)
    return units.resolve_unit(value).id


def _problems(items) -> list[dict]:
    return [{"row": p.row, "column": p.column, "message": p.message} for p in items]


def cmd_import_complaints(args: argparse.Namespace) -> int:
    from . import complaints

    path = Path(args.file)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return _fail(args, [{"row": None, "column": None, "message": f"berkas {path} tidak ditemukan."}])
    except IsADirectoryError:
        return _fail(args, [{"row": None, "column": None, "message": f"{path} adalah folder, bukan berkas."}])
    except PermissionError:
        return _fail(args, [{"row": None, "column": None,
                             "message": f"berkas {path} tidak dapat dibaca: tidak ada izin membacanya."}])
    except OSError:
        return _fail(args, [{"row": None, "column": None, "message": f"berkas {path} tidak dapat dibaca."}])
    try:
        status_map = _pairs(args.map_status, "--map-status")
        unit_map = {k: _unit_target(v) for k, v in _pairs(args.map_unit, "--map-unit").items()}
    except DomainError as exc:
        return _fail(args, [{"row": None, "column": None, "message": exc.message}])
    pv = complaints.preview_import(SYSTEM, path.name, data, args.snapshot_date)
    if not pv.ok:
        return _fail(args, _problems(pv.problems), pv)
    if not pv.ready(status_map, unit_map):
        from .lapor_file import status_key
        from .units import alias_key

        msgs = [{"row": u.rows[0], "column": "Status Laporan",
                 "message": f"status '{u.value}' ({u.count} baris) belum dipetakan: tambahkan --map-status "
                            f"'{u.value}=<{'|'.join(complaints.rk.STATES)}>'"}
                for u in pv.unknown_statuses if status_key(u.value) not in {status_key(k) for k in status_map}]
        msgs += [{"row": u.rows[0], "column": "Instansi Terdisposisi",
                  "message": f"instansi '{u.value}' ({u.count} baris) belum dikenal: tambahkan --map-unit "
                             f"'{u.value}=<nama unit|id|new:opd>'"}
                 for u in pv.unknown_units if alias_key(u.value) not in {alias_key(k) for k in unit_map}]
        return _fail(args, msgs, pv)
    if pv.partial and not args.allow_partial:
        sample = ", ".join(pv.absent_sample)
        return _fail(args, [{"row": None, "column": None,
                             "message": f"{pv.absent} laporan yang sudah tersimpan tidak ada di berkas ini (ekspor "
                                        f"sebagian; mis. Tracking ID {sample}). Laporan itu tetap dihitung menurut "
                                        "keadaan terakhir yang diketahui dan terus bertambah umurnya. Tambahkan "
                                        "--allow-partial bila memang ekspor sebagian."}], pv)
    try:
        res = complaints.commit_import(SYSTEM, path.name, data, args.snapshot_date, status_map, unit_map,
                                       parsed=pv.parsed, allow_partial=args.allow_partial)
    except ImportRejected as exc:
        return _fail(args, _problems(exc.problems), pv)
    except DomainError as exc:
        return _fail(args, [{"row": None, "column": None, "message": exc.message}], pv)
    doc = {"ok": True, "file": res.filename, "sha256": res.sha256, "snapshot_id": res.snapshot_id,
           "snapshot_date": res.snapshot_date.isoformat(), "rows": res.rows, "new": res.new, "updated": res.updated,
           "unchanged": res.unchanged, "history_rows": res.history_rows, "statuses_added": list(res.added_statuses),
           "units_created": list(res.created_units), "aliases_added": list(res.added_aliases), "absent": res.absent,
           "warnings": pv.warnings}
    if args.json:
        print(json.dumps(doc, ensure_ascii=False))
    else:
        print(f"Snapshot {res.snapshot_date.isoformat()} diimpor dari {res.filename}: {res.rows} laporan "
              f"({res.new} baru, {res.updated} berubah, {res.unchanged} tetap).")
        for w in pv.warnings:
            print(f"Catatan: {w}")
    return 0


def _fail(args: argparse.Namespace, problems: list[dict], pv=None) -> int:
    if args.json:
        doc = {"ok": False, "problems": problems}
        if pv is not None:
            doc["unknown_statuses"] = [{"value": u.value, "count": u.count, "rows": list(u.rows)}
                                       for u in pv.unknown_statuses]
            doc["unknown_units"] = [{"value": u.value, "count": u.count, "rows": list(u.rows)} for u in pv.unknown_units]
        print(json.dumps(doc, ensure_ascii=False))
    else:
        print("Impor ditolak; tidak ada yang disimpan:", file=sys.stderr)
        for p in problems:
            where = ", ".join(x for x in (f"baris {p['row']}" if p["row"] else "",
                                          f"kolom '{p['column']}'" if p["column"] else "") if x)
            print(f"  - {where + ': ' if where else ''}{p['message']}", file=sys.stderr)
    return 1


def cmd_rank(args: argparse.Namespace) -> int:
    from . import complaints

    res = complaints.ranking(args.year, args.snapshot_date, actor=SYSTEM)
    if res is None:
        if complaints.snapshot_at() is None:
            msg = "belum ada data SP4N-LAPOR! yang diimpor."
        else:
            first = complaints.list_snapshots(SYSTEM)[-1].snapshot_date
            msg = (f"tidak ada snapshot pada atau sebelum {args.snapshot_date.isoformat()}; snapshot paling awal "
                   f"bertanggal {first.isoformat()}.")
        return _error(args, msg)
    doc = res.document()
    if args.json:
        print(json.dumps(doc, ensure_ascii=False))
        return 0
    print(f"Peringkat OPD {doc['year']} pada {res.snapshot.caption}")
    for u in doc["units"]:
        score = "-" if u["score"] is None else f"{u['score']:.2f}"
        rank = "-" if u["rank"] is None else str(u["rank"])
        tags = " ".join(t for t, on in (("REWARD", u["reward"]), ("PUNISHMENT", u["punishment"])) if on)
        print(f"  {rank:>3}  {score:>6}  {u['unit']:<50} terlambat={u['overdue']} {tags}")
    return 0


def _error(args: argparse.Namespace, message: str) -> int:
    if getattr(args, "json", False):
        print(json.dumps({"ok": False, "error": message}, ensure_ascii=False))
    else:
        print(f"Galat: {message}", file=sys.stderr)
    return 1


def cmd_delete_snapshot(args: argparse.Namespace) -> int:
    from . import complaints

    try:
        r = complaints.delete_latest_snapshot(SYSTEM, args.date)
    except DomainError as exc:
        return _error(args, exc.message)
    doc = {"ok": True, "snapshot_id": r.snapshot_id, "snapshot_date": r.snapshot_date.isoformat(), "file": r.filename,
           "removed_reports": r.removed_reports, "restored_reports": r.restored_reports,
           "reseen_reports": r.reseen_reports, "history_rows": r.history_rows,
           "latest_now": r.previous.isoformat() if r.previous else None}
    if args.json:
        print(json.dumps(doc, ensure_ascii=False))
    else:
        print(f"Snapshot {r.snapshot_date.isoformat()} ({r.filename}) dihapus: {r.removed_reports} laporan baru "
              f"dihapus, {r.restored_reports} dipulihkan ke keadaan sebelumnya, {r.reseen_reports} kembali ke "
              f"penampakan sebelumnya. Snapshot terakhir sekarang: "
              f"{r.previous.isoformat() if r.previous else 'tidak ada'}.")
    return 0


def register(sub) -> None:
    p = sub.add_parser("import-complaints", help="impor ekspor SP4N-LAPOR! (Excel atau CSV) sebagai snapshot")
    p.add_argument("file")
    p.add_argument("--snapshot-date", type=_date, default=None,
                   help="tanggal snapshot (bawaan: Tanggal Generate di berkas)")
    p.add_argument("--json", action="store_true")
    p.add_argument("--map-status", action="append", metavar="RAW=CANONICAL",
                   help="petakan status mentah yang belum dikenal ke status kanonik")
    p.add_argument("--map-unit", action="append", metavar="NAME=UNIT",
                   help="cocokkan nama instansi dengan unit (nama, id, atau new:opd)")
    p.add_argument("--allow-partial", action="store_true",
                   help="terima ekspor sebagian (laporan yang sudah tersimpan tidak ada di berkas)")
    p.set_defaults(fn=cmd_import_complaints)
    r = sub.add_parser("rank", help="peringkat OPD penanganan pengaduan (reward dan punishment)")
    r.add_argument("--year", type=int, required=True)
    r.add_argument("--snapshot-date", type=_date, default=None,
                   help="snapshot terakhir pada atau sebelum tanggal ini (bawaan: yang terakhir)")
    r.add_argument("--json", action="store_true")
    r.set_defaults(fn=cmd_rank)
    d = sub.add_parser("delete-snapshot", help="hapus snapshot LAPOR! terakhir (batalkan impor yang keliru)")
    d.add_argument("--date", type=_date, required=True, help="tanggal snapshot terakhir (YYYY-MM-DD), sebagai konfirmasi")
    d.add_argument("--json", action="store_true")
    d.set_defaults(fn=cmd_delete_snapshot)
