"""The instrument: the questions, the 1-4 scale, the aspects, the question-to-aspect mapping and
the categories. Loaded from data/instrument/, validated, and frozen into InstrumentVersion rows.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlmodel import Session, select

from . import audit
from .datafiles import fail, load_yaml
from .db import read_only, transaction
from .errors import NotFound, ValidationError
from .models import Assessment, InstrumentVersion
from .permissions import Actor, Perm, require
from scoring.assessment import AspectDef, Category

FILES = ("questions.yaml", "scale.yaml", "aspects.yaml", "mapping.yaml")


@dataclass(frozen=True)
class Instrument:
    """One version of the instrument, as plain data (what scoring/ needs, and what pages show)."""

    number: int
    questions: dict[int, str]
    scale: list[dict[str, Any]]
    aspects: list[AspectDef]
    mapping: dict[int, list[str]]
    provenance: dict[int, str]
    categories: list[Category]

    @property
    def question_count(self) -> int:
        return len(self.questions)

    def aspect(self, key: str) -> AspectDef:
        for a in self.aspects:
            if a.key == key:
                return a
        raise NotFound(f"Aspek '{key}' tidak dikenal dalam instrumen versi {self.number}.")


def read_files(base: Path | None = None) -> dict[str, Any]:
    """The instrument as the data files hold it, validated. Raises DataFileError naming the fault."""
    sub = (base / "instrument") if base else None
    raw = {name: load_yaml(name if sub else f"instrument/{name}", sub) for name in FILES}
    content = {
        "questions": (raw["questions.yaml"] or {}).get("questions"),
        "question_count": (raw["scale.yaml"] or {}).get("question_count"),
        "scale": (raw["scale.yaml"] or {}).get("scale"),
        "categories": (raw["scale.yaml"] or {}).get("categories"),
        "aspects": (raw["aspects.yaml"] or {}).get("aspects"),
        "mapping": (raw["mapping.yaml"] or {}).get("mapping"),
    }
    validate(content, files=True)
    return content


def validate(content: dict[str, Any], files: bool = False) -> None:
    """Check an instrument's content; the message names the data file when `files`."""

    def where(name: str) -> str:
        return f"instrument/{name}" if files else "instrumen"

    qs = content.get("questions")
    if not isinstance(qs, list) or not qs:
        raise fail(where("questions.yaml"), "daftar 'questions' kosong atau tidak ada.")
    expected = content.get("question_count")
    if not isinstance(expected, int) or expected < 1:
        raise fail(where("scale.yaml"), "'question_count' harus bilangan bulat positif.")
    nos = []
    for i, q in enumerate(qs, start=1):
        if not isinstance(q, dict) or not isinstance(q.get("no"), int) or not str(q.get("text") or "").strip():
            raise fail(where("questions.yaml"), f"butir ke-{i} harus punya 'no' (angka) dan 'text' (tidak kosong).")
        nos.append(q["no"])
    if len(qs) != expected:
        raise fail(where("questions.yaml"), f"berisi {len(qs)} pertanyaan, seharusnya {expected}.")
    if sorted(nos) != list(range(1, expected + 1)):
        raise fail(where("questions.yaml"), f"nomor pertanyaan harus 1 sampai {expected}, masing-masing sekali.")

    scale = content.get("scale")
    if not isinstance(scale, list) or sorted(s.get("score") for s in scale) != [1, 2, 3, 4]:
        raise fail(where("scale.yaml"), "skala harus memuat nilai 1, 2, 3 dan 4, masing-masing sekali.")

    cats = content.get("categories")
    if not isinstance(cats, list) or not cats:
        raise fail(where("scale.yaml"), "daftar 'categories' kosong atau tidak ada.")
    covered: list[int] = []
    for c in cats:
        if not all(k in c for k in ("key", "label", "min", "max")) or c["min"] > c["max"]:
            raise fail(where("scale.yaml"), f"kategori {c!r} harus punya key, label, min <= max.")
        covered += list(range(int(c["min"]), int(c["max"]) + 1))
    if sorted(covered) != [1, 2, 3, 4]:
        raise fail(where("scale.yaml"), "kategori harus mencakup nilai 1-4 tepat sekali (tanpa celah atau tumpang tindih).")

    aspects = content.get("aspects")
    if not isinstance(aspects, list) or not aspects:
        raise fail(where("aspects.yaml"), "daftar 'aspects' kosong atau tidak ada.")
    keys = [a.get("key") for a in aspects]
    if len(set(keys)) != len(keys) or not all(keys) or not all(a.get("name") for a in aspects):
        raise fail(where("aspects.yaml"), "setiap aspek harus punya 'key' yang unik dan 'name'.")

    mapping = content.get("mapping")
    if not isinstance(mapping, list):
        raise fail(where("mapping.yaml"), "daftar 'mapping' tidak ada.")
    seen: set[int] = set()
    for row in mapping:
        q = row.get("question")
        if q not in nos:
            raise fail(where("mapping.yaml"), f"pertanyaan {q!r} tidak ada dalam daftar pertanyaan.")
        if q in seen:
            raise fail(where("mapping.yaml"), f"pertanyaan {q} dipetakan dua kali.")
        seen.add(q)
        asp = row.get("aspects") or []
        if not asp:
            raise fail(where("mapping.yaml"), f"pertanyaan {q} belum dipetakan ke aspek mana pun.")
        for k in asp:
            if k not in keys:
                raise fail(where("mapping.yaml"), f"pertanyaan {q} dipetakan ke aspek '{k}' yang tidak dikenal.")
    missing = sorted(set(nos) - seen)
    if missing:
        raise fail(where("mapping.yaml"), f"pertanyaan {', '.join(map(str, missing))} belum dipetakan ke aspek.")
    empty = [a["name"] for a in aspects if not any(a["key"] in (r.get("aspects") or []) for r in mapping)]
    if empty:
        raise fail(where("mapping.yaml"), f"aspek tanpa pertanyaan: {', '.join(empty)}.")


