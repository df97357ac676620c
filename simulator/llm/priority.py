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
again. Unqueued ones (the short cache warm-up after a customer message) do not wait for
the grading, or the warm-up would come too late to help.

Background answers are held back until complete; their callers only use whole answers.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext

from simulator.llm.base import ChatModel, ChatRequest, Delta
from simulator.llm.cancel import Cancelled, CancelScope, cancel_scope

#: How long a background call yields to the foreground before it runs regardless (no
#: starvation: a customer stream left unread by a closed page, or many sessions on one
#: model, must not hold the grading back forever).
MAX_WAIT_SECONDS = 120.0


class Priority:
    """Counts the foreground calls in flight; background calls wait for none."""

    def __init__(self, max_wait: float = MAX_WAIT_SECONDS) -> None:
        self.max_wait = max_wait
        self._cond = threading.Condition()
        self._active = 0
        self._started = 0  # foreground calls started so far: a change means "overtaken"
        self._background: set[CancelScope] = set()  # background calls in flight
        self._queue = threading.Lock()  # held by the queued background call running now

    @contextmanager
    def foreground(self) -> Iterator[None]:
        with self._cond:
            self._active += 1
            self._started += 1
            overtaken = list(self._background)
        for scope in overtaken:
            scope.cancel()
        try:
            yield
        finally:
            with self._cond:
                self._active -= 1
                self._cond.notify_all()

    def wait_idle(self, timeout: float) -> int:
        """Block until no foreground call is in flight; return a mark for `overtaken`."""
        with self._cond:
            self._cond.wait_for(lambda: self._active == 0, max(timeout, 0.0))
            return self._started

    def overtaken(self, mark: int) -> bool:
        return self._started != mark

    @contextmanager
    def background(self, scope: CancelScope) -> Iterator[None]:
        """A background call in flight: the next foreground call cancels `scope`."""
        with self._cond:
            self._background.add(scope)
        try:
            yield
        finally:
            with self._cond:
                self._background.discard(scope)

    def queued(self):
        """The queue's turn: one queued background call at a time."""
        return self._queue


class Prioritised(ChatModel):
    """`inner` with a place in the queue: foreground (the customer), queued background
    (the judge, the fact check) or unqueued background (cache warming)."""

    def __init__(self, inner: ChatModel, priority: Priority, foreground: bool, queued: bool = True):
        self.inner = inner
        self.priority = priority
        self.foreground = foreground
        self.queued = queued
        self.spec = inner.spec
        self.local = getattr(inner, "local", False)

    def count_tokens(self, text: str) -> tuple[int, str]:
        return self.inner.count_tokens(text)

    def _execute(self, request: ChatRequest) -> Iterator[Delta]:
        if self.foreground:
            with self.priority.foreground():
                yield from self.inner._execute(request)
            return
        with self.priority.queued() if self.queued else nullcontext():
            deltas = self._yielding(request)
        yield from deltas

    def _yielding(self, request: ChatRequest) -> list[Delta]:
        """The whole answer, asked again each time a foreground call overtakes it, until
        `max_wait` has passed; then it runs to its end regardless."""
        deadline = time.monotonic() + self.priority.max_wait
        while (left := deadline - time.monotonic()) > 0:
            mark = self.priority.wait_idle(left)
            deltas = self._collect(request, mark)
            if deltas is not None:
                return deltas
        return list(self.inner._execute(request))

    def _collect(self, request: ChatRequest, mark: int) -> list[Delta] | None:
        """The whole answer, or None when a foreground call overtook it (then stopped)."""
        scope = CancelScope()
        with self.priority.background(scope), cancel_scope(scope):
            if self.priority.overtaken(mark):  # a customer call began before we registered
                return None
            stream = self.inner._execute(request)
            deltas: list[Delta] = []
            try:
                for delta in stream:
                    if self.priority.overtaken(mark):
                        return None
                    deltas.append(delta)
            except Cancelled:
                return None
            finally:
                stream.close()  # stops the server's generation of an abandoned answer
        return deltas
