"""The way into the app for page tests (Streamlit's AppTest, scripted models): the app
signed in, and the steps every page test takes (start a session, reply, click).

The environment these helpers expect (a fresh database, scripted models, the content in
FIXTURES) is the `db` fixture of tests/conftest.py; bench/page_queries.py sets it up itself.
"""

from __future__ import annotations

import os
from datetime import datetime, timezone
from pathlib import Path

from streamlit.testing.v1 import AppTest

from simulator import accounts
from simulator.app import state
from simulator.store.repository import Store

ROOT = Path(__file__).resolve().parents[2]
#: The page tests' content: three small scenarios and their rubric.
FIXTURES = ROOT / "tests" / "app" / "fixtures"
MAIN = ROOT / "simulator" / "app" / "main.py"
TIMEOUT = 20
REPLY = "I'm sorry, that sounds embarrassing. I will lift the block on your card now."


def app(user: str = "trainee", roles: tuple[str, ...] = ("trainee", "trainer", "admin")) -> AppTest:
    """The app, signed in as `user` (created with `roles` on first use); user=None: signed out."""
    at = AppTest.from_file(str(MAIN), default_timeout=TIMEOUT)
    if user is not None:
        sign_in_as(at, user, roles)
    return at


def sign_in_as(at: AppTest, username: str, roles) -> None:
    db = Store(os.environ["EMPATHY_SIM_DB"]).db
    user = accounts.find_user(db, username) or accounts.create_user(db, username, "a long test password", list(roles))
    now = datetime.now(timezone.utc)
    at.session_state[state.USER_ID] = user.id
    at.session_state[state.SIGNED_IN_AT] = now
    at.session_state[state.LAST_SEEN] = now


def ok(at: AppTest) -> AppTest:
    assert not at.exception, [e.value for e in at.exception]
    return at


def click(at: AppTest, label: str) -> AppTest:
    [button] = [b for b in at.button if b.label == label]
    return ok(button.click().run())


def texts(at: AppTest) -> list[str]:
    return [t.value for t in at.text]


def start(at: AppTest) -> AppTest:
    ok(at.run())
    assert at.selectbox(key=state.SCENARIO_CHOICE).value == "frozen-card"
    return click(at, "Start")


def reply(at: AppTest, text: str) -> AppTest:
    return ok(at.chat_input[0].set_value(text).run())