def checksum(content: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(content, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def from_content(number: int, content: dict[str, Any]) -> Instrument:
    return Instrument(
        number=number,
        questions={int(q["no"]): str(q["text"]).strip() for q in content["questions"]},
        scale=sorted(content["scale"], key=lambda s: s["score"]),
        aspects=[
            AspectDef(key=a["key"], name=a["name"], order=int(a.get("order", i + 1)), kp=a.get("kp"))
            for i, a in enumerate(content["aspects"])
        ],
        mapping={int(r["question"]): list(r["aspects"]) for r in content["mapping"]},
        provenance={int(r["question"]): str(r.get("provenance") or "") for r in content["mapping"]},
        categories=[
            Category(key=c["key"], label=c["label"], min_score=int(c["min"]), max_score=int(c["max"]),
                     weak=bool(c.get("weak", False)))
            for c in content["categories"]
        ],
    )


# --- versions in the database --------------------------------------------------------------------

def _latest(session: Session) -> InstrumentVersion | None:
    return session.exec(select(InstrumentVersion).order_by(InstrumentVersion.number.desc())).first()


def ensure_loaded(session: Session, actor: Actor) -> InstrumentVersion:
    """Freeze the data files into a version when they differ from the latest (idempotent)."""
    content = read_files()
    latest = _latest(session)
    known = session.exec(select(InstrumentVersion).where(InstrumentVersion.checksum == checksum(content))).first()
    if latest is not None and known is not None:
        # These files were loaded before; versions made in the portal since then stay in force.
        return latest
    # New files (first start, or a deliberate change of method): they become the next version.
    version = InstrumentVersion(
        number=(latest.number + 1) if latest else 1,
        content=content,
        checksum=checksum(content),
        note="Dimuat dari berkas data/instrument" + ("" if latest is None else " (berkas berubah)"),
        created_by=actor.username,
    )
    session.add(version)
    session.flush()
    audit.record(session, actor, "instrument.load", "instrument", version.number, None,
                 {"number": version.number, "checksum": version.checksum})
    return version


def current(session: Session | None = None) -> Instrument:
    if session is None:
        with read_only() as s:
            return current(s)
    latest = _latest(session)
    if latest is None:
        raise NotFound("Instrumen belum dimuat. Jalankan `python manage.py init-db`.")
    return from_content(latest.number, latest.content)


def by_id(session: Session, version_id: int) -> Instrument:
    row = session.get(InstrumentVersion, version_id)
    if row is None:
        raise NotFound(f"Versi instrumen {version_id} tidak ada.")
    return from_content(row.number, row.content)


def current_version_id(session: Session) -> int:
    latest = _latest(session)
    if latest is None:
        raise NotFound("Instrumen belum dimuat. Jalankan `python manage.py init-db`.")
    return int(latest.id)


def list_versions() -> list[dict[str, Any]]:
    with read_only() as s:
        rows = s.exec(select(InstrumentVersion).order_by(InstrumentVersion.number)).all()
        used = {vid for vid in s.exec(select(Assessment.instrument_version_id)).all()}
        return [
            {"number": r.number, "created_by": r.created_by, "created_at": r.created_at, "note": r.note,
             "used_by_assessments": r.id in used}
            for r in rows
        ]


def save_new_version(
    actor: Actor,
    mapping: dict[int, list[str]],
    categories: list[dict[str, Any]] | None = None,
    note: str = "",
    base_number: int | None = None,
) -> int:
    """Admin edit of the mapping (and optionally the category thresholds): a new version.

    `base_number` is the version the admin was looking at; a save based on an older one is refused.
    """
    require(actor, Perm.INSTRUMENT_EDIT)
    if not note.strip():
        raise ValidationError("Catatan perubahan wajib diisi: jelaskan mengapa pemetaan/ambang diubah.")
    with transaction() as s:
        latest = _latest(s)
        if latest is None:
            raise NotFound("Instrumen belum dimuat.")
        if base_number is not None and base_number != latest.number:
            raise ValidationError(
                f"Instrumen sudah diubah menjadi versi {latest.number} oleh {latest.created_by} "
                f"sejak Anda membukanya (versi {base_number}). Muat ulang halaman lalu ulangi perubahan."
            )
        content = json.loads(json.dumps(latest.content))
        old_prov = {int(r["question"]): r.get("provenance", "") for r in content["mapping"]}
        old_map = {int(r["question"]): list(r["aspects"]) for r in content["mapping"]}
        new_rows = []
        for q in sorted(content_question_numbers(content)):
            aspects = [k for k in mapping.get(q, [])]
            prov = old_prov.get(q, "")
            if aspects != old_map.get(q):
                prov = f"diubah admin ({actor.username}) di versi {latest.number + 1}"
            new_rows.append({"question": q, "aspects": aspects, "provenance": prov})
        content["mapping"] = new_rows
        if categories is not None:
            content["categories"] = categories
        validate(content)
        if checksum(content) == latest.checksum:
            raise ValidationError("Tidak ada perubahan dibanding versi yang berlaku.")
        version = InstrumentVersion(
            number=latest.number + 1, content=content, checksum=checksum(content),
            note=note.strip(), created_by=actor.username,
        )
        s.add(version)
        s.flush()
        audit.record(s, actor, "instrument.new_version", "instrument", version.number,
                     {"number": latest.number, "mapping": latest.content["mapping"],
                      "categories": latest.content["categories"]},
                     {"number": version.number, "mapping": content["mapping"],
                      "categories": content["categories"], "note": note.strip()})
        return version.number


def content_question_numbers(content: dict[str, Any]) -> list[int]:
    return [int(q["no"]) for q in content["questions"]]
