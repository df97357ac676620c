import tiktoken

from simulator.llm import tokens


def test_counts_are_labelled_and_never_crash_offline(monkeypatch):
    tokens._encoding_for.cache_clear()
    count, how = tokens.count_openai_tokens("Es tut mir leid, dass Ihre Karte abgelehnt wurde.", "gpt-4o-mini")
    assert count > 5 and how.startswith("tiktoken:")
    if "offline" in how:  # the real o200k encoding could not be downloaded here
        assert how.endswith("~o200k_base")


def test_offline_copy_is_the_real_cl100k():
    encoding = tiktoken.get_encoding(tokens.OFFLINE_ENCODING)
    assert encoding.encode("hello world") == [15339, 1917]


def test_estimate_when_tiktoken_fails_entirely(monkeypatch):
    tokens._encoding_for.cache_clear()

    def broken(name):
        raise OSError("no network")

    monkeypatch.setattr(tiktoken, "get_encoding", broken)
    try:
        assert tokens.count_openai_tokens("abcdefgh", "gpt-4") == (2, "estimate:chars/4")
    finally:
        tokens._encoding_for.cache_clear()
