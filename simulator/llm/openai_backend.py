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
here, to its end, so the connection is kept alive for the next call (see `_create`).
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Iterator
from typing import Any

from simulator.llm.base import (
    ChatModel,
    ChatRequest,
    Delta,
    LLMError,
    ModelUnavailable,
    Usage,
)
from simulator.llm.cancel import Cancelled, current_scope, response_socket
from simulator.llm.retry import RetriesExhausted, RetryPolicy, StreamInterrupted, parse_retry_after
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
        import openai

        policy = self.retry
        scope = current_scope()
        delays: list[float] = []
        attempt = 0
        while True:
            attempt += 1
            delivered: list[str] = []
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
                return
            except Exception as exc:
                if scope is not None and scope.cancelled:
                    raise Cancelled(f"{self.spec}: the call was stopped by its caller.") from exc
                # ValueError: a chunk that is not JSON; a transport error: the body broke off.
                if not (isinstance(exc, (openai.APIError, ValueError, _ServerReportedError))
                        or _transport_kind(exc)):
                    raise
                failure = exc
            finally:
                if scope is not None:
                    scope.unwatch(sock)
                if response is not None:
                    response.close()  # read to the end: the connection goes back to the pool
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
                continue
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
        return self.client.chat.completions.with_streaming_response.create(**kwargs).__enter__()

    def _response_format(self, request: ChatRequest) -> dict[str, Any]:
        if self._schema_mode == "json_object":
            return {"type": "json_object"}
        return {
            "type": "json_schema",
            "json_schema": {"name": request.schema_name, "schema": request.json_schema},
        }


#: Marks the `[DONE]` event in `_deltas`' output (never handed on).
_DONE = Delta()


class _ServerReportedError(Exception):
    """An `{"error": ...}` object inside the stream."""


def _deltas(response) -> Iterator[Delta]:
    """The answer's deltas from an OpenAI-style SSE body (or a plain JSON completion from
    a server that does not stream), read to the end of the body."""
    content_type = response.http_response.headers.get("content-type", "")
    if content_type.startswith("application/json"):
        yield from _completion_deltas(json.loads(response.http_response.read()))
        return
    data: list[str] = []
    for line in _lines(response.http_response.iter_bytes()):
        if line:
            field, _, value = line.partition(":")
            if field == "data":
                data.append(value[1:] if value.startswith(" ") else value)
            continue  # comments (":") and other fields (event, id, retry) carry nothing for us
        if not data:
            continue
        payload, data = "\n".join(data), []
        if payload.strip() == "[DONE]":
            yield _DONE
            continue
        delta = _chunk_delta(json.loads(payload))
        if delta is not None:
            yield delta
    if data:  # a last event without its blank line
        payload = "\n".join(data)
        if payload.strip() == "[DONE]":
            yield _DONE
        elif (delta := _chunk_delta(json.loads(payload))) is not None:
            yield delta


def _lines(chunks: Iterator[bytes]) -> Iterator[str]:
    """Lines of a byte stream (LF or CRLF endings), each decoded as UTF-8 once whole."""
    buffer = b""
    for chunk in chunks:
        buffer += chunk
        *complete, buffer = buffer.split(b"\n")
        for line in complete:
            yield line.removesuffix(b"\r").decode("utf-8", errors="replace")
    if buffer:
        yield buffer.removesuffix(b"\r").decode("utf-8", errors="replace")


def _chunk_delta(chunk: Any) -> Delta | None:
    if not isinstance(chunk, dict):
        raise ValueError(f"a stream chunk is not a JSON object: {str(chunk)[:80]}")
    error = chunk.get("error")
    if error:
        message = error.get("message") if isinstance(error, dict) else str(error)
        raise _ServerReportedError(message or "an error occurred during streaming")
    usage = _usage(chunk["usage"], chunk.get("timings")) if chunk.get("usage") else None
    text, finish, logprobs = "", None, []
    choices = chunk.get("choices") or []
    if choices:
        choice = choices[0]
        text = (choice.get("delta") or {}).get("content") or ""
        finish = choice.get("finish_reason")
        logprobs = _top_logprobs(choice)
    if text or usage or finish or logprobs:
        return Delta(text=text, usage=usage, finish_reason=finish, top_logprobs=logprobs)
    return None


def _top_logprobs(choice: dict) -> list[dict[str, float]]:
    """OpenAI's `logprobs.content[].top_logprobs` as token -> logprob, one dict per token;
    empty when the server sent none (many do not implement them)."""
    content = (choice.get("logprobs") or {}).get("content") or []
    result = []
    for position in content:
        if not isinstance(position, dict):
            continue
        tops = position.get("top_logprobs") or [position]
        result.append({t["token"]: float(t["logprob"]) for t in tops
                       if isinstance(t, dict) and "token" in t and isinstance(t.get("logprob"), (int, float))})
    return result


