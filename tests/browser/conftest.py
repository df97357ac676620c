"""Fixtures of the browser tests: Debian's Chromium driven by Playwright, a page in a
context of its own, and a folder for screenshots (the helpers they use, and the server
and sign-in the tests call, are in tests/support/browser.py).

Screenshots go to $EMPATHY_SIM_SCREENSHOTS when it is set, else to a folder under
pytest's temporary directory; the folder is printed at the end of the run.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.support.browser import CHROMIUM, FLAGS, VIEWPORT, WAIT_MS, Shots

SCREENSHOTS_ENV = "EMPATHY_SIM_SCREENSHOTS"
_shots_folder: list[Path] = []  # the folder this run wrote screenshots to (for the summary)


@pytest.fixture(scope="module")
def browser():
    """One headless Chromium for the module; each test opens its own context (cookies,
    storage and Streamlit session of its own)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport=VIEWPORT, accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(WAIT_MS)
    yield page
    context.close()


# -- screenshots --------------------------------------------------------------------


@pytest.fixture(scope="session")
def screenshots_folder(tmp_path_factory) -> Path:
    """$EMPATHY_SIM_SCREENSHOTS if set (created when missing), else a fresh folder under
    pytest's temporary directory; never a folder in the repository by default."""
    chosen = os.environ.get(SCREENSHOTS_ENV)
    folder = Path(chosen).expanduser().resolve() if chosen else tmp_path_factory.mktemp("screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    if not _shots_folder:
        _shots_folder.append(folder)
    print(f"\nbrowser screenshots: {folder}")
    return folder


@pytest.fixture
def shot(request, screenshots_folder, record_property) -> Shots:
    name = request.node.name.removeprefix("test_")
    shots = Shots(screenshots_folder, name)
    record_property("screenshots", str(screenshots_folder))
    yield shots
    print(f"\n{len(shots.paths)} screenshot(s) of {request.node.name} in {screenshots_folder}")


def pytest_terminal_summary(terminalreporter):
    if _shots_folder:
        terminalreporter.write_line(f"browser screenshots: {_shots_folder[0]}")


