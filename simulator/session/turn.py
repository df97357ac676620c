"""One turn after the reply is stored: which thread runs which step (steps.py), and when.

The page's thread reads the customer's stream (facts, then the customer, stored when the
stream ends). The grade runs on the judge pool: alongside the customer for a remote
model, after it for a local model that shares the CPU. Whichever of the two finishes
last settles the turn (the verdict moves the mood, the end is checked), so nothing waits
and a closed browser tab loses nothing.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import Future
from dataclasses import replace
from typing import TYPE_CHECKING

from simulator.judge.verdict import Verdict
from simulator.llm.base import recording_calls
from simulator.llm.priority import FEEDBACK, in_place
from simulator.llm.priority import ticket as queue_ticket
from simulator.roleplay.customer import CustomerStream
from simulator.session import steps
from simulator.session.services import judge_pool
from simulator.session.steps import Calls, TurnResult, TurnState
from simulator.store.grading import claims
from simulator.store.records import Turn

if TYPE_CHECKING:
    from simulator.session.training import TrainingSession

__all__ = ["PendingTurn", "TurnResult"]


class PendingTurn:
    """A stored reply whose customer message and verdict are on their way."""

    def __init__(self, session: TrainingSession, turn_id: int, index: int, reply: str, before: list[Turn],
                 stored: Turn | None = None, grade: bool = True):
        """`stored`: the turn as already stored (a regeneration or a regrade): its fact
        check and verdict are kept. `grade=False`: no grading starts on its own."""
        self.session = session
        self.state: TurnState = steps.begin(session, turn_id, index, reply, before, stored)
        self._customer: CustomerStream | None = None
        self._customer_done = threading.Event()
        self._grading: Future[Verdict] | None = None
        self._settle_lock = threading.Lock()
        self._ticket: int | None = None
        self._claimed = False
        self._settled = threading.Event()
        self._result: TurnResult | None = None
        if grade and session.services.grade_alongside:
            self._start_grading()

    # What pages, benchmarks and tests read of the turn in progress.
    turn_id = property(lambda self: self.state.turn_id)
    index = property(lambda self: self.state.index)
    reply = property(lambda self: self.state.reply)
    move = property(lambda self: self.state.move)
    mood_before_verdict = property(lambda self: self.state.reaction)
    earlier_replies = property(lambda self: self.state.earlier_replies)
    fact_check = property(lambda self: self.state.fact_check)
    plan = property(lambda self: self.state.plan)

    # -- the customer (the reader's thread) -------------------------------------------------

    @property
    def customer(self) -> CustomerStream:
        """The customer's message in the making; built once the reply's facts are checked."""
        if self._customer is None:
            steps.check_facts(self.session, self.state)
            self._customer = steps.customer_stream(self.session, self.state)
        return self._customer

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
        steps.store_customer(self.session, self.state, message)
        steps.warm_next(self.session, self.state)
        steps.record_calls(self.session, self.state,
                           self.state.calls + [(self.customer.request, c) for c in self.customer.completions])
        self._customer_done.set()
        self._start_grading()  # a local model grades after the customer, on the same CPU
        self._settle()

    # -- the grade (the judge pool) ---------------------------------------------------------

    def _start_grading(self) -> None:
        with self._settle_lock:
            if self._grading is None and self.state.verdict is None:
                # Claimed from the moment it is queued: on a shared local model a verdict
                # may wait minutes behind the customer, and must not look abandoned.
                self._claimed = claims.claim(self.session.services.store, self.state.turn_id, self.session.id)
                self._place()  # graded in the order the replies came
                self._grading = judge_pool.submit(self._grade_job)

    def _grade_job(self) -> Verdict:
        calls: Calls = []
        try:
            with recording_calls(calls):
                verdict = self._grade(late_facts=True)
                with self._settle_lock:  # settled on the levels: the result carries the feedback too
                    if self._result is not None:
                        self._result = replace(self._result, verdict=verdict)
        finally:
            # Counted before the claim goes: once nobody is grading a reply, its calls are stored.
            steps.record_calls(self.session, self.state, calls)
            if self._claimed:  # the verdict is stored (or the grading failed): nobody is grading it
                claims.release(self.session.services.store, self.state.turn_id)
        self._settle()
        return verdict

    def _late_facts(self) -> None:
        try:
            found = steps.check_facts_late(self.session, self.state)
            if found:
                # What the customer may tell changed: its next prompt starts differently.
                # The grading may run turns behind the conversation, so warm what it is now.
                self.session.warm_latest()
        except Exception:  # noqa: BLE001 - recorded by check_reply; never in the way of grading
            pass

    def _grade(self, late_facts: bool = False) -> Verdict:
        """The levels are stored (and settle the turn) as soon as they stand; the feedback
        is written after them, and on a shared local model only when no turn's levels
        are waiting (llm/priority.py). `late_facts`: the model's fact check first, in the
        same place, so the shared model goes on to the levels without another call between."""
        with in_place(self._place()):
            if late_facts:
                self._late_facts()
            verdict, followup = steps.grade_levels(self.session, self.state)
        verdict_id = steps.store_levels(self.session, self.state, verdict)
        self._settle()
        with in_place(self._place()):
            try:  # the rubric's reading kept for the next start, once: never in the way of a grade
                self.session.services.keep_judge(self.session.rubric)
            except Exception:  # noqa: BLE001
                pass
        if followup is None:
            return verdict
        with in_place(self._place(), FEEDBACK):
            return steps.write_feedback(self.session, self.state, followup, verdict_id)

    def regrade(self) -> Verdict:
        """Grade this stored reply now and store the verdict (nothing else changes)."""
        calls: Calls = []
        with recording_calls(calls):
            verdict = self._grade()
        steps.record_calls(self.session, self.state, calls)
        return verdict

    def _place(self) -> int:
        """This turn's place in the shared model's queue: taken when its grading was queued."""
        if self._ticket is None:
            self._ticket = queue_ticket()
        return self._ticket

    # -- settling (whichever thread finishes last) ----------------------------------------

    def _settle(self) -> None:
        with self._settle_lock:
            if self._settled.is_set() or self.state.verdict is None or not self._customer_done.is_set():
                return
            self._result = steps.settle(self.session, self.state)
            self._settled.set()

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
