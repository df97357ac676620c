"""The production path (`openai-compatible:<model>@<url>`) against a real local server:
the embedded llama.cpp server, reached only through the `openai` SDK like any other."""

import pytest
from pydantic import BaseModel

from simulator.llm.base import ChatRequest, Message, ModelUnavailable
from simulator.llm.registry import build_model

pytestmark = pytest.mark.embedded


class Mood(BaseModel):
    feeling: str
    intensity: int


@pytest.fixture(scope="module")
def compat(monkeypatch_module):
    from simulator.llm.embedded import MODEL_ID, get_runtime

    runtime = get_runtime()
    monkeypatch_module.setenv("EMPATHY_SIM_COMPAT_API_KEY", runtime.api_key)
    monkeypatch_module.setenv("OPENAI_API_KEY", "sk-must-never-be-sent-to-a-custom-url")
    return build_model(f"openai-compatible:{MODEL_ID}@{runtime.base_url}")


@pytest.fixture(scope="module")
def monkeypatch_module():
    mp = pytest.MonkeyPatch()
    yield mp
    mp.undo()


def ask(text, **kw):
    return ChatRequest(messages=[Message(role="system", content="You answer briefly."),
                                 Message(role="user", content=text)], **kw)


def test_streaming_yields_deltas_and_server_usage(compat):
    result = compat.stream(ask("Say hello in three words.", max_tokens=12, temperature=0))
    deltas = list(result)
    completion = result.completion
    assert len(deltas) >= 2 and "".join(deltas) == completion.text
    assert completion.usage.counted_by == "server"
    assert completion.usage.prompt_tokens > 5 and 0 < completion.usage.completion_tokens <= 12
    assert completion.first_token_seconds is not None


def test_json_schema_output_validates(compat):
    answer, completion = compat.complete_json(
        ask("A customer is furious. Describe the feeling.", max_tokens=40, temperature=0), Mood
    )
    assert isinstance(answer.intensity, int) and answer.feeling


def test_the_custom_url_gets_its_own_key_not_the_openai_key(compat):
    assert compat.client.api_key != "sk-must-never-be-sent-to-a-custom-url"


def test_wrong_key_is_a_clear_error(compat, monkeypatch):
    from simulator.llm.openai_backend import OpenAIChatModel

    bad = OpenAIChatModel(spec="bad", model=compat.model, base_url=compat.base_url, api_key="wrong")
    with pytest.raises(ModelUnavailable, match="refused the API key"):
        bad.complete(ask("hi", max_tokens=2))


def test_unreachable_server_is_a_clear_error():
    from simulator.llm.openai_backend import OpenAIChatModel

    gone = OpenAIChatModel(spec="gone", model="m", base_url="http://127.0.0.1:9/v1", api_key=None, max_retries=0)
    with pytest.raises(ModelUnavailable, match="cannot reach"):
        gone.complete(ask("hi", max_tokens=2))
