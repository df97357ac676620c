"""Trainers' labels: storage, the newest wins, the review queue, gold data, record levels."""

from __future__ import annotations

import pytest

from simulator.content.schema import Rubric
from simulator.judge.verdict import CriterionVerdict, Verdict
from simulator.score_of_record import combine_levels
from simulator.store import labels as lb
from simulator.store import repository as repo
from simulator.store.database import open_db
from tests.support.rubrics import RUBRIC

OPENING = "My card was declined at the till. Why?"


@pytest.fixture
def db():
    return open_db(":memory:")


def session(db, rubric_id: str = "mini") -> tuple[str, int]:
    """A session with the customer's opening stored as turn 0; returns (session id, turn 0 id)."""
    session_id = repo.create_session(db, trainee="alex", scenario_id="mini-en", scenario_hash="h", rubric_id=rubric_id)
    opening = repo.add_turn(db, session_id, 0, None)
    repo.update_turn(db, opening, customer_text=OPENING, customer_status="complete")
    return session_id, opening


def reply(db, session_id: str, idx: int, text: str, customer: str = "Fine.") -> int:
    turn_id = repo.add_turn(db, session_id, idx, text)
    repo.update_turn(db, turn_id, customer_text=customer, customer_status="complete")
    return turn_id


def verdict(levels: dict[str, int | None], rubric_id: str = "mini", **fields) -> Verdict:
    criteria = {
        cid: CriterionVerdict(level=level, max_level=2, rationale=f"why {cid}",
                              status="scored" if level is not None else "unscored")
        for cid, level in levels.items()
    }
    scored = all(level is not None for level in levels.values())
    return Verdict(status=fields.pop("status", "scored" if scored else "unscored"), criteria=criteria,
                   rubric_id=rubric_id, model="scripted", score=50.0 if scored else None, **fields)


def graded(db, session_id: str, idx: int, text: str, levels: dict[str, int | None], **fields) -> int:
    turn_id = reply(db, session_id, idx, text)
    repo.save_verdict(db, turn_id, session_id, verdict(levels, **fields))
    return turn_id


def test_labels_are_stored_and_the_newest_per_criterion_wins(db):
    session_id, _ = session(db)
    turn = graded(db, session_id, 1, "I'm sorry. I will unblock it now.", {"emotional_reaction": 2})
    first = lb.add_label(db, turn, "emotional_reaction", 2, "sam", note="warm")
    lb.add_label(db, turn, "ownership_next_step", 1, "sam")
    latest = lb.add_label(db, turn, "emotional_reaction", 1, "kim")
    assert first != latest

    record = lb.labels_for_turn(db, turn)
    assert set(record) == {"emotional_reaction", "ownership_next_step"}
    assert record["emotional_reaction"].level == 1
    assert record["emotional_reaction"].labeller == "kim"
    assert record["emotional_reaction"].rubric_id == "mini"
    assert record["emotional_reaction"].verdict_id is not None
    assert db["labels"].count == 3, "older labels are kept, not overwritten"
    assert db["labels"].get(first)["note"] == "warm"


def test_several_criteria_are_saved_at_once(db):
    session_id, _ = session(db)
    turn = graded(db, session_id, 1, "Sorry.", {"emotional_reaction": 1, "ownership_next_step": 0})
    ids = lb.add_labels(db, turn, {"emotional_reaction": 2, "ownership_next_step": 0}, "  sam  ", note="  ")
    assert len(ids) == 2
    rows = list(db["labels"].rows)
    assert {r["labeller"] for r in rows} == {"sam"} and {r["note"] for r in rows} == {None}


def test_a_turn_without_a_reply_cannot_be_labelled(db):
    _, opening = session(db)
    with pytest.raises(lb.NotLabellable, match="no trainee reply"):
        lb.add_label(db, opening, "emotional_reaction", 1, "sam")
    with pytest.raises(lb.NotLabellable, match="No turn 999"):
        lb.add_label(db, 999, "emotional_reaction", 1, "sam")
    session_id, _ = session(db)
    turn = graded(db, session_id, 1, "Sorry.", {"emotional_reaction": 1})
    with pytest.raises(lb.NotLabellable, match="labeller"):
        lb.add_label(db, turn, "emotional_reaction", 1, " ")
    assert db["labels"].count == 0


def test_an_ungraded_reply_takes_the_sessions_rubric(db):
    session_id, _ = session(db)
    turn = reply(db, session_id, 1, "Sorry.")
    lb.add_label(db, turn, "emotional_reaction", 1, "sam")
    row = lb.labels_for_turn(db, turn)["emotional_reaction"]
    assert row.rubric_id == "mini" and row.verdict_id is None


