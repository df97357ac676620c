"""Prompt caches kept on disk, so a restarted embedded model does not read them again.

The judge's rubric prompt (about 1,700 tokens for empathy-core) takes the embedded model
about 30 s to read on two cores. Read at session start, behind the customer's own prompt,
it held the first verdicts of every session after a restart back 40-80 s
(bench/turn_latency.py). llama.cpp can write a slot's cache to a file and read it back
into a slot (`/slots/{id}?action=save|restore`, with the server's `slot_save_path`):
measured for that prompt, 49.7 MB written in 25 ms, read back in 14 ms in a new process,
and the next request found 1,731 of its 1,732 tokens cached.

A kept prompt runs in a slot chosen from its system message (one of the last KEPT_SLOTS),
so it can be saved from and restored into a known slot, and the judge's level readings,
which start with the same system message, run there too: whatever read the rubric first
(a warm-up or a verdict), the slot holds it. A file is named by the
hash of everything its content depends on: the model file, the runtime's version, the
slot size and prompt step, and the prompt itself, so an edited rubric or another model
never loads a stale cache.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from simulator.llm.base import ChatRequest
from simulator.llm.model_file import MODEL_SHA256, cache_dir

#: Slots (counted from the last) that kept prompts run in: a few rubrics in use at once.
KEPT_SLOTS = 3
#: Files kept (about 50 MB each for a rubric's prompt); the oldest go first.
MAX_FILES = 16
SUFFIX = ".kv"


def folder() -> Path:
    """`$EMPATHY_SIM_CACHE/prompts`, else `~/.cache/empathy-sim/prompts` (next to the model)."""
    return cache_dir().parent / "prompts"


def key(request: ChatRequest, runtime_version: str, ctx_per_slot: int, batch: int) -> str:
    """What the saved cache of `request`'s prompt depends on, hashed."""
    content = {"model": MODEL_SHA256, "runtime": runtime_version, "ctx": ctx_per_slot, "batch": batch,
               "messages": [m.model_dump() for m in request.messages]}
    return hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()[:32]


def file_name(prompt_key: str) -> str:
    return prompt_key + SUFFIX


def slot_for(request: ChatRequest, slots: int) -> int:
    """The slot a kept prompt runs in, is saved from and restored into: one per system message."""
    system = request.messages[0].content if request.messages else ""
    return slots - 1 - int(hashlib.sha256(system.encode()).hexdigest(), 16) % min(KEPT_SLOTS, slots)


def prune(directory: Path, keep: int = MAX_FILES) -> None:
    """Delete all but the `keep` newest saved caches."""
    files = sorted(directory.glob("*" + SUFFIX), key=lambda p: p.stat().st_mtime, reverse=True)
    for old in files[keep:]:
        old.unlink(missing_ok=True)
