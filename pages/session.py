"""The login session kept in Streamlit's session state: who, since when, last page load.

The rules (expiry, idle time, revocation) live in assessment.accounts; this only keeps the clock.
"""
from __future__ import annotations

import time
from typing import Optional

import streamlit as st

from assessment import accounts
from assessment.permissions import Actor

KEYS = ("actor", "login_at", "last_seen")


def start(actor: Actor) -> None:
    now = time.time()
    st.session_state["actor"] = actor
    st.session_state["login_at"] = now
    st.session_state["last_seen"] = now
    st.session_state["font_scale"] = accounts.font_scale(actor)


def replace_actor(actor: Actor) -> None:
    """After users changed their own password: this session goes on with the new session version."""
    st.session_state["actor"] = actor


def end(reason: str = "logout") -> None:
    """Forget everything of this browser session (form contents included), then say why."""
    for k in list(st.session_state.keys()):
        del st.session_state[k]
    st.session_state["logout_reason"] = reason


def check() -> Optional[Actor]:
    """The logged-in actor, or None. Ends the session first when it expired or was revoked."""
    actor = st.session_state.get("actor")
    if actor is None:
        return None
    reason = accounts.check_session(actor, st.session_state.get("login_at", 0), st.session_state.get("last_seen", 0))
    if reason is not None:
        end(reason)
        return None
    st.session_state["last_seen"] = time.time()
    return actor


if __name__ == "__main__":  # opened as a page in Streamlit's legacy mode: route it through app.py
    from pages import ui

    ui.ensure_routed()
