"""Verdicts that take their time, in a real browser (issue 14, item 1): while a reply is
graded the page says so (never "unscored", no "Grade again"), and each verdict shows
within a poll of being stored, even while a later reply is still being graded.

The customer is a fast OpenAI-compatible test server; the judge a slow one (every call
takes JUDGE_LATENCY_MS), so the first reply's verdict lands while the second's is still
on its way.
"""

from __future__ import annotations

import re
import sqlite3
import time

import pytest
from playwright.sync_api import expect

from tests.support.browser import app_server, create_accounts, settled, sign_in
from tests.support.openai_test_server import OpenAITestServer

pytestmark = pytest.mark.browser

USER, PASSWORD = "vera", "a long test password"
JUDGE_LATENCY_MS = 3000
FIRST = "I'm so sorry about the card. Can you tell me what happened at the till?"
SECOND = "Thank you for telling me. I will look at the block right now and stay with you."
# A poll (2 s) plus a page run, with room for a busy machine.
SHOWN_WITHIN_MS = 8000


@pytest.fixture(scope="module")
def slow_judge_app(tmp_path_factory):
    db = tmp_path_factory.mktemp("verdicts") / "verdicts.db"
    create_accounts(db, {USER: (PASSWORD, ["trainee"])})
    with OpenAITestServer(latency_ms=100) as customer, OpenAITestServer(latency_ms=JUDGE_LATENCY_MS) as judge:
        models = {"EMPATHY_SIM_CUSTOMER_MODEL": customer.spec(), "EMPATHY_SIM_JUDGE_MODEL": judge.spec()}
        with app_server(db, models=models) as url:
            yield url, db


def verdicts(db, session: str) -> dict[int, str]:
    """Turn index -> status of its latest verdict, for the session's replies."""
    with sqlite3.connect(db) as conn:
        rows = conn.execute(
            "select t.idx, v.status from turns t join verdicts v on v.turn_id = t.id "
            "where t.session_id = ? order by v.id", [session]).fetchall()
    return dict(rows)


def send_and_wait_for_the_customer(page, text: str) -> None:
    box = page.get_by_placeholder("Your reply to the customer")
    box.fill(text)
    box.press("Enter")
    page.get_by_text(text, exact=True).wait_for()
    page.get_by_placeholder("Your reply to the customer").wait_for()
    settled(page)


def test_each_verdict_shows_when_stored_and_a_reply_being_graded_is_never_unscored(slow_judge_app, page, shot):
    url, db = slow_judge_app
    sign_in(page, url, USER, PASSWORD)
    page.get_by_role("button", name="Start").click()
    page.wait_for_url(re.compile(r"[?&]session=[0-9a-f]+"))
    session = re.search(r"[?&]session=([0-9a-f]+)", page.url).group(1)
    send_and_wait_for_the_customer(page, FIRST)
    expect(page.get_by_text("Feedback: being graded…").first).to_be_visible()
    time.sleep(JUDGE_LATENCY_MS / 1000)  # the first verdict gets a head start over the second
    send_and_wait_for_the_customer(page, SECOND)
    shot(page, "two-replies-grading")
    expect(page.get_by_role("button", name=re.compile("Grade again"))).to_have_count(0)
    expect(page.get_by_text(re.compile("Unscored|not graded"))).to_have_count(0)

    deadline = time.time() + 120
    while 1 not in verdicts(db, session) and time.time() < deadline:
        time.sleep(0.2)
    stored = verdicts(db, session)
    assert stored.get(1) == "scored", stored
    assert 2 not in stored, "the second verdict came too soon for the test to tell anything"
    first_feedback = page.get_by_text(re.compile(r"^Feedback: \d+/100$"))
    expect(first_feedback).to_have_count(1, timeout=SHOWN_WITHIN_MS)
    shot(page, "first-verdict-shown")
    expect(page.get_by_text("Feedback: being graded…")).to_have_count(1)
    expect(page.get_by_text(re.compile("Unscored|not graded"))).to_have_count(0)

    while 2 not in verdicts(db, session) and time.time() < deadline:
        time.sleep(0.2)
    expect(page.get_by_text(re.compile(r"^Feedback: \d+/100$"))).to_have_count(2, timeout=SHOWN_WITHIN_MS)
    expect(page.get_by_role("button", name=re.compile("Grade again"))).to_have_count(0)
    shot(page, "both-verdicts-shown")