def test_review_queue_puts_flagged_then_unscored_then_newest_first(db):
    session_id, _ = session(db)
    plain_old = graded(db, session_id, 1, "old plain", {"emotional_reaction": 1})
    flagged = graded(db, session_id, 2, "flagged", {"emotional_reaction": 2}, needs_review=True,
                     review_reasons=["addresses the grader"])
    unscored = graded(db, session_id, 3, "unscored", {"emotional_reaction": None})
    plain_new = graded(db, session_id, 4, "new plain", {"emotional_reaction": 0})
    other_session, _ = session(db, rubric_id="other")
    other = graded(db, other_session, 1, "other rubric", {"x": 1}, rubric_id="other")
    reply(db, session_id, 5, "not graded yet")

    queue = lb.review_queue(db, rubric_id="mini")
    assert [r["turn_id"] for r in queue] == [flagged, unscored, plain_new, plain_old]
    assert queue[0]["needs_review"] == 1 and queue[1]["status"] == "unscored"
    assert queue[0]["trainee"] == "alex" and queue[0]["trainee_text"] == "flagged"
    assert [r["turn_id"] for r in lb.review_queue(db)][-1] in {plain_old, other}
    assert len(lb.review_queue(db)) == 5
    assert [r["turn_id"] for r in lb.review_queue(db, rubric_id="mini", only_flagged=True)] == [flagged]
    assert len(lb.review_queue(db, rubric_id="mini", limit=2)) == 2

    lb.add_label(db, flagged, "emotional_reaction", 2, "sam")
    assert flagged not in [r["turn_id"] for r in lb.review_queue(db, rubric_id="mini")]
    everything = lb.review_queue(db, rubric_id="mini", unlabelled_only=False)
    assert everything[0]["turn_id"] == flagged and everything[0]["labelled"] == 1


def test_review_queue_uses_the_latest_verdict(db):
    session_id, _ = session(db)
    turn = graded(db, session_id, 1, "regraded", {"emotional_reaction": None})
    repo.save_verdict(db, turn, session_id, verdict({"emotional_reaction": 1}))
    [row] = lb.review_queue(db, rubric_id="mini")
    assert row["status"] == "scored"
    assert row["verdict_id"] == max(r["id"] for r in db["verdicts"].rows)


def test_gold_from_labels_uses_the_customer_message_answered_and_newest_levels(db):
    session_id, _ = session(db)
    first = graded(db, session_id, 1, "I'm sorry about the till.", {"emotional_reaction": 2})
    db["turns"].update(first, {"customer_text": "And what now?"})
    second = graded(db, session_id, 2, "I will unblock it in five minutes.", {"emotional_reaction": 1})
    graded(db, session_id, 3, "never labelled", {"emotional_reaction": 1})
    lb.add_label(db, first, "emotional_reaction", 1, "sam")
    lb.add_label(db, first, "emotional_reaction", 2, "kim")
    lb.add_labels(db, second, {"emotional_reaction": 0, "ownership_next_step": 2}, "sam")

    gold = lb.gold_from_labels(db, "mini")
    assert [g.id for g in gold] == [first, second]
    assert gold[0].context == OPENING and gold[0].reply == "I'm sorry about the till."
    assert gold[0].labels == {"emotional_reaction": 2}
    assert gold[1].context == "And what now?"
    assert gold[1].labels == {"emotional_reaction": 0, "ownership_next_step": 2}
    assert lb.gold_from_labels(db, "other") == []
    assert lb.customer_message_before(db, second) == "And what now?"


def test_record_levels_prefer_the_human_label_and_keep_the_judge_level(db):
    session_id, _ = session(db)
    turn = graded(db, session_id, 1, "Sorry.", {"emotional_reaction": 2, "ownership_next_step": None})
    shown = repo.get_turn(db, turn).verdict
    assert combine_levels(shown, lb.labels_for_turn(db, turn)) == {
        "emotional_reaction": {"judge": 2, "human": None, "record": 2, "source": "judge"},
        "ownership_next_step": {"judge": None, "human": None, "record": None, "source": "judge"},
    }
    lb.add_labels(db, turn, {"emotional_reaction": 1, "ownership_next_step": 0, "extra": 1}, "sam")
    record = combine_levels(shown, lb.labels_for_turn(db, turn))
    assert record["emotional_reaction"] == {"judge": 2, "human": 1, "record": 1, "source": "human"}
    assert record["ownership_next_step"] == {"judge": None, "human": 0, "record": 0, "source": "human"}
    assert record["extra"]["source"] == "human" and record["extra"]["judge"] is None
    assert combine_levels(None, lb.labels_for_turn(db, turn))["emotional_reaction"]["record"] == 1


def test_stored_agreement_compares_stored_levels_without_a_model(db):
    rubric = Rubric.model_validate(RUBRIC)
    session_id, _ = session(db)
    pairs = [(2, 2), (1, 1), (0, 1), (2, None)]  # (human, judge); None = judge left it unscored
    for i, (human, judge) in enumerate(pairs, start=1):
        turn = graded(db, session_id, i, f"reply {i}", {"emotional_reaction": judge})
        lb.add_label(db, turn, "emotional_reaction", human, "sam")
    ungraded = reply(db, session_id, len(pairs) + 1, "never graded")
    lb.add_label(db, ungraded, "emotional_reaction", 0, "sam")

    result = lb.stored_agreement(db, rubric)
    assert set(result) == {"emotional_reaction"}
    er = result["emotional_reaction"]
    assert (er.n, er.unscored, er.exact) == (3, 1, round(2 / 3, 3))
    assert er.confusion == [[0, 1, 0], [0, 1, 0], [0, 0, 1]]
