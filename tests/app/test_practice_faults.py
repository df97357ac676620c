"""The practice page after a fault: a clear message and a button to try again, never a
stack trace, and nothing the trainee wrote is lost."""

from __future__ import annotations

import os
import sqlite3

from simulator.app import state
from simulator.judge.verdict import Verdict
from simulator.store import repository as repo
from simulator.store.repository import Store
from tests.support.pages import REPLY, app, click, ok, reply, start, texts


def last_turn(session_id: str) -> dict:
    return repo.get_turns(Store(os.environ["EMPATHY_SIM_DB"]).db, session_id)[-1]


def test_a_failed_customer_message_can_be_asked_for_again(db):
    at = start(app())
    reply(at, REPLY)
    session_id = at.session_state[state.SESSION_ID]
    turn = last_turn(session_id)
    # What a model that stayed down leaves behind (see tests/core/test_session_faults.py).
    repo.update_turn(Store(db).db, turn.id, customer_status="failed", customer_text=None,
                     guard_events=[{"attempt": 1, "kind": "model_unavailable",
                                    "detail": "cannot reach the model server; check that it is running"}])
    ok(at.run())
    assert any("could not be generated" in w.value for w in at.warning)
    assert any("cannot reach the model server" in c.value for c in at.caption)
    assert REPLY in texts(at)  # the reply is still there
    click(at, "Ask the customer again")
    again = last_turn(session_id)
    assert again.customer_status == "complete" and again.customer_text
    assert again.id == turn.id  # the same turn, not a second one
    assert not any("could not be generated" in w.value for w in at.warning)


def test_an_unscored_verdict_can_be_graded_again(db):
    at = start(app())
    reply(at, REPLY)
    session_id = at.session_state[state.SESSION_ID]
    turn = last_turn(session_id)
    repo.save_verdict(Store(db).db, turn.id, session_id,
                      Verdict(status="unscored", reason="judge failed: HTTP 500"))
    ok(at.run())
    assert "Feedback: Unscored" in [e.label for e in at.expander]
    click(at, "Grade again (1 unscored)")
    assert last_turn(session_id).verdict.status == "scored"
    assert not [b for b in at.button if b.label.startswith("Grade again")]


def test_a_reply_the_database_refused_is_kept_to_send_again(db, monkeypatch):
    at = start(app())
    session_id = at.session_state[state.SESSION_ID]
    real_add_turn = repo.add_turn

    def read_only(*args, **kwargs):
        raise sqlite3.OperationalError("attempt to write a readonly database")

    monkeypatch.setattr(repo, "add_turn", read_only)
    reply(at, REPLY)
    assert any("was not sent" in e.value and "read\\-only" in e.value for e in at.error)
    assert REPLY in texts(at)  # shown under "Not sent yet", not lost
    assert len(repo.get_turns(Store(db).db, session_id)) == 1

    monkeypatch.setattr(repo, "add_turn", real_add_turn)
    click(at, "Send again")
    turns = repo.get_turns(Store(db).db, session_id)
    assert len(turns) == 2 and turns[1].trainee_text == REPLY
    assert not [b for b in at.button if b.label == "Send again"]


def test_a_double_submit_is_stored_once(db):
    at = start(app())
    reply(at, REPLY)
    reply(at, REPLY)  # the same text again right away: a double click, a second tab
    session_id = at.session_state[state.SESSION_ID]
    turns = repo.get_turns(Store(db).db, session_id)
    assert [t.trainee_text for t in turns].count(REPLY) == 1
    assert any("already sent" in i.value for i in at.info)


def test_a_customer_message_still_on_its_way_is_waited_for(db):
    at = start(app())
    reply(at, REPLY)
    session_id = at.session_state[state.SESSION_ID]
    # Another tab (or the run before a reload) is generating the next message right now.
    turn_id = repo.add_turn(Store(db).db, session_id, 2, "Is there anything else?")
    ok(at.run())
    assert "The customer is still answering…" in [c.value for c in at.caption]
    reply(at, "And one more thing.")  # typed meanwhile: kept, not lost, not stored twice
    assert any("has not answered your last reply yet" in e.value for e in at.error)
    assert "And one more thing." in texts(at)
    assert len(repo.get_turns(Store(db).db, session_id)) == 3
    repo.update_turn(Store(db).db, turn_id, customer_status="complete", customer_text="No, that is all.")
    ok(at.run())
    assert "No, that is all." in texts(at)
    click(at, "Send again")
    assert repo.get_turns(Store(db).db, session_id)[-1].trainee_text == "And one more thing."
