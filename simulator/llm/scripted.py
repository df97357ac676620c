"""A deterministic backend for tests and flow demos (simonw/llm's MockModel idea).

It records every request. Answers come from a queue of scripted responses (strings,
exceptions to raise, or callables of the request); when the queue is empty it answers
deterministically: a JSON request gets the smallest object its schema allows, with
levels derived from a hash of the request and evidence quoted from the delimited reply;
a text request gets a numbered neutral line. Its model id says "scripted" everywhere it
is stored, so nobody mistakes its output for a real grade.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
from collections.abc import Callable, Iterator
from typing import Any

from simulator.llm.base import ChatModel, ChatRequest, Delta, Usage

Response = str | Exception | Callable[[ChatRequest], str]

REPLY_PATTERN = re.compile(r"<reply>\s*(.*?)\s*</reply>", re.S)


class ScriptedModel(ChatModel):
    """`readings(request)` -> {token: logprob}, if given, answers requests that ask for
    log-probabilities (without it the model is a backend that returns none)."""

    def __init__(self, responses: list[Response] | None = None, spec: str = "scripted",
                 readings: Callable[[ChatRequest], dict[str, float]] | None = None):
        self.spec = spec
        self.readings = readings
        self.logprobs = readings is not None
        self.requests: list[ChatRequest] = []
        self._queue = list(responses or [])
        self._lock = threading.Lock()
        self._counter = 0

    def enqueue(self, *responses: Response) -> None:
        with self._lock:
            self._queue.extend(responses)

    def _execute(self, request: ChatRequest) -> Iterator[Delta]:
        if request.logprobs and self.readings is not None:
            with self._lock:
                self.requests.append(request)
            top = self.readings(request)
            token = max(top, key=top.get) if top else "0"
            yield Delta(text=token, top_logprobs=[top])
            yield Delta(usage=Usage(prompt_tokens=1, completion_tokens=1, counted_by="scripted:words"),
                        finish_reason="length")
            return
        with self._lock:
            self.requests.append(request)
            self._counter += 1
            response = self._queue.pop(0) if self._queue else None
            counter = self._counter
        if isinstance(response, Exception):
            raise response
        if callable(response):
            text = response(request)
        elif response is not None:
            text = response
        elif request.json_schema is not None:
            text = json.dumps(_fill(request.json_schema, request, request.json_schema))
        else:
            text = f"(scripted customer line {counter})"
        # Word-sized deltas so streaming code paths are exercised.
        for piece in re.findall(r"\S+\s*|\s+", text):
            yield Delta(text=piece)
        prompt_words = sum(len(m.content.split()) for m in request.messages)
        yield Delta(
            usage=Usage(
                prompt_tokens=prompt_words,
                completion_tokens=len(text.split()),
                counted_by="scripted:words",
            ),
            finish_reason="stop",
        )


def _digest(request: ChatRequest) -> int:
    joined = "\n".join(m.content for m in request.messages)
    return int(hashlib.sha256(joined.encode()).hexdigest()[:8], 16)


def _quote(request: ChatRequest) -> str | None:
    for message in reversed(request.messages):
        match = REPLY_PATTERN.search(message.content)
        if match and match.group(1).strip():
            return " ".join(match.group(1).split()[:5])
    return None


def _resolve(schema: dict[str, Any], root: dict[str, Any]) -> dict[str, Any]:
    ref = schema.get("$ref")
    if ref and ref.startswith("#/$defs/"):
        return root["$defs"][ref.rsplit("/", 1)[1]]
    return schema


def _fill(schema: dict[str, Any], request: ChatRequest, root: dict[str, Any]) -> Any:
    schema = _resolve(schema, root)
    if "enum" in schema:
        return schema["enum"][_digest(request) % len(schema["enum"])]
    kind = schema.get("type")
    if kind == "object":
        props = schema.get("properties", {})
        return {name: _fill(sub, request, root) for name, sub in props.items()}
    if kind == "array":
        quote = _quote(request)
        item = _resolve(schema.get("items", {}), root)
        if "enum" in item:  # offered choices: quote the first, as a model would pick one
            return item["enum"][:1]
        if schema.get("maxItems") == 0:
            return []
        if item.get("type") == "string" and quote:
            return [quote]
        return [_fill(item, request, root) for _ in range(schema.get("minItems", 0))]
    if kind == "integer":
        low, high = schema.get("minimum", 0), schema.get("maximum", 2)
        return low + _digest(request) % (high - low + 1)
    if kind == "number":
        return float(schema.get("minimum", 0.5))
    if kind == "boolean":
        return False
    return "scripted"
