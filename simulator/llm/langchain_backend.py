"""Any chat model LangChain supports, as a model role: `langchain:<provider>:<model>`.

LangChain is what gives the roles the providers this project does not speak to itself
(Anthropic, Bedrock, Vertex, Mistral, Ollama, Azure, ...): `init_chat_model` builds the
provider's chat model, and this adapter streams it like every other backend. The
provider's package and its settings come from the environment as LangChain documents
them (`pip install langchain-anthropic`, `ANTHROPIC_API_KEY`, `OPENAI_BASE_URL`, ...).

What a provider cannot do is declared, not guessed: log-probabilities and JSON-schema
output are asked for only where the provider's chat model is known to take them (OpenAI's
and Azure's); elsewhere the judge reads levels from constrained answers (`logprobs` is
False from the start) and a JSON answer rests on the instructions plus the check in code
(`complete_json`), as with any server that ignores a schema.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from simulator.llm.base import ChatModel, ChatRequest, Delta, LLMError, Message, ModelUnavailable, Usage

# Providers whose LangChain chat model passes OpenAI's `logprobs`/`top_logprobs` and
# `response_format` on to a server that honours them.
OPENAI_LIKE = {"openai", "azure_openai"}
# Exception class names (anywhere in the provider's hierarchy) that mean the server was
# never reached or refused the caller: retrying the same call cannot help.
UNREACHABLE = {"APIConnectionError", "APITimeoutError", "ConnectError", "ConnectTimeout", "ConnectionError",
               "AuthenticationError", "PermissionDeniedError", "NotFoundError"}


def build(spec: str, rest: str) -> LangChainChatModel:
    """The model for `langchain:<provider>:<model>` (`rest` is "<provider>:<model>")."""
    provider, sep, model = rest.partition(":")
    if not (provider and sep and model):
        raise ValueError(f"{spec!r} needs the form langchain:<provider>:<model>, e.g. "
                         "langchain:anthropic:claude-sonnet-4-5 or langchain:ollama:qwen2.5.")
    try:
        from langchain.chat_models import init_chat_model

        chat = init_chat_model(model, model_provider=provider)
    except ImportError as exc:
        raise ModelUnavailable(
            f"{spec}: LangChain's package for {provider!r} is not installed ({exc}). Install it "
            f"(pip install langchain-{provider.replace('_', '-')}) or choose another backend.") from exc
    except Exception as exc:  # noqa: BLE001 - a provider that cannot be configured: say how to fix it
        raise ModelUnavailable(
            f"{spec}: LangChain could not set up {provider!r} ({exc}). Set the provider's key and "
            "settings in the environment as LangChain documents them, or choose another backend.") from exc
    return LangChainChatModel(spec=spec, chat=chat, provider=provider)


class LangChainChatModel(ChatModel):
    """A LangChain `BaseChatModel` behind the project's model interface. `provider`
    decides which OpenAI options are sent (see OPENAI_LIKE)."""

    def __init__(self, spec: str, chat: Any, provider: str = ""):
        self.spec = spec
        self.chat = chat
        self.provider = provider
        self.openai_like = provider in OPENAI_LIKE
        # Known from the start for every other provider: the judge asks the constrained way.
        self.logprobs = None if self.openai_like else False

    def _execute(self, request: ChatRequest) -> Iterator[Delta]:
        try:
            for chunk in self.chat.stream(_messages(request.messages), **self._options(request)):
                delta = _delta(chunk)
                if delta is not None:
                    yield delta
        except LLMError:
            raise
        except Exception as exc:  # noqa: BLE001 - every provider raises its own types
            raise _translate(self.spec, exc) from exc

    def _options(self, request: ChatRequest) -> dict[str, Any]:
        options: dict[str, Any] = {"temperature": request.temperature, "max_tokens": request.max_tokens}
        if request.stop:
            options["stop"] = request.stop
        if self.openai_like:
            options["stream_usage"] = True
            if request.logprobs:
                options.update(logprobs=True, top_logprobs=request.logprobs)
            if request.json_schema is not None:
                options["response_format"] = {"type": "json_schema", "json_schema": {
                    "name": request.schema_name, "schema": request.json_schema}}
            if request.seed is not None:
                options["seed"] = request.seed
        return options


def _messages(messages: list[Message]) -> list[Any]:
    from langchain_core.messages import AIMessage, HumanMessage, SystemMessage

    kinds = {"system": SystemMessage, "user": HumanMessage, "assistant": AIMessage}
    return [kinds[m.role](content=m.content) for m in messages]


def _delta(chunk: Any) -> Delta | None:
    """One streamed `AIMessageChunk` as a Delta (None when it carries nothing)."""
    text = _text(chunk.content)
    metadata = getattr(chunk, "response_metadata", None) or {}
    usage = _usage(getattr(chunk, "usage_metadata", None))
    finish = metadata.get("finish_reason") or metadata.get("stop_reason")
    logprobs = _top_logprobs(metadata.get("logprobs"))
    if text or usage or finish or logprobs:
        return Delta(text=text, usage=usage, finish_reason=_finish(finish), top_logprobs=logprobs)
    return None


def _text(content: Any) -> str:
    """A chunk's text: a string, or a list of content blocks (Anthropic streams these)."""
    if isinstance(content, str):
        return content
    parts = []
    for block in content or []:
        if isinstance(block, str):
            parts.append(block)
        elif isinstance(block, dict) and block.get("type") == "text":
            parts.append(block.get("text", ""))
    return "".join(parts)


def _usage(metadata: Any) -> Usage | None:
    if not metadata:
        return None
    cached = (metadata.get("input_token_details") or {}).get("cache_read")
    return Usage(prompt_tokens=metadata.get("input_tokens", 0), completion_tokens=metadata.get("output_tokens", 0),
                 cached_tokens=cached if isinstance(cached, int) else None)


def _finish(reason: str | None) -> str | None:
    # Anthropic says "max_tokens" where OpenAI says "length": a cut answer is a cut answer.
    return "length" if reason == "max_tokens" else reason


def _top_logprobs(logprobs: Any) -> list[dict[str, float]]:
    """OpenAI's `logprobs.content[].top_logprobs`, as LangChain hands them on."""
    content = logprobs.get("content") if isinstance(logprobs, dict) else None
    result = []
    for position in content or []:
        tops = position.get("top_logprobs") or [position]
        result.append({t["token"]: float(t["logprob"]) for t in tops if "token" in t and "logprob" in t})
    return result


def _translate(spec: str, exc: Exception) -> LLMError:
    names = {cls.__name__ for cls in type(exc).__mro__}
    text = str(exc) or type(exc).__name__
    text = text if len(text) < 300 else text[:297] + "..."
    if names & UNREACHABLE:
        return ModelUnavailable(f"{spec}: the provider cannot be reached or refused the call ({text}). Check "
                                "its key, model name and address, or choose another backend.")
    return LLMError(f"{spec}: the model call failed: {text}")
