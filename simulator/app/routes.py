"""The app's pages, defined once so that pages can link to each other."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from simulator.app import state

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
        return st.navigation([st.Page(LOGIN, title="Sign in", icon=":material/login:", default=True)])
    allowed = {name for name, roles in PAGE_ROLES.items() if user.has(*roles)}
    pages = {
        "Practise": [
            st.Page(PRACTICE, title="Practice", icon=":material/forum:", default=True),
            st.Page(HISTORY, title="History", icon=":material/history:"),
        ],
        "Trainer studio": [
            page for name, page in [
                ("library", st.Page(LIBRARY, title="Library", icon=":material/library_books:")),
                ("editor", st.Page(EDITOR, title="Editor", icon=":material/edit_note:")),
                ("assignments", st.Page(ASSIGNMENTS, title="Assignments", icon=":material/assignment:")),
                ("review", st.Page(REVIEW, title="Review", icon=":material/rate_review:")),
            ] if name in allowed
        ],
        "Reports": [
            page for name, page in [
                ("dashboard", st.Page(DASHBOARD, title="Dashboard", icon=":material/monitoring:")),
                ("export", st.Page(EXPORT, title="Export", icon=":material/file_export:")),
            ] if name in allowed
        ],
        "You": [st.Page(ACCOUNT, title="Account", icon=":material/person:")],
    }
    return st.navigation({section: items for section, items in pages.items() if items})


def guard(page: str):
    """The signed-in user if they may open `page`; otherwise the page stops here."""
    user = st.session_state.get(state.CURRENT_USER)
    if user is None or not user.has(*PAGE_ROLES[page]):
        st.error("You do not have access to this page. Ask an admin for the role it needs.",
                 icon=":material/block:")
        st.stop()
    return user


def go_to_editor() -> None:
    st.switch_page(EDITOR)


def go_to_practice() -> None:
    st.switch_page(PRACTICE)