def _completion_deltas(body: Any) -> Iterator[Delta]:
    """A whole (non-streamed) completion as deltas."""
    if not isinstance(body, dict):
        raise ValueError("the answer is not a JSON object")
    if body.get("error"):
        error = body["error"]
        raise _ServerReportedError(error.get("message") if isinstance(error, dict) else str(error))
    choice = (body.get("choices") or [{}])[0]
    text = (choice.get("message") or {}).get("content") or ""
    usage = body.get("usage") or {}
    if text:
        yield Delta(text=text, top_logprobs=_top_logprobs(choice))
    yield Delta(usage=_usage(usage, body.get("timings")) if usage else None,
                finish_reason=choice.get("finish_reason") or "stop")


def _usage(usage: dict, timings: dict | None = None) -> Usage:
    """Token counts as the server reported them, with the prompt tokens it served from its
    cache: OpenAI's `prompt_tokens_details.cached_tokens`, llama.cpp's `timings.cache_n`."""
    details = usage.get("prompt_tokens_details") or {}
    cached = details.get("cached_tokens")
    if cached is None and timings:
        cached = timings.get("cache_n")
    return Usage(prompt_tokens=usage.get("prompt_tokens") or 0,
                 completion_tokens=usage.get("completion_tokens") or 0,
                 cached_tokens=cached if isinstance(cached, int) else None)


def _transport_kind(exc: Exception) -> str | None:
    """'timeout' or 'connect' for an error of the HTTP stack (httpx, httpcore, h11) raised
    while the body is read, which the SDK does not wrap once it has handed the response on."""
    root = type(exc).__module__.split(".", 1)[0]
    if not root.startswith(("httpx", "httpcore", "h11")):
        return None
    names = {cls.__name__ for cls in type(exc).__mro__}
    return "timeout" if "TimeoutException" in names or "Timeout" in type(exc).__name__ else "connect"


def _retryable(exc: Exception) -> str | None:
    """What kind of safe-to-repeat failure `exc` is, or None if repeating cannot help."""
    import openai

    transport = _transport_kind(exc)
    if transport:
        return transport
    if isinstance(exc, openai.APITimeoutError):
        return "timeout"
    if isinstance(exc, openai.APIConnectionError):
        return "connect"
    if isinstance(exc, openai.APIStatusError):
        if exc.status_code == 429:
            return "rate"
        if exc.status_code == 408:
            return "timeout"
        if exc.status_code >= 500:
            return "server"
    return None


def _retry_after(exc: Exception) -> float | None:
    response = getattr(exc, "response", None)
    return parse_retry_after(getattr(response, "headers", None))


def _rejects_response_format(exc: Exception) -> bool:
    text = str(exc).casefold()
    return "response_format" in text or "json_schema" in text


def _with_schema_hint(messages: list[dict], schema: dict) -> list[dict]:
    import json

    hint = "Answer with one JSON object that follows this JSON schema:\n" + json.dumps(schema)
    return [{"role": "system", "content": hint}, *messages]


def _translate(spec: str, exc: Exception) -> LLMError:
    """A failure that is not retried, as an error that says what to do next."""
    import openai

    if isinstance(exc, _ServerReportedError):
        return LLMError(f"{spec}: the server reported an error during the answer: {_short(exc)}. Try again; "
                        "if it persists, check the server's logs.")
    if isinstance(exc, openai.BadRequestError):
        return LLMError(f"{spec} rejected the request: {_short(exc)}. Check the prompt size and the "
                        "request options this server supports.")
    if isinstance(exc, openai.AuthenticationError):
        return ModelUnavailable(
            f"{spec}: the server refused the API key. Set OPENAI_API_KEY (or the key variable "
            "configured for this backend) to a valid key."
        )
    if isinstance(exc, (openai.APIConnectionError, openai.APITimeoutError)):
        return ModelUnavailable(
            f"{spec}: cannot reach the model server ({_short(exc)}). Check that it is running "
            "and that the base URL is right, or choose another backend."
        )
    if isinstance(exc, openai.PermissionDeniedError):
        return ModelUnavailable(
            f"{spec}: the server denied access ({_short(exc)}). Check that the API key may use this model."
        )
    if isinstance(exc, openai.NotFoundError):
        return ModelUnavailable(
            f"{spec}: the server does not know this model or path ({_short(exc)}). Check the model name "
            "and the base URL (it usually ends in /v1)."
        )
    if isinstance(exc, openai.RateLimitError):
        return LLMError(f"{spec}: rate limited by the server; try again in a moment.")
    if isinstance(exc, ValueError):
        return LLMError(f"{spec}: the server sent a malformed stream ({_short(exc)}). Check that it is "
                        "an OpenAI-compatible server, or choose another backend.")
    return LLMError(f"{spec}: the model call failed: {_short(exc)}")


def _short(exc: Exception, limit: int = 300) -> str:
    text = str(exc) or type(exc).__name__
    return text if len(text) < limit else text[: limit - 3] + "..."
