"""The steps of one turn, in order, each a function of the turn's state:

    begin → check_facts → customer_stream → store_customer → grade_levels → store_levels
          → write_feedback → settle

`begin` reads what the turn starts from (the stored turns before it) and reads the reply
in code, so the customer's mood moves before any model is called. Each later step fills
in its part of the `TurnState` and stores it; `settle` runs once both the customer's
message and the verdict are in. Which thread runs which step, and when, is `turn.py`'s
business (PendingTurn); nothing here waits, locks or starts a thread.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from simulator.judge.verdict import Verdict
from simulator.llm.base import ChatRequest, Completion, recording_calls
from simulator.roleplay import facts as fact_checks
from simulator.roleplay import mood as moods
from simulator.roleplay import plan as plans
from simulator.roleplay.customer import CustomerMessage, CustomerStream
from simulator.roleplay.facts import FactCheck, earned_in_order, told_turns
from simulator.roleplay.mood import MoodState
from simulator.session.services import call_role
from simulator.session.state import earned_facts, transcript_of
from simulator.store import repository as repo
from simulator.store import usage
from simulator.store.database import db_errors
from simulator.store.records import Turn

if TYPE_CHECKING:
    from simulator.session.training import TrainingSession

JUDGE_CONTEXT_LINES = 2
JUDGE_CONTEXT_CHARS = 300
# How often the tip is stored while the model writes it (the page reads along).
TIP_SAVE_SECONDS = 0.5

Calls = list[tuple[ChatRequest, Completion]]


@dataclass
class TurnState:
    """One turn as its steps fill it in."""

    turn_id: int
    index: int
    reply: str
    #: The conversation before the reply, and the customer message it answers.
    history: list[tuple[str, str]]
    customer_said: str
    #: The last lines before that message, as the judge sees them.
    judge_context: list[tuple[str, str]]
    #: The trainee's own earlier replies: the judge reports when a reply repeats them.
    earlier_replies: list[str]
    earned_before: set[str]
    earned_order: list[str]
    told_before: set[str]
    #: What the reply did to the customer, read in code, and the mood it left (the
    #: "reaction": stored with the customer's message, before any verdict).
    move: plans.Move
    move_why: list[str]
    reaction: MoodState
    fact_check: FactCheck | None = None
    #: The model's part of the fact check is still to come (a shared local model runs it
    #: after the customer's message).
    late_facts: bool = False
    plan: plans.Plan | None = None
    message: CustomerMessage | None = None
    verdict: Verdict | None = None
    #: The mood after the verdict, and how the session ended with it (None: it goes on).
    mood: MoodState | None = None
    outcome: str | None = None
    #: Model calls on the customer's path, stored with the customer's message.
    calls: Calls = field(default_factory=list)

    @property
    def earned(self) -> set[str]:
        return self.earned_before | set(self.fact_check.earned if self.fact_check else [])


@dataclass
class TurnResult:
    index: int
    reply: str
    customer: CustomerMessage
    verdict: Verdict
    mood: MoodState
    outcome: str | None


def begin(session: TrainingSession, turn_id: int, index: int, reply: str, before: list[Turn],
          stored: Turn | None = None) -> TurnState:
    """The state a turn starts from: the turns before it, and the reply read in code.
    `stored`: the turn as already stored (a regeneration or a regrade), whose fact check
    and verdict are kept."""
    scenario = session.scenario
    # The last stored mood: a turn whose customer never answered (interrupted) has none.
    triggered, _ = moods.after_triggers(session.mood(before), scenario, reply)
    move, why, reaction = plans.react(scenario, reply, triggered)
    history = transcript_of(before)
    return TurnState(
        turn_id=turn_id, index=index, reply=reply, history=history,
        customer_said=history[-1][1] if history else scenario.opening,
        judge_context=[("Customer" if s == "customer" else "Agent", t[:JUDGE_CONTEXT_CHARS])
                       for s, t in history[:-1][-JUDGE_CONTEXT_LINES:]],
        earlier_replies=[t.trainee_text for t in before if t.trainee_text],
        earned_before=earned_facts(before), earned_order=earned_in_order(before),
        told_before=set(told_turns(scenario, before)),
        move=move, move_why=why, reaction=reaction,
        fact_check=stored.fact_check if stored is not None else None,
        verdict=stored.verdict if stored is not None else None,
    )


# -- facts and the customer ------------------------------------------------------------


def check_facts(session: TrainingSession, state: TurnState) -> None:
    """Which hidden facts the reply earned: phrases in code, and the model's check first
    unless a shared local model runs it after the customer (`late_facts`)."""
    if state.fact_check is not None:
        return  # a regenerated message keeps the reply's fact check
    services = session.services
    first = services.fact_checker if services.facts_first else None  # None: phrases only
    with recording_calls(state.calls):
        state.fact_check = fact_checks.check_reply(first, session.scenario, state.earned_before, state.reply,
                                                   state.customer_said)
    state.late_facts = not services.facts_first
    _store_facts(session, state)


def check_facts_late(session: TrainingSession, state: TurnState) -> bool:
    """The model's part of the fact check, after the customer: what it finds is earned
    now and told in the customer's next message. True when it found a fact."""
    if not state.late_facts:
        return False
    state.late_facts = False
    late = fact_checks.check_reply(session.services.fact_checker, session.scenario, state.earned,
                                   state.reply, state.customer_said)
    state.fact_check = state.fact_check.model_copy(update={
        "earned": [*state.fact_check.earned, *late.earned], "by_model": late.by_model, "error": late.error})
    _store_facts(session, state)
    return bool(late.earned)


