"""The one small interface every chat backend implements.

A backend turns a `ChatRequest` into a stream of text deltas (`_execute`, the only
abstract method, in the style of simonw/llm). Everything else - collecting the text,
validating JSON against a pydantic schema, counting tokens - is shared here.
"""

from __future__ import annotations

import json
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError

Role = Literal["system", "user", "assistant"]
T = TypeVar("T", bound=BaseModel)


class Message(BaseModel):
    model_config = ConfigDict(frozen=True)
    role: Role
    content: str


#: What a model call is for; stored with its tokens (store/usage.py) and used to order
#: calls on a shared local model. Set by whoever builds the request, never inferred.
CallRole = Literal["customer", "fact_check", "judge", "feedback", "drafting"]


class ChatRequest(BaseModel):
    messages: list[Message]
    #: None only for ad-hoc calls (tests, probes); every call the product makes names its role.
    role: CallRole | None = None
    max_tokens: int = 256
    temperature: float = 0.7
    stop: list[str] = Field(default_factory=list)
    # A JSON schema the answer must follow. Backends that can constrain decoding
    # (OpenAI `json_schema`, llama.cpp grammars) use it; the caller validates anyway.
    json_schema: dict[str, Any] | None = None
    schema_name: str = "answer"
    seed: int | None = None
    #: Ask for the `logprobs` most likely tokens at each generated position (0: none).
    #: Servers that do not return them leave `Completion.top_logprobs` empty.
    logprobs: int = 0
    #: Keep this prompt's cache for a restarted model (`restore_prompt`, `save_prompt`):
    #: the embedded model runs requests with the same system message in one slot of its
    #: own and can save and restore it (llm/saved_prompts.py); others ignore it.
    keep: bool = False


class Usage(BaseModel):
    prompt_tokens: int = 0
    completion_tokens: int = 0
    #: Prompt tokens the server served from its prompt cache (OpenAI's
    #: `prompt_tokens_details.cached_tokens`, llama.cpp's `cache_n`); None: not reported.
    cached_tokens: int | None = None
    # "server" when the backend reported the counts, else how they were counted
    # (e.g. "tiktoken:cl100k_base", "estimate:chars/4") so nobody mistakes an
    # estimate for a measurement.
    counted_by: str = "server"


#: The most likely tokens at one generated position: token text -> log probability.
TopLogprobs = dict[str, float]


class Completion(BaseModel):
    text: str
    usage: Usage
    model: str
    seconds: float = 0.0
    first_token_seconds: float | None = None
    finish_reason: str | None = None
    #: Per generated token, when the request asked for them and the server sent them.
    top_logprobs: list[TopLogprobs] = Field(default_factory=list)

    @property
    def truncated(self) -> bool:
        return self.finish_reason == "length"


class LLMError(Exception):
    """A model call failed. The message says what to do next."""


class ModelUnavailable(LLMError):
    """The backend cannot be reached or is not installed/configured."""


class InvalidOutput(LLMError):
    """The model answered, but not in the required shape."""

    def __init__(self, message: str, raw: str = ""):
        super().__init__(message)
        self.raw = raw


class Delta(BaseModel):
    """One piece of a streamed answer; the last one may carry usage and finish reason."""

    text: str = ""
    usage: Usage | None = None
    finish_reason: str | None = None
    top_logprobs: list[TopLogprobs] = Field(default_factory=list)


class ChatModel(ABC):
    """A chat model behind one of the configured specs (see `registry.parse_spec`)."""

    #: The spec string that built this model, stored with every result it produces.
    spec: str = ""
    #: Whether the backend returns top log-probabilities: None until a call tells
    #: (judge/levels.py sets it), False for backends known to return none.
    logprobs: bool | None = None
    #: Runs on this machine's CPU (the embedded model): roles that share it take turns by
    #: priority (llm/priority.py) and the session grades after the customer, not alongside.
    local: bool = False

    @abstractmethod
    def _execute(self, request: ChatRequest) -> Iterator[Delta]:
        """Yield the answer as deltas. Raise `LLMError` subclasses on failure."""

    def count_tokens(self, text: str) -> tuple[int, str]:
        """Tokens in `text` and how they were counted; backends may know better."""
        from simulator.llm.tokens import estimate_tokens

        return estimate_tokens(text)

    def stream(self, request: ChatRequest) -> StreamResult:
        return StreamResult(self, request)

    def restore_prompt(self, request: ChatRequest) -> bool:
        """Have the model hold the prompt of `request` (made with `keep`) in its cache from a
        saved copy, without reading it; False when there is none (most backends)."""
        return False

    def save_prompt(self, request: ChatRequest) -> None:
        """Keep the cache of `request`'s prompt (just answered, made with `keep`) for
        `restore_prompt`, on backends that can."""

    def complete(self, request: ChatRequest) -> Completion:
        result = self.stream(request)
        for _ in result:
            pass
        return result.completion

    def complete_json(self, request: ChatRequest, schema: type[T],
                      on_text: Callable[[str], None] | None = None) -> tuple[T, Completion]:
        """Ask for an answer shaped like `schema`; raise `InvalidOutput` if it is not.
        `on_text(text_so_far)` is called as the answer streams in."""
        if request.json_schema is None:
            request = request.model_copy(
                update={"json_schema": schema.model_json_schema(), "schema_name": schema.__name__}
            )
        if on_text is None:
            completion = self.complete(request)
        else:
            result = self.stream(request)
            for _ in result:
                on_text(result.text)
            completion = result.completion
        return parse_json_answer(completion.text, schema), completion


