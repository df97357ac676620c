"""Customer first on a shared local model.

The embedded model runs on the machine's few cores; every request in flight slows the
others. A trainee waits for the customer's message, not for the grade, so customer calls
(foreground) go first: a judge call (background) starts only when no customer call is in
flight, and one that is overtaken by a customer call is stopped (closing the stream stops
llama.cpp's generation) and asked again once the customer is done. Its prompt is still in
the model's cache, so the repeat costs little more than the tokens it had generated.

Background answers are held back until complete; their callers only use whole answers.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from simulator.llm.base import ChatModel, ChatRequest, Delta

#: A background call overtaken this often runs to its end regardless (no starvation).
MAX_YIELDS = 3
#: The longest a background call waits for the foreground before it starts anyway (a
#: customer stream left unread by a closed page must not block grading forever).
MAX_WAIT_SECONDS = 120.0


class Priority:
    """Counts the foreground calls in flight; background calls wait for none."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._active = 0
        self._started = 0  # foreground calls started so far: a change means "overtaken"

    @contextmanager
    def foreground(self) -> Iterator[None]:
        with self._cond:
            self._active += 1
            self._started += 1
        try:
            yield
        finally:
            with self._cond:
                self._active -= 1
                self._cond.notify_all()

    def wait_idle(self, timeout: float = MAX_WAIT_SECONDS) -> int:
        """Block until no foreground call is in flight; return a mark for `overtaken`."""
        with self._cond:
            self._cond.wait_for(lambda: self._active == 0, timeout)
            return self._started

    def overtaken(self, mark: int) -> bool:
        return self._started != mark


class Prioritised(ChatModel):
    """`inner` with a place in the queue: foreground (the customer, the fact check on the
    customer's path) or background (the judge)."""

    def __init__(self, inner: ChatModel, priority: Priority, foreground: bool):
        self.inner = inner
        self.priority = priority
        self.foreground = foreground
        self.spec = inner.spec
        self.local = getattr(inner, "local", False)

    def count_tokens(self, text: str) -> tuple[int, str]:
        return self.inner.count_tokens(text)

    def _execute(self, request: ChatRequest) -> Iterator[Delta]:
        if self.foreground:
            with self.priority.foreground():
                yield from self.inner._execute(request)
            return
        for _ in range(MAX_YIELDS):
            mark = self.priority.wait_idle()
            deltas = self._collect(request, mark)
            if deltas is not None:
                yield from deltas
                return
        yield from self.inner._execute(request)

    def _collect(self, request: ChatRequest, mark: int) -> list[Delta] | None:
        """The whole answer, or None when a foreground call overtook it (then stopped)."""
        stream = self.inner._execute(request)
        deltas: list[Delta] = []
        try:
            for delta in stream:
                if self.priority.overtaken(mark):
                    return None
                deltas.append(delta)
        finally:
            stream.close()  # stops the server's generation of an abandoned answer
        return deltas
