"""The app's pages, defined once so that pages can link to each other."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from simulator.app import state
from simulator.app.text import _

PAGES_DIR = Path(__file__).parent / "app_pages"
PRACTICE = PAGES_DIR / "practice.py"
HISTORY = PAGES_DIR / "history.py"
REVIEW = PAGES_DIR / "review.py"
LIBRARY = PAGES_DIR / "library.py"
EDITOR = PAGES_DIR / "editor.py"
ASSIGNMENTS = PAGES_DIR / "assignments.py"
LOGIN = PAGES_DIR / "login.py"
DASHBOARD = PAGES_DIR / "dashboard.py"
EXPORT = PAGES_DIR / "export.py"
ACCOUNT = PAGES_DIR / "account.py"

# Which roles see which pages. Each page checks again on the server (`guard`), so a
# typed URL does not get round the menu.
PAGE_ROLES = {
    "practice": ("trainee", "trainer", "hr", "admin"),
    "history": ("trainee", "trainer", "hr", "admin"),
    "account": ("trainee", "trainer", "hr", "admin"),
    "library": ("trainer", "admin"),
    "editor": ("trainer", "admin"),
    "assignments": ("trainer", "admin"),
    "review": ("trainer", "admin"),
    "dashboard": ("trainee", "trainer", "hr", "admin"),
    "export": ("hr", "admin"),
}


def navigation(user):
    """The pages `user` may open; only the sign-in page without a user."""
    if user is None:
        return st.navigation([st.Page(LOGIN, title=_("Sign in"), icon=":material/login:", default=True)])
    allowed = {name for name, roles in PAGE_ROLES.items() if user.has(*roles)}
    pages = {
        _("Practise"): [
            st.Page(PRACTICE, title=_("Practice"), icon=":material/forum:", default=True),
            st.Page(HISTORY, title=_("History"), icon=":material/history:"),
        ],
        _("Trainer studio"): [
            page for name, page in [
                ("library", st.Page(LIBRARY, title=_("Library"), icon=":material/library_books:")),
                ("editor", st.Page(EDITOR, title=_("Editor"), icon=":material/edit_note:")),
                ("assignments", st.Page(ASSIGNMENTS, title=_("Assignments"), icon=":material/assignment:")),
                ("review", st.Page(REVIEW, title=_("Review"), icon=":material/rate_review:")),
            ] if name in allowed
        ],
        _("Reports"): [
            page for name, page in [
                ("dashboard", st.Page(DASHBOARD, title=_("Dashboard"), icon=":material/monitoring:")),
                ("export", st.Page(EXPORT, title=_("Export"), icon=":material/file_export:")),
            ] if name in allowed
        ],
        _("You"): [st.Page(ACCOUNT, title=_("Account"), icon=":material/person:")],
    }
    return st.navigation({section: items for section, items in pages.items() if items})


def guard(page: str):
    """The signed-in user if they may open `page`; otherwise the page stops here."""
    user = st.session_state.get(state.CURRENT_USER)
    if user is None or not user.has(*PAGE_ROLES[page]):
        st.error(_("You do not have access to this page. Ask an admin for the role it needs."),
                 icon=":material/block:")
        st.stop()
    return user


def go_to_editor() -> None:
    st.switch_page(EDITOR)


def go_to_practice() -> None:
    st.switch_page(PRACTICE)
