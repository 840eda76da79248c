#!/usr/bin/env python3
"""Command line of the portal: the same services as the pages, acting as `system` (an admin).

    python manage.py init-db                      create/upgrade the database, load base data
    python manage.py seed-demo                    load the seed's Blitar 2022 data (and demo data) once
    python manage.py create-user --role admin     create a user (password asked, never echoed)
    python manage.py score --unit NAME --year YYYY --json
    python manage.py export-assessment --unit NAME --year YYYY --out FILE.xlsx
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from assessment.errors import DomainError  # noqa: E402
from assessment.permissions import ROLES, SYSTEM  # noqa: E402


def cmd_init_db(args: argparse.Namespace) -> int:
    from assessment import migrate, seed

    migrate.upgrade()
    seed.load_base(SYSTEM)
    print("Basis data siap (skema mutakhir, data dasar dimuat).")
    return 0


def cmd_seed_demo(args: argparse.Namespace) -> int:
    from assessment import migrate, seed

    migrate.upgrade()
    if seed.load_demo(SYSTEM):
        print("Data contoh dimuat (Pemerintah Kabupaten Blitar 2022 dari Lampiran Perbup 54/2022).")
    else:
        print("Data contoh sudah ada; tidak ada yang diubah.")
    return 0


def cmd_ensure_seeded(args: argparse.Namespace) -> int:
    """`make run`: migrate, load base data, and the demo data only on the very first run."""
    from assessment import accounts, migrate, seed
    from assessment.db import read_only
    from assessment.models import AuditLog
    from sqlmodel import select

    migrate.upgrade()
    with read_only() as s:
        first = s.exec(select(AuditLog.id).where(AuditLog.action == "seed.demo_loaded")).first() is None
    seed.load_base(SYSTEM)
    if first:
        seed.load_demo(SYSTEM)
        from assessment import audit
        from assessment.db import transaction

        with transaction() as s:
            audit.record(s, SYSTEM, "seed.demo_loaded", "database", None, None, {"by": "make run"})
        print("Data contoh dimuat sekali (Blitar 2022 dan data LAPOR! sintetis).")
    if accounts.count_users() == 0:
        print("\nBelum ada pengguna. Buat admin pertama dengan:\n"
              "  .venv/bin/python manage.py create-user --role admin --username admin --full-name \"Nama Anda\"\n")
    return 0


def cmd_create_user(args: argparse.Namespace) -> int:
    from assessment import accounts, units

    from assessment.cli_accounts import read_password

    password = read_password(args.password_from_env)  # asked twice on a terminal; never an argument
    if password is None:
        return 2
    unit_id = units.resolve_unit(args.unit).id if args.unit else None
    uid = accounts.create_user(SYSTEM, args.username, args.full_name or args.username, args.role, password, unit_id)
    print(f"Pengguna '{args.username}' ({ROLES[args.role]}) dibuat dengan id {uid}.")
    return 0


def cmd_score(args: argparse.Namespace) -> int:
    from assessment import assessments

    view = assessments.find_by_name(SYSTEM, args.unit, args.year)
    doc = assessments.score_document(view, assessments.compute(view))
    if args.json:
        print(json.dumps(doc, ensure_ascii=False))
    else:
        print(f"{doc['unit']} {doc['year']} ({doc['state']}, instrumen versi {doc['instrument_version']})")
        for a in doc["aspects"]:
            print(f"  {a['name']:<45} {a['mean']:.2f}  lemah={a['weak']}  usulan={a['suggested_priority']}"
                  f"  akhir={a['final_priority'] or '-'}")
    return 0


def cmd_export_assessment(args: argparse.Namespace) -> int:
    from assessment import assessments, exports

    view = assessments.find_by_name(SYSTEM, args.unit, args.year)
    data = exports.assessment_workbook(view, assessments.compute(view))
    out = Path(args.out)
    if not out.parent.is_dir():
        print(f"Galat: folder '{out.parent}' tidak ada; buat dulu atau pilih folder lain.", file=sys.stderr)
        return 1
    out.write_bytes(data)
    print(f"Ditulis: {args.out}")
    return 0


def cmd_import_units(args: argparse.Namespace) -> int:
    from assessment import units

    out = units.import_units(SYSTEM, Path(args.file).name, Path(args.file).read_bytes())
    print(f"Unit baru: {out['added']}, nama lain baru: {out['aliases_added']}.")
    return 0


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="manage.py", description="Portal Monev SP4N-LAPOR! - baris perintah")
    sub = p.add_subparsers(dest="command", required=True)
    sub.add_parser("init-db", help="buat/mutakhirkan basis data dan muat data dasar").set_defaults(fn=cmd_init_db)
    sub.add_parser("seed-demo", help="muat data contoh (Blitar 2022) sekali").set_defaults(fn=cmd_seed_demo)
    sub.add_parser("ensure-seeded", help="dipakai `make run`").set_defaults(fn=cmd_ensure_seeded)
    c = sub.add_parser("create-user", help="buat pengguna; kata sandi ditanyakan")
    c.add_argument("--role", required=True, choices=list(ROLES))
    c.add_argument("--username", required=True)
    c.add_argument("--full-name", default="")
    c.add_argument("--unit", help="nama unit (wajib untuk operator_opd)")
    c.add_argument("--password-from-env", action="store_true",
                   help="ambil kata sandi dari variabel MONEV_NEW_PASSWORD (untuk skrip)")
    c.set_defaults(fn=cmd_create_user)
    s = sub.add_parser("score", help="hasil skor asesmen")
    s.add_argument("--unit", required=True)
    s.add_argument("--year", required=True, type=int)
    s.add_argument("--json", action="store_true")
    s.set_defaults(fn=cmd_score)
    e = sub.add_parser("export-assessment", help="unduh asesmen sebagai Excel")
    e.add_argument("--unit", required=True)
    e.add_argument("--year", required=True, type=int)
    e.add_argument("--out", required=True)
    e.set_defaults(fn=cmd_export_assessment)
    iu = sub.add_parser("import-units", help="impor daftar unit (CSV/XLSX: Nama, Jenis, Nama lain, Dikonfirmasi)")
    iu.add_argument("file")
    iu.set_defaults(fn=cmd_import_units)
    for mod in _cli_modules():
        mod.register(sub)
    return p


def _cli_modules():
    import importlib

    out = []
    for name in ("cli_renaksi", "cli_complaints", "cli_accounts", "cli_extras"):
        try:
            out.append(importlib.import_module(f"assessment.{name}"))
        except ModuleNotFoundError as exc:
            if exc.name != f"assessment.{name}":
                raise
    return out


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.fn(args) or 0)
    except DomainError as exc:
        print(f"Galat: {exc.message}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
