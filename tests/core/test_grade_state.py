"""Where a reply's verdict stands, as a page shows it (issue 14, item 1): a reply that is
being graded is never called unscored, however long its grading takes; a reply nobody
grades any more is offered for grading again; a verdict shows as soon as it is stored."""

import json
import threading
from datetime import UTC, datetime, timedelta

import pytest

from simulator import regrade
from simulator.session import GradingBusy, TrainingSession, grade_state, progress
from simulator.store import grading

GOOD = json.dumps({"evidence": ["sorry we declined"], "rationale": "You are specific.", "level": 2})
FEEDBACK = json.dumps({"tip": "Keep going.", "better_reply": "Sorry we declined your card."})
REPLY = "I am sorry we declined your card: I will unblock it by 5 pm."


def age(services, turn_id, minutes):
    """Pretend the turn was sent `minutes` ago (as when the judge waited behind the customer)."""
    stamp = (datetime.now(UTC) - timedelta(minutes=minutes)).isoformat(timespec="milliseconds")
    services.store.db.execute("update turns set created_at = ?, updated_at = ? where id = ?", [stamp, stamp, turn_id])
    services.store.db.conn.commit()


def blocked_judge(judge_model, release: threading.Event, gates: dict[str, threading.Event] | None = None):
    """The judge answers once `release` is set; with `gates` (reply -> event), each call
    waits for the event of the reply it grades (two gradings share one queue)."""
    def slow(request):
        text = request.messages[-1].content
        gate = next((event for reply, event in (gates or {}).items() if reply in text), release)
        gate.wait(30)
        return FEEDBACK if request.schema_name == "feedback" else GOOD
    judge_model.enqueue(*[slow] * 3)


def sent_while_the_judge_waits(services, judge_model):
    """A session with one reply whose grading is held until the returned event is set."""
    session = TrainingSession.start(services, "mini-en", trainee="ana")
    release = threading.Event()
    blocked_judge(judge_model, release)
    pending = session.submit(REPLY)
    "".join(pending.stream_customer())
    return session, pending, release, session.turns()[1].id


def test_a_reply_graded_for_minutes_is_grading_never_unscored(services, customer_model, judge_model):
    session, pending, release, turn_id = sent_while_the_judge_waits(services, judge_model)
    age(services, turn_id, minutes=10)  # longer than any wait the page used to allow
    turn = session.turns()[1]
    assert grade_state(turn) == "grading" and session.grading()
    assert session.ungraded() == []
    assert turn_id not in [row["turn_id"] for row in regrade.waiting(services)]
    with pytest.raises(GradingBusy):  # never graded a second time meanwhile
        session.regrade(turn_id)
    release.set()
    assert pending.result().verdict.status == "scored"
    turn = session.turns()[1]
    assert grade_state(turn) == "scored" and not session.grading()
    assert grading.live_turns(services.store.db) == set()  # the claim went with the verdict


def test_a_reply_whose_grader_died_is_offered_again(services, customer_model, judge_model):
    session, pending, release, turn_id = sent_while_the_judge_waits(services, judge_model)
    age(services, turn_id, minutes=10)
    # The process that held the claim stopped beating (it died): the claim counts for nothing.
    dead = (datetime.now(UTC) - timedelta(seconds=grading.LIVE_SECONDS + 5)).isoformat(timespec="milliseconds")
    services.store.db.execute("update grading set beat_at = ?, worker = 'gone'", [dead])
    services.store.db.conn.commit()
    assert grade_state(session.turns()[1]) == "missing"
    assert [t.id for t in session.ungraded()] == [turn_id]
    release.set()
    pending.result()


def test_a_fresh_reply_without_a_claim_yet_is_grading(services, customer_model, judge_model):
    session = TrainingSession.start(services, "mini-en", trainee="ana")
    release = threading.Event()
    blocked_judge(judge_model, release)  # a verdict cannot land before we look
    pending = session.submit(REPLY)
    turn = session.turns()[1]
    assert grade_state(turn) == "grading"  # the customer is still answering; grading follows
    release.set()
    "".join(pending.stream_customer())
    pending.result()


