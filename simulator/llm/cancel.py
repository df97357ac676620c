"""Stopping a model call from another thread, at once.

A llama.cpp server reads a long prompt without sending a byte (the judge's takes tens of
seconds on two cores), so a caller that only checks between streamed pieces cannot stop
it. A call made inside a `CancelScope` registers the socket its answer arrives on; when
another thread cancels the scope, the socket is shut down, the reading thread wakes with a
broken stream, and the server, seeing the client gone, drops the request. The backend
reports that as `Cancelled` (never retried, never a partial answer).

Only `simulator.llm.priority` opens scopes: a customer call cancels the judge calls
decoding on the same local model.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from simulator.llm.base import LLMError


class Cancelled(LLMError):
    """The call was stopped by its caller's scope; nothing is wrong with the model."""


class CancelScope:
    """A set of sockets to shut down together, once, from any thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._cancelled = False
        self._sockets: set[socket.socket] = set()

    @property
    def cancelled(self) -> bool:
        return self._cancelled

    def cancel(self) -> None:
        with self._lock:
            self._cancelled = True
            for sock in self._sockets:
                _shut(sock)
            self._sockets.clear()

    def watch(self, sock: socket.socket | None) -> None:
        """Shut `sock` down when the scope is cancelled (at once if it already is)."""
        if sock is None:
            return
        with self._lock:
            if self._cancelled:
                _shut(sock)
            else:
                self._sockets.add(sock)

    def unwatch(self, sock: socket.socket | None) -> None:
        """Forget `sock` before its connection goes back to a pool for another call."""
        with self._lock:
            self._sockets.discard(sock)


_current: ContextVar[CancelScope | None] = ContextVar("cancel_scope", default=None)


@contextmanager
def cancel_scope(scope: CancelScope) -> Iterator[CancelScope]:
    """Calls made in this block (in this thread) can be stopped by `scope.cancel()`."""
    token = _current.set(scope)
    try:
        yield scope
    finally:
        _current.reset(token)


def current_scope() -> CancelScope | None:
    return _current.get()


def response_socket(http_response) -> socket.socket | None:
    """The socket an httpx response is read from (HTTP/1.1 through httpcore), if known."""
    stream = getattr(http_response, "extensions", {}).get("network_stream")
    try:
        return stream.get_extra_info("socket") if stream is not None else None
    except Exception:  # noqa: BLE001 - another transport: the call just cannot be cut early
        return None


def _shut(sock: socket.socket) -> None:
    # shutdown, not close: only shutdown wakes a thread blocked reading the socket.
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass  # already closed by its owner
