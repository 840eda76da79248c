"""Who may do what. Checked inside every service, whichever page or command calls it.

Roles (users' words): admin (Dinas Kominfo), tim_asesor, verifikator, pimpinan, operator_opd.
The public has no account: it only reaches the public statistics, which need no actor.
"""
from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Optional

from .errors import PermissionDenied

ROLES: dict[str, str] = {
    "admin": "Admin (Dinas Kominfo)",
    "tim_asesor": "Tim Asesor",
    "verifikator": "Verifikator",
    "pimpinan": "Pimpinan",
    "operator_opd": "Operator OPD",
}


class Perm(str, Enum):
    # reading anything behind the login (pimpinan reads everything, writes nothing)
    READ = "read"
    # self-assessment
    ASSESSMENT_CREATE = "assessment.create"
    ASSESSMENT_EDIT = "assessment.edit"
    ASSESSMENT_SUBMIT = "assessment.submit"
    ASSESSMENT_VERIFY = "assessment.verify"  # verify or return
    ASSESSMENT_FINALIZE = "assessment.finalize"
    ASSESSMENT_CONSENSUS = "assessment.consensus"  # team lead sets consensus scores
    PRIORITY_DECIDE = "priority.decide"
    FIGURES_EDIT = "figures.edit"
    # method and catalogues
    INSTRUMENT_EDIT = "instrument.edit"
    UNITS_EDIT = "units.edit"
    SETTINGS_EDIT = "settings.edit"
    # rencana aksi
    RENAKSI_UPDATE = "renaksi.update"  # status/progress/evidence of an item
    RENAKSI_CATALOGUE = "renaksi.catalogue"  # add/change/retire items and the plan
    # complaints
    COMPLAINTS_IMPORT = "complaints.import"
    COMPLAINTS_DETAIL = "complaints.detail"  # personal data of reports
    # people
    USERS_MANAGE = "users.manage"
    AUDIT_VIEW = "audit.view"


_ALL = set(Perm)

ROLE_PERMS: dict[str, set[Perm]] = {
    "admin": _ALL,
    "tim_asesor": {
        Perm.READ, Perm.ASSESSMENT_CREATE, Perm.ASSESSMENT_EDIT, Perm.ASSESSMENT_SUBMIT,
        Perm.ASSESSMENT_CONSENSUS, Perm.PRIORITY_DECIDE, Perm.FIGURES_EDIT, Perm.COMPLAINTS_DETAIL,
    },
    "verifikator": {Perm.READ, Perm.ASSESSMENT_VERIFY, Perm.ASSESSMENT_FINALIZE, Perm.COMPLAINTS_DETAIL},
    "pimpinan": {Perm.READ, Perm.COMPLAINTS_DETAIL, Perm.AUDIT_VIEW},
    # operator_opd: own unit only (checked with `unit_id`)
    "operator_opd": {
        Perm.READ, Perm.ASSESSMENT_CREATE, Perm.ASSESSMENT_EDIT, Perm.ASSESSMENT_SUBMIT,
        Perm.PRIORITY_DECIDE, Perm.RENAKSI_UPDATE, Perm.COMPLAINTS_DETAIL,
    },
}

# Permissions that an operator_opd holds only for its own unit.
UNIT_SCOPED = {
    Perm.ASSESSMENT_CREATE, Perm.ASSESSMENT_EDIT, Perm.ASSESSMENT_SUBMIT, Perm.PRIORITY_DECIDE,
    Perm.RENAKSI_UPDATE, Perm.COMPLAINTS_DETAIL, Perm.READ,
}


@dataclass(frozen=True)
class Actor:
    """Who is acting: a logged-in user, or the command line (`system`)."""

    username: str
    role: str
    user_id: Optional[int] = None
    unit_id: Optional[int] = None
    full_name: str = ""
    session_version: int = 0


SYSTEM = Actor(username="system", role="admin", full_name="Baris perintah (manage.py)")


def can(actor: Actor | None, perm: Perm, unit_id: int | None = None) -> bool:
    if actor is None:
        return False
    perms = ROLE_PERMS.get(actor.role, set())
    if perm not in perms:
        return False
    if actor.role == "operator_opd" and perm in UNIT_SCOPED and unit_id is not None:
        return actor.unit_id == unit_id
    return True


def require(actor: Actor | None, perm: Perm, unit_id: int | None = None) -> None:
    """Raise PermissionDenied unless `actor` holds `perm` (for `unit_id`, where it is unit-scoped)."""
    if actor is None:
        raise PermissionDenied("Anda harus masuk (login) terlebih dahulu.")
    if not can(actor, perm, unit_id):
        role = ROLES.get(actor.role, actor.role)
        if actor.role == "operator_opd" and perm in ROLE_PERMS["operator_opd"]:
            raise PermissionDenied(
                f"Akses ditolak: peran {role} hanya boleh mengubah data unitnya sendiri."
            )
        raise PermissionDenied(f"Akses ditolak: peran {role} tidak berwenang untuk tindakan ini ({perm.value}).")


def sees_all_units(actor: Actor | None) -> bool:
    return actor is not None and actor.role != "operator_opd"
