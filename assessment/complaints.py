"""SP4N-LAPOR! complaints: import (preview, then commit in one transaction), the status table, the
cuti bersama days, the OPD ranking for reward and punishment, a unit's detail, Tabel 2 figures and
public aggregates. The rules are in scoring/ranking.py; the design in docs/complaints.md.

Personal data (Nama Pelapor, report texts, Alasan Tunda/Arsip) is stored, but no function here
writes it to the audit log, and only `unit_detail` returns it, to an actor holding
Perm.COMPLAINTS_DETAIL for the unit (never the name of an Anonim report, nothing personal of a
Rahasia one). `public_statistics` and `figures_from_reports` return counts only.
"""
from __future__ import annotations

import hashlib
import threading
from functools import lru_cache
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Callable, Iterable, Mapping, Optional

import numpy as np
import pandas as pd
from sqlalchemy import bindparam, func, text
from sqlmodel import Session, select

from scoring import ranking as rk
from scoring.workdays import WorkCalendar

from . import audit, lapor_file, settings_store
from .config import get_settings
from .datafiles import fail, load_yaml
from .db import read_only, transaction
from .errors import ConflictError, ImportRejected, NotFound, Problem, ValidationError
from .models import (AuditLog, ComplaintReport, ComplaintSnapshot, ComplaintStatus, ComplaintStatusMap,
                     ComplaintUndo, NonWorkingDay, Unit, UnitAlias, utcnow)
from .permissions import Actor, Perm, can, require
from .units import KINDS, UnitView, _add_alias, alias_key, get_unit

STATUS_MAP_FILE = "complaints/status_map.yaml"
TIME_LIMITS_FILE = "complaints/time_limits.yaml"
CUTI_FILE = "complaints/cuti_bersama.yaml"
SYNTHETIC_LABEL = "DATA SINTETIS (demo)"
CHUNK = 20000
Progress = Callable[[float, str], None]

# --- data files -----------------------------------------------------------------------------------


def default_status_map() -> dict[str, tuple[str, str]]:
    """status key -> (raw as written, canonical state), from data/complaints/status_map.yaml."""
    data = load_yaml(STATUS_MAP_FILE) or {}
    if list(data.get("states") or []) != list(rk.STATES):
        raise fail(STATUS_MAP_FILE, f"'states' harus persis: {', '.join(rk.STATES)}.")
    out = {}
    for raw, state in (data.get("map") or {}).items():
        if state not in rk.STATES:
            raise fail(STATUS_MAP_FILE, f"status '{raw}' dipetakan ke '{state}', yang bukan status kanonik.")
        out[lapor_file.status_key(raw)] = (str(raw), state)
    if not out:
        raise fail(STATUS_MAP_FILE, "'map' kosong.")
    return out


def time_limit_catalogue() -> dict[str, Any]:
    """The time limits file, checked against the setting defaults it names (re-read when a file changes)."""
    from .config import DATA_DIR

    stamp = tuple((DATA_DIR / f).stat().st_mtime_ns for f in (TIME_LIMITS_FILE, "settings.yaml"))
    return _time_limit_catalogue(stamp)


@lru_cache(maxsize=4)
def _time_limit_catalogue(_stamp: tuple) -> dict[str, Any]:
    data = load_yaml(TIME_LIMITS_FILE) or {}
    defaults = settings_store.defaults()
    for section in ("steps", "completion"):
        rows = data.get(section)
        if not isinstance(rows, list) or not rows:
            raise fail(TIME_LIMITS_FILE, f"'{section}' harus daftar yang tidak kosong.")
        for r in rows:
            if not isinstance(r, dict) or r.get("key") not in defaults:
                raise fail(TIME_LIMITS_FILE, f"kunci '{r.get('key') if isinstance(r, dict) else r}' tidak ada di settings.yaml.")
            if defaults[r["key"]] != r.get("default"):
                raise fail(TIME_LIMITS_FILE, f"nilai bawaan '{r['key']}' ({r.get('default')}) berbeda dari settings.yaml "
                                             f"({defaults[r['key']]}).")
            if not r.get("source"):
                raise fail(TIME_LIMITS_FILE, f"'{r['key']}' tidak menyebut sumber hukumnya.")
    return data


def cuti_defaults() -> dict[int, list[tuple[date, str]]]:
    data = load_yaml(CUTI_FILE) or {}
    out: dict[int, list[tuple[date, str]]] = {}
    for year, rows in (data.get("years") or {}).items():
        for r in rows or []:
            d = r.get("date") if isinstance(r, dict) else None
            if not isinstance(d, date) or d.year != int(year):
                raise fail(CUTI_FILE, f"tahun {year}: tanggal '{d}' tidak sah atau bukan tahun {year}.")
            out.setdefault(int(year), []).append((d, str(r.get("note") or "Cuti bersama")))
    return out


# --- seed loaders (assessment/seed.py) ------------------------------------------------------------


def load_base(s: Session, actor: Actor) -> None:
    """Status map defaults (missing keys only: an admin's change is kept) and the cuti bersama years
    of the data file not seeded before. Idempotent."""
    time_limit_catalogue()
    have = set(s.exec(select(ComplaintStatusMap.key)).all())
    added = []
    for key, (raw, state) in default_status_map().items():
        if key not in have:
            s.add(ComplaintStatusMap(key=key, raw=raw, state=state, source="bawaan", updated_by=actor.username))
            added.append(raw)
    if added:
        audit.record(s, actor, "complaints.status_map_seed", "complaintstatusmap", None, None,
                     {"file": STATUS_MAP_FILE, "added": len(added)})
    seeded = set(s.exec(select(AuditLog.entity_id).where(AuditLog.action == "complaints.cuti_seed")).all())
    for year, days in cuti_defaults().items():
        if str(year) in seeded:
            continue
        for d, note in days:
            if s.get(NonWorkingDay, d) is None:
                s.add(NonWorkingDay(day=d, year=year, note=note, updated_by=actor.username))
        audit.record(s, actor, "complaints.cuti_seed", "nonworkingday", str(year), None,
                     {"file": CUTI_FILE, "days": [d.isoformat() for d, _ in days]})
    s.flush()


def load_demo(s: Session, actor: Actor) -> None:
    """The synthetic demo (two snapshots, ~70 units) once: labelled DATA SINTETIS (demo)."""
    from . import demo_complaints

    if s.exec(select(ComplaintSnapshot.id).where(ComplaintSnapshot.synthetic == True)).first() is not None:  # noqa: E712
        return
    if s.exec(select(func.count()).select_from(ComplaintStatusMap)).one() == 0:
        load_base(s, actor)
    for name, snap, data in demo_complaints.demo_files():
        parsed = lapor_file.parse(name, data, max_bytes=len(data))
        if parsed.problem_count:
            raise ImportRejected(parsed.problems, summary="Data demo tidak valid")
        index = _alias_index(s)
        unknown = {n for n in parsed.frame["instansi_name"].unique() if n and alias_key(n) not in index}
        _commit_in(s, actor, parsed, {}, {n: "new:opd" for n in unknown}, synthetic=True, label=SYNTHETIC_LABEL)


# --- rules and calendar from the settings ---------------------------------------------------------


def current_rules(s: Session | None = None) -> rk.Rules:
    if s is None:
        with read_only() as s2:
            return current_rules(s2)
    from .models import Setting

    vals = settings_store.defaults()
    for key, value in s.exec(select(Setting.key, Setting.value)).all():
        vals[key] = value
    g = vals.__getitem__
    comp: dict[str, int] = {}
    for row in time_limit_catalogue()["completion"]:
        for klas in row.get("classifications") or []:
            comp[rk.classification_key(klas)] = int(g(row["key"]))
    return rk.Rules(
        verification_days=int(g("complaints.limit.verifikasi")), follow_up_days=int(g("complaints.limit.tindak_lanjut")),
        completion_days=comp,
        weights={k: float(g(f"ranking.weight.{k}")) for k in rk.COMPONENTS},
        min_reports=int(g("ranking.min_reports")), reward_min_on_time_pct=float(g("reward.min_on_time_pct")),
        reward_max_overdue=int(g("reward.max_overdue")), version=str(g("complaints.rules_version")),
    )


def calendar(s: Session | None = None) -> WorkCalendar:
    if s is None:
        with read_only() as s2:
            return calendar(s2)
    days = tuple(s.exec(select(NonWorkingDay.day)).all())
    return WorkCalendar(days)


# --- import ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class UnknownValue:
    value: str
    count: int
    rows: tuple[int, ...]  # the first few rows (as in Excel)


@dataclass
class ImportPreview:
    filename: str
    sha256: str = ""
    size: int = 0
    kind: str = ""
    encoding: Optional[str] = None
    delimiter: Optional[str] = None
    snapshot_date: Optional[date] = None
    generated_date: Optional[date] = None
    rows: int = 0
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    problems: list[Problem] = field(default_factory=list)
    problem_count: int = 0
    warnings: list[str] = field(default_factory=list)
    unknown_statuses: list[UnknownValue] = field(default_factory=list)
    unknown_units: list[UnknownValue] = field(default_factory=list)
    absent: int = 0  # stored reports that are not in this file (a partial export)
    absent_sample: tuple[str, ...] = ()  # a few of their Tracking IDs
    absent_by_unit: list[tuple[str, int]] = field(default_factory=list)  # (unit, count), most first
    parsed: Optional[lapor_file.ParsedFile] = field(default=None, repr=False)

    @property
    def partial(self) -> bool:
        """Reports known from earlier snapshots are missing from this file: saving it needs a confirmation."""
        return self.absent > 0

    @property
    def ok(self) -> bool:
        """No fault in the file (unknown statuses and units still need mapping: see `ready`)."""
        return self.problem_count == 0 and self.parsed is not None

    def ready(self, status_mappings: Mapping[str, str] | None = None, unit_mappings: Mapping[str, Any] | None = None) -> bool:
        st = {lapor_file.status_key(k) for k in (status_mappings or {})}
        un = {alias_key(k) for k in (unit_mappings or {})}
        return self.ok and all(lapor_file.status_key(u.value) in st for u in self.unknown_statuses) \
            and all(alias_key(u.value) in un for u in self.unknown_units)

    def problems_frame(self) -> pd.DataFrame:
        return pd.DataFrame([{"Baris": "seluruh berkas" if p.row is None else str(p.row), "Kolom": p.column or "-",
                              "Masalah": p.message} for p in self.problems],
                            columns=["Baris", "Kolom", "Masalah"])


@dataclass(frozen=True)
class ImportResult:
    snapshot_id: int
    snapshot_date: date
    filename: str
    sha256: str
    rows: int
    new: int
    updated: int
    unchanged: int
    history_rows: int
    added_statuses: tuple[str, ...] = ()
    created_units: tuple[str, ...] = ()
    added_aliases: tuple[str, ...] = ()
    absent: int = 0  # stored reports not in the file (partial export, confirmed)


# Free texts and identifiers: (nearly) one value per report, hashed row by row together.
_ROW_TEXT = ("tracking_id", "reporter_name", "title", "body_initial", "body_final")
_M64 = np.uint64(0xFFFFFFFFFFFFFFFF)


def _mix64(x: np.ndarray) -> np.ndarray:
    """splitmix64's finaliser, vectorised (uint64 arithmetic wraps)."""
    with np.errstate(over="ignore"):
        x = x ^ (x >> np.uint64(30))
        x = x * np.uint64(0xBF58476D1CE4E5B9)
        x = x ^ (x >> np.uint64(27))
        x = x * np.uint64(0x94D049BB133111EB)
        return x ^ (x >> np.uint64(31))


