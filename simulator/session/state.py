"""Where a turn stands, read from its stored row: waiting for the customer, being graded,
stale; the transcript and the facts earned so far. Pages poll these; nothing here writes."""

from __future__ import annotations

from typing import Literal

from simulator.store.records import CustomerStatus, Turn

PENDING_STALE_SECONDS = 300
#: A reply with no verdict and no live grading claim (store/grading.py) still counts as on
#: its way this long after its turn last changed: its grading is about to be queued (a
#: local model grades after the customer's message). After that nobody is grading it.
UNCLAIMED_GRACE_SECONDS = 60


#: Customer messages that may be asked for again.
RETRY_STATUSES: tuple[CustomerStatus, ...] = ("incomplete", "interrupted", "failed")


def seconds_since(stamp: str) -> float:
    from datetime import datetime

    moment = datetime.fromisoformat(stamp)
    return (datetime.now(moment.tzinfo) - moment).total_seconds()


def is_stale(turn: Turn) -> bool:
    """A customer message still pending long after its reply was stored will never come."""
    return seconds_since(turn.updated_at or turn.created_at) > PENDING_STALE_SECONDS


GradeState = Literal["scored", "unscored", "grading", "missing"]


def grade_state(turn: Turn) -> GradeState | None:
    """Where a reply's verdict stands (None: the customer's opening, no reply to grade).

    grading: a live process is grading it (store/grading.py), also when an earlier verdict
    was unscored and it is being graded again; or it has no verdict yet and its turn changed
    within UNCLAIMED_GRACE_SECONDS (its grading is about to start), or its customer message
    is still streaming (a local model grades after it). missing: no verdict and nobody is
    grading it (the process stopped). Only unscored and missing replies are graded again.
    """
    if not turn.trainee_text:
        return None
    verdict = turn.verdict
    if verdict is not None and verdict.status == "scored":
        return "scored"  # its feedback may still be coming (feedback_coming), its levels stand
    if turn.grading:
        return "grading"
    if verdict is not None:
        return "scored" if verdict.status == "scored" else "unscored"
    if turn.customer_status == "pending" and not is_stale(turn):
        return "grading"
    if seconds_since(turn.updated_at or turn.created_at) <= UNCLAIMED_GRACE_SECONDS:
        return "grading"
    return "missing"


def feedback_coming(turn: Turn) -> bool:
    """The reply's levels are stored and its feedback is being written by a live process."""
    verdict = turn.verdict
    return bool(verdict is not None and verdict.feedback_state == "pending" and turn.grading)


def progress(turns: list[Turn]) -> tuple:
    """What a page drew from the turns, in a form to compare: a page that polls redraws as
    soon as this changes (a verdict arrived, a customer message was stored)."""
    return tuple((t.id, t.customer_status, grade_state(t),
                  None if t.verdict is None else (t.verdict.status, t.verdict.score, t.verdict.feedback_state))
                 for t in turns)


def needs_customer(turn: Turn) -> bool:
    """The customer's message for this reply failed, was cut off or will never come."""
    status = turn.customer_status
    return status in RETRY_STATUSES or (status == "pending" and is_stale(turn))


def earned_facts(turns: list[Turn]) -> set[str]:
    return {fact for turn in turns for fact in turn.facts_earned}


def transcript_of(turns: list[Turn]) -> list[tuple[str, str]]:
    lines: list[tuple[str, str]] = []
    for turn in turns:
        if turn.trainee_text:
            lines.append(("agent", turn.trainee_text))
        if turn.customer_text:
            lines.append(("customer", turn.customer_text))
    return lines