# Where finished calls are reported (see `recording_calls`); None: nowhere.
_CALLS: ContextVar[list | None] = ContextVar("empathy_sim_calls", default=None)


@contextmanager
def recording_calls(into: list) -> Iterator[list]:
    """Append (request, completion) of every model call made in this context to `into`,
    failed and cut-off calls included (they cost tokens too). Threads started inside
    do not inherit it unless they run in a copy of this context."""
    token = _CALLS.set(into)
    try:
        yield into
    finally:
        _CALLS.reset(token)


class StreamResult:
    """Iterate for text deltas; afterwards `.completion` holds the whole answer."""

    def __init__(self, model: ChatModel, request: ChatRequest):
        self._sink = _CALLS.get()
        self._model = model
        self._request = request
        self._parts: list[str] = []
        self._logprobs: list[TopLogprobs] = []
        self._usage: Usage | None = None
        self._finish: str | None = None
        self._started = time.perf_counter()
        self._first: float | None = None
        self._done: float | None = None

    def __iter__(self) -> Iterator[str]:
        try:
            for delta in self._model._execute(self._request):
                if delta.usage is not None:
                    self._usage = delta.usage
                if delta.finish_reason:
                    self._finish = delta.finish_reason
                self._logprobs.extend(delta.top_logprobs)
                if delta.text:
                    if self._first is None:
                        self._first = time.perf_counter() - self._started
                    self._parts.append(delta.text)
                    yield delta.text
            self._done = time.perf_counter() - self._started
        finally:
            self._report()

    def _report(self) -> None:
        if self._sink is not None:
            self._sink.append((self._request, self.completion))
            self._sink = None  # once

    @property
    def text(self) -> str:
        return "".join(self._parts)

    @property
    def first_token_seconds(self) -> float | None:
        """Seconds from the request to its first text (cheap: `completion` counts tokens)."""
        return self._first

    @property
    def completion(self) -> Completion:
        """The answer so far; complete once the stream has been read to its end."""
        return Completion(
            text=self.text,
            usage=self._usage or self._counted_usage(),
            model=self._model.spec,
            seconds=self._done if self._done is not None else time.perf_counter() - self._started,
            first_token_seconds=self._first,
            finish_reason=self._finish,
            top_logprobs=list(self._logprobs),
        )

    def _counted_usage(self) -> Usage:
        prompt = "\n".join(m.content for m in self._request.messages)
        prompt_tokens, how = self._model.count_tokens(prompt)
        completion_tokens, _ = self._model.count_tokens(self.text)
        return Usage(prompt_tokens=prompt_tokens, completion_tokens=completion_tokens, counted_by=how)


def without_code_fence(text: str) -> str:
    """A model's answer without a surrounding ``` fence (some wrap JSON in one)."""
    body = text.strip()
    if body.startswith("```"):
        body = body.strip("`")
        body = body.split("\n", 1)[1] if "\n" in body else body
    return body


def parse_json_answer(text: str, schema: type[T]) -> T:
    """Validate a model's JSON answer; tolerate a code fence, nothing else."""
    body = without_code_fence(text)
    try:
        data = json.loads(body)
    except json.JSONDecodeError as exc:
        raise InvalidOutput(f"answer is not valid JSON ({exc.msg} at char {exc.pos})", text) from exc
    try:
        return schema.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "answer"
        raise InvalidOutput(f"answer does not match the schema: {where}: {first['msg']}", text) from exc
