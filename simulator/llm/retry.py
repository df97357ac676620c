"""One retry layer for model calls: bounded exponential backoff with jitter that honours
the server's Retry-After.

Only what is safe to repeat is retried: a call that could not connect, timed out, was
rate limited (429) or failed on the server (5xx), and only while nothing of its answer
has reached the caller. A stream that breaks after text was handed on is not repeated
(the reader has already shown that text); it raises `StreamInterrupted`, carrying the
partial text, so the caller can keep it and mark the message incomplete.

When the policy gives up it raises `RetriesExhausted`, a `ModelUnavailable`: the call has
been repeated already, so callers should not repeat it again (the customer falls back to
a scenario line, the judge leaves the verdict unscored).

The policy knows nothing about HTTP clients; `openai_errors` decides what is retryable.
`sleep` and `rand` are injectable so tests run instantly and can assert the delays.
"""

from __future__ import annotations

import email.utils
import math
import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from simulator.llm.base import LLMError, ModelUnavailable

#: A server asking us to wait longer than this is not waited for: the call gives up.
MAX_RETRY_AFTER_SECONDS = 30.0


class StreamInterrupted(LLMError):
    """The answer stopped mid-stream after some text had been delivered.

    `partial` holds the text delivered before the break. Not retried (the caller has
    already shown that text); keep it and mark the message incomplete.
    """

    def __init__(self, message: str, partial: str = ""):
        super().__init__(message)
        self.partial = partial


class RetriesExhausted(ModelUnavailable):
    """The call failed on every attempt the policy allows, or the server asked for a
    longer wait than we accept. The call was repeated already: do not repeat it again.

    `attempts`: calls made; `delays`: the waits slept between them (seconds);
    `retry_after`: the server's requested wait when that was the reason to give up.
    """

    def __init__(self, message: str, attempts: int = 0, delays: tuple[float, ...] = (),
                 retry_after: float | None = None):
        super().__init__(message)
        self.attempts = attempts
        self.delays = tuple(delays)
        self.retry_after = retry_after


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how long to retry one model call.

    `attempts` counts every call including the first (3: one call, two retries). The
    wait before retry n is `base * 2**(n-1)` capped at `cap`; `jitter` is the share of
    that wait drawn at random (0.5: between half and all of it), so many sessions that
    failed together do not retry in lockstep, while each wait stays at least as long as
    the one before. A server's Retry-After replaces the backoff when given; above
    `max_retry_after` the call gives up at once.
    """

    attempts: int = 3
    base: float = 0.5
    cap: float = 8.0
    jitter: float = 0.5
    max_retry_after: float = MAX_RETRY_AFTER_SECONDS
    sleep: Callable[[float], None] = field(default=time.sleep, repr=False, compare=False)
    rand: Callable[[], float] = field(default=random.random, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.attempts < 1:
            raise ValueError("RetryPolicy.attempts counts the first call too: it must be at least 1")
        if self.base < 0 or self.cap < 0 or not 0 <= self.jitter <= 1:
            raise ValueError("RetryPolicy needs base >= 0, cap >= 0 and 0 <= jitter <= 1")

    def backoff(self, retry: int) -> float:
        """The wait before retry number `retry` (1 for the first retry), with jitter."""
        full = min(self.cap, self.base * 2 ** max(retry - 1, 0))
        return full * (1 - self.jitter) + full * self.jitter * self.rand()

    def wait_before(self, retry: int, retry_after: float | None = None) -> float:
        """The wait before retry `retry`: the server's Retry-After when it gave one (never
        less than zero), else the backoff. Raises `ValueError` when Retry-After exceeds
        `max_retry_after` (the caller turns it into `RetriesExhausted`)."""
        if retry_after is not None:
            if retry_after > self.max_retry_after:
                raise ValueError(f"Retry-After {retry_after:g} s exceeds {self.max_retry_after:g} s")
            return max(retry_after, 0.0)
        return self.backoff(retry)


#: No retries: for probes and tests that want the first error as it is.
NO_RETRY = RetryPolicy(attempts=1)


def parse_retry_after(headers: Mapping[str, str] | None, now: float | None = None) -> float | None:
    """Seconds to wait from `retry-after-ms`, or `retry-after` as seconds or an HTTP date.

    None when absent or unreadable; a date in the past gives 0."""
    if not headers:
        return None
    millis = _header(headers, "retry-after-ms")
    if millis is not None:
        try:
            value = float(millis) / 1000
        except ValueError:
            value = None
        if value is not None and math.isfinite(value):
            return max(value, 0.0)
    raw = _header(headers, "retry-after")
    if raw is None:
        return None
    raw = raw.strip()
    try:
        value = float(raw)
    except ValueError:
        pass
    else:
        if math.isnan(value):
            return None
        return max(value, 0.0) if math.isfinite(value) else math.inf
    try:
        when = email.utils.parsedate_to_datetime(raw)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    now = time.time() if now is None else now
    return max(when.timestamp() - now, 0.0)


def _header(headers: Mapping[str, str], name: str) -> str | None:
    value = headers.get(name)
    if value is None:  # a plain dict: header names in any case
        value = next((v for k, v in headers.items() if k.lower() == name), None)
    return value
