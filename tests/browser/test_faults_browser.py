"""Faults in a real browser: a reload while the customer is answering, and two tabs
driving one session. The customer and judge are the OpenAI-compatible test server
(tests/support/openai_test_server.py) with a slow stream, so there is time to reload.

Screenshots: see tests/browser/conftest.py (`$EMPATHY_SIM_SCREENSHOTS` or pytest's
temporary folder, printed at the end of the run).
"""

from __future__ import annotations

import re
import sqlite3

import pytest
from playwright.sync_api import expect

from tests.support.browser import VIEWPORT, WAIT_MS, app_server, create_accounts, settled, sign_in
from tests.support.openai_test_server import OpenAITestServer

pytestmark = pytest.mark.browser

USER, PASSWORD = "rita", "a long test password"
REPLY = "I'm so sorry about the card. Can you tell me what happened at the till?"


@pytest.fixture(scope="module")
def slow_app(tmp_path_factory):
    """The app on a model server that streams slowly (about 8 s per customer message)."""
    db = tmp_path_factory.mktemp("faults") / "faults.db"
    create_accounts(db, {USER: (PASSWORD, ["trainee"])})
    with OpenAITestServer(latency_ms=300, token_delay_ms=400) as server:
        # generated: every customer message comes from the (slow) model, so there is a stream to cut
        models = {"EMPATHY_SIM_CUSTOMER_MODEL": server.spec(), "EMPATHY_SIM_JUDGE_MODEL": server.spec(),
                  "EMPATHY_SIM_CUSTOMER_MODE": "generated"}
        with app_server(db, models=models) as url:
            yield url, db


def turns(db, session: str) -> list[sqlite3.Row]:
    with sqlite3.connect(db) as conn:
        conn.row_factory = sqlite3.Row
        return conn.execute("select * from turns where session_id = ? order by idx", [session]).fetchall()


def start(page, url: str) -> str:
    sign_in(page, url, USER, PASSWORD)
    page.get_by_role("button", name="Start").click()
    page.wait_for_url(re.compile(r"[?&]session=[0-9a-f]+"), timeout=WAIT_MS)
    page.get_by_placeholder("Your reply to the customer").wait_for()
    return re.search(r"[?&]session=([0-9a-f]+)", page.url).group(1)


def send(page, text: str) -> None:
    box = page.get_by_placeholder("Your reply to the customer")
    box.fill(text)
    box.press("Enter")


def test_a_reload_while_the_customer_answers_loses_nothing(slow_app, page, shot):
    url, db = slow_app
    session = start(page, url)
    send(page, REPLY)
    page.get_by_text("▍").wait_for()  # the customer's message is streaming
    shot(page, "streaming")
    page.reload()  # the browser session goes; the URL keeps the session id
    sign_in(page, None, USER, PASSWORD)
    expect(page.get_by_text(REPLY, exact=True)).to_be_visible()
    shot(page, "after-reload")
    stored = turns(db, session)
    assert len(stored) == 2 and stored[1]["trainee_text"] == REPLY
    # Either the run the reload ended kept going and its message is stored (the page waits
    # for it: "still answering"), or it was cut off and the page offers to ask again.
    retry = page.get_by_role("button", name="Ask the customer again")
    waiting = page.get_by_text("The customer is still answering…")
    box = page.get_by_placeholder("Your reply to the customer")
    expect(retry.or_(waiting).or_(box)).to_be_visible(timeout=WAIT_MS)
    shot(page, "state-after-reload")
    if retry.count():
        retry.click()
    page.get_by_placeholder("Your reply to the customer").wait_for(timeout=WAIT_MS)
    settled(page)
    shot(page, "answered")
    stored = turns(db, session)
    assert len(stored) == 2, "still one reply: the reload made no second turn"
    assert stored[1]["customer_status"] == "complete" and stored[1]["customer_text"]
    expect(page.get_by_text(stored[1]["customer_text"], exact=True)).to_be_visible()


def test_two_tabs_on_one_session_store_one_reply(slow_app, browser, shot):
    url, db = slow_app
    first = browser.new_context(viewport=VIEWPORT).new_page()
    second = browser.new_context(viewport=VIEWPORT).new_page()
    try:
        for tab in (first, second):
            tab.set_default_timeout(WAIT_MS)
        session = start(first, url)
        sign_in(second, f"{url}/?session={session}", USER, PASSWORD)
        second.get_by_placeholder("Your reply to the customer").wait_for()
        shot(first, "tab-one")
        shot(second, "tab-two")
        send(first, "Tab one: I am sorry, let me look at this right away.")
        send(second, "Tab two: I understand, that sounds stressful.")
        refused = re.compile("has not answered your last reply yet|was just sent")
        first.get_by_text(refused).or_(first.get_by_text("Tab one: I am sorry", exact=False)).first.wait_for()
        second.get_by_text(refused).or_(second.get_by_text("Tab two: I understand", exact=False)).first.wait_for()
        settled(first)
        settled(second)
        shot(first, "tab-one-after")
        shot(second, "tab-two-after")
        stored = turns(db, session)
        replies = [t["trainee_text"] for t in stored if t["trainee_text"]]
        assert len(replies) == 1 and replies[0].startswith("Tab "), replies
        loser = second if replies[0].startswith("Tab one") else first
        expect(loser.get_by_text(refused)).to_be_visible()  # told why, not a stack trace
        assert loser.locator('[data-testid="stException"]').count() == 0
    finally:
        first.context.close()
        second.context.close()
