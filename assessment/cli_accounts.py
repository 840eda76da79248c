"""Account commands of manage.py (loaded automatically), acting as `system`:

    python manage.py list-users
    python manage.py set-password --username NAME      (password asked, or read from stdin / MONEV_NEW_PASSWORD)
    python manage.py deactivate-user --username NAME
    python manage.py activate-user --username NAME
    python manage.py set-role --username NAME --role ROLE [--unit UNIT]   (unit: operator_opd only, required there)
    python manage.py unlock-user --username NAME

A password is never an argument (it would show in the shell history and the process list).
"""
from __future__ import annotations

import argparse
import getpass
import os
import sys
from typing import Optional

from .permissions import ROLES, SYSTEM


def read_password(from_env: bool) -> Optional[str]:
    """The new password: from MONEV_NEW_PASSWORD, from a pipe (one line), or asked twice on a terminal.

    Returns None (after saying why on stderr) when the two typed passwords differ."""
    if from_env:
        value = os.environ.get("MONEV_NEW_PASSWORD")
        if value is None:
            print("Variabel MONEV_NEW_PASSWORD tidak diisi.", file=sys.stderr)
        return value
    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\r\n")
    password = getpass.getpass("Kata sandi: ")
    if getpass.getpass("Ulangi kata sandi: ") != password:
        print("Kata sandi tidak sama.", file=sys.stderr)
        return None
    return password


def cmd_list_users(args: argparse.Namespace) -> int:
    from . import accounts

    rows = accounts.list_users(SYSTEM)
    if not rows:
        print("Belum ada pengguna. Buat admin pertama: manage.py create-user --role admin --username NAMA")
        return 0
    print(f"{'id':>4}  {'nama pengguna':<24} {'peran':<24} {'status':<10} unit")
    for u in rows:
        status = "aktif" if u.active else "nonaktif"
        if u.locked:
            status = "terkunci"
        print(f"{u.id:>4}  {u.username:<24} {u.role_label:<24} {status:<10} {u.unit_name or '-'}")
    return 0


def cmd_set_password(args: argparse.Namespace) -> int:
    from . import accounts

    uid = accounts.find_user_id(SYSTEM, args.username)
    password = read_password(args.password_from_env)
    if password is None:
        return 2
    accounts.change_password(SYSTEM, uid, password)
    print(f"Kata sandi '{args.username}' diganti; semua sesi pengguna ini berakhir.")
    return 0


def cmd_set_active(active: bool):
    def run(args: argparse.Namespace) -> int:
        from . import accounts

        uid = accounts.find_user_id(SYSTEM, args.username)
        accounts.set_active(SYSTEM, uid, active)
        print(f"Pengguna '{args.username}' " + ("diaktifkan kembali." if active else
                                               "dinonaktifkan; semua sesinya berakhir."))
        return 0

    return run


def cmd_set_role(args: argparse.Namespace) -> int:
    from . import accounts, units

    uid = accounts.find_user_id(SYSTEM, args.username)
    problem = accounts.role_unit_problem(args.role, bool(args.unit))
    if problem:  # said before the unit name is looked up (a typo in it is not the point)
        print(f"Galat: {problem}", file=sys.stderr)
        return 1
    unit_id = units.resolve_unit(args.unit).id if args.unit else None
    accounts.set_role(SYSTEM, uid, args.role, unit_id)
    print(f"Peran '{args.username}' kini {ROLES[args.role]}.")
    return 0


def cmd_unlock(args: argparse.Namespace) -> int:
    from . import accounts

    accounts.unlock(SYSTEM, accounts.find_user_id(SYSTEM, args.username))
    print(f"Kunci akun '{args.username}' dibuka.")
    return 0


def register(sub) -> None:
    sub.add_parser("list-users", help="daftar pengguna").set_defaults(fn=cmd_list_users)
    p = sub.add_parser("set-password", help="atur ulang kata sandi pengguna (ditanyakan)")
    p.add_argument("--username", required=True)
    p.add_argument("--password-from-env", action="store_true",
                   help="ambil kata sandi dari variabel MONEV_NEW_PASSWORD (untuk skrip)")
    p.set_defaults(fn=cmd_set_password)
    for name, active, text in (("deactivate-user", False, "nonaktifkan pengguna (sesinya berakhir)"),
                               ("activate-user", True, "aktifkan kembali pengguna")):
        p = sub.add_parser(name, help=text)
        p.add_argument("--username", required=True)
        p.set_defaults(fn=cmd_set_active(active))
    p = sub.add_parser("set-role", help="ubah peran/unit pengguna")
    p.add_argument("--username", required=True)
    p.add_argument("--role", required=True, choices=list(ROLES))
    p.add_argument("--unit", help="nama unit (wajib untuk operator_opd, tidak boleh untuk peran lain)")
    p.set_defaults(fn=cmd_set_role)
    p = sub.add_parser("unlock-user", help="buka kunci akun setelah terlalu banyak gagal masuk")
    p.add_argument("--username", required=True)
    p.set_defaults(fn=cmd_unlock)
