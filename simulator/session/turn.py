"""One turn after the reply is stored: the fact check, the customer's message, the grade,
and the mood settled after the verdict (see the package docstring for the order)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from concurrent.futures import Future
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from simulator.judge.verdict import Verdict
from simulator.llm.base import ChatRequest, Completion, recording_calls
from simulator.llm.priority import FEEDBACK, in_place
from simulator.llm.priority import ticket as queue_ticket
from simulator.roleplay import facts as fact_checks
from simulator.roleplay import mood as moods
from simulator.roleplay import plan as plans
from simulator.roleplay.customer import CustomerMessage, CustomerStream
from simulator.roleplay.facts import earned_in_order, told_turns
from simulator.roleplay.mood import MoodState
from simulator.session.services import call_role, judge_pool
from simulator.session.state import earned_facts, transcript_of
from simulator.store import repository as repo
from simulator.store import usage
from simulator.store.database import db_errors
from simulator.store.grading import claims
from simulator.store.records import Turn

if TYPE_CHECKING:
    from simulator.session.training import TrainingSession


JUDGE_CONTEXT_LINES = 2
JUDGE_CONTEXT_CHARS = 300
# How often the tip is stored while the model writes it (the page reads along).
TIP_SAVE_SECONDS = 0.5


@dataclass
class TurnResult:
    index: int
    reply: str
    customer: CustomerMessage
    verdict: Verdict
    mood: MoodState
    outcome: str | None


class PendingTurn:
    """A stored reply whose customer message and verdict are on their way."""

    def __init__(self, session: TrainingSession, turn_id: int, index: int, reply: str, before: list[Turn],
                 stored: Turn | None = None, grade: bool = True):
        """`stored`: the turn as already stored (a regeneration or a regrade): its fact
        check and verdict are kept. `grade=False`: no grading starts on its own."""
        self.session = session
        self.turn_id = turn_id
        self.index = index
        self.reply = reply
        # The trainee's own earlier replies: the judge reports when a reply repeats them.
        self.earlier_replies = [t.trainee_text for t in before if t.trainee_text]
        scenario = session.scenario
        # The last stored mood: a turn whose customer never answered (interrupted) has none.
        previous = session.mood(before)
        triggered, _ = moods.after_triggers(previous, scenario, reply)
        # What the reply did to the customer, read in code: the mood moves before the
        # customer answers, and the verdict moves it again when it arrives.
        self.move, self.move_why, self.mood_before_verdict = plans.react(scenario, reply, triggered)
        self.earned_order = earned_in_order(before)
        self.told_before = set(told_turns(scenario, before))
        self.plan: plans.Plan | None = None
        self.history = transcript_of(before)
        self.customer_said = self.history[-1][1] if self.history else scenario.opening
        self.judge_context = [
            ("Customer" if s == "customer" else "Agent", t[:JUDGE_CONTEXT_CHARS])
            for s, t in self.history[:-1][-JUDGE_CONTEXT_LINES:]
        ]
        self.earned_before = earned_facts(before)
        self.fact_check: fact_checks.FactCheck | None = None
        self._late_facts = False
        #: (request, completion) of the model calls on the customer's path, stored with it.
        self._calls: list[tuple[ChatRequest, Completion]] = []
        if stored is not None and stored.fact_check is not None:
            self.fact_check = stored.fact_check
        self._customer: CustomerStream | None = None
        self._customer_done = threading.Event()
        self._grading: Future[Verdict] | None = None
        self._verdict: Verdict | None = None
        self._settle_lock = threading.Lock()
        self._ticket: int | None = None
        self._claimed = False
        self._settled = threading.Event()
        self._result: TurnResult | None = None
        if stored is not None and stored.verdict is not None:
            self._verdict = stored.verdict  # regenerating the customer keeps the grade
        if grade and session.services.grade_alongside:
            self._start_grading()

    def _start_grading(self) -> None:
        with self._settle_lock:
            if self._grading is None and self._verdict is None:
                # Claimed from the moment it is queued: on a shared local model a verdict
                # may wait minutes behind the customer, and must not look abandoned.
                store = self.session.services.store
                self._claimed = claims.claim(store, self.turn_id, self.session.id)
                self._place()  # graded in the order the replies came
                self._grading = judge_pool.submit(self._grade_job)

    @property
    def customer(self) -> CustomerStream:
        """The customer's message in the making; built once the reply's facts are checked,
        since a fact earned now is one the customer may tell in this very message."""
        if self._customer is None:
            self._customer = self._build_customer()
        return self._customer

    def _build_customer(self) -> CustomerStream:
        session = self.session
        scenario = session.scenario
        if self.fact_check is None:
            services = session.services
            first = services.fact_checker if services.facts_first else None  # None: phrases only
            with recording_calls(self._calls):
                self.fact_check = fact_checks.check_reply(first, scenario, self.earned_before, self.reply,
                                                          self.customer_said)
            self._late_facts = not services.facts_first
            self._store_facts()
        earned = self.earned_before | set(self.fact_check.earned)
        known = [f for f in scenario.hidden_facts if f.id in earned]
        order = list(dict.fromkeys([*self.earned_order, *self.fact_check.earned]))
        self.plan = plans.make_plan(scenario, self.reply, self.move, self.move_why, self.mood_before_verdict,
                                    order, self.told_before)
        return CustomerStream(
            session.services.customer_model, scenario, [*self.history, ("agent", self.reply)],
            self.mood_before_verdict, self.index, known=known, plan=self.plan,
            mode=scenario.customer_mode or session.services.customer_mode,
        )

    def _store_facts(self) -> None:
        with db_errors(self.session.services.store.path):
            repo.update_turn(self.session.services.store.db, self.turn_id, facts_earned=self.fact_check.earned,
                             fact_check=self.fact_check.model_dump())

    def _check_facts_late(self) -> bool:
        """The model's part of the fact check, after the customer (a shared local model):
        what it finds is earned now and told in the customer's next message. True when it
        found a fact."""
        if not self._late_facts:
            return False
        self._late_facts = False
        earned = self.earned_before | set(self.fact_check.earned)
        late = fact_checks.check_reply(self.session.services.fact_checker, self.session.scenario, earned,
                                       self.reply, self.customer_said)
        self.fact_check = self.fact_check.model_copy(update={
            "earned": [*self.fact_check.earned, *late.earned], "by_model": late.by_model, "error": late.error})
        self._store_facts()
        return bool(late.earned)

    def _warm_next(self) -> None:
        """Let a local model read the conversation, with the customer's new message, into
        its cache while the trainee reads it and types."""
        session = self.session
        if session.services.warm_model is None or not self.customer.message.text:
            return
        earned = self.earned_before | set(self.fact_check.earned if self.fact_check else [])
        known = [f for f in session.scenario.hidden_facts if f.id in earned]
        transcript = [*self.history, ("agent", self.reply), ("customer", self.customer.message.text)]
        session.services.warm(session.scenario, transcript, self.mood_before_verdict, known)

    def stream_customer(self) -> Iterator[str]:
        """The customer's message as it is generated; stored when the stream ends."""
        try:
            yield from self.customer
        finally:
            self._store_customer()

    def _store_customer(self) -> None:
        if self._customer_done.is_set():
            return
        message = self.customer.message
        if message.status == "pending":  # the reader stopped early (page closed, rerun)
            shown = self.customer.shown.strip()
            message.text, message.status = (shown, "incomplete") if shown else ("", "interrupted")
        with db_errors(self.session.services.store.path):
            self._save_customer(message)
        self._warm_next()
        self._record_quietly(self._calls + [(self.customer.request, c) for c in self.customer.completions])
        self._customer_done.set()
        self._start_grading()  # a local model grades after the customer, on the same CPU
        self._settle()

    def _save_customer(self, message: CustomerMessage) -> None:
        repo.update_turn(
            self.session.services.store.db, self.turn_id,
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
            customer_plan=self.plan.model_dump() if self.plan else None,
            **self.mood_before_verdict.model_dump(), mood_step="reaction",
        )

    def _grade_job(self) -> Verdict:
        calls: list[tuple[ChatRequest, Completion]] = []
        try:
            with recording_calls(calls):
                try:
                    with in_place(self._place()):
                        late = self._check_facts_late()
                    if late:
                        # What the customer may tell changed: its next prompt starts differently.
                        # The grading may run turns behind the conversation, so warm what it is now.
                        self.session.warm_latest()
                except Exception:  # noqa: BLE001 - recorded by check_reply; never in the way of grading
                    pass
                self._verdict = self._grade()
                with self._settle_lock:  # settled on the levels: the result carries the feedback too
                    if self._result is not None:
                        self._result = replace(self._result, verdict=self._verdict)
        finally:
            # Counted before the claim goes: once nobody is grading a reply, its calls are stored.
            self._record_quietly(calls)
            if self._claimed:  # the verdict is stored (or the grading failed): nobody is grading it
                claims.release(self.session.services.store, self.turn_id)
        self._settle()
        return self._verdict

    def _settle(self) -> None:
        """Once both the customer message and the verdict are stored, move the mood and
        check the end. Runs in whichever thread finishes last, so nothing waits and a
        closed browser tab loses nothing."""
        with self._settle_lock:
            if self._settled.is_set() or self._verdict is None or not self._customer_done.is_set():
                return
            session = self.session
            mood = moods.after_verdict(self.mood_before_verdict, session.scenario, self._verdict)
            repo.update_turn(session.services.store.db, self.turn_id, **mood.model_dump(), mood_step="verdict")
            text = self.customer.message.text
            outcome = moods.outcome(mood, session.scenario, self.index, self._told_now(text), text,
                                    still_open=self.plan is not None and self.plan.still_open)
            if outcome:
                session.end(outcome)
            self._result = TurnResult(self.index, self.reply, self.customer.message, self._verdict, mood, outcome)
            self._settled.set()

    def _told_now(self, text: str) -> set[str]:
        """The facts the customer has told, this message included: what resolution counts
        as uncovered (facts.told_turns reads the same rule from stored turns)."""
        earned = self.earned_before | set(self.fact_check.earned if self.fact_check else [])
        now = {f.id for f in self.session.scenario.hidden_facts
               if f.id in earned and text and fact_checks.tells(f, text)}
        return self.told_before | now

    def regrade(self) -> Verdict:
        """Grade this stored reply now and store the verdict (nothing else changes)."""
        calls: list[tuple[ChatRequest, Completion]] = []
        with recording_calls(calls):
            verdict = self._grade()
        self._record_quietly(calls)
        return verdict

    def _record(self, calls: list[tuple[ChatRequest, Completion]]) -> None:
        """Store each model call's tokens (and estimated cost) with this turn."""
        if calls:
            records = [usage.CallRecord.of(call_role(request), completion) for request, completion in calls]
            usage.record_calls(self.session.services.store.db, self.session.id, self.turn_id, records,
                               prices=self.session.services.prices)

    def _record_quietly(self, calls) -> None:
        """Token accounting after the verdict is stored: its failure must not cost the grade."""
        try:
            with db_errors(self.session.services.store.path):
                self._record(calls)
        except Exception:  # noqa: BLE001 - the turn and verdict are stored; only the counts are missing
            pass

    def _grade(self) -> Verdict:
        """Grade: store the levels as soon as they stand (the mood moves with them), then
        write the feedback, which on a shared local model waits until no turn's levels do
        (llm/priority.py)."""
        session = self.session
        judge = session.services.judge
        with in_place(self._place()):
            try:
                verdict, followup = judge.grade_levels(
                    session.full_rubric, self.reply, self.customer_said, self.judge_context, session.scenario.language,
                    earlier=self.earlier_replies, channel=session.scenario.channel)
            except Exception as exc:  # a judge failure is an unscored verdict, never a lost turn or a 0
                verdict, followup = Verdict(status="unscored", reason=f"judge failed: {exc}",
                                            rubric_id=session.rubric.id, model=judge.model.spec), None
        with db_errors(session.services.store.path):
            verdict_id = repo.save_verdict(session.services.store.db, self.turn_id, session.id, verdict)
        self._verdict = verdict
        self._settle()
        if followup is None:
            return verdict
        with in_place(self._place(), FEEDBACK):
            verdict = self._write_feedback(followup, verdict_id)
        with db_errors(session.services.store.path):
            repo.save_feedback(session.services.store.db, verdict_id, verdict.tip, verdict.better_reply,
                               verdict.feedback_state)
        return verdict

    def _write_feedback(self, followup, verdict_id: int) -> Verdict:
        """The verdict with its feedback; the tip is stored as it streams, so the page
        reads along (storing twice a second is enough for a page that polls every few)."""
        store = self.session.services.store
        shown = {"at": 0.0}

        def tip_so_far(tip: str) -> None:
            now = time.monotonic()
            if now - shown["at"] >= TIP_SAVE_SECONDS:
                shown["at"] = now
                with db_errors(store.path):
                    repo.save_feedback(store.db, verdict_id, tip, "", "pending")

        try:
            return followup.write(tip_so_far)
        except Exception:  # noqa: BLE001 - the levels are stored: only the feedback is lost
            return followup.verdict.model_copy(update={"feedback_state": "failed"})

    def _place(self) -> int:
        """This turn's place in the shared model's queue: taken when its grading was queued."""
        if self._ticket is None:
            self._ticket = queue_ticket()
        return self._ticket

    def settled(self, timeout: float | None = None) -> bool:
        """Wait up to `timeout` seconds for the verdict, the mood and the end check (the
        grading runs in its own thread); True once they are stored."""
        return self._settled.wait(timeout)

    def result(self) -> TurnResult:
        """Wait for the verdict, the mood and the end check (reads the stream if nobody did)."""
        if not self._customer_done.is_set():
            for _ in self.stream_customer():
                pass
        self._start_grading()
        if self._grading is not None:
            self._grading.result()  # re-raises what the grading thread could not handle
        self._settle()  # a kept verdict (regeneration) settles as soon as the customer is in
        self._settled.wait()
        return self._result