def _store_facts(session: TrainingSession, state: TurnState) -> None:
    with db_errors(session.services.store.path):
        repo.update_turn(session.services.store.db, state.turn_id, facts_earned=state.fact_check.earned,
                         fact_check=state.fact_check.model_dump())


def customer_stream(session: TrainingSession, state: TurnState) -> CustomerStream:
    """The plan for the customer's message (what it must do, decided in code), and the
    stream that writes it. A fact earned by this reply may be told in this very message."""
    scenario = session.scenario
    known = [f for f in scenario.hidden_facts if f.id in state.earned]
    order = list(dict.fromkeys([*state.earned_order, *state.fact_check.earned]))
    state.plan = plans.make_plan(scenario, state.reply, state.move, state.move_why, state.reaction,
                                 order, state.told_before)
    return CustomerStream(
        session.services.customer_model, scenario, [*state.history, ("agent", state.reply)],
        state.reaction, state.index, known=known, plan=state.plan,
        mode=scenario.customer_mode or session.services.customer_mode,
    )


def store_customer(session: TrainingSession, state: TurnState, message: CustomerMessage) -> None:
    """The customer's message, with the mood the reply left (the reaction step's mood)."""
    state.message = message
    with db_errors(session.services.store.path):
        repo.update_turn(
            session.services.store.db, state.turn_id,
            customer_text=message.text or None,
            customer_status=message.status,
            guard_events=message.guard_events,
            customer_model=message.model,
            customer_prompt_hash=message.prompt_hash,
            customer_prompt_tokens=message.prompt_tokens,
            customer_completion_tokens=message.completion_tokens,
            tokens_counted_by=message.counted_by,
            first_token_ms=None if message.first_token_seconds is None else round(message.first_token_seconds * 1000, 1),
            customer_source=message.source,
            customer_plan=state.plan.model_dump() if state.plan else None,
            **state.reaction.model_dump(), mood_step="reaction",
        )


def warm_next(session: TrainingSession, state: TurnState) -> None:
    """Let a local model read the conversation, with the customer's new message, into
    its cache while the trainee reads it and types."""
    if session.services.warm_model is None or state.message is None or not state.message.text:
        return
    known = [f for f in session.scenario.hidden_facts if f.id in state.earned]
    transcript = [*state.history, ("agent", state.reply), ("customer", state.message.text)]
    session.services.warm(session.scenario, transcript, state.reaction, known, session.id)


