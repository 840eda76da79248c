"""Accounts: argon2-hashed passwords, roles, lockout after repeated failures, session revocation.

- No default password exists anywhere: the first admin is made with `manage.py create-user --role admin`.
- A login for an unknown user, a locked user or a wrong password costs one argon2 verification and
  gets the same answer (`login_failure_message()`, which says how the lockout works), so neither the
  answer nor its time tells whether a name exists or is locked. Only a correct password of a
  deactivated account is told so (whoever knows the password may learn that).
- Five failed logins in a row (settings `lockout_attempts`) lock the account for `lockout_minutes`.
  The count is raised with one atomic UPDATE, so parallel guesses on several replicas all count.
  The lock and every attempt refused while locked are written to the audit log (`user.locked`,
  `user.login_locked`) for the admin; the person logging in is not told.
- A unit belongs to operator_opd only (required there, refused for every other role).
- Every change of password, role, unit or active flag bumps `session_version`: every session that
  was opened before it ends at its next page load (`check_session`). A user who changes their own
  password gets a fresh Actor back, so only their *other* sessions end.
- Passwords are never logged, never put in an error message and never written to the audit log.
"""
from __future__ import annotations

import logging
import os
import re
import time
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Optional

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import func, update
from sqlmodel import select

from . import audit
from .config import get_settings
from .db import read_only, transaction
from .errors import ConflictError, NotFound, PermissionDenied, ValidationError
from .models import Unit, User, utcnow
from .permissions import ROLES, Actor, Perm, require

log = logging.getLogger(__name__)

_hasher = PasswordHasher()
# Verified against when the username is unknown (or the account locked), so that a wrong name costs
# as long as a wrong password. Made with the same parameters as real hashes.
_DUMMY_HASH = _hasher.hash("tidak-ada-pengguna-ini")

MIN_PASSWORD = 10
# argon2 accepts any length; a megabyte "password" would only cost the server time.
MAX_PASSWORD = 256
FONT_SCALES = (90, 100, 115, 130, 150)


@dataclass(frozen=True)
class UserView:
    id: int
    username: str
    full_name: str
    role: str
    unit_id: Optional[int]
    unit_name: Optional[str]
    active: bool
    locked_until: Optional[datetime]
    last_login_at: Optional[datetime]
    created_at: Optional[datetime] = None
    failed_logins: int = 0

    @property
    def role_label(self) -> str:
        return ROLES.get(self.role, self.role)

    @property
    def locked(self) -> bool:
        return self.locked_until is not None and _aware(self.locked_until) > utcnow()


class LoginFailed(PermissionDenied):
    pass


GENERIC_FAILURE = "Nama pengguna atau kata sandi salah, atau akun sedang terkunci."


def lockout_notice() -> str:
    """How the lockout works, in the words shown on the login page and in every refused login."""
    settings = get_settings()
    return (f"Setelah {settings.lockout_attempts} kali gagal masuk berturut-turut, akun dikunci "
            f"{settings.lockout_minutes} menit.")


def login_failure_message() -> str:
    """The one answer to an unknown name, a wrong password and a locked account alike: it must not
    tell which of the three it was (nor that an account exists)."""
    return f"{GENERIC_FAILURE} {lockout_notice()}"


# --- checks ----------------------------------------------------------------------------------------

def check_password_strength(password: str, username: str = "") -> None:
    password = password or ""
    if len(password) < MIN_PASSWORD:
        raise ValidationError(f"Kata sandi minimal {MIN_PASSWORD} karakter.")
    if len(password) > MAX_PASSWORD:
        raise ValidationError(f"Kata sandi maksimal {MAX_PASSWORD} karakter.")
    if username and username.lower() in password.lower():
        raise ValidationError("Kata sandi tidak boleh memuat nama pengguna.")
    if password.isdigit() or password.isalpha():
        raise ValidationError("Kata sandi harus memuat huruf dan angka atau simbol.")
    if len(set(password)) < 4:
        raise ValidationError("Kata sandi terlalu mudah ditebak: gunakan lebih banyak karakter yang berbeda.")


def _check_username(username: str) -> str:
    username = (username or "").strip().lower()
    if not re.fullmatch(r"[a-z0-9][a-z0-9._-]{2,79}", username):
        raise ValidationError("Nama pengguna 3-80 karakter: huruf kecil, angka, titik, garis bawah atau tanda hubung, "
                              "diawali huruf atau angka.")
    return username


def _check_full_name(full_name: str) -> str:
    full_name = re.sub(r"\s+", " ", full_name or "").strip()
    if not full_name:
        raise ValidationError("Nama lengkap wajib diisi.")
    if len(full_name) > 200:
        raise ValidationError("Nama lengkap terlalu panjang (maksimal 200 karakter).")
    return full_name


