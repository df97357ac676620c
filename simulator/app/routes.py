"""The app's pages, defined once so that pages can link to each other."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

PAGES_DIR = Path(__file__).parent / "app_pages"
PRACTICE = PAGES_DIR / "practice.py"
HISTORY = PAGES_DIR / "history.py"
REVIEW = PAGES_DIR / "review.py"
LIBRARY = PAGES_DIR / "library.py"
EDITOR = PAGES_DIR / "editor.py"
ASSIGNMENTS = PAGES_DIR / "assignments.py"


def navigation():
    pages = {
        "Practise": [
            st.Page(PRACTICE, title="Practice", icon=":material/forum:", default=True),
            st.Page(HISTORY, title="History", icon=":material/history:"),
        ],
        "Trainer studio": [
            st.Page(LIBRARY, title="Library", icon=":material/library_books:"),
            st.Page(EDITOR, title="Editor", icon=":material/edit_note:"),
            st.Page(ASSIGNMENTS, title="Assignments", icon=":material/assignment:"),
            st.Page(REVIEW, title="Review", icon=":material/rate_review:"),
        ],
    }
    return st.navigation(pages)


def go_to_editor() -> None:
    st.switch_page(EDITOR)


def go_to_practice() -> None:
    st.switch_page(PRACTICE)
