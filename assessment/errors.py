"""Errors the services raise. Every message is Bahasa Indonesia and says what is wrong and where."""
from __future__ import annotations

from dataclasses import dataclass, field


class DomainError(Exception):
    """Base class: a refusal the user should read. `message` is shown as-is (as text, never HTML)."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class ValidationError(DomainError):
    """Input is wrong; nothing was written."""


class NotFound(DomainError):
    """The thing asked for does not exist."""


class PermissionDenied(DomainError):
    """The acting user's role does not allow this."""


class ConflictError(DomainError):
    """The write was based on an outdated version, or would duplicate a record."""


@dataclass
class Problem:
    """One fault in an imported file, located by row and column (row as the user sees it)."""

    message: str
    row: int | None = None
    column: str | None = None
    file: str | None = None

    def __str__(self) -> str:
        where = []
        if self.file:
            where.append(f"berkas {self.file}")
        if self.row is not None:
            where.append(f"baris {self.row}")
        if self.column:
            where.append(f"kolom '{self.column}'")
        return (", ".join(where) + ": " if where else "") + self.message


@dataclass
class ImportRejected(DomainError):
    """A file was refused as a whole; `problems` lists every fault found."""

    problems: list[Problem] = field(default_factory=list)
    summary: str = "Berkas ditolak"

    def __post_init__(self) -> None:
        head = self.problems[:5]
        more = len(self.problems) - len(head)
        text = self.summary + ": " + "; ".join(str(p) for p in head)
        if more > 0:
            text += f"; dan {more} masalah lain"
        DomainError.__init__(self, text)