def role_unit_problem(role: str, has_unit: bool) -> Optional[str]:
    """What is wrong with this role and (no) unit, or None. A unit is required for operator_opd and
    refused for every other role: only an operator's rights depend on a unit, so on any other role it
    would only mislead (it limits nothing)."""
    if role not in ROLES:
        return f"Peran '{role}' tidak dikenal; pilih salah satu: {', '.join(ROLES)}."
    if role == "operator_opd" and not has_unit:
        return "Operator OPD harus dikaitkan dengan satu unit."
    if role != "operator_opd" and has_unit:
        return (f"Unit hanya diisi untuk peran Operator OPD; peran {ROLES[role]} tidak dikaitkan dengan unit. "
                "Kosongkan unitnya.")
    return None


def _check_role_unit(s, role: str, unit_id: Optional[int]) -> None:
    problem = role_unit_problem(role, unit_id is not None)
    if problem:
        raise ValidationError(problem)
    if unit_id is not None:
        unit = s.get(Unit, unit_id)
        if unit is None:
            raise NotFound(f"Unit dengan id {unit_id} tidak ada.")
        if not unit.active:
            raise ValidationError(f"Unit '{unit.name}' sudah tidak aktif.")


def _hash(password: str) -> str:
    return _hasher.hash(password)


def _verify(stored_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(stored_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def actor_of(u: User) -> Actor:
    return Actor(username=u.username, role=u.role, user_id=u.id, unit_id=u.unit_id, full_name=u.full_name,
                 session_version=u.session_version)


def _active_admins(s, excluding: Optional[int] = None) -> int:
    q = select(func.count()).select_from(User).where(User.role == "admin", User.active == True)  # noqa: E712
    if excluding is not None:
        q = q.where(User.id != excluding)
    return int(s.exec(q).one())


def _load_user(s, user_id: int) -> User:
    u = s.get(User, user_id)
    if u is None:
        raise NotFound(f"Pengguna dengan id {user_id} tidak ditemukan.")
    return u


# --- creating and reading ---------------------------------------------------------------------------

def create_user(actor: Actor, username: str, full_name: str, role: str, password: str,
                unit_id: Optional[int] = None) -> int:
    require(actor, Perm.USERS_MANAGE)
    username = _check_username(username)
    full_name = _check_full_name(full_name)
    check_password_strength(password, username)
    with transaction() as s:
        _check_role_unit(s, role, unit_id)
        if s.exec(select(User).where(User.username == username)).first() is not None:
            raise ConflictError(f"Nama pengguna '{username}' sudah dipakai.")
        u = User(username=username, full_name=full_name, role=role, unit_id=unit_id, password_hash=_hash(password))
        s.add(u)
        s.flush()
        audit.record(s, actor, "user.create", "user", u.id, None,
                     {"username": username, "full_name": full_name, "role": role, "unit_id": unit_id})
        return int(u.id)


def count_users() -> int:
    with read_only() as s:
        return int(s.exec(select(func.count()).select_from(User)).one())


def _view(u: User, units: dict[int, str]) -> UserView:
    return UserView(u.id, u.username, u.full_name, u.role, u.unit_id, units.get(u.unit_id), u.active,
                    u.locked_until, u.last_login_at, u.created_at, u.failed_logins)


def list_users(actor: Actor) -> list[UserView]:
    require(actor, Perm.USERS_MANAGE)
    with read_only() as s:
        units = {u.id: u.name for u in s.exec(select(Unit)).all()}
        return [_view(u, units) for u in s.exec(select(User).order_by(User.username)).all()]


def get_user(actor: Actor, user_id: int) -> UserView:
    """Anyone may read their own account; an admin any account."""
    if actor is None or actor.user_id != user_id:
        require(actor, Perm.USERS_MANAGE)
    with read_only() as s:
        u = _load_user(s, user_id)
        unit = s.get(Unit, u.unit_id) if u.unit_id else None
        return _view(u, {unit.id: unit.name} if unit else {})


def find_user_id(actor: Actor, username: str) -> int:
    require(actor, Perm.USERS_MANAGE)
    with read_only() as s:
        u = s.exec(select(User).where(User.username == (username or "").strip().lower())).first()
        if u is None:
            raise NotFound(f"Pengguna '{username}' tidak ditemukan.")
        return int(u.id)


# --- logging in and sessions ------------------------------------------------------------------------

def authenticate(username: str, password: str) -> Actor:
    """Check a login. Five failures in a row lock the account for a while (settings)."""
    settings = get_settings()
    username = (username or "").strip().lower()
    password = password or ""
    failure: Optional[str] = None
    with transaction() as s:
        u = s.exec(select(User).where(User.username == username)).first() if len(username) <= 80 else None
        now = utcnow()
        if u is None or len(password) > MAX_PASSWORD:
            _verify(_DUMMY_HASH, password[:MAX_PASSWORD])
            failure = login_failure_message()
        elif u.locked_until is not None and _aware(u.locked_until) > now:
            # Not even the right password helps, and the answer is the one of a wrong password: the
            # person trying learns neither that the account exists nor that it is locked. The admin
            # sees the refused attempt in the audit log.
            _verify(_DUMMY_HASH, password)
            audit.record(s, Actor(username=u.username, role=u.role, user_id=u.id), "user.login_locked", "user",
                         u.id, None, {"locked_until": u.locked_until})
            failure = login_failure_message()
        elif not _verify(u.password_hash, password):
            # One atomic UPDATE: parallel guesses (several replicas) all count.
            count = s.exec(update(User).where(User.id == u.id)
                           .values(failed_logins=User.failed_logins + 1)
                           .returning(User.failed_logins)).scalar_one()
            audit.record(s, Actor(username=u.username, role=u.role, user_id=u.id), "user.login_failed", "user",
                         u.id, None, {"failed_logins": count})
            if count >= settings.lockout_attempts:
                until = now + timedelta(minutes=settings.lockout_minutes)
                s.exec(update(User).where(User.id == u.id).values(locked_until=until, failed_logins=0))
                audit.record(s, Actor(username=u.username, role=u.role, user_id=u.id), "user.locked", "user", u.id,
                             None, {"locked_until": until, "after_failures": count})
                log.warning("account %s locked after %s failed logins", u.id, count)
            failure = login_failure_message()
        elif not u.active:
            failure = "Akun ini dinonaktifkan. Hubungi admin Dinas Kominfo."
        else:
            if _hasher.check_needs_rehash(u.password_hash):
                u.password_hash = _hash(password)
            u.failed_logins = 0
            u.locked_until = None
            u.last_login_at = now
            s.add(u)
            audit.record(s, actor_of(u), "user.login", "user", u.id, None, None)
            return actor_of(u)
    # The failure count is committed above; only now is the login refused.
    raise LoginFailed(failure)


def session_idle_minutes() -> int:
    """Minutes without any page load after which a session ends (MONEV_SESSION_IDLE_MINUTES, default 60)."""
    try:
        return max(1, int(os.environ.get("MONEV_SESSION_IDLE_MINUTES", "60")))
    except ValueError:
        return 60


def session_valid(actor: Actor) -> bool:
    """False once the user was deactivated, or changed password/role/unit after this session began."""
    if actor is None:
        return False
    if actor.user_id is None:
        return actor.username == "system"
    with read_only() as s:
        u = s.get(User, actor.user_id)
        return u is not None and u.active and u.session_version == actor.session_version


def check_session(actor: Actor, login_at: float, last_seen: float, now: Optional[float] = None) -> Optional[str]:
    """Why this session must end, or None when it may go on. Times are `time.time()` seconds.

    "expired": longer than `session_minutes` since login; "idle": no page load for
    `session_idle_minutes()`; "revoked": password/role changed or account deactivated elsewhere.
    """
    now = time.time() if now is None else now
    if now - (login_at or 0) > get_settings().session_minutes * 60:
        return "expired"
    if now - (last_seen or 0) > session_idle_minutes() * 60:
        return "idle"
    if not session_valid(actor):
        return "revoked"
    return None


LOGOUT_REASONS = {
    "expired": "Sesi Anda berakhir karena sudah terlalu lama sejak masuk. Silakan masuk kembali.",
    "idle": "Sesi Anda berakhir karena tidak ada aktivitas. Silakan masuk kembali.",
    "revoked": "Sesi Anda diakhiri karena kata sandi, peran atau status akun Anda diubah. Silakan masuk kembali.",
    "logout": "Anda telah keluar.",
}


# --- changing accounts ----------------------------------------------------------------------------

def change_password(actor: Actor, user_id: int, new_password: str, old_password: Optional[str] = None) -> Optional[Actor]:
    """Own password (the old one is required) or, for an admin, anyone's (a reset).

    Ends every other session of that user. When users change their own password the fresh Actor is
    returned, so the session they did it from goes on; otherwise None.
    """
    if actor is None:
        require(actor, Perm.USERS_MANAGE)
    own = actor.user_id is not None and actor.user_id == user_id
    if not own:
        require(actor, Perm.USERS_MANAGE)
    with transaction() as s:
        u = _load_user(s, user_id)
        if own and not _verify(u.password_hash, old_password or ""):
            raise ValidationError("Kata sandi lama salah.")
        check_password_strength(new_password, u.username)
        if _verify(u.password_hash, new_password):
            raise ValidationError("Kata sandi baru harus berbeda dari kata sandi lama.")
        u.password_hash = _hash(new_password)
        old_version = u.session_version
        u.session_version += 1
        u.locked_until = None
        u.failed_logins = 0
        s.add(u)
        audit.record(s, actor, "user.password_change" if own else "user.password_reset", "user", u.id,
                     {"session_version": old_version}, {"session_version": u.session_version})
        return actor_of(u) if own else None


def set_active(actor: Actor, user_id: int, active: bool) -> None:
    """Deactivate (ends all of the user's sessions) or reactivate an account."""
    require(actor, Perm.USERS_MANAGE)
    active = bool(active)
    with transaction() as s:
        u = _load_user(s, user_id)
        if actor.user_id == user_id and not active:
            raise ValidationError("Anda tidak dapat menonaktifkan akun Anda sendiri.")
        if u.active == active:
            return
        if not active and u.role == "admin" and _active_admins(s, excluding=u.id) == 0:
            raise ValidationError("Admin aktif terakhir tidak dapat dinonaktifkan: buat admin lain terlebih dahulu.")
        if active and u.role == "operator_opd":
            _check_role_unit(s, u.role, u.unit_id)  # its unit must still be active
        u.active = active
        old_version = u.session_version
        u.session_version += 1
        s.add(u)
        audit.record(s, actor, "user.activate" if active else "user.deactivate", "user", u.id,
                     {"active": not active, "session_version": old_version},
                     {"active": active, "session_version": u.session_version})


def set_role(actor: Actor, user_id: int, role: str, unit_id: Optional[int]) -> None:
    """Change a user's role and unit; the user's open sessions end (their rights changed)."""
    require(actor, Perm.USERS_MANAGE)
    with transaction() as s:
        _check_role_unit(s, role, unit_id)
        u = _load_user(s, user_id)
        if u.role == role and u.unit_id == unit_id:
            return
        if u.role == "admin" and role != "admin" and u.active and _active_admins(s, excluding=u.id) == 0:
            raise ValidationError("Peran admin terakhir tidak dapat diubah: buat admin lain terlebih dahulu.")
        old = {"role": u.role, "unit_id": u.unit_id}
        u.role, u.unit_id = role, unit_id
        u.session_version += 1
        s.add(u)
        audit.record(s, actor, "user.role", "user", u.id, old, {"role": role, "unit_id": unit_id})


def set_full_name(actor: Actor, user_id: int, full_name: str) -> None:
    require(actor, Perm.USERS_MANAGE)
    full_name = _check_full_name(full_name)
    with transaction() as s:
        u = _load_user(s, user_id)
        if u.full_name == full_name:
            return
        audit.record(s, actor, "user.full_name", "user", u.id, {"full_name": u.full_name}, {"full_name": full_name})
        u.full_name = full_name
        s.add(u)


def unlock(actor: Actor, user_id: int) -> None:
    """Lift a lockout before its time (an admin, after checking who tried)."""
    require(actor, Perm.USERS_MANAGE)
    with transaction() as s:
        u = _load_user(s, user_id)
        if u.locked_until is None and u.failed_logins == 0:
            return
        audit.record(s, actor, "user.unlock", "user", u.id,
                     {"locked_until": u.locked_until, "failed_logins": u.failed_logins},
                     {"locked_until": None, "failed_logins": 0})
        u.locked_until = None
        u.failed_logins = 0
        s.add(u)


def set_font_scale(actor: Actor, scale: int) -> None:
    """A user's own display preference (every role, pimpinan too: it changes no monitoring data)."""
    if actor is None or actor.user_id is None:
        return
    if scale not in FONT_SCALES:
        raise ValidationError("Ukuran huruf tidak dikenal.")
    with transaction() as s:
        u = _load_user(s, actor.user_id)
        if u.font_scale != scale:
            audit.record(s, actor, "user.font_scale", "user", u.id, {"font_scale": u.font_scale}, {"font_scale": scale})
            u.font_scale = scale
            s.add(u)


def font_scale(actor: Actor) -> int:
    if actor is None or actor.user_id is None:
        return 100
    with read_only() as s:
        u = s.get(User, actor.user_id)
        return u.font_scale if u else 100


def _aware(dt: datetime) -> datetime:
    return dt if dt.tzinfo is not None else dt.replace(tzinfo=timezone.utc)
