"""The answer's body as `Delta`s: an OpenAI-style SSE stream, or a whole JSON completion
from a server that does not stream. Why the body is read here and not by the SDK: see
`OpenAIChatModel._create`."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from simulator.llm.base import Delta, Usage

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
