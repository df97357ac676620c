"""The embedded model end to end: the real weights, the real in-process server.

Slow (a few seconds to load, then small answers on the CPU); deselect with
`-m "not embedded"`.
"""

from __future__ import annotations

import shutil
import threading

import pytest
from pydantic import BaseModel, Field

pytest.importorskip("xllamacpp")

from simulator.llm import model_file  # noqa: E402
from simulator.llm.base import ChatRequest, Message  # noqa: E402
from simulator.llm.embedded import EmbeddedChatModel, get_runtime  # noqa: E402

pytestmark = pytest.mark.embedded

PERSONA = Message(
    role="system",
    content="You are Sabine, a customer whose bank account was frozen. You are angry. "
    "Answer in one short sentence, as Sabine.",
)


@pytest.fixture(scope="module")
def model_path():
    try:
        return model_file.ensure_model_file()
    except model_file.ModelNotInstalled as exc:
        pytest.skip(str(exc))


@pytest.fixture(scope="module")
def model(model_path) -> EmbeddedChatModel:
    return EmbeddedChatModel(spec="embedded:default")


def test_the_model_file_verifies(model_path):
    assert model_path.stat().st_size == model_file.MODEL_SIZE
    assert model_file.file_sha256(model_path) == model_file.MODEL_SHA256


def test_the_server_starts_once_for_all_threads(model_path):
    seen = []
    threads = [threading.Thread(target=lambda: seen.append(get_runtime())) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    runtime = get_runtime()
    assert all(other is runtime for other in seen)
    assert runtime.base_url.startswith("http://127.0.0.1:") and runtime.base_url.endswith("/v1")
    assert runtime.model_id == model_file.MODEL_ID


def test_streaming_chat_reports_server_usage(model):
    request = ChatRequest(
        messages=[PERSONA, Message(role="user", content="Hello, what can I do for you?")],
        max_tokens=12,
        temperature=0.0,
    )
    result = model.stream(request)
    deltas = list(result)

    completion = result.completion
    assert len(deltas) >= 2, "the answer should arrive in pieces"
    assert completion.text == "".join(deltas) and completion.text.strip()
    assert completion.usage.counted_by == "server"
    assert 0 < completion.usage.completion_tokens <= 12
    assert completion.usage.prompt_tokens > 20
    assert completion.model == "embedded:default"


class Level(BaseModel):
    level: int = Field(ge=0, le=2)
    rationale: str = Field(max_length=60)


def test_json_schema_output_validates(model):
    request = ChatRequest(
        messages=[
            Message(role="system", content="Grade the empathy of the reply from 0 to 2."),
            Message(role="user", content="Reply: 'Please calm down, this is standard procedure.'"),
        ],
        max_tokens=60,
        temperature=0.0,
    )
    verdict, completion = model.complete_json(request, Level)

    assert verdict.level in (0, 1, 2)
    assert completion.finish_reason == "stop"


def test_assistant_prefill_is_continued_not_repeated(model):
    prefix = "Sabine: I have been waiting for"
    request = ChatRequest(
        messages=[PERSONA, Message(role="user", content="Agent: Hello."),
                  Message(role="assistant", content=prefix)],
        max_tokens=10,
        temperature=0.0,
    )
    text = model.complete(request).text

    assert text.strip()
    assert not text.lstrip().startswith("Sabine:"), "the stream holds only the continuation"


def test_tokens_are_counted_by_the_models_tokenizer(model):
    count, how = model.count_tokens("Mein Konto ist gesperrt!")

    assert how == f"tokenizer:{model_file.MODEL_ID}"
    assert 3 <= count <= 12


def test_a_corrupt_cached_copy_is_detected_and_repaired(model_path, tmp_path, monkeypatch):
    monkeypatch.setenv("EMPATHY_SIM_CACHE", str(tmp_path))
    copy = tmp_path / "models" / model_path.name
    copy.parent.mkdir()
    shutil.copyfile(model_path, copy)
    with copy.open("r+b") as handle:  # flip one byte in the middle of the weights
        handle.seek(model_file.MODEL_SIZE // 2)
        byte = handle.read(1)
        handle.seek(model_file.MODEL_SIZE // 2)
        handle.write(bytes([byte[0] ^ 0xFF]))
    # A sidecar from the intact file does not vouch for the copy: its mtime differs.
    shutil.copyfile(model_file.sidecar_path(model_path), model_file.sidecar_path(copy))

    repaired = model_file.ensure_model_file()

    assert repaired == copy
    assert model_file.file_sha256(repaired) == model_file.MODEL_SHA256


def test_a_kept_prompt_is_saved_and_a_restarted_slot_has_it_back_whole(model):
    """llm/saved_prompts.py on the real server: a kept prompt is saved from its slot, and
    restored into the emptied slot the next request finds it cached (the judge's rubric
    prompt after a restart, without reading it again)."""
    import uuid

    rules = " ".join(f"Rule {i}: a reply that names the customer's worry scores higher than one that does not."
                     for i in range(12))
    request = ChatRequest(messages=[Message(role="system", content=f"{uuid.uuid4()} {rules}"),
                                    Message(role="user", content="Ready?")],
                          max_tokens=1, temperature=0.0, keep=True)
    name, slot, runtime = model._kept(request)
    saved = runtime.prompt_folder / name
    try:
        assert not model.restore_prompt(request)  # nothing saved yet
        first = model.complete(request)
        model.save_prompt(request)
        assert saved.stat().st_size > 1_000_000
        runtime.slot_action(slot, "erase", "")
        emptied = model.complete(request)
        assert emptied.usage.cached_tokens < 10  # the slot forgot it: read again
        runtime.slot_action(slot, "erase", "")
        assert model.restore_prompt(request)
        again = model.complete(request)
        assert again.usage.prompt_tokens == first.usage.prompt_tokens > 200
        assert again.usage.cached_tokens >= again.usage.prompt_tokens - 1
    finally:
        saved.unlink(missing_ok=True)
