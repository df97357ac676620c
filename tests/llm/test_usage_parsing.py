"""Cached prompt tokens are read from what the server reports (OpenAI and llama.cpp)."""

from simulator.llm.openai_stream import _usage


def test_openai_cached_tokens():
    usage = _usage({"prompt_tokens": 1200, "completion_tokens": 40,
                    "prompt_tokens_details": {"cached_tokens": 1024}})
    assert (usage.prompt_tokens, usage.completion_tokens, usage.cached_tokens) == (1200, 40, 1024)


def test_llama_cpp_cache_n():
    usage = _usage({"prompt_tokens": 700, "completion_tokens": 30}, {"cache_n": 650, "prompt_n": 50})
    assert usage.cached_tokens == 650


def test_no_cache_report_is_none_not_zero():
    assert _usage({"prompt_tokens": 10, "completion_tokens": 2}).cached_tokens is None
