"""OpenAI and any OpenAI-compatible server (Ollama, vLLM, LM Studio, llama.cpp server,
Azure-style gateways) through the official `openai` SDK.

The SDK is imported lazily so that `import simulator.session` stays light and a missing
install says how to fix it (inspect_ai's provider style).

Retries happen here and only here (the SDK's own are off): connection errors, timeouts,
429 and 5xx are retried with the backoff of `RetryPolicy` (honouring Retry-After) as long
as no text of the answer has been handed on. A stream that breaks after that raises
`StreamInterrupted` with the partial text; a call that fails on every attempt raises
`RetriesExhausted` (a `ModelUnavailable`). Other 4xx errors are not retried.

The SDK sends the request and raises its status errors; the streamed body (SSE) is read
by `openai_stream`, to its end, so the connection is kept alive for the next call (see
`_create`). Which failures are worth a retry, and how the others are worded, is
`openai_errors`.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Generator, Iterator
from typing import Any

from simulator.llm.base import ChatModel, ChatRequest, Delta, ModelUnavailable
from simulator.llm.cancel import Cancelled, CancelScope, current_scope, response_socket
from simulator.llm.openai_errors import (
    _rejects_response_format,
    _retry_after,
    _retryable,
    _short,
    _transport_kind,
    _translate,
)
from simulator.llm.openai_stream import _DONE, _ServerReportedError, _deltas
from simulator.llm.retry import RetriesExhausted, RetryPolicy, StreamInterrupted
from simulator.llm.tokens import count_openai_tokens

__all__ = ["OpenAIChatModel", "RetriesExhausted", "RetryPolicy", "StreamInterrupted"]

log = logging.getLogger(__name__)


class OpenAIChatModel(ChatModel):
    """`retry`: the retry policy (default `RetryPolicy()`: 3 attempts). `max_retries`, if
    given, is a shorthand for `RetryPolicy(attempts=max_retries + 1)`; the SDK's own
    retries are always off, so there is one retry layer."""

    def __init__(
        self,
        spec: str,
        model: str,
        base_url: str | None,
        api_key: str | None,
        timeout: float = 120.0,
        max_retries: int | None = None,
        retry: RetryPolicy | None = None,
    ):
        self.spec = spec
        self.model = model
        self.base_url = base_url
        self._api_key = api_key
        self._timeout = timeout
        if retry is None:
            retry = RetryPolicy() if max_retries is None else RetryPolicy(attempts=max_retries + 1)
        self.retry = retry
        self._client = None
        self._client_lock = threading.Lock()
        # Servers that reject `json_schema` get the schema inside `json_object` instead.
        self._schema_mode = "json_schema"

    def count_tokens(self, text: str) -> tuple[int, str]:
        return count_openai_tokens(text, self.model)

    @property
    def client(self):
        """The `openai.OpenAI` client, built once even when many sessions make their first
        call at the same moment (building one costs an SSL context)."""
        if self._client is None:
            try:
                import openai
            except ImportError as exc:  # pragma: no cover - a core dependency
                raise ModelUnavailable(
                    "The `openai` package is missing: run `pip install -e .` in the project folder."
                ) from exc
            with self._client_lock:
                if self._client is None:
                    self._client = openai.OpenAI(
                        api_key=self._api_key or "not-needed",
                        base_url=self.base_url,
                        timeout=self._timeout,
                        max_retries=0,  # retries are ours (see `retry`): one layer, one policy
                    )
        return self._client

    def _execute(self, request: ChatRequest) -> Iterator[Delta]:
        policy = self.retry
        scope = current_scope()
        delays: list[float] = []
        attempt = 0
        while True:
            attempt += 1
            delivered: list[str] = []
            failure = yield from self._attempt(request, scope, delivered)
            if failure is None:
                return
            self._before_retry(policy, failure, attempt, delays, delivered)

    def _attempt(self, request: ChatRequest, scope: CancelScope | None,
                 delivered: list[str]) -> Generator[Delta, None, Exception | None]:
        """One call, its deltas handed on as they come (their text also to `delivered`).
        Returns None when the answer is whole, or the server's or transport's failure for
        `_before_retry` to judge; a cancel, an answer cut off without an error, and any
        other exception are raised."""
        import openai

        response = sock = None
        if scope is not None and scope.cancelled:
            raise Cancelled(f"{self.spec}: the call was stopped by its caller.")
        try:
            response = self._open(request)
            if scope is not None:
                sock = response_socket(response.http_response)
                scope.watch(sock)
            finished = False
            for delta in _deltas(response):
                finished = finished or bool(delta.finish_reason or delta.usage) or delta is _DONE
                if delta is _DONE:
                    continue
                if delta.text:
                    delivered.append(delta.text)
                yield delta
            if delivered and not finished:
                # The body ended cleanly but the answer did not: no [DONE], finish reason or usage.
                raise StreamInterrupted(
                    f"{self.spec}: the answer stopped after {len(''.join(delivered))} characters "
                    "without an end marker. The text received so far is kept and marked incomplete; "
                    "if this repeats, check the model server or the network.",
                    partial="".join(delivered),
                )
            return None
        except Exception as exc:
            if scope is not None and scope.cancelled:
                raise Cancelled(f"{self.spec}: the call was stopped by its caller.") from exc
            # ValueError: a chunk that is not JSON; a transport error: the body broke off.
            if not (isinstance(exc, (openai.APIError, ValueError, _ServerReportedError))
                    or _transport_kind(exc)):
                raise
            return exc
        finally:
            if scope is not None:
                scope.unwatch(sock)
            if response is not None:
                response.close()  # read to the end: the connection goes back to the pool

    def _before_retry(self, policy: RetryPolicy, failure: Exception, attempt: int, delays: list[float],
                      delivered: list[str]) -> None:
        """Raise if `failure` ends the call; else wait as long as `policy` says before the
        next attempt, and note the wait in `delays`."""
        if delivered:
            partial = "".join(delivered)
            raise StreamInterrupted(
                f"{self.spec}: the answer broke off after {len(partial)} characters "
                f"({_short(failure)}). The text received so far is kept and marked incomplete; "
                "if this repeats, check the model server or the network.",
                partial=partial,
            ) from failure
        kind = _retryable(failure)
        if kind is None:
            raise _translate(self.spec, failure) from failure
        retry_after = _retry_after(failure)
        if attempt >= policy.attempts:
            raise self._gave_up(kind, failure, attempt, delays) from failure
        if kind == "connect" and attempt == 1:
            # Most often a pooled keep-alive connection the server had closed (llama.cpp
            # drops idle ones after 5 s): a fresh connection at once, no backoff.
            log.debug("%s: connection lost (%s); reconnecting", self.spec, _short(failure, 120))
            delays.append(0.0)
            return
        try:
            wait = policy.wait_before(attempt, retry_after)
        except ValueError:
            raise RetriesExhausted(
                f"{self.spec}: the server asks to wait {retry_after:.0f} s before the next call "
                f"(rate limit), longer than the {policy.max_retry_after:.0f} s we wait. Try again "
                "after that, or choose another backend.",
                attempts=attempt, delays=tuple(delays), retry_after=retry_after,
            ) from failure
        log.warning("%s: %s (%s); retry %d of %d in %.2f s", self.spec, kind, _short(failure, 120),
                    attempt, policy.attempts - 1, wait)
        delays.append(wait)
        policy.sleep(wait)

    def _gave_up(self, kind: str, exc: Exception, attempts: int, delays: list[float]) -> RetriesExhausted:
        tries = f"{attempts} attempt{'s' if attempts != 1 else ''}"
        if kind == "timeout":
            message = (f"{self.spec}: the model server did not answer within {self._timeout:g} s ({tries}). "
                       "It may be overloaded: try again in a minute, raise the timeout, or choose a faster backend.")
        elif kind == "connect":
            message = (f"{self.spec}: cannot reach the model server ({_short(exc)}; {tries}). Check that it is "
                       "running and that the base URL is right, or choose another backend.")
        elif kind == "rate":
            message = (f"{self.spec}: rate limited by the server ({tries}). Wait a minute and try again, or "
                       "lower the load (fewer parallel sessions or judge samples).")
        else:
            status = getattr(exc, "status_code", None)
            what = f"HTTP {status}" if status else "an error"
            message = (f"{self.spec}: the model server failed with {what} ({_short(exc)}; {tries}). "
                       "Try again later; if it persists, check the server's logs or choose another backend.")
        return RetriesExhausted(message, attempts=attempts, delays=tuple(delays))

    def _open(self, request: ChatRequest):
        """Start the streamed call; switch to `json_object` once if `json_schema` is refused."""
        import openai

        try:
            return self._create(request)
        except openai.BadRequestError as exc:
            if not (request.json_schema is not None and self._schema_mode == "json_schema"
                    and _rejects_response_format(exc)):
                raise
            # The server does not take `json_schema`: from now on the schema goes with
            # `json_object`. Other 400s (a prompt too long, say) must not switch the mode.
            self._schema_mode = "json_object"
            return self._create(request)

    def _create(self, request: ChatRequest):
        """Send the request and return the HTTP response with its body not yet read (the
        SDK raises its status errors here). The body is read by `_deltas`, not by the SDK's
        `Stream`: that stops reading at `[DONE]`, before the body's end, so every call closed
        its connection instead of returning it to the pool (a new TCP and TLS handshake per
        call), and it builds a pydantic object per chunk (more than half of a call's CPU)."""
        kwargs: dict[str, Any] = {
            "model": self.model,
            "messages": [m.model_dump() for m in request.messages],
            "max_tokens": request.max_tokens,
            "temperature": request.temperature,
            "stream": True,
            "stream_options": {"include_usage": True},
        }
        if request.stop:
            kwargs["stop"] = request.stop
        if request.seed is not None:
            kwargs["seed"] = request.seed
        if request.logprobs:
            kwargs["logprobs"] = True
            kwargs["top_logprobs"] = request.logprobs
        if request.json_schema is not None:
            kwargs["response_format"] = self._response_format(request)
            if self._schema_mode == "json_object":
                kwargs["messages"] = _with_schema_hint(kwargs["messages"], request.json_schema)
        extra = self._extra_body(request)
        if extra:
            kwargs["extra_body"] = extra
        return self.client.chat.completions.with_streaming_response.create(**kwargs).__enter__()

    def _extra_body(self, request: ChatRequest) -> dict[str, Any]:
        """Fields beyond the OpenAI API for servers known to take them (none here: a
        public API may refuse what it does not know)."""
        return {}

    def _response_format(self, request: ChatRequest) -> dict[str, Any]:
        if self._schema_mode == "json_object":
            return {"type": "json_object"}
        return {
            "type": "json_schema",
            "json_schema": {"name": request.schema_name, "schema": request.json_schema},
        }


def _with_schema_hint(messages: list[dict], schema: dict) -> list[dict]:
    import json

    hint = "Answer with one JSON object that follows this JSON schema:\n" + json.dumps(schema)
    return [{"role": "system", "content": hint}, *messages]
