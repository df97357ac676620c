"""Customer first on a shared local model.

The embedded model runs on the machine's few cores; every request in flight slows the
others. A trainee waits for the customer's message, not for the grade, so customer calls
(foreground) go first: a judge call (background) starts only when no customer call is in
flight, and one that is overtaken by a customer call is stopped at once (its socket is
shut down, see `simulator.llm.cancel`; llama.cpp then drops the request, even in the
middle of reading a long prompt) and asked again once the customer is done. What the model
had read of its prompt stays in the model's cache, so the repeat costs little more than
the tokens it had generated.

Queued background calls (the judge's) run one at a time: on two cores a call that has the
model to itself finishes inside the pause while a trainee reads and types, where several
at once would share the cores, each be overtaken by the next customer call, and start
again. Unqueued ones (the short cache warm-up after a customer message) neither wait for
the grading nor share the model with it: they stop the queued call in flight (which
resumes afterwards from what it had read), or the warm-up would often not be done when
the trainee's next reply comes. A customer call does not stop a warm-up but waits for it:
the warm-up is reading the customer's own prompt, and llama.cpp gives a request only an
idle slot, so a customer call sent alongside would land on another slot and read its
whole prompt again.

Queued calls take their turn by place, not by who grabs a lock first: a turn's grading
holds one ticket for all its calls (`in_place`), so its level readings run back to back
(each extends the conversation the last one left in the model's cache; interleaved with
another turn's, each re-read a few hundred tokens) and turns are graded in the order they
were sent. Levels go before feedback (rank LEVELS before FEEDBACK), and a feedback call in
flight is stopped when a turn's levels are asked for (and asked again from its place, with
what it had read still cached): a trainee who replies every 15 s sees each verdict's
levels within seconds, while the written feedback, which takes the model longest, follows
when nothing more urgent waits. Measured before this
order (bench/turn_latency.py --think-s 15): levels a median 117 s after their reply,
graded in random order behind earlier turns' feedback.

A more urgent queued call stops a less urgent one in flight the moment it is queued, not
when the latter's next token comes: a feedback call reading its prompt sends no token for
seconds, and the levels waited that long; one that held the queue while it waited for the
customer's message gives it up to a more urgent call queued meanwhile (it ran its whole
answer first: 13 s). And a place keeps the model between its calls:
while its `in_place` block is open, a finished call's place is held for the next call of
the same place (at most HOLD_SECONDS), or a waiting call slipped in whenever the turn did
a little work between two calls (measured: the feedback of an earlier turn started between
a turn's fact check and its levels and held them back 7.5 s, another turn's fact check
slipped in the same way).

Background answers are held back until complete; their callers only use whole answers.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from simulator.llm.base import ChatModel, ChatRequest, Delta
from simulator.llm.cancel import Cancelled, CancelScope, cancel_scope

#: How long a background call yields to the foreground before it runs regardless (no
#: starvation: a customer stream left unread by a closed page, or many sessions on one
#: model, must not hold the grading back forever).
MAX_WAIT_SECONDS = 120.0


#: How long the queue waits for the next call of the place that just had the model, while
#: that place's block is open (the work between a turn's calls takes milliseconds).
HOLD_SECONDS = 2.0

#: Ranks of queued work: levels (and the fact check) before the written feedback, and
#: cache warming of the judge's prompt only when nothing else waits (it gives up then).
LEVELS, FEEDBACK, IDLE = 0, 1, 2

_tickets = itertools.count()
#: The place of the queued calls made in this context: (rank, ticket); None: by arrival.
_place: ContextVar[tuple[int, int] | None] = ContextVar("queue_place", default=None)


def current_rank() -> int:
    return (_place.get() or (LEVELS, 0))[0]


def ticket() -> int:
    """A place in the queue, taken when work is sent (a turn's grading when its reply is)."""
    return next(_tickets)


_open_lock = threading.Lock()
_open: dict[int, int] = {}  # ticket -> `in_place` blocks open for it


@contextmanager
def in_place(number: int, rank: int = LEVELS) -> Iterator[None]:
    """Queued calls made inside take the place (rank, number) instead of their arrival;
    between them the queue is held for this place (see HOLD_SECONDS)."""
    token = _place.set((rank, number))
    with _open_lock:
        _open[number] = _open.get(number, 0) + 1
    try:
        yield
    finally:
        with _open_lock:
            _open[number] -= 1
            if not _open[number]:
                del _open[number]
        _place.reset(token)


def _is_open(number: int) -> bool:
    with _open_lock:
        return number in _open


class RankedQueue:
    """One queued call at a time, the waiting one with the lowest (rank, ticket) next."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._waiting: list[tuple[int, int, int]] = []  # (rank, ticket, arrival)
        self._busy = False
        #: Calls that came so far, per rank: a call of a lower rank overtakes one in flight.
        self.arrived = [0, 0, 0]
        #: (rank, ticket, until) of the place whose next call the queue waits for.
        self._held: tuple[int, int, float] | None = None

    def ahead(self, rank: int) -> int:
        """Calls of a rank before `rank` that came so far."""
        return sum(self.arrived[:rank])

    @contextmanager
    def turn(self) -> Iterator[None]:
        place = _place.get() or (LEVELS, ticket())
        entry = (*place, ticket())
        with self._cond:
            self._waiting.append(entry)
            self.arrived[entry[0]] += 1
            while not self._may_go(entry):
                # A hold ends when its place's block closes, which nobody signals: look again soon.
                self._cond.wait(0.05 if self._held else None)
            self._waiting.remove(entry)
            self._busy = True
        try:
            yield
        finally:
            with self._cond:
                self._busy = False
                if entry[0] != IDLE:  # nothing follows a warm-up
                    self._held = (entry[0], entry[1], time.monotonic() + HOLD_SECONDS)
                self._cond.notify_all()

    def urgent_waiting(self, rank: int) -> bool:
        """A call of a rank before `rank` waits for the queue."""
        with self._cond:
            return any(entry[0] < rank for entry in self._waiting)

    def _may_go(self, entry: tuple[int, int, int]) -> bool:
        if self._busy or min(self._waiting) != entry:
            return False
        if self._held is None:
            return True
        rank, number, until = self._held
        if entry[1] == number or entry[:2] < (rank, number):
            return True  # the held place itself, or something more urgent
        if time.monotonic() >= until or not _is_open(number):
            self._held = None
            return True
        return False


class Priority:
    """Counts the calls in flight that others yield to: foreground calls (everything else
    waits for them) and unqueued background calls (queued ones wait for them too)."""

    def __init__(self, max_wait: float = MAX_WAIT_SECONDS) -> None:
        self.max_wait = max_wait
        self._cond = threading.Condition()
        self._foreground = 0  # in flight
        self._unqueued = 0  # in flight
        # Calls started so far, per kind: a change since a call's mark means "overtaken".
        self._foreground_started = 0
        self._unqueued_started = 0
        # Background calls in flight: their rank when queued, None when not.
        self._background: dict[CancelScope, int | None] = {}
        self._queue = RankedQueue()  # the queued background calls, one at a time

    @contextmanager
    def foreground(self) -> Iterator[None]:
        with self._cond:
            self._foreground += 1
            self._foreground_started += 1
            overtaken = [scope for scope, rank in self._background.items() if rank is not None]
        for scope in overtaken:
            scope.cancel()
        try:
            with self._cond:  # a warm-up in flight is reading this call's prompt: let it finish
                self._cond.wait_for(lambda: self._unqueued == 0, self.max_wait)
            yield
        finally:
            with self._cond:
                self._foreground -= 1
                self._cond.notify_all()

    def _mark(self, queued: bool) -> tuple[int, int, int]:
        # Unqueued calls are never overtaken once started: they are short, and a customer
        # call waits for them. A feedback call is overtaken by any turn's levels too, and
        # an idle warm-up by anything queued.
        if not queued:
            return (0, 0, 0)
        return (self._foreground_started, self._unqueued_started, self._queue.ahead(current_rank()))

    def _idle(self, queued: bool) -> bool:
        return self._foreground == 0 and not (queued and self._unqueued)

    def wait_idle(self, timeout: float, queued: bool = True) -> tuple[int, int, int]:
        """Block until nothing this call yields to is in flight; return a mark for `overtaken`."""
        with self._cond:
            self._cond.wait_for(lambda: self._idle(queued), max(timeout, 0.0))
            return self._mark(queued)

    def overtaken(self, mark: tuple[int, int, int], queued: bool = True) -> bool:
        return self._mark(queued) != mark

    @contextmanager
    def background(self, scope: CancelScope, queued: bool) -> Iterator[None]:
        """A background call in flight. A queued one is cancelled by the next foreground
        or unqueued call; an unqueued one cancels the queued ones in flight, which wait
        until it is done."""
        with self._cond:
            self._background[scope] = current_rank() if queued else None
            overtaken = [] if queued else [s for s, rank in self._background.items() if rank is not None]
            if not queued:
                self._unqueued += 1
                self._unqueued_started += 1
        for other in overtaken:
            other.cancel()
        try:
            yield
        finally:
            with self._cond:
                self._background.pop(scope, None)
                if not queued:
                    self._unqueued -= 1
                    self._cond.notify_all()

    def urgent_waiting(self) -> bool:
        """A queued call of a more urgent rank than the current one waits for the queue."""
        return self._queue.urgent_waiting(current_rank())

    @contextmanager
    def queued(self) -> Iterator[None]:
        """The queue's turn: one queued background call at a time, by place. Queued calls
        of a later rank in flight are stopped at once (they take their place again)."""
        rank = current_rank()
        with self._cond:
            behind = [s for s, other in self._background.items() if other is not None and other > rank]
        for scope in behind:
            scope.cancel()
        with self._queue.turn():
            yield


class Prioritised(ChatModel):
    """`inner` with a place in the queue: foreground (the customer), queued background
    (the judge, the fact check) or unqueued background (cache warming)."""

    def __init__(self, inner: ChatModel, priority: Priority, foreground: bool, queued: bool = True):
        self.inner = inner
        self.priority = priority
        self.foreground = foreground
        self.queued = queued
        self.spec = inner.spec
        self.local = inner.local

    def count_tokens(self, text: str) -> tuple[int, str]:
        return self.inner.count_tokens(text)

    def restore_prompt(self, request: ChatRequest) -> bool:
        return self.inner.restore_prompt(request)

    def save_prompt(self, request: ChatRequest) -> None:
        self.inner.save_prompt(request)

    @property
    def logprobs(self) -> bool | None:
        """What is known of the inner backend's log-probabilities (shared by every role)."""
        return self.inner.logprobs

    @logprobs.setter
    def logprobs(self, value: bool | None) -> None:
        self.inner.logprobs = value

    def _execute(self, request: ChatRequest) -> Iterator[Delta]:
        if self.foreground:
            with self.priority.foreground():
                yield from self.inner._execute(request)
            return
        yield from self._queued(request) if self.queued else self._yielding(request)

    def _queued(self, request: ChatRequest) -> list[Delta]:
        """The whole answer. Each time it is overtaken (a customer call, a warm-up, or, for
        feedback, a turn's levels) it is stopped, leaves the queue and takes its place in it
        again, until `max_wait` has passed; then it runs to its end regardless."""
        deadline = time.monotonic() + self.priority.max_wait
        while True:
            with self.priority.queued():
                left = deadline - time.monotonic()
                if left <= 0:  # waited long enough: run to the end, unless it only warms a cache
                    return [] if current_rank() == IDLE else list(self.inner._execute(request))
                deltas = self._collect(request, self.priority.wait_idle(left))
                if deltas is not None:
                    return deltas

    def _yielding(self, request: ChatRequest) -> list[Delta]:
        """The whole answer, asked again each time a foreground call overtakes it, until
        `max_wait` has passed; then it runs to its end regardless."""
        deadline = time.monotonic() + self.priority.max_wait
        while (left := deadline - time.monotonic()) > 0:
            mark = self.priority.wait_idle(left, self.queued)
            deltas = self._collect(request, mark)
            if deltas is not None:
                return deltas
        return list(self.inner._execute(request))

    def _collect(self, request: ChatRequest, mark: tuple[int, int, int]) -> list[Delta] | None:
        """The whole answer, or None when a foreground call overtook it (then stopped)."""
        scope = CancelScope()
        with self.priority.background(scope, self.queued), cancel_scope(scope):
            if self.priority.overtaken(mark, self.queued):  # overtaken before we registered
                return None
            if self.queued and self.priority.urgent_waiting():
                # Queued while this call held the queue waiting for the customer: it goes first
                # (one queued later is stopped by `queued()`, now that this call is registered).
                return None
            stream = self.inner._execute(request)
            deltas: list[Delta] = []
            try:
                for delta in stream:
                    if self.priority.overtaken(mark, self.queued):
                        return None
                    deltas.append(delta)
            except Cancelled:
                return None
            finally:
                stream.close()  # stops the server's generation of an abandoned answer
        return deltas