# -- the grade ----------------------------------------------------------------------------


def grade_levels(session: TrainingSession, state: TurnState):
    """The verdict's levels, and what writes its feedback (None: no feedback to write).
    A judge failure is an unscored verdict, never a lost turn or a 0."""
    judge = session.services.judge
    try:
        return judge.grade_levels(session.full_rubric, state.reply, state.customer_said, state.judge_context,
                                  session.scenario.language, earlier=state.earlier_replies,
                                  channel=session.scenario.channel)
    except Exception as exc:  # noqa: BLE001 - any failure of the judge is stated in the verdict
        return Verdict(status="unscored", reason=f"judge failed: {exc}", rubric_id=session.rubric.id,
                       model=judge.model.spec), None


def store_levels(session: TrainingSession, state: TurnState, verdict: Verdict) -> int:
    """Store the verdict's levels as soon as they stand; returns the verdict's id."""
    with db_errors(session.services.store.path):
        verdict_id = repo.save_verdict(session.services.store.db, state.turn_id, session.id, verdict)
    state.verdict = verdict
    return verdict_id


def write_feedback(session: TrainingSession, state: TurnState, followup, verdict_id: int) -> Verdict:
    """The verdict with its tip and better reply, stored; the tip is stored as it streams,
    so the page reads along (twice a second is enough for a page that polls every few)."""
    store = session.services.store
    shown = {"at": 0.0}

    def tip_so_far(tip: str) -> None:
        now = time.monotonic()
        if now - shown["at"] >= TIP_SAVE_SECONDS:
            shown["at"] = now
            with db_errors(store.path):
                repo.save_feedback(store.db, verdict_id, tip, "", "pending")

    try:
        verdict = followup.write(tip_so_far)
    except Exception:  # noqa: BLE001 - the levels are stored: only the feedback is lost
        verdict = followup.verdict.model_copy(update={"feedback_state": "failed"})
    with db_errors(store.path):
        repo.save_feedback(store.db, verdict_id, verdict.tip, verdict.better_reply, verdict.feedback_state)
    state.verdict = verdict
    return verdict


# -- settling -----------------------------------------------------------------------------


def settle(session: TrainingSession, state: TurnState) -> TurnResult:
    """With the customer's message and the verdict in: the verdict moves the mood (stored
    once, as the verdict step's), and the end conditions are checked."""
    mood = moods.after_verdict(state.reaction, session.scenario, state.verdict)
    repo.update_turn(session.services.store.db, state.turn_id, **mood.model_dump(), mood_step="verdict")
    text = state.message.text
    outcome = moods.outcome(mood, session.scenario, state.index, told_now(session, state, text), text,
                            still_open=state.plan is not None and state.plan.still_open)
    if outcome:
        session.end(outcome)
    state.mood, state.outcome = mood, outcome
    return TurnResult(state.index, state.reply, state.message, state.verdict, mood, outcome)


def told_now(session: TrainingSession, state: TurnState, text: str) -> set[str]:
    """The facts the customer has told, this message included: what resolution counts
    as uncovered (facts.told_turns reads the same rule from stored turns)."""
    now = {f.id for f in session.scenario.hidden_facts
           if f.id in state.earned and text and fact_checks.tells(f, text)}
    return state.told_before | now


def record_calls(session: TrainingSession, state: TurnState, calls: Calls) -> None:
    """Store each model call's tokens (and estimated cost) with the turn. After the
    verdict is stored: a failure here must not cost the grade, only the counts."""
    if not calls:
        return
    try:
        with db_errors(session.services.store.path):
            records = [usage.CallRecord.of(call_role(request), completion) for request, completion in calls]
            usage.record_calls(session.services.store.db, session.id, state.turn_id, records,
                               prices=session.services.prices)
    except Exception:  # noqa: BLE001 - the turn and verdict are stored; only the counts are missing
        pass

