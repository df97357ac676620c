"""Saved prompt caches (llm/saved_prompts.py): what a file's name depends on, which slot
a kept prompt uses, and how many files stay. The save and restore themselves run against
the real server in tests/llm/test_embedded.py."""

import os

from simulator.llm import saved_prompts
from simulator.llm.base import ChatRequest, Message


def request(system: str) -> ChatRequest:
    return ChatRequest(messages=[Message(role="system", content=system), Message(role="user", content="Ready?")],
                       max_tokens=1, keep=True)


def test_a_saved_cache_is_named_by_everything_it_depends_on():
    base = saved_prompts.key(request("Rubric v1"), "2026.10", 3072, 64)
    assert base == saved_prompts.key(request("Rubric v1"), "2026.10", 3072, 64)
    others = {saved_prompts.key(request("Rubric v2"), "2026.10", 3072, 64),  # an edited rubric
              saved_prompts.key(request("Rubric v1"), "2026.11", 3072, 64),  # another runtime
              saved_prompts.key(request("Rubric v1"), "2026.10", 4096, 64),  # another slot size
              saved_prompts.key(request("Rubric v1"), "2026.10", 3072, 128)}  # another prompt step
    assert base not in others and len(others) == 4


def test_kept_prompts_use_the_last_slots_one_per_system_message():
    assert {saved_prompts.slot_for(request(f"Rubric {i}"), 8) for i in range(40)} == {5, 6, 7}
    assert {saved_prompts.slot_for(request(f"R {i}"), 2) for i in range(40)} == {0, 1}
    # a verdict's level readings start with the rubric's system message: the warm-up's slot
    reading = ChatRequest(messages=[Message(role="system", content="Rubric 3"),
                                    Message(role="user", content="Reply: ... Level of empathy?")], keep=True)
    assert saved_prompts.slot_for(reading, 8) == saved_prompts.slot_for(request("Rubric 3"), 8)


def test_only_the_newest_files_stay(tmp_path):
    for i in range(5):
        path = tmp_path / f"{i}{saved_prompts.SUFFIX}"
        path.write_bytes(b"kv")
        os.utime(path, (1_000 + i, 1_000 + i))
    (tmp_path / "notes.txt").write_text("not a cache")
    saved_prompts.prune(tmp_path, keep=2)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["3.kv", "4.kv", "notes.txt"]