def test_progress_changes_when_an_earlier_verdict_arrives_while_a_later_one_is_graded(
        services, customer_model, judge_model):
    session = TrainingSession.start(services, "mini-en", trainee="ana")
    first, second = threading.Event(), threading.Event()
    later = "Can you tell me what happened at the till?"
    gates = {REPLY: first, later: second}
    blocked_judge(judge_model, first, gates)
    one = session.submit(REPLY)
    "".join(one.stream_customer())
    blocked_judge(judge_model, second, gates)
    two = session.submit(later)
    "".join(two.stream_customer())
    drawn = progress(session.turns())
    assert [grade_state(t) for t in session.turns()] == [None, "grading", "grading"]
    first.set()
    one.result()
    now = progress(session.turns())
    assert now != drawn, "the page would keep showing the first reply as not graded"
    assert [grade_state(t) for t in session.turns()] == [None, "scored", "grading"]
    second.set()
    two.result()


def test_the_levels_show_while_the_feedback_is_still_being_written(services, judge_model):
    """The verdict's levels are stored as soon as they stand; the tip and the better reply
    follow (issue 15: the feedback never delays the levels)."""
    judge_model.readings = lambda request: {"2": -0.1, "1": -2.5}
    judge_model.logprobs = True
    release = threading.Event()

    def slow_feedback(request):
        release.wait(30)
        return json.dumps({"tip": "Say when the card works again.",
                           "better_reply": "Being refused at the till is awful. Your card works again now; "
                                           "what happened when you tried to pay?"})

    judge_model.enqueue(slow_feedback)
    session = TrainingSession.start(services, "mini-en", trainee="ana")
    pending = session.submit(REPLY)
    "".join(pending.stream_customer())
    assert pending.settled(timeout=10)  # the mood and the end check move with the levels
    turn = session.turns()[1]
    assert turn.verdict.status == "scored" and turn.verdict.feedback_state == "pending"
    assert turn.verdict.method == "logprobs" and turn.verdict.tip == ""
    assert grade_state(turn) == "scored" and session.grading()  # the page keeps polling for the words
    drawn = progress(session.turns())
    release.set()
    assert pending.result().verdict.status == "scored"
    for _ in range(100):
        if session.turns()[1].verdict.feedback_state == "done":
            break
        threading.Event().wait(0.05)
    turn = session.turns()[1]
    assert turn.verdict.tip == "Say when the card works again." and not session.grading()
    assert progress(session.turns()) != drawn


def test_the_tip_is_stored_while_it_is_being_written(services, judge_model, monkeypatch):
    """The page reads the tip along as the model writes it; the better reply waits for its checks."""
    from simulator.session import steps as session_module
    from simulator.store import repository

    judge_model.readings = lambda request: {"2": -0.1, "1": -2.5}
    judge_model.logprobs = True
    judge_model.enqueue(json.dumps({"tip": "Say when the card works again, and by what time.",
                                    "better_reply": "Being refused at the till is awful. Your card works again "
                                                    "now; what happened when you tried to pay?"}))
    monkeypatch.setattr(session_module, "TIP_SAVE_SECONDS", 0.0)
    saved = []
    original = repository.save_feedback
    monkeypatch.setattr(repository, "save_feedback",
                        lambda db, vid, tip, better, state: (saved.append((tip, better, state)),
                                                             original(db, vid, tip, better, state)))
    session = TrainingSession.start(services, "mini-en", trainee="ana")
    pending = session.submit(REPLY)
    "".join(pending.stream_customer())
    assert pending.result().verdict.status == "scored"
    partial = [(tip, better) for tip, better, state in saved if state == "pending"]
    assert len(partial) > 2 and all(better == "" for _, better in partial)
    assert all("Say when the card works again, and by what time.".startswith(tip) for tip, _ in partial)
    assert saved[-1][2] == "done" and saved[-1][1].startswith("Being refused")
