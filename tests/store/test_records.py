"""The read model (store/records.py): typed turns and sessions, loaded in a fixed number
of queries however long the session is."""

from __future__ import annotations

import pydantic
import pytest

from simulator.judge.verdict import CriterionVerdict, Verdict
from simulator.roleplay.facts import FactCheck
from simulator.store import labels as lb
from simulator.store import records
from simulator.store import repository as repo
from simulator.store.database import open_db
from simulator.store.grading import claims


@pytest.fixture
def db(tmp_path):
    return open_db(tmp_path / "records.db")


def a_session(db, replies: int) -> str:
    session_id = repo.create_session(db, trainee="alex", scenario_id="mini-en", scenario_hash="h", rubric_id="mini")
    opening = repo.add_turn(db, session_id, 0, None)
    repo.update_turn(db, opening, customer_text="My card was declined.", customer_status="complete",
                     anger=6, anxiety=4, trust=4, mood_step="opening")
    for idx in range(1, replies + 1):
        turn_id = repo.add_turn(db, session_id, idx, f"Reply {idx}.")
        repo.update_turn(db, turn_id, customer_text=f"Answer {idx}.", customer_status="complete",
                         anger=5, anxiety=3, trust=5, mood_step="verdict",
                         guard_events=[{"attempt": 1, "kind": "narration", "detail": "*sighs*"}],
                         facts_earned=["rent"], fact_check=FactCheck(earned=["rent"], by_phrase=["rent"]).model_dump())
        for score in (40.0, 80.0):  # the latest verdict is the one a turn carries
            repo.save_verdict(db, turn_id, session_id, Verdict(
                status="scored", score=score, criteria={"warmth": CriterionVerdict(level=int(score // 40), max_level=2)}))
    return session_id


def queries_of(db, read) -> int:
    seen = []
    db.conn.set_trace_callback(seen.append)
    try:
        read()
    finally:
        db.conn.set_trace_callback(None)
    return sum(1 for s in seen if s.lstrip().upper().startswith("SELECT"))


def test_a_sessions_turns_load_in_the_same_few_queries_however_many_there_are(db):
    short, long = a_session(db, 1), a_session(db, 12)
    assert queries_of(db, lambda: records.load_turns(db, short)) == 5
    assert queries_of(db, lambda: records.load_turns(db, long)) == 5
    assert len(records.load_turns(db, long)) == 13


def test_turns_are_typed_with_their_latest_verdict_labels_and_mood(db):
    session_id = a_session(db, 2)
    first_reply = records.load_turns(db, session_id)[1]
    lb.add_label(db, first_reply.id, "warmth", 1, "sam")
    lb.add_label(db, first_reply.id, "warmth", 2, "kim")
    opening, reply, second = records.load_turns(db, session_id)
    assert opening.trainee_text is None and opening.mood_step == "opening" and opening.verdict is None
    assert reply.verdict.score == 80.0 and reply.verdict.criteria["warmth"].level == 2
    assert reply.labels["warmth"].level == 2 and reply.labels["warmth"].labeller == "kim"
    assert second.labels == {} and not reply.grading
    assert reply.guard_events == [records.GuardEvent(attempt=1, kind="narration", detail="*sighs*")]
    assert reply.fact_check == FactCheck(earned=["rent"], by_phrase=["rent"]) and reply.facts_earned == ["rent"]
    assert reply.mood.model_dump() == {"anger": 5, "anxiety": 3, "trust": 5} and reply.mood_step == "verdict"
    assert records.load_turn(db, reply.id) == reply


def test_a_live_grading_claim_shows_on_the_turn(tmp_path):
    store = repo.Store(tmp_path / "claims.db")
    session_id = a_session(store.db, 1)
    turn_id = records.load_turns(store.db, session_id)[1].id
    assert claims.claim(store, turn_id, session_id)
    try:
        assert records.load_turns(store.db, session_id)[1].grading
    finally:
        claims.release(store, turn_id)
    assert not records.load_turns(store.db, session_id)[1].grading


def test_an_unknown_status_in_the_database_is_an_error_not_a_guess(db):
    session_id = a_session(db, 1)
    db.execute("update turns set customer_status = 'mystery' where idx = 1")
    db.conn.commit()
    with pytest.raises(pydantic.ValidationError, match="customer_status"):
        records.load_turns(db, session_id)


def test_the_read_model_holds_every_stored_column(db):
    """A column added by a migration must reach the pages: the read model names it."""
    for table, model in (("turns", records.Turn), ("sessions", records.SessionRecord)):
        missing = {c.name for c in db[table].columns} - set(model.model_fields)
        assert missing == set(), f"{table} columns not in {model.__name__}: {sorted(missing)}"


def test_a_session_record(db):
    session_id = a_session(db, 1)
    record = records.load_session(db, session_id)
    assert (record.trainee, record.status, record.trial) == ("alex", "active", False)
    assert records.load_session(db, "nope") is None
