"""Turn a spec string into a chat model.

    embedded | embedded:default          the bundled model on a local llama.cpp server
    openai:<model>                       api.openai.com, key from OPENAI_API_KEY
    openai-compatible:<model>@<base_url> any OpenAI-compatible server; key (optional)
                                         from EMPATHY_SIM_COMPAT_API_KEY, never OPENAI_API_KEY
    langchain:<provider>:<model>         any provider LangChain's init_chat_model knows
                                         (anthropic, bedrock, google_vertexai, mistralai,
                                         ollama, azure_openai, ...), set up from the environment
    scripted                             deterministic answers for tests and demos
"""

from __future__ import annotations

import os
import threading

from simulator.llm.base import ChatModel, ModelUnavailable

OPENAI_BASE_URL = "https://api.openai.com/v1"
SPEC_HELP = (
    "Use one of: embedded, openai:<model>, openai-compatible:<model>@<base_url>, "
    "langchain:<provider>:<model>, scripted "
    "(e.g. openai-compatible:qwen2.5@http://127.0.0.1:11434/v1 or langchain:anthropic:claude-sonnet-4-5)."
)

_cache: dict[str, ChatModel] = {}
_lock = threading.Lock()


class SpecError(ValueError):
    pass


def normalise(spec: str) -> str:
    spec = spec.strip()
    return "embedded:default" if spec in ("embedded", "embedded:") else spec


def get_model(spec: str) -> ChatModel:
    """The model for `spec`, built once per process and shared (clients are thread-safe)."""
    spec = normalise(spec)
    if spec.startswith("scripted"):
        return build_model(spec)  # fresh per use: scripted models keep per-run queues
    with _lock:
        if spec not in _cache:
            _cache[spec] = build_model(spec)
        return _cache[spec]


def build_model(spec: str) -> ChatModel:
    spec = normalise(spec)
    kind, _, rest = spec.partition(":")
    if kind == "scripted":
        from simulator.llm.scripted import ScriptedModel

        return ScriptedModel(spec="scripted")
    if kind == "embedded":
        from simulator.llm.embedded import EmbeddedChatModel

        return EmbeddedChatModel(spec=spec)
    if kind == "openai":
        return _openai(spec, rest)
    if kind == "openai-compatible":
        return _compatible(spec, rest)
    if kind == "langchain":
        from simulator.llm.langchain_backend import build

        try:
            return build(spec, rest)
        except ValueError as exc:
            raise SpecError(f"{exc} {SPEC_HELP}") from exc
    raise SpecError(f"Unknown model spec {spec!r}. {SPEC_HELP}")


def _openai(spec: str, model: str) -> ChatModel:
    from simulator.llm.openai_backend import OpenAIChatModel

    if not model:
        raise SpecError(f"{spec!r} names no model. {SPEC_HELP}")
    key = os.environ.get("OPENAI_API_KEY")
    if not key:
        raise ModelUnavailable(
            f"No OpenAI key found for {spec!r}: set OPENAI_API_KEY, or use the embedded model "
            "(EMPATHY_SIM_*_MODEL=embedded)."
        )
    # The base URL is pinned so that an OPENAI_BASE_URL in the environment cannot route
    # the user's OpenAI key to another server.
    return OpenAIChatModel(spec=spec, model=model, base_url=OPENAI_BASE_URL, api_key=key)


def _compatible(spec: str, rest: str) -> ChatModel:
    from simulator.llm.openai_backend import OpenAIChatModel

    model, sep, base_url = rest.partition("@")
    if not (model and sep and base_url.startswith(("http://", "https://"))):
        raise SpecError(f"{spec!r} needs the form openai-compatible:<model>@<http(s) base URL>. {SPEC_HELP}")
    key = os.environ.get("EMPATHY_SIM_COMPAT_API_KEY")
    return OpenAIChatModel(spec=spec, model=model, base_url=base_url.rstrip("/"), api_key=key)
