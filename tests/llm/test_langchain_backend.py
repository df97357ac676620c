"""`langchain:<provider>:<model>`: LangChain's chat models as model roles, through
`init_chat_model`. Driven through `ChatOpenAI` against the local OpenAI-compatible test
server (streaming, usage, log-probabilities, JSON schema, an unreachable server) and
through LangChain's own fake chat model (a provider without log-probabilities)."""

import json

import pytest
from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage
from langchain_openai import ChatOpenAI
from pydantic import BaseModel

from simulator.judge.grader import Judge
from simulator.llm.base import ChatRequest, Message, ModelUnavailable
from simulator.llm.langchain_backend import LangChainChatModel
from simulator.llm.registry import SpecError, build_model
from tests.support.openai_test_server import OpenAITestServer, closed_port
from tests.support.rubrics import CUSTOMER, REPLY, TWO_CRITERIA

RUBRIC = TWO_CRITERIA


class Mood(BaseModel):
    feeling: str
    intensity: int


@pytest.fixture(scope="module")
def server():
    with OpenAITestServer() as running:
        yield running


def through_chat_openai(base_url: str) -> LangChainChatModel:
    chat = ChatOpenAI(model="test", base_url=base_url, api_key="k", max_retries=0, timeout=5)
    return LangChainChatModel(spec="langchain:openai:test", chat=chat, provider="openai")


def ask(text: str, **options) -> ChatRequest:
    return ChatRequest(messages=[Message(role="system", content="Answer in English."),
                                 Message(role="user", content=text)], **options)


def test_text_streams_with_the_servers_usage(server):
    model = through_chat_openai(server.base_url)
    result = model.stream(ask("Say hello."))
    pieces = list(result)
    completion = result.completion
    assert len(pieces) > 1 and completion.text == "".join(pieces) and completion.text.strip()
    assert completion.usage.counted_by == "server" and completion.usage.completion_tokens > 0
    assert completion.finish_reason == "stop"
    body = server.requests[-1].body
    # ChatOpenAI sends the limit under OpenAI's newer name.
    assert body["stream"] is True and body.get("max_completion_tokens", body.get("max_tokens")) == 256


def test_a_json_answer_follows_the_schema_sent_to_the_server(server):
    model = through_chat_openai(server.base_url)
    answer, _ = model.complete_json(ask("How does the customer feel?"), Mood)
    assert isinstance(answer, Mood)
    assert server.requests[-1].body["response_format"]["type"] == "json_schema"


def test_the_judge_reads_levels_from_log_probabilities_through_langchain(server):
    model = through_chat_openai(server.base_url)
    verdict = Judge(model, max_workers=1).grade(RUBRIC, REPLY, CUSTOMER, feedback=False)
    assert verdict.status == "scored" and verdict.method == "logprobs" and model.logprobs is True
    assert all(sum(c.probs.values()) == pytest.approx(1, abs=1e-3) for c in verdict.criteria.values())


def test_an_unreachable_server_is_unavailable_not_a_grade():
    model = through_chat_openai(f"http://127.0.0.1:{closed_port()}/v1")
    with pytest.raises(ModelUnavailable, match="cannot be reached"):
        model.complete(ask("Hello?"))
    verdict = Judge(model, max_workers=1).grade(RUBRIC, REPLY, CUSTOMER, feedback=False)
    assert verdict.status == "unscored" and verdict.score is None


def test_a_provider_without_log_probabilities_is_graded_the_constrained_way():
    answers = iter([AIMessage(content=json.dumps({"evidence": ["That sounds exhausting."],
                                                  "rationale": "You name the strain.", "level": 2})),
                    AIMessage(content=json.dumps({"evidence": ["I have moved your payment date to the 15th."],
                                                  "rationale": "You moved the date.", "level": 2}))])
    model = LangChainChatModel(spec="langchain:fake:any", chat=GenericFakeChatModel(messages=answers),
                               provider="fake")
    assert model.logprobs is False  # declared, not found out by a failing call
    verdict = Judge(model, max_workers=1).grade(RUBRIC, REPLY, CUSTOMER, feedback=False)
    assert verdict.status == "scored" and verdict.method == "constrained" and verdict.score == 100.0


def test_the_spec_goes_through_init_chat_model(server, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "k")
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    model = build_model("langchain:openai:test")
    assert isinstance(model, LangChainChatModel) and isinstance(model.chat, ChatOpenAI)
    assert model.complete(ask("Say hello.")).text.strip()


def test_a_bad_spec_or_a_missing_provider_package_says_what_to_do():
    with pytest.raises(SpecError, match="langchain:<provider>:<model>"):
        build_model("langchain:openai")
    with pytest.raises(ModelUnavailable, match="pip install langchain-nosuchprovider|could not set up"):
        build_model("langchain:nosuchprovider:model")


@pytest.mark.embedded
def test_the_embedded_llama_cpp_server_through_langchain_keeps_the_limit_and_sends_log_probabilities():
    """The production path through LangChain against a real server: llama.cpp must honour
    the token limit under ChatOpenAI's name for it, and send the judge's probabilities."""
    from simulator.llm.embedded import MODEL_ID, get_runtime

    runtime = get_runtime()
    chat = ChatOpenAI(model=MODEL_ID, base_url=runtime.base_url, api_key=runtime.api_key, max_retries=0)
    model = LangChainChatModel(spec=f"langchain:openai:{MODEL_ID}", chat=chat, provider="openai")
    completion = model.complete(ask("Count from one to fifty in words.", max_tokens=5, temperature=0.0))
    assert completion.usage.counted_by == "server" and 0 < completion.usage.completion_tokens <= 5
    assert completion.finish_reason == "length"
    levels = model.complete(ask("Answer with one digit from 0 to 2: how warm is 'I am sorry'?",
                                max_tokens=1, temperature=0.0, logprobs=5))
    assert levels.top_logprobs and any(token.strip().isdigit() for token in levels.top_logprobs[0])
