"""The app's pages, defined once so that pages can link to each other."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

PAGES_DIR = Path(__file__).parent / "app_pages"
PRACTICE = PAGES_DIR / "practice.py"
HISTORY = PAGES_DIR / "history.py"
REVIEW = PAGES_DIR / "review.py"


def navigation():
    pages = [
        st.Page(PRACTICE, title="Practice", icon=":material/forum:", default=True),
        st.Page(HISTORY, title="History", icon=":material/history:"),
        st.Page(REVIEW, title="Review", icon=":material/rate_review:"),
    ]
    return st.navigation(pages)


def go_to_practice() -> None:
    st.switch_page(PRACTICE)
