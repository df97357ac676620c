"""The browser tests' way in: the real Streamlit server on a free port with its own
database (`app_server`), accounts made before it starts, Chromium's settings, waiting for
Streamlit to settle, the real sign-in form and the menu, and full-page screenshots.

The fixtures that hand these out (`browser`, `page`, `shot`) are in tests/browser/conftest.py.
Scripted models keep the server fast and deterministic; the embedded model is never
loaded here (tests/test_embedded_session.py covers it).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
VIEWPORT = {"width": 1280, "height": 1200}
# Generous: Streamlit's first run of a page imports the core and loads the library.
WAIT_MS = 30_000
SCRIPTED = {"EMPATHY_SIM_CUSTOMER_MODEL": "scripted", "EMPATHY_SIM_JUDGE_MODEL": "scripted",
            "EMPATHY_SIM_DRAFTING_MODEL": "scripted"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def empathy_sim() -> list[str]:
    """The project's console script next to this interpreter (as `make run` calls it)."""
    script = Path(sys.executable).parent / "empathy-sim"
    return [str(script)] if script.exists() else [sys.executable, "-c", "from simulator.cli import main; main()"]


def add_user_with_cli(db: Path, username: str, password: str, roles: list[str]) -> None:
    """`empathy-sim user add`, as an admin with shell access creates an account."""
    command = [*empathy_sim(), "--db", str(db), "user", "add", username, "--password", password]
    for role in roles:
        command += ["--role", role]
    done = subprocess.run(command, cwd=ROOT, env={**os.environ, **SCRIPTED}, capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"created {username}" in done.stdout


def create_accounts(db: Path, accounts: dict[str, tuple[str, list[str]]]) -> None:
    """`accounts`: user name -> (password, roles), stored before the server starts."""
    from simulator import accounts as core
    from simulator.store.database import open_db

    database = open_db(db)
    for username, (password, roles) in accounts.items():
        core.create_user(database, username, password, roles)


@contextmanager
def app_server(db: Path, models: dict[str, str] | None = None) -> Iterator[str]:
    """`empathy-sim --db DB app` (the project's own command) on a free port with scripted
    models; yields its URL. The server runs in its own process group, which is ended
    afterwards (the command starts Streamlit as a child process)."""
    if not Path(CHROMIUM).exists():
        pytest.fail("Chromium is missing: run `make test` (it installs Debian's chromium).")
    port = free_port()
    # `models`: other model specs by variable (e.g. the OpenAI-compatible test server).
    env = {**os.environ, "EMPATHY_SIM_DB": str(db), **SCRIPTED, **(models or {})}
    env.pop("EMPATHY_SIM_CONFIG", None)
    log = db.with_suffix(".server.log")
    with open(log, "wb") as output:
        process = subprocess.Popen(
            [*empathy_sim(), "--db", str(db), "app", "--port", str(port),
             "--server.headless", "true", "--server.address", "127.0.0.1",
             "--browser.gatherUsageStats", "false"],
            cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT, start_new_session=True,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 60
        while time.time() < deadline:
            if process.poll() is not None:
                break
            try:
                urllib.request.urlopen(url + "/_stcore/health", timeout=2)
                break
            except OSError:
                time.sleep(0.3)
        else:
            pytest.fail("Streamlit did not start within 60 s: " + log.read_text(errors="replace")[-2000:])
        if process.poll() is not None:
            pytest.fail("Streamlit exited: " + log.read_text(errors="replace")[-2000:])
        yield url
    finally:
        _end_group(process)


def _end_group(process: subprocess.Popen) -> None:
    """End the server's own process group (started with start_new_session: its id is the
    server's pid), first politely, then for sure."""
    try:
        os.killpg(process.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


# -- the real sign-in form and the menu -----------------------------------------------


# True once Streamlit has been idle for a moment: the script is not running and no
# element is still a placeholder. A run that ends in st.rerun() starts the next one at
# once, so one idle reading alone can come between the two.
IDLE = """() => {
  const app = document.querySelector('[data-testid="stApp"]');
  const idle = app !== null && app.getAttribute('data-test-script-state') === 'notRunning'
    && document.querySelector('[data-testid="stSkeleton"]') === null;
  if (!idle) { window.__e2eIdleSince = undefined; return false; }
  if (window.__e2eIdleSince === undefined) window.__e2eIdleSince = performance.now();
  return performance.now() - window.__e2eIdleSince >= 300;
}"""


def settled(page) -> None:
    """Wait until Streamlit has finished running the page's script. Call it after waiting
    for something the run draws: right after a click the run may not have started yet."""
    page.evaluate("window.__e2eIdleSince = undefined")
    page.wait_for_function(IDLE, polling=50, timeout=WAIT_MS)


def sign_in(page, url: str | None, username: str, password: str) -> None:
    """Through the real sign-in form (at `url`, or where the page is): the app shows
    nothing else until then."""
    if url:
        page.goto(url)
    page.get_by_label("User name").fill(username)
    page.get_by_label("Password", exact=True).and_(page.locator("input")).fill(password)
    page.get_by_role("button", name="Sign in").click()
    signed_in = page.get_by_text("Signed in as")
    signed_in.wait_for(timeout=WAIT_MS)
    assert username in signed_in.inner_text(), signed_in.inner_text()


def go_to(page, name: str) -> None:
    """Open a page from the menu (a typed URL would start a new, signed-out browser session)."""
    page.get_by_role("link", name=name).click()


# -- screenshots --------------------------------------------------------------------


MAX_SHOT_HEIGHT = 12_000  # pixels: a long transcript is cut there

# The window height at which nothing scrolls any more: the document's height plus what
# each scrolling element (Streamlit's main area, the sidebar) hides below its edge.
TALLEST = """() => {
  let extra = 0;
  for (const e of document.querySelectorAll('*')) {
    // Text areas and the data grid's own scrollers keep their size on the page.
    if (e.tagName === 'TEXTAREA' || e.closest('[data-testid="stDataFrame"]')) continue;
    if (/(auto|scroll)/.test(getComputedStyle(e).overflowY) && e.scrollHeight > e.clientHeight)
      extra = Math.max(extra, e.scrollHeight - e.clientHeight);
  }
  return document.documentElement.scrollHeight + extra;
}"""


class Shots:
    """`shot(page, "step")` waits until the page is idle, then writes
    <folder>/<test>-<nn>-<step>.png (the whole page, not only the window)."""

    def __init__(self, folder: Path, test: str):
        self.folder, self.test, self.count = folder, test, 0
        self.paths: list[Path] = []

    def __call__(self, page, step: str) -> Path:
        settled(page)  # not halfway through a run
        self.count += 1
        path = self.folder / f"{self.test}-{self.count:02d}-{step}.png"
        # Streamlit scrolls inside its main area, not the document, so a full-page shot
        # alone would stop at the window's edge: make the window as tall as the content.
        size = page.viewport_size
        tall = page.evaluate(TALLEST)
        if size and tall > size["height"]:
            page.set_viewport_size({"width": size["width"], "height": min(tall, MAX_SHOT_HEIGHT)})
        try:
            page.screenshot(path=str(path), full_page=True)
        finally:
            if size and tall > size["height"]:
                page.set_viewport_size(size)
        self.paths.append(path)
        return path