def _h64(b: bytes) -> int:
    return int.from_bytes(hashlib.blake2b(b, digest_size=8).digest(), "big")


def _content_hash(frame: pd.DataFrame) -> np.ndarray:
    """A 64-bit hash of each row's content (to tell updated from unchanged reports), independent of how
    a column is held (text or categorical): columns with few distinct values are hashed once per value,
    dates and ratings numerically, the free texts together row by row (blake2b)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    n = len(frame)
    h = np.zeros(n, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for i, c in enumerate(x.key for x in lapor_file.catalogue().columns):
            v = frame[c]
            salt = np.uint64((0x9E3779B97F4A7C15 * (i + 1)) & 0xFFFFFFFFFFFFFFFF)
            if c in _ROW_TEXT:
                continue
            if v.dtype.kind == "M":
                col = v.to_numpy().astype("datetime64[D]").view(np.int64).astype(np.uint64)
            elif v.dtype.kind == "f":
                a = v.to_numpy(dtype=float)
                col = np.where(np.isnan(a), 0.0, a).view(np.uint64) ^ np.where(np.isnan(a), np.uint64(1), np.uint64(0))
            else:
                codes, uniques = pd.factorize(v, use_na_sentinel=True)
                vals = np.array([_h64(str(u).encode()) for u in uniques] + [0], dtype=np.uint64)
                col = vals[np.where(codes < 0, len(uniques), codes)]
            h ^= _mix64(col + salt)
        sep = pa.scalar("\x1f", type=pa.large_string())
        for start in range(0, n, 200_000):
            part = frame.iloc[start:start + 200_000]
            arrs = [pc.cast(pa.array(part[c].array if hasattr(part[c], "array") else part[c], from_pandas=True),
                            pa.large_string()) for c in _ROW_TEXT]
            arrs = [pc.fill_null(a, "") for a in arrs]
            joined = pc.binary_join_element_wise(*arrs, sep).cast(pa.large_binary()).to_pylist()
            digest = np.frombuffer(b"".join([hashlib.blake2b(b, digest_size=8).digest() for b in joined]), dtype=">u8")
            h[start:start + len(part)] ^= _mix64(digest.astype(np.uint64))
    return h.view(np.int64)


def _status_table(s: Session) -> dict[str, str]:
    return {k: v for k, v in s.exec(select(ComplaintStatusMap.key, ComplaintStatusMap.state)).all()}


def _alias_index(s: Session) -> dict[str, int]:
    out = {k: uid for k, uid in s.exec(select(UnitAlias.key, UnitAlias.unit_id)).all()}
    for uid, name in s.exec(select(Unit.id, Unit.name)).all():
        out.setdefault(alias_key(name), uid)
    return out


def _unknowns(values: pd.Series, rows: pd.Series, known: Callable[[str], bool]) -> list[UnknownValue]:
    """The distinct values `known` refuses, with their count and first rows (checked once per value)."""
    bad = sorted(str(v) for v in pd.unique(values) if v is not None and v == v and str(v) and not known(str(v)))
    if not bad:
        return []
    mask = values.isin(bad).to_numpy()
    df = pd.DataFrame({"v": values[mask].astype(object).to_numpy(), "row": rows.to_numpy()[mask]})
    return [UnknownValue(v, len(g), tuple(int(r) for r in g["row"].iloc[:10])) for v, g in df.groupby("v", sort=True)]


def _latest_snapshot(s: Session) -> Optional[ComplaintSnapshot]:
    return s.exec(select(ComplaintSnapshot).order_by(ComplaintSnapshot.snapshot_date.desc(),
                                                     ComplaintSnapshot.id.desc())).first()


ORDER_REASON = ("Snapshot harus diimpor menurut urutan tanggalnya: riwayat status tiap laporan (kapan mulai "
                "ditindaklanjuti, sampai kapan masih menunggu) dibangun dari snapshot yang berurutan, sehingga snapshot "
                "yang lebih awal tidak dapat disisipkan sesudahnya.")


def _order_problems(s: Session, parsed: lapor_file.ParsedFile) -> list[Problem]:
    """The same file again (checksum against every snapshot), a second snapshot of the same date, or one
    older than the latest: one problem, the most specific."""
    same = s.exec(select(ComplaintSnapshot).where(ComplaintSnapshot.sha256 == parsed.sha256)
                  .order_by(ComplaintSnapshot.id)).first()
    if same is not None:
        return [Problem(f"berkas ini sudah diimpor: isinya sama persis (sha256) dengan snapshot "
                        f"{lapor_file.fmt_date(same.snapshot_date)} (impor #{same.id}, berkas '{same.filename}'). "
                        "Tidak perlu diimpor lagi.", None, None, parsed.filename)]
    if parsed.snapshot_date is None:
        return []
    dup = s.exec(select(ComplaintSnapshot).where(ComplaintSnapshot.snapshot_date == parsed.snapshot_date)).first()
    if dup is not None:
        return [Problem(f"sudah ada snapshot bertanggal {lapor_file.fmt_date(parsed.snapshot_date)} (impor #{dup.id}, "
                        f"berkas '{dup.filename}'): satu tanggal hanya satu snapshot. Bila snapshot itu keliru dan "
                        "merupakan yang terakhir, hapus dulu di Impor Data LAPOR! > Riwayat snapshot, lalu impor "
                        "berkas ini.", None, "Tanggal Generate", parsed.filename)]
    latest = _latest_snapshot(s)
    if latest is not None and parsed.snapshot_date < latest.snapshot_date:
        return [Problem(f"tanggal snapshot {lapor_file.fmt_date(parsed.snapshot_date)} lebih awal daripada snapshot "
                        f"terakhir ({lapor_file.fmt_date(latest.snapshot_date)}). {ORDER_REASON} Bila snapshot "
                        f"{lapor_file.fmt_date(latest.snapshot_date)} keliru, hapus dulu di Riwayat snapshot.",
                        None, "Tanggal Generate", parsed.filename)]
    return []


_EXISTING_COLS = ["id", "tracking_id", "content_hash", "status_raw", "status_key", "unit_id", "state",
                  "first_snapshot_id", "first_seen_date", "last_snapshot_id", "last_seen_date", "followed_up_seen_date",
                  "waiting_seen_date"]


def _existing(s: Session, tracking_ids: pd.Series) -> pd.DataFrame:
    """The stored reports among `tracking_ids` (the columns an upsert needs)."""
    total = s.exec(select(func.count()).select_from(ComplaintReport)).one()
    cols = ", ".join(_EXISTING_COLS)
    if total == 0:
        return pd.DataFrame({c: pd.Series([], dtype="Int64" if c == "content_hash" else object) for c in _EXISTING_COLS})
    ids = tracking_ids.to_numpy(dtype=object)
    if len(ids) * 4 < total:
        q = text(f"SELECT {cols} FROM complaintreport WHERE tracking_id IN :ids").bindparams(
            bindparam("ids", expanding=True))
        rows = []
        for i in range(0, len(ids), 900):
            rows.extend(s.connection().execute(q, {"ids": list(ids[i:i + 900])}).all())
    else:
        rows = s.connection().execute(text(f"SELECT {cols} FROM complaintreport")).all()
    df = _records(rows, _EXISTING_COLS)
    df["tracking_id"] = df["tracking_id"].astype(str)
    df["content_hash"] = df["content_hash"].astype("Int64")  # stays exact through a left merge (no float)
    return df


def preview_import(actor: Actor, filename: str, data: bytes, snapshot_date: date | None = None,
                   max_bytes: int | None = None) -> ImportPreview:
    """Read the file and compare it with the database, writing nothing."""
    require(actor, Perm.COMPLAINTS_IMPORT)
    try:
        parsed = lapor_file.parse(filename, data, snapshot_date, max_bytes)
    except ImportRejected as exc:
        return ImportPreview(filename=filename, size=len(data), problems=list(exc.problems),
                             problem_count=len(exc.problems))
    f = parsed.frame
    pv = ImportPreview(filename=parsed.filename, sha256=parsed.sha256, size=parsed.size, kind=parsed.kind,
                       encoding=parsed.encoding, delimiter=parsed.delimiter, snapshot_date=parsed.snapshot_date,
                       generated_date=parsed.generated_date, rows=len(f), problems=list(parsed.problems),
                       problem_count=parsed.problem_count, warnings=list(parsed.warnings), parsed=parsed)
    with read_only() as s:
        extra = _order_problems(s, parsed)
        pv.problems = extra + pv.problems
        pv.problem_count += len(extra)
        smap = _status_table(s)
        pv.unknown_statuses = _unknowns(f["status_raw"], f["row"], lambda v: lapor_file.status_key(v) in smap)
        index = _alias_index(s)
        pv.unknown_units = _unknowns(f["instansi_name"], f["row"], lambda v: alias_key(v) in index)
        if "content_hash" not in f:
            f["content_hash"] = _content_hash(f)
        ex = _existing(s, f["tracking_id"])
        m = f[["tracking_id", "content_hash"]].merge(ex[["tracking_id", "content_hash"]], on="tracking_id",
                                                      how="left", suffixes=("", "_db"))
        known = m["content_hash_db"].notna().to_numpy()
        pv.new = int((~known).sum())
        same = m["content_hash_db"].fillna(0).astype(np.int64).to_numpy() == m["content_hash"].to_numpy()
        pv.unchanged = int((known & same).sum())
        pv.updated = int(known.sum()) - pv.unchanged
        _absent(s, pv, f["tracking_id"], int(known.sum()))
    return pv


def _absent(s: Session, pv: ImportPreview, tracking_ids: pd.Series, known: int) -> None:
    """Stored reports missing from the file: how many, a few Tracking IDs, and per unit (scans the two
    narrow columns only when there are some)."""
    total = int(s.exec(select(func.count()).select_from(ComplaintReport)).one())
    pv.absent = total - known
    if pv.absent <= 0:
        pv.absent = 0
        return
    rows = s.connection().execute(text("SELECT tracking_id, unit_id FROM complaintreport ORDER BY id")).all()
    df = pd.DataFrame(rows, columns=["tracking_id", "unit_id"])
    miss = df[~df["tracking_id"].astype(str).isin(set(tracking_ids.astype(str)))]
    pv.absent_sample = tuple(miss["tracking_id"].astype(str).head(5))
    names, _ = _unit_names(s)
    counts = miss["unit_id"].map(lambda u: "(belum didisposisi)" if pd.isna(u) else names.get(int(u), f"unit #{int(u)}"))
    vc = counts.value_counts()
    pv.absent_by_unit = sorted(((str(k), int(v)) for k, v in vc.items()), key=lambda kv: (-kv[1], kv[0].casefold()))


def _check_mappings(status_mappings: Mapping[str, str], unit_mappings: Mapping[str, Any]) -> None:
    for raw, state in status_mappings.items():
        if state not in rk.STATES:
            raise ValidationError(f"Status '{raw}' dipetakan ke '{state}', yang bukan status kanonik "
                                  f"({', '.join(rk.STATES)}).")
    for name, target in unit_mappings.items():
        if isinstance(target, str) and target.startswith("new:"):
            if target[4:] not in KINDS:
                raise ValidationError(f"Unit baru untuk '{name}': jenis '{target[4:]}' tidak dikenal "
                                      f"({', '.join(KINDS)}).")
        elif not isinstance(target, (int, np.integer)):
            raise ValidationError(f"Instansi '{name}' harus dipetakan ke id unit atau 'new:<jenis>'.")


def commit_import(actor: Actor, filename: str, data: bytes | None, snapshot_date: date | None = None,
                  status_mappings: Mapping[str, str] | None = None, unit_mappings: Mapping[str, Any] | None = None,
                  progress: Progress | None = None, parsed: lapor_file.ParsedFile | None = None,
                  max_bytes: int | None = None, allow_partial: bool = False) -> ImportResult:
    """Write the snapshot, the reports, their history and the new mappings/aliases in ONE transaction,
    or nothing (ImportRejected / ValidationError). `parsed` (the preview's) avoids reading twice; with
    it, `data` may be None (the page then need not keep the file's bytes). A file that lacks reports
    stored from earlier snapshots (a partial export) is refused unless `allow_partial`."""
    require(actor, Perm.COMPLAINTS_IMPORT)
    status_mappings = dict(status_mappings or {})
    unit_mappings = dict(unit_mappings or {})
    _check_mappings(status_mappings, unit_mappings)
    if data is None:  # the preview's reading, without keeping the file's bytes around
        if parsed is None:
            raise ValidationError("Tidak ada berkas untuk diimpor.")
    elif parsed is None or parsed.sha256 != hashlib.sha256(data).hexdigest() or \
            (snapshot_date and parsed.snapshot_date != snapshot_date):
        parsed = lapor_file.parse(filename, data, snapshot_date, max_bytes)
    del data
    if parsed.problem_count:
        raise ImportRejected(parsed.problems, summary=f"Berkas '{parsed.filename}' ditolak ({parsed.problem_count} masalah); "
                                                      "tidak ada yang disimpan")
    with transaction() as s:
        result = _commit_in(s, actor, parsed, status_mappings, unit_mappings, progress=progress,
                            allow_partial=allow_partial)
    _clear_caches()
    return result


def _release_memory() -> None:
    """Hand pyarrow's freed buffers back to the system (a million-row import allocates a lot, briefly)."""
    import pyarrow as pa

    pa.default_memory_pool().release_unused()


def _placeholder(conn) -> Optional[str]:
    style = conn.dialect.paramstyle
    return "?" if style == "qmark" else "%s" if style in ("format", "pyformat") else None


def _executemany(conn, sql_qmark: str, rows: Iterable[tuple]) -> None:
    """executemany on the driver's cursor of this transaction's connection (fast path): `sql_qmark` uses
    ? placeholders. `rows` may be an iterator: each tuple is then made, bound and freed in turn (no list of
    a chunk's tuples kept alive, which would also keep Python's garbage collector busy)."""
    ph = _placeholder(conn)
    if ph is None:  # pragma: no cover - drivers with named parameters
        raise RuntimeError(f"paramstyle {conn.dialect.paramstyle} tidak didukung untuk impor massal")
    if isinstance(rows, (list, tuple)) and not rows:
        return
    cur = conn.connection.cursor()  # the DBAPI cursor of the same connection: same transaction
    try:
        cur.executemany(sql_qmark if ph == "?" else sql_qmark.replace("?", ph), rows)
    finally:
        cur.close()


def _db_dates(values: np.ndarray, sqlite: bool, null: Any = None) -> list:
    """datetime64 values -> what the driver takes: ISO text on SQLite, date objects elsewhere; `null` for NaT.
    Converted once per distinct date (a chunk holds a few hundred at most)."""
    a = np.asarray(values).astype("datetime64[D]")
    codes, uniq = pd.factorize(a.view(np.int64), use_na_sentinel=False)
    days = uniq.astype("datetime64[D]")
    conv = np.datetime_as_string(days, unit="D").astype(object) if sqlite else days.astype(object)
    conv[np.isnat(days)] = null
    return conv[codes].tolist()


def _db_text(values: pd.Series, empty_as_none: bool = True, null: Any = None) -> list:
    """Text values; with `empty_as_none`, '' and missing values become `null`."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if isinstance(values.dtype, pd.CategoricalDtype):  # once per category, then a C-level take
        cats = values.cat.categories.astype(object).to_numpy()
        table = np.append(cats, null if empty_as_none else None)
        if empty_as_none:
            table[table == ""] = null
        codes = values.cat.codes.to_numpy()
        return table[np.where(codes < 0, len(cats), codes)].tolist()
    a = pa.array(values.array if hasattr(values, "array") else values, from_pandas=True)
    if not pa.types.is_string(a.type) and not pa.types.is_large_string(a.type):
        a = a.cast(pa.large_string())
    if empty_as_none:
        a = pc.fill_null(a, "") if null == "" else pc.if_else(pc.equal(a, ""), pa.scalar(null, a.type), a)
    return a.to_pylist()


def _db_num(values: np.ndarray, as_int: bool = False, null: Any = None) -> list:
    import pyarrow as pa

    if null is not None:  # NaN -> the sentinel, then plain numbers (no None at all)
        a = np.asarray(values, dtype=float)
        a = np.where(np.isnan(a), null, a)
        return (a.astype(np.int64) if as_int else a).tolist()
    a = pa.array(np.asarray(values, dtype=float), from_pandas=True)
    return (a.cast(pa.int64()) if as_int else a).to_pylist()


def _db_int(values) -> list:
    return np.asarray(values, dtype=np.int64).tolist()


# On SQLite, NULLs are bound as a sentinel that the statement turns back into NULL (NULLIF): binding
# Python's None costs sqlite3 a lookup for an adapter each time (about 0.7 microseconds), binding '' or
# -1 does not; a million reports hold some 8 million empty fields. The sentinels cannot be real values:
# these text columns store '' as NULL anyway, unit ids are positive and ratings are 1-5.
_NULL_TEXT, _NULL_INT, _NULL_REAL = "", -1, -1.0


_TEXT_COLS = ["report_time", "reporter_name", "category_id", "category", "title", "body_initial", "body_final",
              "channel", "parent_instansi", "instansi_id", "instansi_name", "hold_reason", "province", "city",
              "district", "village", "sk_number", "sk_url", "annual_report_url", "setwapres"]
_DATE_COLS = ["report_date", "disposition_date", "follow_up_date", "completion_date", "first_seen_date",
              "last_seen_date", "followed_up_seen_date", "waiting_seen_date"]
REPORT_COLS = (["id", "tracking_id", "year", "classification", "report_type", "status_raw", "status_key", "state",
                "unit_id", "rating", "first_snapshot_id", "last_snapshot_id", "content_hash"] + _TEXT_COLS + _DATE_COLS)
# the same for every report of one import: written as SQL literals, not as per-row parameters
_CONSTANT_COLS = ("first_snapshot_id", "last_snapshot_id", "first_seen_date", "last_seen_date")


def _report_rows(f: pd.DataFrame, sqlite: bool, order: list[str], rows: np.ndarray | None = None
                 ) -> Iterable[tuple[int, Iterable[tuple]]]:
    """Chunks of DB tuples with the columns in `order`, for the rows at positions `rows` (default all):
    (number of rows, an iterator of tuples)."""
    n = len(f) if rows is None else len(rows)
    f = f[[c for c in order if c in f]]  # only the columns written (a view)
    contiguous = rows is None or (n > 0 and int(rows[-1]) - int(rows[0]) + 1 == n)
    first = 0 if rows is None or n == 0 else int(rows[0])
    nt, ni, nr = (_NULL_TEXT, _NULL_INT, _NULL_REAL) if sqlite else (None, None, None)
    for start in range(0, n, CHUNK):
        p = f.iloc[first + start:first + start + CHUNK] if contiguous else f.iloc[rows[start:start + CHUNK]]
        conv = {
            "id": lambda: _db_int(p["id"]), "year": lambda: _db_int(p["year"]),
            "tracking_id": lambda: _db_text(p["tracking_id"], empty_as_none=False),
            "classification": lambda: _db_text(p["classification"], empty_as_none=False),
            "report_type": lambda: _db_text(p["report_type"], empty_as_none=False),
            "status_raw": lambda: _db_text(p["status_raw"], empty_as_none=False),
            "status_key": lambda: _db_text(p["status_key"], empty_as_none=False),
            "state": lambda: _db_text(p["state"], empty_as_none=False),
            "unit_id": lambda: _db_num(p["unit_id"], as_int=True, null=ni),
            "rating": lambda: _db_num(p["rating"], null=nr),
            "first_snapshot_id": lambda: _db_int(p["first_snapshot_id"]),
            "last_snapshot_id": lambda: _db_int(p["last_snapshot_id"]),
            "content_hash": lambda: _db_int(p["content_hash"]),
        }
        cols = []
        for c in order:
            if c in conv:
                cols.append(conv[c]())
            elif c in _DATE_COLS:
                cols.append(_db_dates(p[c].to_numpy(), sqlite, null=nt))
            else:
                cols.append(_db_text(p[c], null=nt))
        yield len(p), zip(*cols)


def _report_params(order: list[str], sqlite: bool) -> list[str]:
    """The SQL for each parameter of `_report_rows(..., order)`: on SQLite the nullable columns' sentinels
    are turned back into NULL."""
    if not sqlite:
        return ["?"] * len(order)
    sentinel = {"unit_id": str(_NULL_INT), "rating": repr(_NULL_REAL)}
    return [f"NULLIF(?, {sentinel[c]})" if c in sentinel else
            "NULLIF(?, '')" if c in _DATE_COLS or c in _TEXT_COLS else "?" for c in order]


def _commit_in(s: Session, actor: Actor, parsed: lapor_file.ParsedFile, status_mappings: Mapping[str, str],
               unit_mappings: Mapping[str, Any], synthetic: bool = False, label: str | None = None,
               progress: Progress | None = None, allow_partial: bool = True) -> ImportResult:
    say = progress or (lambda _f, _m: None)
    S = parsed.snapshot_date
    problems = _order_problems(s, parsed)
    if problems:
        raise ImportRejected(problems, summary=f"Berkas '{parsed.filename}' ditolak; tidak ada yang disimpan")
    conn = s.connection()
    sqlite = conn.dialect.name == "sqlite"
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(4107)"))  # one import at a time
    if sqlite:  # a bigger page cache and in-memory sorting for this import's indexes (this connection only)
        conn.exec_driver_sql("PRAGMA cache_size=-131072")  # temp_store=MEMORY is set on connect (db.py)
    f = parsed.frame
    if not f["tracking_id"].is_monotonic_increasing:  # inserts in key order keep the indexes' B-trees cheap
        f = f.iloc[np.lexsort((f["tracking_id"].to_numpy(dtype=object),
                               f["tracking_id"].str.len().to_numpy()))].reset_index(drop=True)
    else:
        f = f.copy(deep=False)  # copy-on-write: new columns here never touch the preview's frame
    say(0.02, "Mencocokkan status dan instansi")

    # statuses: the table plus the mappings given now (never guessed)
    smap = _status_table(s)
    added_statuses = []
    for raw, state in status_mappings.items():
        key = lapor_file.status_key(raw)
        if key not in smap:
            s.add(ComplaintStatusMap(key=key, raw=" ".join(str(raw).split()), state=state, source="impor",
                                     updated_by=actor.username))
            audit.record(s, actor, "complaints.status_map_add", "complaintstatusmap", key, None,
                         {"raw": raw, "state": state, "via": parsed.filename})
            smap[key] = state
            added_statuses.append(str(raw))
    keys_u = pd.unique(f["status_key"])
    f["state"] = f["status_key"].map({k: smap.get(lapor_file.status_key(k)) for k in keys_u})
    missing = f[f["state"].isna()]
    if len(missing):
        raise ImportRejected([Problem(f"status '{u.value}' belum dipetakan ke status kanonik ({u.count} baris, "
                                      f"mis. baris {', '.join(map(str, u.rows))}).", u.rows[0], "Status Laporan",
                                      parsed.filename)
                              for u in _unknowns(missing["status_raw"], missing["row"], lambda v: False)],
                             summary="Status yang belum dikenal harus dipetakan dulu; tidak ada yang disimpan")

    # units: the alias table plus the mappings given now
    index = _alias_index(s)
    created, aliased = [], []
    for name, target in unit_mappings.items():
        key = alias_key(name)
        if not name or key in index:
            continue
        if isinstance(target, str):
            u = Unit(name=" ".join(name.split())[:200], kind=target[4:], confirmed=False,
                     note=("Unit sintetis dari data demo." if synthetic else
                           f"Dibuat saat impor LAPOR! ({parsed.filename}); periksa dan konfirmasi."))
            s.add(u)
            s.flush()
            _add_alias(s, u, u.name)
            _add_alias(s, u, name)
            audit.record(s, actor, "unit.create", "unit", u.id, None,
                         {"name": u.name, "kind": u.kind, "confirmed": False, "via": parsed.filename})
            created.append(u.name)
        else:
            u = s.get(Unit, int(target))
            if u is None:
                raise NotFound(f"Unit dengan id {target} (untuk instansi '{name}') tidak ada.")
            _add_alias(s, u, name)
            audit.record(s, actor, "unit.alias_add", "unit", u.id, None, {"alias": name, "via": parsed.filename})
            aliased.append(name)
        index[key] = int(u.id)
    names_u = pd.unique(f["instansi_name"])
    unit_of = {n: index.get(alias_key(n), np.nan) for n in names_u}  # once per distinct name
    f["unit_id"] = f["instansi_name"].map(unit_of).astype(float)
    f.loc[f["instansi_name"] == "", "unit_id"] = np.nan
    unmatched = f[f["unit_id"].isna() & (f["instansi_name"] != "")]
    if len(unmatched):
        raise ImportRejected([Problem(f"instansi '{u.value}' belum dicocokkan dengan unit ({u.count} baris, mis. baris "
                                      f"{', '.join(map(str, u.rows))}): pilih unitnya atau buat unit baru.",
                                      u.rows[0], "Instansi Terdisposisi", parsed.filename)
                              for u in _unknowns(unmatched["instansi_name"], unmatched["row"], lambda v: False)],
                             summary="Instansi yang belum dikenal harus dicocokkan dulu; tidak ada yang disimpan")

    # the snapshot row first (on SQLite this takes the write lock before ids are handed out)
    snap = ComplaintSnapshot(snapshot_date=S, generated_date=parsed.generated_date, filename=parsed.filename[:255],
                             sha256=parsed.sha256, kind="demo" if synthetic else parsed.kind, rows=len(f),
                             synthetic=synthetic, label=label, imported_by=actor.username)
    s.add(snap)
    s.flush()
    sid = int(snap.id)
    say(0.05, "Membandingkan dengan data tersimpan")
    if "content_hash" not in f:
        f["content_hash"] = _content_hash(f)
    ex = _existing(s, f["tracking_id"])
    pos = pd.Index(ex["tracking_id"].to_numpy(dtype=object)).get_indexer(f["tracking_id"].to_numpy(dtype=object)) \
        if len(ex) else np.full(len(f), -1)
    hit = pos >= 0
    total_stored = int(s.exec(select(func.count()).select_from(ComplaintReport)).one())
    absent = total_stored - int(hit.sum())
    if absent > 0 and not allow_partial:
        raise ValidationError(f"Berkas '{parsed.filename}' tidak memuat {absent:,} laporan yang sudah tersimpan dari "
                              "snapshot sebelumnya (ekspor sebagian). Centang konfirmasi ekspor sebagian (atau "
                              "--allow-partial di baris perintah) bila memang itu yang dimaksud; tidak ada yang "
                              "disimpan.".replace(",", "."))
    for c in _EXISTING_COLS:  # the stored values, aligned with the file's rows (no merge: no copy of the frame)
        if c == "tracking_id":
            continue
        src = ex[c].to_numpy(dtype=object) if c in ("status_raw", "status_key", "state") else \
            (ex[c].to_numpy(dtype="datetime64[D]") if c in _DATE_NAMES else ex[c].to_numpy(dtype=float))
        empty = None if src.dtype == object else (np.datetime64("NaT") if src.dtype.kind == "M" else np.nan)
        col = np.full(len(f), empty, dtype=src.dtype)
        if hit.any():
            col[hit] = src[pos[hit]]
        f[f"db_{c}"] = col
    known = hit
    db_hash = np.zeros(len(f), dtype=np.int64)
    if hit.any():
        db_hash[hit] = ex["content_hash"].to_numpy(dtype=np.int64)[pos[hit]]
    same = known & (f["content_hash"].to_numpy() == db_hash)
    changed = known & ~same
    fu_states = list(rk.FOLLOWED_UP_STATES)
    s64 = np.datetime64(S, "D")
    nat = np.datetime64("NaT")
    state = f["state"].to_numpy(dtype=object)
    is_fu = np.isin(state, fu_states)
    is_wait = state == rk.MENUNGGU
    prev_fu = pd.to_datetime(f["db_followed_up_seen_date"]).to_numpy().astype("datetime64[D]")
    prev_wait = pd.to_datetime(f["db_waiting_seen_date"]).to_numpy().astype("datetime64[D]")
    prev_last = pd.to_datetime(f["db_last_seen_date"]).to_numpy().astype("datetime64[D]")
    f["followed_up_seen_date"] = np.where(~np.isnat(prev_fu), prev_fu, np.where(is_fu, s64, nat))
    f["waiting_seen_date"] = np.where(~np.isnat(prev_fu) | is_fu, prev_wait, np.where(is_wait, s64, prev_wait))
    f["first_seen_date"] = s64
    f["last_seen_date"] = s64
    f["first_snapshot_id"] = sid
    f["last_snapshot_id"] = sid
    f["year"] = pd.to_datetime(f["report_date"]).dt.year
    n_new = int((~known).sum())

    # new reports: ids handed out here so that the history rows can point at them
    nxt = s.connection().execute(text("SELECT MAX(id) FROM complaintreport")).scalar() or 0
    ids = np.zeros(len(f), dtype=np.int64)
    ids[~known] = np.arange(nxt + 1, nxt + 1 + n_new, dtype=np.int64)
    ids[known] = f.loc[known, "db_id"].to_numpy(dtype=float).astype(np.int64)
    f["id"] = ids
    # The indexes stay during the inserts: the rows go in in Tracking ID order (the unique index grows at its
    # end) and (unit_id, year) has a few hundred keys; dropping them and building them again after a first
    # import of 1M rows was measured no cheaper in CPU and slower in time (two more scans of the table).
    param_cols = [c for c in REPORT_COLS if c not in _CONSTANT_COLS]
    literal = {"first_snapshot_id": str(sid), "last_snapshot_id": str(sid), "first_seen_date": f"'{S.isoformat()}'",
               "last_seen_date": f"'{S.isoformat()}'"}  # generated here, never user text
    cols_sql = ", ".join(param_cols + list(_CONSTANT_COLS))
    values_sql = ", ".join(_report_params(param_cols, sqlite) + [literal[c] for c in _CONSTANT_COLS])
    ins = f"INSERT INTO complaintreport ({cols_sql}) VALUES ({values_sql})"
    done = 0
    total_work = max(len(f) + n_new + int(changed.sum()), 1)
    for k, rows in _report_rows(f, sqlite, param_cols, np.flatnonzero(~known)):
        _executemany(conn, ins, rows)
        done += k
        say(0.05 + 0.85 * done / total_work, f"Menyimpan laporan baru ({done:,} dari {n_new:,})".replace(",", "."))
    if n_new and conn.dialect.name == "postgresql":
        conn.execute(text("SELECT setval(pg_get_serial_sequence('complaintreport', 'id'), "
                          "(SELECT MAX(id) FROM complaintreport))"))

    # what this import overwrites, so that the snapshot can be removed again (delete_latest_snapshot)
    ch_ids = f.loc[changed, "db_id"].astype(np.int64).to_numpy()
    qf = text(f"SELECT {', '.join(REPORT_COLS)} FROM complaintreport WHERE id IN :ids").bindparams(
        bindparam("ids", expanding=True))
    old_rows: list = []
    for i in range(0, len(ch_ids), 900):
        old_rows.extend(conn.execute(qf, {"ids": ch_ids[i:i + 900].tolist()}).all())
    touched = pd.DataFrame({"id": f.loc[same, "db_id"].astype(np.int64).to_numpy(),
                            "last_snapshot_id": f.loc[same, "db_last_snapshot_id"].astype(np.int64).to_numpy(),
                            "last_seen_date": f.loc[same, "db_last_seen_date"].to_numpy(dtype="datetime64[D]"),
                            "waiting_seen_date": f.loc[same, "db_waiting_seen_date"].to_numpy(dtype="datetime64[D]")})
    s.add(ComplaintUndo(snapshot_id=sid, changed=_rows_ipc(old_rows, REPORT_COLS), touched=_ipc(touched)))
    del old_rows, touched

    # changed reports: every field, keeping what the earlier snapshots established
    set_cols = [c for c in REPORT_COLS if c not in ("id", "first_snapshot_id", "first_seen_date")]
    upd = (f"UPDATE complaintreport SET {', '.join(f'{c} = {v}' for c, v in zip(set_cols, _report_params(set_cols, sqlite)))}"
           " WHERE id = ?")
    for k, rows in _report_rows(f, sqlite, set_cols + ["id"], np.flatnonzero(changed)):
        _executemany(conn, upd, rows)
        done += k
        say(0.05 + 0.85 * done / total_work, "Memperbarui laporan yang berubah")

    # unchanged reports: seen again
    seen = f.loc[same, "db_id"].astype(np.int64).to_numpy()
    d_sql = S.isoformat() if sqlite else S
    touch = ("UPDATE complaintreport SET last_snapshot_id = ?, last_seen_date = ?, waiting_seen_date = CASE WHEN "
             "followed_up_seen_date IS NULL AND state = ? THEN ? ELSE waiting_seen_date END WHERE id = ?")
    for i in range(0, len(seen), CHUNK):
        _executemany(conn, touch, ((sid, d_sql, rk.MENUNGGU, d_sql, x) for x in seen[i:i + CHUNK].tolist()))
        done += len(seen[i:i + CHUNK])
        say(0.05 + 0.85 * done / total_work, "Mencatat laporan yang tidak berubah")

    # Status history, change-only and lazy: a report seen once has no history row (its first sighting is
    # the report itself: first snapshot, current status). At its first change both the first sighting and
    # the change are written; later changes add one row each.
    moved = changed & ((f["status_key"].to_numpy(dtype=object) != f["db_status_key"].to_numpy(dtype=object))
                       | ~np.isclose(f["unit_id"].fillna(-1).to_numpy(dtype=float),
                                     f["db_unit_id"].astype(float).fillna(-1).to_numpy(dtype=float)))
    mv = f.loc[moved]
    mv_ids = mv["db_id"].astype(np.int64).to_numpy()
    with_hist: set[int] = set()
    q = text("SELECT DISTINCT report_id FROM complaintstatus WHERE report_id IN :ids").bindparams(
        bindparam("ids", expanding=True))
    for i in range(0, len(mv_ids), 900):
        with_hist.update(int(r[0]) for r in conn.execute(q, {"ids": mv_ids[i:i + 900].tolist()}).all())
    first = mv.loc[np.array([int(x) not in with_hist for x in mv_ids], dtype=bool)]
    hist = pd.concat([
        pd.DataFrame({"report_id": first["db_id"].astype(np.int64).to_numpy(),
                      "snapshot_id": first["db_first_snapshot_id"].astype(np.int64).to_numpy(),
                      "snapshot_date": first["db_first_seen_date"].to_numpy(),
                      "status_raw": first["db_status_raw"].to_numpy(dtype=object),
                      "status_key": first["db_status_key"].to_numpy(dtype=object),
                      "state": first["db_state"].to_numpy(dtype=object),
                      "unit_id": first["db_unit_id"].to_numpy(dtype=float),
                      "prev_seen_date": np.full(len(first), nat, dtype="datetime64[D]")}),
        pd.DataFrame({"report_id": mv_ids, "snapshot_id": np.full(len(mv), sid), "snapshot_date": np.full(len(mv), s64),
                      "status_raw": mv["status_raw"].to_numpy(dtype=object),
                      "status_key": mv["status_key"].to_numpy(dtype=object),
                      "state": mv["state"].to_numpy(dtype=object), "unit_id": mv["unit_id"].to_numpy(dtype=float),
                      "prev_seen_date": prev_last[moved]}),
    ], ignore_index=True)
    hsql = ("INSERT INTO complaintstatus (report_id, snapshot_id, snapshot_date, status_raw, status_key, state, unit_id, "
            "prev_seen_date) VALUES (?, ?, ?, ?, ?, ?, "
            + (f"NULLIF(?, {_NULL_INT}), NULLIF(?, '')" if sqlite else "?, ?") + ")")
    ni, nt = (_NULL_INT, _NULL_TEXT) if sqlite else (None, None)
    for i in range(0, len(hist), CHUNK):
        p = hist.iloc[i:i + CHUNK]
        rows = zip(_db_int(p["report_id"]), _db_int(p["snapshot_id"]), _db_dates(p["snapshot_date"].to_numpy(), sqlite),
                   p["status_raw"].tolist(), p["status_key"].tolist(), p["state"].tolist(),
                   _db_num(p["unit_id"].to_numpy(), as_int=True, null=ni),
                   _db_dates(p["prev_seen_date"].to_numpy(), sqlite, null=nt))
        _executemany(conn, hsql, rows)
    # the ranking's aggregates for the new snapshot, every year (the snapshot date moved for all of them)
    say(0.93, "Menghitung peringkat")
    _release_memory()
    rules, cal = current_rules(s), calendar(s)
    mine = pd.DataFrame({
        "tracking_id": f["tracking_id"], "unit_id": f["unit_id"].to_numpy(dtype=float),
        "state": f["state"], "classification": f["classification"],
        "category": f["category"], "report_date": f["report_date"].to_numpy(),
        "disposition_date": f["disposition_date"].to_numpy(), "follow_up_date": f["follow_up_date"].to_numpy(),
        "followed_up_seen": f["followed_up_seen_date"].to_numpy(), "waiting_seen": f["waiting_seen_date"].to_numpy(),
        "rating": f["rating"].to_numpy(dtype=float), "year": f["year"].to_numpy(),
    })
    rest = _records(conn.execute(text(f"SELECT {', '.join(_NARROW)}, year FROM complaintreport "
                                      "WHERE last_snapshot_id <> :sid"), {"sid": sid}).all(), _NARROW + ["year"])
    if len(rest):
        rest = rest.drop(columns="id").rename(columns={"followed_up_seen_date": "followed_up_seen",
                                                      "waiting_seen_date": "waiting_seen"})
        mine = pd.concat([mine, rest], ignore_index=True)
    years = mine["year"].to_numpy()
    cap, cap_c = _caps(rules)
    for year in np.unique(years):
        idx = np.flatnonzero(years == year)
        pieces = []
        for i in range(0, len(idx), 200_000):  # in chunks: the sums add up, the memory stays small
            pieces.append(_evaluated_parts(mine.iloc[idx[i:i + 200_000]], S, rules, cal))
            _release_memory()
        _store_parts(s, sid, int(year), cal, rules, *rk.merge_parts(pieces, cap, cap_c))
    say(0.97, "Menyelesaikan")

    snap.new_count, snap.updated_count, snap.unchanged_count = n_new, int(changed.sum()), int(same.sum())
    s.add(snap)
    audit.record(s, actor, "complaints.import", "complaintsnapshot", sid, None, {
        "file": parsed.filename, "sha256": parsed.sha256, "size": parsed.size, "kind": parsed.kind,
        "snapshot_date": S, "rows": len(f), "new": n_new, "updated": int(changed.sum()), "unchanged": int(same.sum()),
        "history_rows": len(hist), "synthetic": synthetic, "statuses_added": added_statuses,
        "units_created": created, "aliases_added": aliased, "absent": absent,
    })
    s.flush()
    say(1.0, "Selesai")
    return ImportResult(sid, S, parsed.filename, parsed.sha256, len(f), n_new, int(changed.sum()), int(same.sum()),
                        len(hist), tuple(added_statuses), tuple(created), tuple(aliased), absent)


# --- snapshots ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SnapshotView:
    id: int
    snapshot_date: date
    filename: str
    kind: str
    rows: int
    new: int
    updated: int
    unchanged: int
    synthetic: bool
    label: Optional[str]
    imported_by: str
    imported_at: datetime

    @property
    def caption(self) -> str:
        tag = f" - {self.label or SYNTHETIC_LABEL}" if self.synthetic else ""
        return f"Snapshot {lapor_file.fmt_date(self.snapshot_date)} ({self.filename}){tag}"


def _snap_view(x: ComplaintSnapshot) -> SnapshotView:
    return SnapshotView(int(x.id), x.snapshot_date, x.filename, x.kind, x.rows, x.new_count, x.updated_count,
                        x.unchanged_count, bool(x.synthetic), x.label, x.imported_by, x.imported_at)


def list_snapshots(actor: Actor) -> list[SnapshotView]:
    require(actor, Perm.READ)
    with read_only() as s:
        rows = s.exec(select(ComplaintSnapshot).order_by(ComplaintSnapshot.snapshot_date.desc(),
                                                         ComplaintSnapshot.id.desc())).all()
        return [_snap_view(x) for x in rows]


def _snapshot_at(s: Session, snapshot_date: date | None) -> Optional[ComplaintSnapshot]:
    q = select(ComplaintSnapshot)
    if snapshot_date is not None:
        q = q.where(ComplaintSnapshot.snapshot_date <= snapshot_date)
    return s.exec(q.order_by(ComplaintSnapshot.snapshot_date.desc(), ComplaintSnapshot.id.desc())).first()


def snapshot_at(snapshot_date: date | None = None) -> Optional[SnapshotView]:
    """The latest snapshot on or before `snapshot_date` (default: the latest)."""
    with read_only() as s:
        x = _snapshot_at(s, snapshot_date)
        return _snap_view(x) if x else None


@dataclass(frozen=True)
class SnapshotRemoval:
    snapshot_id: int
    snapshot_date: date
    filename: str
    removed_reports: int  # first seen in the removed snapshot: deleted
    restored_reports: int  # changed by it: every field back as it was before
    reseen_reports: int  # only seen again by it: their last sighting moved back
    history_rows: int  # status history rows deleted
    previous: Optional[date]  # the snapshot that is now the latest


def delete_latest_snapshot(actor: Actor, snapshot_date: date | None = None) -> SnapshotRemoval:
    """Remove the LATEST snapshot (undo a mistaken import) in one transaction: reports first seen in it
    are deleted, reports it changed get back every field they had before, reports it only saw again get
    back their previous sighting, its status history rows and aggregates go; audited. `snapshot_date`,
    when given, must be the latest snapshot's date. Status mappings, units and aliases the import added
    stay (each has its own audit row and can be changed on its own)."""
    import pyarrow as pa

    require(actor, Perm.COMPLAINTS_IMPORT)
    with transaction() as s:
        conn = s.connection()
        sqlite = conn.dialect.name == "sqlite"
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(4107)"))  # not while an import runs
        snap = _latest_snapshot(s)
        if snap is None:
            raise NotFound("Belum ada snapshot SP4N-LAPOR! yang diimpor; tidak ada yang dapat dihapus.")
        if snapshot_date is not None and snapshot_date != snap.snapshot_date:
            exists = s.exec(select(ComplaintSnapshot.id).where(ComplaintSnapshot.snapshot_date == snapshot_date)).first()
            raise ValidationError(
                (f"Snapshot {lapor_file.fmt_date(snapshot_date)} bukan snapshot terakhir" if exists is not None else
                 f"Tidak ada snapshot bertanggal {lapor_file.fmt_date(snapshot_date)}")
                + f": hanya snapshot terakhir ({lapor_file.fmt_date(snap.snapshot_date)}) yang dapat dihapus. "
                "Hapus snapshot satu per satu dari yang terbaru.")
        sid = int(snap.id)
        prev = s.exec(select(ComplaintSnapshot).where(ComplaintSnapshot.id != sid).order_by(
            ComplaintSnapshot.snapshot_date.desc(), ComplaintSnapshot.id.desc())).first()
        undo = s.get(ComplaintUndo, sid)
        if undo is None and prev is not None:
            raise ConflictError(f"Snapshot {lapor_file.fmt_date(snap.snapshot_date)} diimpor oleh versi portal yang "
                                "belum menyimpan data pembatalan, sehingga keadaan laporan sebelumnya tidak dapat "
                                "dipulihkan dengan tepat; tidak ada yang dihapus. Hubungi pengelola portal.")
        # status history written by this import: its change rows, and the first-sighting rows written lazily
        # with them (a report whose history would be that one row alone has no history at all)
        h_ids = [int(r[0]) for r in conn.execute(text("SELECT report_id FROM complaintstatus WHERE snapshot_id = :sid"),
                                                  {"sid": sid}).all()]
        n_hist = conn.execute(text("DELETE FROM complaintstatus WHERE snapshot_id = :sid"), {"sid": sid}).rowcount or 0
        lone = text("SELECT report_id FROM complaintstatus WHERE report_id IN :ids GROUP BY report_id "
                    "HAVING COUNT(*) = 1").bindparams(bindparam("ids", expanding=True))
        dl = text("DELETE FROM complaintstatus WHERE report_id IN :ids").bindparams(bindparam("ids", expanding=True))
        for i in range(0, len(h_ids), 900):
            single = [int(r[0]) for r in conn.execute(lone, {"ids": h_ids[i:i + 900]}).all()]
            if single:
                n_hist += conn.execute(dl, {"ids": single}).rowcount or 0
        restored = reseen = 0
        if undo is not None:
            old = pa.ipc.open_stream(pa.py_buffer(undo.changed)).read_all()
            cols = [c for c in old.column_names if c != "id"]
            upd = f"UPDATE complaintreport SET {', '.join(f'{c} = ?' for c in cols)} WHERE id = ?"
            ids_col = old.column("id").to_pylist()
            data = {c: old.column(c).to_pylist() for c in cols}
            rows = [tuple(data[c][i] for c in cols) + (ids_col[i],) for i in range(old.num_rows)]
            for i in range(0, len(rows), CHUNK):
                _executemany(conn, upd, rows[i:i + CHUNK])
            restored = len(rows)
            t = _from_ipc(undo.touched)
            touch = "UPDATE complaintreport SET last_snapshot_id = ?, last_seen_date = ?, waiting_seen_date = ? WHERE id = ?"
            for i in range(0, len(t), CHUNK):
                p = t.iloc[i:i + CHUNK]
                _executemany(conn, touch, list(zip(_db_int(p["last_snapshot_id"]),
                                                    _db_dates(p["last_seen_date"].to_numpy(dtype="datetime64[D]"), sqlite),
                                                    _db_dates(p["waiting_seen_date"].to_numpy(dtype="datetime64[D]"), sqlite),
                                                    _db_int(p["id"]))))
            reseen = len(t)
            conn.execute(text("DELETE FROM complaintundo WHERE snapshot_id = :sid"), {"sid": sid})
        conn.execute(text("DELETE FROM complaintstatus WHERE report_id IN (SELECT id FROM complaintreport "
                          "WHERE first_snapshot_id = :sid)"), {"sid": sid})
        removed = conn.execute(text("DELETE FROM complaintreport WHERE first_snapshot_id = :sid"), {"sid": sid}).rowcount or 0
        left = conn.execute(text("SELECT COUNT(*) FROM complaintreport WHERE last_snapshot_id = :sid"), {"sid": sid}).scalar()
        if left:  # cannot happen when the undo data is complete: refuse rather than leave a broken state
            raise ConflictError(f"{left} laporan masih menunjuk ke snapshot {lapor_file.fmt_date(snap.snapshot_date)} "
                                "sesudah pemulihan; tidak ada yang dihapus.")
        conn.execute(text("DELETE FROM complaintaggregate WHERE snapshot_id = :sid"), {"sid": sid})
        view = _snap_view(snap)
        s.delete(snap)
        s.flush()
        audit.record(s, actor, "complaints.snapshot_delete", "complaintsnapshot", sid, {
            "snapshot_date": view.snapshot_date, "file": view.filename, "rows": view.rows, "new": view.new,
            "updated": view.updated, "unchanged": view.unchanged}, {
            "removed_reports": removed, "restored_reports": restored, "reseen_reports": reseen,
            "history_rows_deleted": n_hist, "latest_now": prev.snapshot_date if prev else None})
        result = SnapshotRemoval(sid, view.snapshot_date, view.filename, int(removed), restored, reseen, int(n_hist),
                                 prev.snapshot_date if prev else None)
    _clear_caches()
    return result


def years_available() -> list[int]:
    """Years of Tanggal Laporan Masuk with reports, newest first (from the latest snapshot's aggregates
    when present: no scan of the reports)."""
    from .models import ComplaintAggregate

    with read_only() as s:
        snap = _latest_snapshot(s)
        if snap is None:
            return []
        aggs = s.exec(select(ComplaintAggregate.year, ComplaintAggregate.counts)
                      .where(ComplaintAggregate.snapshot_id == snap.id)).all()
        # an aggregate without counts (stored for a year without reports by an older version) is no data
        ys = {int(y) for y, counts in aggs if len(_from_ipc(counts))}
        if not aggs:
            ys = {int(y) for y in s.exec(select(ComplaintReport.year).where(
                ComplaintReport.first_seen_date <= snap.snapshot_date).distinct()).all()}
        return sorted(ys, reverse=True)


# --- the frames scoring/ranking.py needs ----------------------------------------------------------

def _history_frame(s: Session, year: int, snap: ComplaintSnapshot, extra_cols: tuple[str, ...] = ()) -> pd.DataFrame:
    """Per report, its state at an older snapshot, from the change-only history."""
    conn = s.connection()
    h = conn.execute(text(
        "SELECT h.report_id, h.snapshot_id, h.snapshot_date, h.state, h.unit_id, h.prev_seen_date "
        "FROM complaintstatus h JOIN complaintreport r ON r.id = h.report_id "
        "WHERE r.year = :year AND h.snapshot_date <= :s "
        "UNION ALL "  # reports seen with one status only: their first sighting is the report row itself
        "SELECT r.id, r.first_snapshot_id, r.first_seen_date, r.state, r.unit_id, NULL FROM complaintreport r "
        "WHERE r.year = :year AND r.first_seen_date <= :s "
        "AND NOT EXISTS (SELECT 1 FROM complaintstatus x WHERE x.report_id = r.id)"),
        {"year": year, "s": snap.snapshot_date}).all()
    hist = _records(h, ["report_id", "snapshot_id", "snapshot_date", "state", "unit_id", "prev_seen_date"])
    asof = rk.state_as_of(hist, snap.snapshot_date, int(snap.id))
    cols = ["id", "tracking_id", "classification", "report_date", "disposition_date", "follow_up_date", "rating",
            *extra_cols]
    st = conn.execute(text(f"SELECT {', '.join(cols)} FROM complaintreport WHERE year = :year"), {"year": year}).all()
    static = _records(st, cols).rename(columns={"id": "report_id"})
    out = asof.merge(static, on="report_id", how="inner")
    out["n"] = 1
    out["rating_sum"] = pd.to_numeric(out["rating"], errors="coerce").fillna(0.0)
    out["rating_n"] = pd.to_numeric(out["rating"], errors="coerce").notna().astype(int)
    return out


_DATE_NAMES = {"report_date", "disposition_date", "follow_up_date", "followed_up_seen", "waiting_seen",
               "snapshot_date", "prev_seen_date", "followed_up_seen_date", "waiting_seen_date", "last_seen_date",
               "first_seen_date", "completion_date", "month"}
_TEXT_NAMES = {"tracking_id", "state", "classification", "category", "status_raw", "status_key", "report_type",
               "reporter_name", "title", "body_initial", "body_final", "hold_reason"}


def _records(rows, columns: list[str]) -> pd.DataFrame:
    """Result rows -> DataFrame, column by column (dates: ISO text on SQLite, date objects elsewhere)."""
    cols = list(zip(*rows)) if rows else [()] * len(columns)
    out = {}
    for name, values in zip(columns, cols):
        if name in _DATE_NAMES:
            out[name] = np.array(values, dtype="datetime64[D]")
        elif name in _TEXT_NAMES:
            out[name] = pd.Series(values, dtype=object)
        else:
            arr = np.array(values)
            out[name] = arr if arr.dtype.kind in "if" else pd.to_numeric(pd.Series(values, dtype=object),
                                                                          errors="coerce").to_numpy()
    return pd.DataFrame(out)


CAP, CAP_COMPLETION = 121, 250  # working-day numbers are capped here in the stored aggregates


def calendar_key(cal: WorkCalendar) -> str:
    import holidays

    raw = f"{holidays.__version__}|{cal.first_year}-{cal.last_year}|" + ",".join(d.isoformat() for d in cal.cuti_bersama)
    return hashlib.sha256(raw.encode()).hexdigest()[:32]


def _caps(rules: rk.Rules) -> tuple[int, int]:
    need = rules.verification_days + rules.follow_up_days + 1
    need_c = int(max([*rules.completion_days.values(), 0])) + rules.verification_days + 1
    return max(CAP, need), max(CAP_COMPLETION, need_c)


def _rows_ipc(rows: list, columns: list[str]) -> bytes:
    """Database result rows (values as the driver gave them) -> Arrow IPC bytes."""
    import pyarrow as pa

    cols = list(zip(*rows)) if rows else [()] * len(columns)
    table = pa.table({c: pa.array(list(v)) for c, v in zip(columns, cols)})
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema, options=pa.ipc.IpcWriteOptions(compression="zstd")) as w:
        w.write_table(table)
    return sink.getvalue().to_pybytes()


def _ipc(df: pd.DataFrame) -> bytes:
    import pyarrow as pa

    table = pa.Table.from_pandas(df, preserve_index=False)
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema, options=pa.ipc.IpcWriteOptions(compression="zstd")) as w:
        w.write_table(table)
    return sink.getvalue().to_pybytes()


def _from_ipc(data: bytes) -> pd.DataFrame:
    import pyarrow as pa

    df = pa.ipc.open_stream(pa.py_buffer(data)).read_all().to_pandas()
    for c in ("state", "classification", "category", "tracking_id"):
        if c in df:
            df[c] = df[c].astype(object)
    return df


def _evaluated_parts(frame: pd.DataFrame, S: date, rules: rk.Rules, cal: WorkCalendar) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per-report frame -> (counts with category, compact timing), as stored in complaintaggregate."""
    counts, timing = rk.parts(rk.evaluate(frame, S, rules, cal))
    cap, cap_c = _caps(rules)
    return counts, rk.compact_timing(timing, cap, cap_c)


def _load_parts(s: Session, snap: ComplaintSnapshot, year: int, cal: WorkCalendar, rules: rk.Rules):
    from .models import ComplaintAggregate

    row = s.exec(select(ComplaintAggregate).where(ComplaintAggregate.snapshot_id == snap.id,
                                                  ComplaintAggregate.year == year,
                                                  ComplaintAggregate.calendar_key == calendar_key(cal))).first()
    if row is None or row.cap < _caps(rules)[0]:
        return None
    return _from_ipc(row.counts), _from_ipc(row.timing)


def _store_parts(s: Session, snap_id: int, year: int, cal: WorkCalendar, rules: rk.Rules, counts: pd.DataFrame,
                 timing: pd.DataFrame) -> None:
    """Derived data (no audit row): replaces any aggregate of this snapshot and year."""
    from .models import ComplaintAggregate

    conn = s.connection()
    conn.execute(text("DELETE FROM complaintaggregate WHERE snapshot_id = :sid AND year = :y"), {"sid": snap_id, "y": year})
    s.add(ComplaintAggregate(snapshot_id=snap_id, year=year, calendar_key=calendar_key(cal), cap=_caps(rules)[0],
                             counts=_ipc(counts), timing=_ipc(timing)))
    s.flush()


_PARTS: dict[tuple, Any] = {}


def _get_parts(snapshot_date: date | None, year: int):
    """(snapshot, rules, calendar, counts, timing) for `year` at the latest snapshot on or before
    `snapshot_date`; the aggregate stored by the import when there is one, else computed and kept in
    this process's memory. A read never writes to the database (a year without reports would otherwise
    leave an aggregate behind and show up as a year with data)."""
    with read_only() as s:
        snap = _snapshot_at(s, snapshot_date)
        if snap is None:
            return None
        rules, cal = current_rules(s), calendar(s)
        got = _load_parts(s, snap, year, cal, rules)
        if got is None:
            key = (get_settings().database_url, int(snap.id), year, calendar_key(cal), repr(rules.as_dict()), _version(s))
            with _CACHE_LOCK:
                got = _PARTS.get(key)
            if got is None:
                frame = _frame(s, year, snap, category=True)
    if got is None:
        got = _evaluated_parts(frame, snap.snapshot_date, rules, cal)
        with _CACHE_LOCK:
            if len(_PARTS) > 32:
                _PARTS.clear()
            _PARTS[key] = got
    return snap, rules, cal, got[0], got[1]


def _clear_caches() -> None:
    with _CACHE_LOCK:
        _CACHE.clear()
        _PARTS.clear()


def _parts(counts: pd.DataFrame, timing: pd.DataFrame, unit_id: int | None) -> tuple[pd.DataFrame, pd.DataFrame]:
    if unit_id is None:
        return counts, timing
    return counts[counts["unit_id"] == unit_id], timing[timing["unit_id"] == unit_id]


_NARROW = ["id", "tracking_id", "unit_id", "state", "classification", "category", "report_date", "disposition_date",
           "follow_up_date", "followed_up_seen_date", "waiting_seen_date", "rating"]


def _frame(s: Session, year: int, snap: ComplaintSnapshot, unit_id: int | None = None,
           category: bool = False) -> pd.DataFrame:
    """Per report, as the ranking sees them at `snap` (narrow columns only: no personal data)."""
    latest = _latest_snapshot(s)
    if latest is not None and latest.id == snap.id:
        cols = [c for c in _NARROW if category or c != "category"]
        rows = s.connection().execute(text(f"SELECT {', '.join(cols)} FROM complaintreport WHERE year = :year"
                                           + (" AND unit_id = :unit" if unit_id is not None else "")),
                                      {"year": year, "unit": unit_id}).all()
        f = _records(rows, cols).rename(columns={"id": "report_id", "followed_up_seen_date": "followed_up_seen",
                                                 "waiting_seen_date": "waiting_seen"})
    else:
        f = _history_frame(s, year, snap, ("category",) if category else ())
        if unit_id is not None:
            f = f[f["unit_id"] == unit_id]
    f["year"] = year
    f["unit_id"] = pd.to_numeric(f["unit_id"], errors="coerce")
    return f


def _has_synthetic(s: Session, snap: ComplaintSnapshot) -> bool:
    return s.exec(select(ComplaintSnapshot.id).where(ComplaintSnapshot.synthetic == True,  # noqa: E712
                                                     ComplaintSnapshot.snapshot_date <= snap.snapshot_date)).first() is not None


def _unit_names(s: Session) -> tuple[dict[int, str], dict[int, str]]:
    rows = s.exec(select(Unit.id, Unit.name, Unit.kind)).all()
    return {int(i): n for i, n, _ in rows}, {int(i): k for i, _, k in rows}


_CACHE: dict[tuple, Any] = {}
_CACHE_LOCK = threading.Lock()


def _version(s: Session) -> tuple:
    a = s.exec(select(func.count(), func.max(ComplaintStatusMap.updated_at))).one()
    b = s.exec(select(func.max(ComplaintSnapshot.id))).one()
    return (tuple(str(x) for x in a), b, get_settings().database_url)


@dataclass
class RankingResult:
    """The ranking of one year at one snapshot, with everything the page, the exports and the CLI show."""

    year: int
    snapshot: SnapshotView
    ranking: rk.Ranking
    kinds: dict[int, str]
    synthetic: bool = False  # demo data among the snapshots up to this one: say so wherever it shows

    @property
    def rules(self) -> rk.Rules:
        return self.ranking.rules

    @property
    def units(self) -> pd.DataFrame:
        u = self.ranking.units.copy()
        u["kind"] = [self.kinds.get(int(x), "") for x in u["unit_id"]]
        return u

    @property
    def rewards(self) -> pd.DataFrame:
        return rk.reward_list(self.units)

    @property
    def punishments(self) -> pd.DataFrame:
        return rk.punishment_list(self.units)

    def document(self) -> dict[str, Any]:
        return rk.ranking_document(self.ranking)

    def explain(self, unit_id: int) -> list[str]:
        u = self.ranking.units
        row = u[u["unit_id"] == unit_id]
        if row.empty:
            return [f"Belum ada laporan tahun {self.year} untuk unit ini pada snapshot ini."]
        return rk.explain(row.iloc[0].to_dict(), self.rules, int(u["assessed"].sum()))

    def trend(self) -> pd.DataFrame:
        return self.ranking.trend()


def ranking(year: int, snapshot_date: date | None = None, *, actor: Actor | None = None) -> Optional[RankingResult]:
    """The OPD ranking of `year` (reports by Tanggal Laporan Masuk) at the latest snapshot on or
    before `snapshot_date`; None when nothing has been imported. Cached per snapshot and settings."""
    if actor is not None:
        require(actor, Perm.READ)
    with read_only() as s:
        snap = _snapshot_at(s, snapshot_date)
        if snap is None:
            return None
        rules, cal = current_rules(s), calendar(s)
        key = (year, snap.id, _version(s), repr(rules.as_dict()), cal.cuti_bersama)
        with _CACHE_LOCK:
            hit = _CACHE.get(key)
        if hit is not None:
            return hit
        names, kinds = _unit_names(s)
        view = _snap_view(snap)
        synthetic = _has_synthetic(s, snap)
    _snap, rules, _cal, counts, timing = _get_parts(snap.snapshot_date, year)
    res = RankingResult(year, view, rk.rank_parts(counts, timing, year, snap.snapshot_date, rules, names), kinds,
                        synthetic)
    with _CACHE_LOCK:
        if len(_CACHE) > 16:
            _CACHE.clear()
        _CACHE[key] = res
    return res


# --- figures for Tabel 2 / Tabel 6 and the public statistics ---------------------------------------


def figures_from_reports(year: int, unit_id: int | None = None, snapshot_date: date | None = None) -> Optional[rk.Tabel2]:
    """Tabel 2 figures of `year` from the imported reports, for the lead's Tabel 2 view and the
    rencana aksi's Tabel 6 actuals. Counts only (no personal data), so no actor is needed.

    - `unit_id=None`, or the unit of kind `instansi` (the pemda itself): the whole kabupaten, including
      reports not yet disposed; otherwise the reports disposed to that unit.
    - Uses the latest snapshot on or before `snapshot_date` (default: the latest).
    - Returns None when no snapshot exists or no report of that year (and unit) was imported.
    - `received` = all reports of the year; `resolved` = selesai; `unresolved` ("tidak dapat
      diselesaikan") = arsip; `in_process` = the rest; `followed_up`, `overdue` as in scoring/ranking.py;
      `months` = 12 for a past year, the snapshot's month for the snapshot's own year. `.general` gives a
      scoring.figures.GeneralFigures (monthly average printed/exact, % resolved); `.resolved_pct` is the
      Tabel 6 "Persentase penyelesaian pengaduan" actual and `received` its "Jumlah pengaduan".
    """
    if unit_id is not None:
        with read_only() as s:
            u = s.get(Unit, unit_id)
            if u is None:
                raise NotFound(f"Unit dengan id {unit_id} tidak ada.")
            if u.kind == "instansi":
                unit_id = None
    got = _get_parts(snapshot_date, year)
    if got is None:
        return None
    snap, rules, _cal, counts, timing = got
    counts, timing = _parts(counts, timing, unit_id)
    if counts.empty or int(counts["n"].sum()) == 0:
        return None
    return rk.tabel2(counts, rk.flag(timing, rules), year, rk.months_covered(year, snap.snapshot_date))


def yearly_actuals(actor: Actor) -> dict[int, Any]:
    """Tabel 6 actuals per year from the imported reports (for assessment.renaksi.actual_sources):
    {year: scoring.renaksi.Actual(year, received, resolved, months, source)} for the whole kabupaten."""
    from scoring.renaksi import Actual

    require(actor, Perm.READ)
    out = {}
    for y in years_available():
        f = figures_from_reports(y)
        if f is not None:
            out[y] = Actual(y, f.received, f.resolved, f.months, "Data LAPOR! yang diimpor")
    return out


def public_statistics(year: int) -> Optional[dict[str, Any]]:
    """Counts for the public statistics page: per month, category and unit - received, % followed up,
    % selesai. No names, no texts, no Tracking IDs. None when nothing was imported."""
    got = _get_parts(None, year)
    if got is None:
        return None
    snap, _rules, _cal, counts, _timing = got
    with read_only() as s:
        names, _ = _unit_names(s)
    by_unit = rk.public_aggregates(counts, "unit_id")
    by_unit.insert(0, "unit", [names.get(int(u), "-") if pd.notna(u) else "Belum didisposisikan"
                               for u in by_unit["unit_id"]])
    tot = rk.public_aggregates(counts.assign(all=1), "all")
    ev = counts
    return {"snapshot_date": snap.snapshot_date, "synthetic": bool(snap.synthetic),
            "label": snap.label if snap.synthetic else None,
            "totals": tot.drop(columns="all").iloc[0].to_dict() if len(tot) else {"received": 0},
            "by_month": rk.public_aggregates(ev, "month"),
            "by_category": rk.public_aggregates(ev, "category"),
            "by_unit": by_unit.drop(columns="unit_id")}


# --- a unit's detail --------------------------------------------------------------------------------

PERSONAL_COLS = ("reporter_name", "title", "body_initial", "body_final", "hold_reason")


@dataclass
class UnitDetail:
    unit: UnitView
    year: int
    snapshot: Optional[SnapshotView]
    row: Optional[dict]
    explanation: list[str]
    reports: pd.DataFrame
    overdue: pd.DataFrame
    trend: pd.DataFrame
    personal_visible: bool
    synthetic: bool = False


def unit_detail(actor: Actor, unit_id: int, year: int, snapshot_date: date | None = None) -> UnitDetail:
    """A unit's reports of `year`, its overdue list, its monthly trend and its score explained.

    Nama Pelapor and the texts only for an actor with Perm.COMPLAINTS_DETAIL for this unit
    (operator_opd: its own unit); never the name of an Anonim report, nothing personal of a Rahasia one."""
    require(actor, Perm.READ, unit_id=unit_id)
    unit = get_unit(unit_id)
    personal = can(actor, Perm.COMPLAINTS_DETAIL, unit_id)
    res = ranking(year, snapshot_date)
    with read_only() as s:
        snap = _snapshot_at(s, snapshot_date)
        cols = ["id", "tracking_id", "report_date", "classification", "category", "report_type", "status_raw",
                "disposition_date", "follow_up_date", "rating", "state", "followed_up_seen_date", "waiting_seen_date",
                "unit_id"] + (list(PERSONAL_COLS) if personal else [])
        if snap is None:
            f = pd.DataFrame(columns=cols)
        elif _latest_snapshot(s).id == snap.id:
            rows = s.connection().execute(text(f"SELECT {', '.join(cols)} FROM complaintreport "
                                               "WHERE year = :year AND unit_id = :unit"), {"year": year, "unit": unit_id}).all()
            f = _records(rows, cols).rename(
                columns={"followed_up_seen_date": "followed_up_seen", "waiting_seen_date": "waiting_seen"})
        else:
            extra = ("category", "report_type", "status_raw") + (PERSONAL_COLS if personal else ())
            f = _history_frame(s, year, snap, extra)
            f = f[f["unit_id"] == unit_id]
        rules, cal = current_rules(s), calendar(s)
        synthetic = snap is not None and _has_synthetic(s, snap)
    if snap is None or f.empty:
        empty = pd.DataFrame()
        return UnitDetail(unit, year, _snap_view(snap) if snap else None, None,
                          [f"Belum ada laporan tahun {year} untuk unit ini."], empty, empty, empty, personal, synthetic)
    f["year"] = year
    ev = rk.evaluate(f, snap.snapshot_date, rules, cal)
    if personal:
        anon = ev["report_type"] == "Anonim"
        secret = ev["report_type"] == "Rahasia"
        ev["reporter_name"] = ev["reporter_name"].astype(object).where(~anon, "(anonim)")
        for c in PERSONAL_COLS:
            ev[c] = ev[c].astype(object).where(~secret, "(rahasia)")
    keep = ["tracking_id", "report_date", "classification", "category", "report_type", "status_raw", "state",
            "followed_up", "overdue", "days_waiting", "limit", "disposition_date", "follow_up_date", "rating"] + \
        (list(PERSONAL_COLS) if personal else [])
    reports = ev[keep].sort_values(["overdue", "report_date"], ascending=[False, False]).reset_index(drop=True)
    row = None
    lines: list[str] = []
    if res is not None:
        u = res.ranking.units
        hit = u[u["unit_id"] == unit_id]
        row = hit.iloc[0].to_dict() if len(hit) else None
        lines = res.explain(unit_id)
    counts, timing = rk.parts(ev)
    return UnitDetail(unit, year, _snap_view(snap), row, lines, reports, rk.overdue_list(ev),
                      rk.monthly_trend(counts, timing), personal, synthetic)


# --- the status table and the cuti bersama days (admin) ---------------------------------------------


def status_map() -> pd.DataFrame:
    with read_only() as s:
        rows = s.exec(select(ComplaintStatusMap).order_by(ComplaintStatusMap.state, ComplaintStatusMap.key)).all()
        used = dict(s.connection().execute(text("SELECT status_key, COUNT(*) FROM complaintreport GROUP BY status_key")).all())
    return pd.DataFrame([{"raw": r.raw, "key": r.key, "state": r.state, "source": r.source, "reports": int(used.get(r.key, 0)),
                          "updated_by": r.updated_by, "updated_at": r.updated_at} for r in rows],
                        columns=["raw", "key", "state", "source", "reports", "updated_by", "updated_at"])


def set_status_mapping(actor: Actor, raw: str, state: str) -> None:
    """Add a raw status or change its canonical state; stored reports follow (their history too)."""
    require(actor, Perm.COMPLAINTS_IMPORT)
    raw = " ".join(str(raw or "").split())
    if not raw:
        raise ValidationError("Status mentah (seperti tertulis di ekspor LAPOR!) wajib diisi.")
    if state not in rk.STATES:
        raise ValidationError(f"Status kanonik '{state}' tidak dikenal ({', '.join(rk.STATES)}).")
    key = lapor_file.status_key(raw)
    with transaction() as s:
        row = s.get(ComplaintStatusMap, key)
        old = None if row is None else {"raw": row.raw, "state": row.state}
        if row is None:
            row = ComplaintStatusMap(key=key, raw=raw, state=state, source="admin", updated_by=actor.username)
        else:
            if row.state == state:
                return
            row.state, row.source, row.updated_by, row.updated_at = state, "admin", actor.username, utcnow()
        s.add(row)
        affected = _restate(s, key, state) if old is not None else 0
        audit.record(s, actor, "complaints.status_map_set", "complaintstatusmap", key, old,
                     {"raw": raw, "state": state, "reports_restated": affected})
    _clear_caches()


def delete_status_mapping(actor: Actor, raw: str) -> None:
    require(actor, Perm.COMPLAINTS_IMPORT)
    key = lapor_file.status_key(raw)
    with transaction() as s:
        row = s.get(ComplaintStatusMap, key)
        if row is None:
            raise NotFound(f"Status '{raw}' tidak ada di tabel status.")
        used = s.exec(select(func.count()).select_from(ComplaintStatus).where(ComplaintStatus.status_key == key)).one() \
            + s.exec(select(func.count()).select_from(ComplaintReport).where(ComplaintReport.status_key == key)).one()
        if used:
            raise ValidationError(f"Status '{row.raw}' dipakai oleh laporan yang tersimpan ({used} laporan/riwayat); "
                                  "ubah pemetaannya, jangan dihapus.")
        s.delete(row)
        audit.record(s, actor, "complaints.status_map_delete", "complaintstatusmap", key,
                     {"raw": row.raw, "state": row.state}, None)
    _clear_caches()


def _restate(s: Session, key: str, state: str) -> int:
    """A raw status now means another state: rewrite the stored states and the follow-up dates."""
    conn = s.connection()
    conn.execute(text("DELETE FROM complaintaggregate"))  # derived from the old meaning: recomputed on demand
    conn.execute(text("UPDATE complaintstatus SET state = :st WHERE status_key = :k"), {"st": state, "k": key})
    conn.execute(text("UPDATE complaintreport SET state = :st WHERE status_key = :k"), {"st": state, "k": key})
    lone = conn.execute(text(
        "UPDATE complaintreport SET followed_up_seen_date = CASE WHEN state IN ('diproses', 'selesai') THEN "
        "first_seen_date ELSE NULL END, waiting_seen_date = CASE WHEN state = 'menunggu tindak lanjut' THEN "
        "last_seen_date ELSE NULL END WHERE status_key = :k AND NOT EXISTS "
        "(SELECT 1 FROM complaintstatus h WHERE h.report_id = complaintreport.id)"), {"k": key}).rowcount or 0
    ids = [int(r[0]) for r in conn.execute(text("SELECT DISTINCT report_id FROM complaintstatus WHERE status_key = :k"),
                                           {"k": key}).all()]
    if not ids:
        return lone
    latest = _latest_snapshot(s)
    hist_rows = []
    for i in range(0, len(ids), 900):
        hist_rows += conn.execute(text("SELECT report_id, snapshot_id, snapshot_date, state, unit_id, prev_seen_date "
                                       "FROM complaintstatus WHERE report_id IN :ids").bindparams(
            bindparam("ids", expanding=True)), {"ids": ids[i:i + 900]}).all()
    hist = _records(hist_rows, ["report_id", "snapshot_id", "snapshot_date", "state", "unit_id", "prev_seen_date"])
    asof = rk.state_as_of(hist, latest.snapshot_date, int(latest.id))
    sqlite = conn.dialect.name == "sqlite"
    fu = _db_dates(pd.to_datetime(asof["followed_up_seen"]).to_numpy(), sqlite)
    ws = _db_dates(pd.to_datetime(asof["waiting_seen"]).to_numpy(), sqlite)
    rows = list(zip(fu, ws, asof["report_id"].astype(int).tolist()))
    for i in range(0, len(rows), CHUNK):
        _executemany(conn, "UPDATE complaintreport SET followed_up_seen_date = ?, waiting_seen_date = "
                           "COALESCE(?, waiting_seen_date) WHERE id = ?", rows[i:i + CHUNK])
    return lone + len(ids)


def list_cuti_bersama(year: int | None = None) -> list[NonWorkingDay]:
    with read_only() as s:
        q = select(NonWorkingDay).order_by(NonWorkingDay.day)
        if year is not None:
            q = q.where(NonWorkingDay.year == year)
        return list(s.exec(q).all())


def suggest_cuti_bersama(year: int) -> list[tuple[date, str]]:
    """The `holidays` package's list of cuti bersama for `year` (category government) not yet entered:
    a suggestion for the admin to check against the SKB, never applied by itself."""
    import holidays

    have = {d.day for d in list_cuti_bersama(year)}
    sugg = holidays.country_holidays("ID", years=year, categories=("government",))
    return [(d, n) for d, n in sorted(sugg.items()) if d not in have]


def add_cuti_bersama(actor: Actor, day: date, note: str = "") -> None:
    require(actor, Perm.SETTINGS_EDIT)
    if not isinstance(day, date):
        raise ValidationError("Tanggal cuti bersama tidak sah.")
    if day.weekday() >= 5:
        raise ValidationError(f"{lapor_file.fmt_date(day)} jatuh pada akhir pekan; tidak perlu dicatat sebagai cuti bersama.")
    with transaction() as s:
        if s.get(NonWorkingDay, day) is not None:
            raise ValidationError(f"{lapor_file.fmt_date(day)} sudah tercatat sebagai cuti bersama.")
        s.add(NonWorkingDay(day=day, year=day.year, note=(note or "Cuti bersama").strip()[:200], updated_by=actor.username))
        audit.record(s, actor, "complaints.cuti_add", "nonworkingday", day.isoformat(), None,
                     {"day": day, "note": note})
    _clear_caches()


def remove_cuti_bersama(actor: Actor, day: date) -> None:
    require(actor, Perm.SETTINGS_EDIT)
    with transaction() as s:
        row = s.get(NonWorkingDay, day)
        if row is None:
            raise NotFound(f"{lapor_file.fmt_date(day)} tidak tercatat sebagai cuti bersama.")
        s.delete(row)
        audit.record(s, actor, "complaints.cuti_remove", "nonworkingday", day.isoformat(),
                     {"day": day, "note": row.note}, None)
    _clear_caches()


# --- exports (for sharing: counts, unit names and Tracking IDs only) -------------------------------

EXPORT_COLUMNS = {
    "rank": "Peringkat", "unit": "Unit", "score": "Skor", "assessed": "Dinilai", "reward": "Reward",
    "punishment": "Punishment", "received": "Laporan diterima", "assessable": "Wajib ditindaklanjuti",
    "followed_up_pct": "% ditindaklanjuti", "on_time_pct": "% tepat waktu", "resolved_pct": "% selesai",
    "overdue": "Terlambat", "overdue_max_days": "Paling lama (hari kerja)",
    "median_days_to_follow_up": "Median hari kerja ke tindak lanjut", "rating": "Rating",
    "punishment_rank": "Peringkat punishment", "overdue_ids": "Tracking ID terlambat", "tie_note": "Keterangan seri",
}
# CSV downloads: ';' between fields and a decimal comma, as Excel set to Indonesian reads them
CSV_NOTE = "CSV: pemisah titik koma (;) dan koma desimal (4,89), UTF-8, untuk Excel berbahasa Indonesia."


def download_name(what: str, year: int, snapshot_date: date, kind: str = "semua", only_assessed: bool = False) -> str:
    """File name (without extension) of a ranking download, carrying the snapshot date and the filter:
    peringkat-2026-snapshot-2026-12-03-kecamatan."""
    return (f"{what}-{year}-snapshot-{snapshot_date.isoformat()}" + ("" if kind == "semua" else f"-{kind}")
            + ("-dinilai" if only_assessed else ""))


def export_frame(units: pd.DataFrame) -> pd.DataFrame:
    """Ranking rows (already filtered as the page shows them) -> the table that is downloaded."""
    cols = [c for c in EXPORT_COLUMNS if c in units]
    out = units[cols].copy()
    if "overdue_ids" in out:
        out["overdue_ids"] = [", ".join(map(str, x)) for x in out["overdue_ids"]]
    for c in ("assessed", "reward", "punishment"):
        if c in out:
            out[c] = out[c].map({True: "ya", False: "tidak"})
    return out.rename(columns=EXPORT_COLUMNS)


def table_bytes(table: pd.DataFrame, fmt: str, title: str, notes: Iterable[str] = ()) -> bytes:
    """A table as Excel (.xlsx, with a title and notes above it) or CSV (UTF-8 with BOM, ';' and a
    decimal comma: CSV_NOTE)."""
    if fmt == "csv":
        return table.to_csv(index=False, sep=";", decimal=",").encode("utf-8-sig")
    if fmt != "xlsx":
        raise ValidationError(f"Format unduhan '{fmt}' tidak dikenal (xlsx atau csv).")
    import io

    import openpyxl

    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet(title[:31] or "Data")
    ws.append([title])
    for n in notes:
        ws.append([n])
    ws.append([])
    ws.append(list(table.columns))
    for row in table.itertuples(index=False, name=None):
        ws.append([None if (isinstance(v, float) and np.isnan(v)) else v for v in row])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
