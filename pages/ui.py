"""Small helpers shared by the pages: the current user, messages, dates in WIB, the unit/year picker."""
from __future__ import annotations

from datetime import date, datetime
from typing import Optional

import streamlit as st

from assessment.errors import DomainError, ImportRejected
from assessment.permissions import Actor, Perm, can
from scoring.formatting import WIB, fmt_date_id, fmt_num, fmt_pct, fmt_wib  # noqa: F401 (re-exported for pages)

FONT_SCALES = {90: "Kecil", 100: "Normal", 115: "Besar", 130: "Lebih besar", 150: "Sangat besar"}


def current_actor() -> Optional[Actor]:
    return st.session_state.get("actor")


def ensure_routed() -> None:
    """Route a page that Streamlit ran on its own through app.py.

    With a pages/ folder beside app.py, Streamlit starts in its legacy multipage mode: until app.py
    has called st.navigation once, a request for a page URL runs that file directly, past app.py's
    session checks and menu. Running app.py's main() here, inside the same run, switches that mode off
    and lets app.py decide which page to show (refusing pages the user may not open) with this run's
    input intact; then this direct run stops."""
    from streamlit.runtime.pages_manager import PagesManager

    if PagesManager.uses_pages_directory:
        import app  # the entry point; importing it does not run main()

        app.main()
        st.stop()


def require_actor() -> Actor:
    ensure_routed()
    actor = current_actor()
    if actor is None:
        st.warning("Silakan masuk (login) terlebih dahulu.")
        st.stop()
    return actor


def header(title: str, explanation: str) -> None:
    ensure_routed()
    st.title(title)
    st.caption(explanation)


def show_error(exc: Exception) -> None:
    """A refusal from a service, shown as plain text (st.error never renders HTML)."""
    if isinstance(exc, ImportRejected):
        st.error(exc.summary)
        for p in exc.problems[:200]:
            st.markdown("- " + _escape_md(str(p)))
        if len(exc.problems) > 200:
            st.caption(f"... dan {len(exc.problems) - 200} masalah lain.")
    elif isinstance(exc, DomainError):
        st.error(exc.message)
    else:
        raise exc


def _escape_md(text: str) -> str:
    """Markdown-escape user text so that it is shown, not interpreted."""
    out = []
    for ch in str(text):
        if ch in "\\`*_{}[]()#+-.!|<>~$":
            out.append("\\" + ch)
        else:
            out.append(ch)
    return "".join(out)


escape_md = _escape_md


def flash(message: str) -> None:
    """A success message that survives the st.rerun() that follows a save."""
    st.session_state["_flash"] = message


def run_action(action, success: str) -> None:
    """Run a service call from a button: on success say so after the rerun; on refusal show why."""
    try:
        action()
    except DomainError as exc:
        show_error(exc)
        return
    flash(success)
    st.rerun()


def show_flash() -> None:
    message = st.session_state.pop("_flash", None)
    if message:
        st.success(message)


def evidence_upload_label() -> str:
    """The evidence uploader's label names the allowed types: the service refuses others in Indonesian
    (Streamlit's own type filter would answer in English)."""
    from assessment.config import get_settings

    exts = ", ".join(e.lstrip(".").upper() for e in get_settings().evidence_extensions)
    return f"Berkas bukti ({exts}; maks. {get_settings().max_evidence_mb} MB)"


def wib(dt: Optional[datetime]) -> str:
    return fmt_wib(dt)


def apply_font_scale(scale: int) -> None:
    """The font-size setting (Lampiran Bab II, 4.b). `scale` is one of FONT_SCALES, never user text."""
    scale = int(scale) if int(scale) in FONT_SCALES else 100
    st.markdown(
        f"<style>html {{ font-size: {scale}%; }}</style>",
        unsafe_allow_html=True,
    )


def can_do(perm: Perm, unit_id: Optional[int] = None) -> bool:
    return can(current_actor(), perm, unit_id)


def year_options(first: int = 2020, include_next: bool = True) -> list[int]:
    """Years to choose from, newest first; next year too where planning ahead makes sense (cuti bersama)."""
    last = date.today().year + (1 if include_next else 0)
    return list(range(last, first - 1, -1))


def unit_year_picker(units, key: str = "sel", default_year: Optional[int] = None,
                     default_unit: Optional[int] = None) -> tuple[Optional[int], int]:
    """Pick a unit and a year; the choice is shared by every page that uses the same key.

    Without a previous choice it opens on the most recent assessment the user may see."""
    if default_year is None and default_unit is None and current_actor() is not None:
        from assessment import assessments

        latest = assessments.list_assessments(current_actor())
        if latest:
            newest = max(latest, key=lambda a: (a.year, a.updated_at))
            default_year, default_unit = newest.year, newest.unit_id
    actor = current_actor()
    if actor is not None and actor.role == "operator_opd":
        units = [u for u in units if u.id == actor.unit_id]
    if not units:
        st.info("Belum ada unit yang dapat Anda pilih.")
        st.stop()
    ids = [u.id for u in units]
    names = {u.id: f"{u.name} ({u.kind_label})" for u in units}
    unit_key, year_key = f"{key}_unit", f"{key}_year"
    # Streamlit drops a widget's value when another page without it was open; the choice is also kept
    # under a plain key, so coming back shows the same unit and year (not the default one).
    kept_unit, kept_year = st.session_state.get(f"_kept_{unit_key}"), st.session_state.get(f"_kept_{year_key}")
    if st.session_state.get(unit_key) not in ids:
        st.session_state[unit_key] = (kept_unit if kept_unit in ids else
                                      default_unit if default_unit in ids else ids[0])
    years = year_options(include_next=False)  # an assessment looks back: no year that has not begun
    if st.session_state.get(year_key) not in years:
        st.session_state[year_key] = (kept_year if kept_year in years else
                                      default_year if default_year in years else date.today().year)
    c1, c2 = st.columns([3, 1])
    unit_id = c1.selectbox("Unit", ids, format_func=lambda i: names[i], key=unit_key)
    year = c2.selectbox("Tahun", years, key=year_key)
    st.session_state[f"_kept_{unit_key}"], st.session_state[f"_kept_{year_key}"] = unit_id, year
    return unit_id, int(year)


if __name__ == "__main__":  # this helper module opened as a page in legacy mode
    ensure_routed()
