"""Evidence (bukti dukung): an uploaded file or a link, attached to anything by owner_type/owner_id.

Files are checked for size, extension and content signature, then stored in the database.
"""
from __future__ import annotations

import hashlib
import mimetypes
from dataclasses import dataclass
from datetime import datetime
from pathlib import PurePath
from typing import Optional
from urllib.parse import urlparse

from sqlmodel import Session, select

from . import audit
from .config import get_settings
from .db import read_only
from .errors import NotFound, ValidationError
from .models import Evidence, EvidenceBlob
from .permissions import Actor

# First bytes of the allowed types: an extension alone does not make a file what it claims.
_SIGNATURES = {
    ".pdf": [b"%PDF"],
    ".png": [b"\x89PNG"],
    ".jpg": [b"\xff\xd8\xff"],
    ".jpeg": [b"\xff\xd8\xff"],
    ".docx": [b"PK\x03\x04"],
    ".xlsx": [b"PK\x03\x04"],
    ".odt": [b"PK\x03\x04"],
    ".ods": [b"PK\x03\x04"],
    ".doc": [b"\xd0\xcf\x11\xe0"],
    ".xls": [b"\xd0\xcf\x11\xe0"],
}


@dataclass(frozen=True)
class EvidenceView:
    id: int
    kind: str
    url: Optional[str]
    filename: Optional[str]
    size: Optional[int]
    uploaded_by: str
    uploaded_at: datetime

    @property
    def label(self) -> str:
        if self.kind == "link":
            return self.url or ""
        size = self.size or 0
        shown = f"{size} byte" if size < 1024 else (f"{size / 1024:.0f} KB" if size < 1024 * 1024
                                                     else f"{size / 1024 / 1024:.1f} MB")
        return f"{self.filename} ({shown})"


def check_link(url: str) -> str:
    url = (url or "").strip()
    parsed = urlparse(url)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise ValidationError(f"Tautan bukti '{url[:80]}' tidak valid: harus diawali http:// atau https://.")
    if len(url) > 1000:
        raise ValidationError("Tautan bukti terlalu panjang (maksimal 1000 karakter).")
    return url


def check_file(filename: str, data: bytes) -> str:
    """Validate an upload; returns the cleaned file name."""
    settings = get_settings()
    name = PurePath(filename or "").name.strip()
    if not name:
        raise ValidationError("Nama berkas bukti kosong.")
    ext = PurePath(name).suffix.lower()
    allowed = settings.evidence_extensions
    if ext not in allowed:
        raise ValidationError(
            f"Berkas '{name}': jenis '{ext or 'tanpa ekstensi'}' tidak diizinkan. "
            f"Jenis yang diizinkan: {', '.join(allowed)}."
        )
    limit = settings.max_evidence_mb * 1024 * 1024
    if len(data) > limit:
        raise ValidationError(
            f"Berkas '{name}' berukuran {len(data) / 1024 / 1024:.1f} MB, melebihi batas {settings.max_evidence_mb} MB."
        )
    if not data:
        raise ValidationError(f"Berkas '{name}' kosong.")
    sigs = _SIGNATURES.get(ext)
    if sigs and not any(data.startswith(sig) for sig in sigs):
        raise ValidationError(f"Berkas '{name}' bukan berkas {ext} yang sah (isinya tidak cocok dengan jenisnya).")
    return name


def add_file(s: Session, actor: Actor, owner_type: str, owner_id: int, filename: str, data: bytes) -> Evidence:
    """Store a file inside the caller's transaction (the caller has checked permissions)."""
    name = check_file(filename, data)
    ev = Evidence(
        owner_type=owner_type, owner_id=owner_id, kind="file", filename=name,
        content_type=mimetypes.guess_type(name)[0] or "application/octet-stream",
        size=len(data), sha256=hashlib.sha256(data).hexdigest(), uploaded_by=actor.username,
    )
    s.add(ev)
    s.flush()
    s.add(EvidenceBlob(evidence_id=ev.id, data=data))
    audit.record(s, actor, "evidence.add", owner_type, owner_id, None,
                 {"evidence_id": ev.id, "filename": name, "size": len(data), "sha256": ev.sha256})
    return ev


def add_link(s: Session, actor: Actor, owner_type: str, owner_id: int, url: str) -> Evidence:
    url = check_link(url)
    ev = Evidence(owner_type=owner_type, owner_id=owner_id, kind="link", url=url, uploaded_by=actor.username)
    s.add(ev)
    s.flush()
    audit.record(s, actor, "evidence.add", owner_type, owner_id, None, {"evidence_id": ev.id, "url": url})
    return ev


def remove(s: Session, actor: Actor, evidence_id: int, owner_type: str, owner_id: int) -> None:
    ev = s.get(Evidence, evidence_id)
    if ev is None or ev.owner_type != owner_type or ev.owner_id != owner_id or ev.removed:
        raise NotFound("Bukti yang akan dihapus tidak ditemukan.")
    ev.removed = True  # kept for the record; hidden from lists
    s.add(ev)
    audit.record(s, actor, "evidence.remove", owner_type, owner_id,
                 {"evidence_id": ev.id, "filename": ev.filename, "url": ev.url}, None)


def list_for(s: Session, owner_type: str, owner_ids: list[int]) -> dict[int, list[EvidenceView]]:
    out: dict[int, list[EvidenceView]] = {i: [] for i in owner_ids}
    if not owner_ids:
        return out
    rows = s.exec(
        select(Evidence).where(Evidence.owner_type == owner_type, Evidence.owner_id.in_(owner_ids),
                               Evidence.removed == False)  # noqa: E712
        .order_by(Evidence.id)
    ).all()
    for e in rows:
        out.setdefault(e.owner_id, []).append(
            EvidenceView(e.id, e.kind, e.url, e.filename, e.size, e.uploaded_by, e.uploaded_at))
    return out


def count_for(s: Session, owner_type: str, owner_id: int) -> int:
    return len(list_for(s, owner_type, [owner_id])[owner_id])


def download(evidence_id: int) -> tuple[str, str, bytes]:
    """(file name, content type, bytes) of a stored file."""
    with read_only() as s:
        ev = s.get(Evidence, evidence_id)
        blob = s.get(EvidenceBlob, evidence_id)
        if ev is None or blob is None or ev.kind != "file":
            raise NotFound("Berkas bukti tidak ditemukan.")
        return ev.filename or "bukti", ev.content_type or "application/octet-stream", bytes(blob.data)
