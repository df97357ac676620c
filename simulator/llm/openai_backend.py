"""OpenAI and any OpenAI-compatible server (Ollama, vLLM, LM Studio, llama.cpp server,
Azure-style gateways) through the official `openai` SDK.

The SDK is imported lazily so that `import simulator.session` stays light and a missing
install says how to fix it (inspect_ai's provider style).
"""

from __future__ import annotations

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
from simulator.llm.tokens import count_openai_tokens


class OpenAIChatModel(ChatModel):
    def __init__(
        self,
        spec: str,
        model: str,
        base_url: str | None,
        api_key: str | None,
        timeout: float = 120.0,
        max_retries: int = 1,
    ):
        self.spec = spec
        self.model = model
        self.base_url = base_url
        self._api_key = api_key
        self._timeout = timeout
        self._max_retries = max_retries
        self._client = None
        # Servers that reject `json_schema` get the schema inside `json_object` instead.
        self._schema_mode = "json_schema"

    def count_tokens(self, text: str) -> tuple[int, str]:
        return count_openai_tokens(text, self.model)

    @property
    def client(self):
        if self._client is None:
            try:
                import openai
            except ImportError as exc:  # pragma: no cover - a core dependency
                raise ModelUnavailable(
                    "The `openai` package is missing: run `pip install -e .` in the project folder."
                ) from exc
            self._client = openai.OpenAI(
                api_key=self._api_key or "not-needed",
                base_url=self.base_url,
                timeout=self._timeout,
                max_retries=self._max_retries,
            )
        return self._client

    def _execute(self, request: ChatRequest) -> Iterator[Delta]:
        import openai

        try:
            stream = self._create(request)
        except openai.BadRequestError as exc:
            if not (request.json_schema is not None and self._schema_mode == "json_schema"
                    and _rejects_response_format(exc)):
                raise LLMError(f"{self.spec} rejected the request: {_short(exc)}") from exc
            # The server does not take `json_schema`: from now on the schema goes with
            # `json_object`. Other 400s (a prompt too long, say) must not switch the mode.
            self._schema_mode = "json_object"
            stream = self._call(lambda: self._create(request))
        except openai.APIError as exc:
            raise _translate(self.spec, exc) from exc
        try:
            yield from _deltas(stream)
        except openai.APIError as exc:
            raise _translate(self.spec, exc) from exc

    def _call(self, fn):
        import openai

        try:
            return fn()
        except openai.APIError as exc:
            raise _translate(self.spec, exc) from exc

    def _create(self, request: ChatRequest):
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
        if request.json_schema is not None:
            kwargs["response_format"] = self._response_format(request)
            if self._schema_mode == "json_object":
                kwargs["messages"] = _with_schema_hint(kwargs["messages"], request.json_schema)
        return self.client.chat.completions.create(**kwargs)

    def _response_format(self, request: ChatRequest) -> dict[str, Any]:
        if self._schema_mode == "json_object":
            return {"type": "json_object"}
        return {
            "type": "json_schema",
            "json_schema": {"name": request.schema_name, "schema": request.json_schema},
        }


def _deltas(stream) -> Iterator[Delta]:
    for chunk in stream:
        usage = None
        if getattr(chunk, "usage", None):
            usage = Usage(
                prompt_tokens=chunk.usage.prompt_tokens or 0,
                completion_tokens=chunk.usage.completion_tokens or 0,
            )
        text, finish = "", None
        if chunk.choices:
            choice = chunk.choices[0]
            text = choice.delta.content or "" if choice.delta else ""
            finish = choice.finish_reason
        if text or usage or finish:
            yield Delta(text=text, usage=usage, finish_reason=finish)


def _rejects_response_format(exc: Exception) -> bool:
    text = str(exc).casefold()
    return "response_format" in text or "json_schema" in text


def _with_schema_hint(messages: list[dict], schema: dict) -> list[dict]:
    import json

    hint = "Answer with one JSON object that follows this JSON schema:\n" + json.dumps(schema)
    return [{"role": "system", "content": hint}, *messages]


def _translate(spec: str, exc: Exception) -> LLMError:
    import openai

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
    if isinstance(exc, openai.RateLimitError):
        return LLMError(f"{spec}: rate limited by the server; try again in a moment.")
    return LLMError(f"{spec}: the model call failed: {_short(exc)}")


def _short(exc: Exception) -> str:
    text = str(exc)
    return text if len(text) < 300 else text[:297] + "..."
