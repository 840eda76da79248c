"""Accounts: argon2-hashed passwords, roles, lockout after repeated failures, session revocation."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Optional

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlmodel import select

from . import audit
from .config import get_settings
from .db import read_only, transaction
from .errors import ConflictError, NotFound, PermissionDenied, ValidationError
from .models import Unit, User, utcnow
from .permissions import ROLES, Actor, Perm, require

_hasher = PasswordHasher()
# Verified against when the username is unknown, so that a wrong name costs as long as a wrong password.
_DUMMY_HASH = _hasher.hash("tidak-ada-pengguna-ini")

MIN_PASSWORD = 10


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

    @property
    def role_label(self) -> str:
        return ROLES.get(self.role, self.role)


class LoginFailed(PermissionDenied):
    pass


def check_password_strength(password: str, username: str = "") -> None:
    if len(password or "") < MIN_PASSWORD:
        raise ValidationError(f"Kata sandi minimal {MIN_PASSWORD} karakter.")
    if username and username.lower() in password.lower():
        raise ValidationError("Kata sandi tidak boleh memuat nama pengguna.")
    if password.isdigit() or password.isalpha():
        raise ValidationError("Kata sandi harus memuat huruf dan angka atau simbol.")


def _check_username(username: str) -> str:
    username = (username or "").strip().lower()
    if not re.fullmatch(r"[a-z0-9._-]{3,80}", username):
        raise ValidationError("Nama pengguna 3-80 karakter: huruf kecil, angka, titik, garis bawah atau tanda hubung.")
    return username


def actor_of(u: User) -> Actor:
    return Actor(username=u.username, role=u.role, user_id=u.id, unit_id=u.unit_id, full_name=u.full_name,
                 session_version=u.session_version)


def create_user(actor: Actor, username: str, full_name: str, role: str, password: str,
                unit_id: Optional[int] = None) -> int:
    require(actor, Perm.USERS_MANAGE)
    username = _check_username(username)
    if role not in ROLES:
        raise ValidationError(f"Peran '{role}' tidak dikenal; pilih salah satu: {', '.join(ROLES)}.")
    if not (full_name or "").strip():
        raise ValidationError("Nama lengkap wajib diisi.")
    if role == "operator_opd" and unit_id is None:
        raise ValidationError("Operator OPD harus dikaitkan dengan satu unit.")
    check_password_strength(password, username)
    with transaction() as s:
        if unit_id is not None and s.get(Unit, unit_id) is None:
            raise NotFound(f"Unit dengan id {unit_id} tidak ada.")
        if s.exec(select(User).where(User.username == username)).first() is not None:
            raise ConflictError(f"Nama pengguna '{username}' sudah dipakai.")
        u = User(username=username, full_name=full_name.strip(), role=role, unit_id=unit_id,
                 password_hash=_hasher.hash(password))
        s.add(u)
        s.flush()
        audit.record(s, actor, "user.create", "user", u.id, None,
                     {"username": username, "full_name": u.full_name, "role": role, "unit_id": unit_id})
        return int(u.id)


def count_users() -> int:
    with read_only() as s:
        return len(s.exec(select(User.id)).all())


def authenticate(username: str, password: str) -> Actor:
    """Check a login. Five failures in a row lock the account for a while (settings)."""
    settings = get_settings()
    username = (username or "").strip().lower()
    with transaction() as s:
        u = s.exec(select(User).where(User.username == username)).first()
        if u is None:
            try:
                _hasher.verify(_DUMMY_HASH, password or "")
            except (VerifyMismatchError, VerificationError, InvalidHashError):
                pass
            raise LoginFailed("Nama pengguna atau kata sandi salah.")
        now = utcnow()
        if u.locked_until is not None and _aware(u.locked_until) > now:
            try:
                _hasher.verify(_DUMMY_HASH, password or "")
            except (VerifyMismatchError, VerificationError, InvalidHashError):
                pass
            minutes = max(1, int((_aware(u.locked_until) - now).total_seconds() // 60) + 1)
            raise LoginFailed(f"Akun terkunci sementara karena terlalu banyak percobaan gagal. Coba lagi dalam {minutes} menit.")
        try:
            _hasher.verify(u.password_hash, password or "")
            ok = True
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            ok = False
        if not ok or not u.active:
            if ok and not u.active:
                raise LoginFailed("Akun ini dinonaktifkan. Hubungi admin Dinas Kominfo.")
            u.failed_logins += 1
            if u.failed_logins >= settings.lockout_attempts:
                u.locked_until = now + timedelta(minutes=settings.lockout_minutes)
                u.failed_logins = 0
                audit.record(s, Actor(username=u.username, role=u.role), "user.locked", "user", u.id, None,
                             {"locked_until": u.locked_until})
            s.add(u)
            # The failure count must persist even though we refuse: commit, then raise.
            s.commit()
            raise LoginFailed("Nama pengguna atau kata sandi salah.")
        if _hasher.check_needs_rehash(u.password_hash):
            u.password_hash = _hasher.hash(password)
        u.failed_logins = 0
        u.locked_until = None
        u.last_login_at = now
        s.add(u)
        audit.record(s, actor_of(u), "user.login", "user", u.id, None, None)
        return actor_of(u)


def session_valid(actor: Actor) -> bool:
    """False once the user was deactivated or changed password after this session began."""
    if actor.user_id is None:
        return actor.username == "system"
    with read_only() as s:
        u = s.get(User, actor.user_id)
        return u is not None and u.active and u.session_version == actor.session_version


def change_password(actor: Actor, user_id: int, new_password: str, old_password: Optional[str] = None) -> None:
    """Own password (with the old one) or, for an admin, anyone's. Ends the user's other sessions."""
    with transaction() as s:
        u = s.get(User, user_id)
        if u is None:
            raise NotFound("Pengguna tidak ditemukan.")
        if actor.user_id != user_id:
            require(actor, Perm.USERS_MANAGE)
        else:
            try:
                _hasher.verify(u.password_hash, old_password or "")
            except (VerifyMismatchError, VerificationError, InvalidHashError):
                raise ValidationError("Kata sandi lama salah.") from None
        check_password_strength(new_password, u.username)
        u.password_hash = _hasher.hash(new_password)
        u.session_version += 1
        u.locked_until = None
        u.failed_logins = 0
        s.add(u)
        audit.record(s, actor, "user.password_change", "user", u.id, None, {"session_version": u.session_version})


def set_active(actor: Actor, user_id: int, active: bool) -> None:
    require(actor, Perm.USERS_MANAGE)
    with transaction() as s:
        u = s.get(User, user_id)
        if u is None:
            raise NotFound("Pengguna tidak ditemukan.")
        if actor.user_id == user_id and not active:
            raise ValidationError("Anda tidak dapat menonaktifkan akun Anda sendiri.")
        old = u.active
        u.active = active
        u.session_version += 1
        s.add(u)
        audit.record(s, actor, "user.activate" if active else "user.deactivate", "user", u.id,
                     {"active": old}, {"active": active})


def set_role(actor: Actor, user_id: int, role: str, unit_id: Optional[int]) -> None:
    require(actor, Perm.USERS_MANAGE)
    if role not in ROLES:
        raise ValidationError(f"Peran '{role}' tidak dikenal.")
    if role == "operator_opd" and unit_id is None:
        raise ValidationError("Operator OPD harus dikaitkan dengan satu unit.")
    with transaction() as s:
        u = s.get(User, user_id)
        if u is None:
            raise NotFound("Pengguna tidak ditemukan.")
        old = {"role": u.role, "unit_id": u.unit_id}
        u.role, u.unit_id = role, unit_id
        u.session_version += 1
        s.add(u)
        audit.record(s, actor, "user.role", "user", u.id, old, {"role": role, "unit_id": unit_id})


def set_font_scale(actor: Actor, scale: int) -> None:
    if actor.user_id is None:
        return
    if scale not in (90, 100, 115, 130, 150):
        raise ValidationError("Ukuran huruf tidak dikenal.")
    with transaction() as s:
        u = s.get(User, actor.user_id)
        if u is None:
            raise NotFound("Pengguna tidak ditemukan.")
        if u.font_scale != scale:
            audit.record(s, actor, "user.font_scale", "user", u.id, {"font_scale": u.font_scale}, {"font_scale": scale})
            u.font_scale = scale
            s.add(u)


def font_scale(actor: Actor) -> int:
    if actor.user_id is None:
        return 100
    with read_only() as s:
        u = s.get(User, actor.user_id)
        return u.font_scale if u else 100


def list_users(actor: Actor) -> list[UserView]:
    require(actor, Perm.USERS_MANAGE)
    with read_only() as s:
        units = {u.id: u.name for u in s.exec(select(Unit)).all()}
        return [UserView(u.id, u.username, u.full_name, u.role, u.unit_id, units.get(u.unit_id), u.active,
                         u.locked_until, u.last_login_at)
                for u in s.exec(select(User).order_by(User.username)).all()]


def _aware(dt: datetime) -> datetime:
    from datetime import timezone

    return dt if dt.tzinfo is not None else dt.replace(tzinfo=timezone.utc)
