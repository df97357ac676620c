"""Faults of a remote model server, first at the backend (retries, backoff, Retry-After,
broken streams), then through a whole training turn: whatever the server does, the
trainee's reply is kept, a judge failure is "unscored" (never 0), and a customer message
cut mid-stream keeps its text, marked incomplete.

Everything runs against `tests.support.openai_test_server` on 127.0.0.1; retry sleeps are
recorded instead of slept, so the file runs in a few seconds.
"""

from __future__ import annotations

import email.utils
import time

import pytest
from pydantic import BaseModel

from simulator.judge.grader import Judge
from simulator.llm.base import ChatRequest, InvalidOutput, LLMError, Message, ModelUnavailable
from simulator.llm.openai_backend import OpenAIChatModel
from simulator.llm.registry import build_model
from simulator.llm.retry import RetriesExhausted, RetryPolicy, StreamInterrupted, parse_retry_after
from simulator.session import Services, TrainingSession
from simulator.store.repository import Store
from tests.support.openai_test_server import OpenAITestServer, closed_port

REPLY = "I am sorry we declined your card: I will unblock it by 5 pm today."


class Mood(BaseModel):
    feeling: str
    intensity: int


@pytest.fixture
def server():
    with OpenAITestServer() as running:
        yield running


@pytest.fixture
def sleeps() -> list[float]:
    return []


def make_model(server_or_url, sleeps: list[float], attempts: int = 3, timeout: float = 5.0,
               **policy) -> OpenAIChatModel:
    base_url = server_or_url if isinstance(server_or_url, str) else server_or_url.base_url
    retry = RetryPolicy(attempts=attempts, sleep=sleeps.append, **policy)
    return OpenAIChatModel(spec=f"openai-compatible:test@{base_url}", model="test", base_url=base_url,
                           api_key=None, timeout=timeout, retry=retry)


def ask(text: str = "Say something.", **kw) -> ChatRequest:
    return ChatRequest(messages=[Message(role="system", content="You are a customer. Speak English."),
                                 Message(role="user", content=text)], **kw)


# -- the test server itself -------------------------------------------------------------


def test_the_registry_spec_reaches_the_test_server(server):
    model = build_model(server.spec())
    result = model.stream(ask())
    pieces = list(result)
    assert len(pieces) > 3 and result.completion.finish_reason == "stop"
    assert result.completion.usage.counted_by == "server"  # the usage chunk arrived
    body = server.requests[-1].body
    assert body["stream"] is True and body["stream_options"] == {"include_usage": True}


def test_json_schema_answers_are_valid(server):
    answer, _ = build_model(server.spec()).complete_json(ask(), Mood)
    assert isinstance(answer.intensity, int)
    assert server.requests[-1].body["response_format"]["type"] == "json_schema"


def test_connections_are_kept_alive_between_calls(server, sleeps):
    model = make_model(server, sleeps)
    for _ in range(5):
        assert model.complete(ask()).text
        model.complete_json(ask(), Mood)
    assert server.request_count == 10 and server.connection_count == 1


# -- the SSE reader -------------------------------------------------------------------------


class FakeBody:
    """What `_deltas` reads: `http_response` with headers, `iter_bytes()` and `read()`."""

    def __init__(self, chunks: list[bytes], content_type: str = "text/event-stream"):
        self.http_response = self
        self.headers = {"content-type": content_type}
        self._chunks = chunks

    def iter_bytes(self):
        yield from self._chunks

    def read(self):
        return b"".join(self._chunks)


def chunk(text: str = "", finish=None, usage=None) -> str:
    import json

    data = {"choices": [{"index": 0, "delta": {"content": text}, "finish_reason": finish}]}
    if usage:
        data = {"choices": [], "usage": usage}
    return "data: " + json.dumps(data)


def test_the_sse_reader_takes_crlf_comments_split_lines_and_a_missing_last_blank_line():
    from simulator.llm.openai_backend import _DONE, _deltas

    body = (f": keep-alive\r\n\r\n{chunk('Hel')}\r\n\r\nevent: message\n{chunk('lo ü')}\n\n"
            f"{chunk(finish='stop')}\n\n{chunk(usage={'prompt_tokens': 3, 'completion_tokens': 2})}\n\n"
            "data: [DONE]").encode()
    pieces = [body[i:i + 7] for i in range(0, len(body), 7)]  # splits lines and UTF-8 characters
    deltas = list(_deltas(FakeBody(pieces)))
    assert deltas[-1] is _DONE
    assert "".join(d.text for d in deltas) == "Hello ü"
    assert deltas[2].finish_reason == "stop" and deltas[3].usage.completion_tokens == 2


def test_a_server_that_does_not_stream_still_answers():
    import json

    from simulator.llm.openai_backend import _deltas

    body = json.dumps({"choices": [{"message": {"content": "Whole answer."}, "finish_reason": "stop"}],
                       "usage": {"prompt_tokens": 4, "completion_tokens": 2}}).encode()
    deltas = list(_deltas(FakeBody([body], "application/json")))
    assert deltas[0].text == "Whole answer." and deltas[-1].finish_reason == "stop"


def test_an_error_event_mid_stream_after_text_is_an_interruption(server, sleeps):
    server.push_fault("stream_error", after_chars=30)
    model = make_model(server, sleeps)
    result = model.stream(ask())
    with pytest.raises(StreamInterrupted, match="failed mid-answer") as caught:
        list(result)
    assert caught.value.partial == result.text and result.text
    assert server.request_count == 1


def test_an_error_event_before_any_text_is_an_llm_error_not_retried(server, sleeps):
    server.push_fault("stream_error", after_chars=0)
    model = make_model(server, sleeps)
    with pytest.raises(LLMError, match="reported an error"):
        model.complete(ask())
    assert server.request_count == 1 and sleeps == []


# -- retry policy -------------------------------------------------------------------------


def test_backoff_grows_and_is_capped():
    policy = RetryPolicy(attempts=8, base=0.5, cap=4.0, rand=lambda: 1.0)
    assert [policy.backoff(n) for n in range(1, 7)] == [0.5, 1.0, 2.0, 4.0, 4.0, 4.0]
    low = RetryPolicy(base=0.5, cap=4.0, jitter=0.5, rand=lambda: 0.0)
    assert [low.backoff(n) for n in range(1, 5)] == [0.25, 0.5, 1.0, 2.0]  # jitter takes at most half


def test_retry_after_is_read_as_seconds_or_a_date():
    now = time.time()
    assert parse_retry_after({"Retry-After": "7"}) == 7.0
    assert parse_retry_after({"retry-after-ms": "1500"}) == 1.5
    date = email.utils.formatdate(now + 20, usegmt=True)
    assert 18.0 <= parse_retry_after({"retry-after": date}, now=now) <= 20.0
    assert parse_retry_after({"retry-after": email.utils.formatdate(now - 60, usegmt=True)}, now=now) == 0.0
    assert parse_retry_after({"retry-after": "soon"}) is None
    assert parse_retry_after({}) is None


# -- backend faults -----------------------------------------------------------------------


def test_a_timeout_is_retried_then_succeeds(server, sleeps):
    server.push_fault("timeout", seconds=5)
    model = make_model(server, sleeps, timeout=0.3)
    assert model.complete(ask()).text
    assert server.request_count == 2 and len(sleeps) == 1


def test_timeouts_give_up_after_the_bounded_attempts(server, sleeps):
    server.push_fault("timeout", seconds=5, times=None)
    model = make_model(server, sleeps, attempts=2, timeout=0.3)
    with pytest.raises(RetriesExhausted, match="did not answer within 0.3 s") as caught:
        model.complete(ask())
    assert isinstance(caught.value, ModelUnavailable)
    assert caught.value.attempts == 2 and server.request_count == 2 and len(sleeps) == 1


def test_a_refused_connection_is_retried_then_reported(sleeps):
    model = make_model(f"http://127.0.0.1:{closed_port()}/v1", sleeps, attempts=3)
    with pytest.raises(RetriesExhausted, match="cannot reach the model server") as caught:
        model.complete(ask())
    # A lost connection is first re-made at once (usually a keep-alive connection the
    # server closed), then backed off.
    assert caught.value.attempts == 3 and caught.value.delays[0] == 0 and len(sleeps) == 1
    assert "base URL" in str(caught.value)  # says what to check


def test_a_stopped_server_refuses_and_the_error_says_so(sleeps):
    with OpenAITestServer() as server:
        model = make_model(server, sleeps, attempts=2)
        assert model.complete(ask()).text  # a keep-alive connection now exists
    with pytest.raises(ModelUnavailable, match="cannot reach"):
        model.complete(ask())


def test_429_honours_retry_after_seconds(server, sleeps):
    server.push_fault("429", retry_after="3")
    model = make_model(server, sleeps)
    assert model.complete(ask()).text
    assert sleeps == [3.0] and server.request_count == 2


def test_429_honours_retry_after_as_an_http_date(server, sleeps):
    server.push_fault("429", retry_after=email.utils.formatdate(time.time() + 5, usegmt=True))
    model = make_model(server, sleeps)
    assert model.complete(ask()).text
    assert len(sleeps) == 1 and 3.0 <= sleeps[0] <= 5.0


def test_a_retry_after_above_the_cap_gives_up_at_once(server, sleeps):
    server.push_fault("429", retry_after="120")
    model = make_model(server, sleeps)
    with pytest.raises(RetriesExhausted, match="asks to wait 120 s") as caught:
        model.complete(ask())
    assert caught.value.retry_after == 120.0
    assert sleeps == [] and server.request_count == 1


def test_500_then_success_is_retried(server, sleeps):
    server.push_fault("500")
    model = make_model(server, sleeps, base=0.5)
    completion = model.complete(ask())
    assert completion.text and completion.finish_reason == "stop"
    assert server.request_count == 2 and len(sleeps) == 1 and 0.25 <= sleeps[0] <= 0.5


def test_500_forever_gives_up_with_growing_capped_delays(server, sleeps):
    server.push_fault("500", times=None)
    model = make_model(server, sleeps, attempts=6, base=0.5, cap=2.0)
    with pytest.raises(RetriesExhausted, match="HTTP 500") as caught:
        model.complete(ask())
    assert server.request_count == 6 and len(sleeps) == 5
    assert caught.value.delays == tuple(sleeps)
    assert "Try again later" in str(caught.value)
    # With jitter each wait lies between half and all of base * 2**n, capped.
    full = [0.5, 1.0, 2.0, 2.0, 2.0]
    assert all(f / 2 <= d <= f for d, f in zip(sleeps, full))
    assert sleeps[:3] == sorted(sleeps[:3]) and max(sleeps) <= 2.0


def test_without_jitter_the_delays_double_up_to_the_cap(server, sleeps):
    server.push_fault("503", times=None)
    model = make_model(server, sleeps, attempts=6, base=0.5, cap=2.0, rand=lambda: 1.0)
    with pytest.raises(RetriesExhausted, match="HTTP 503"):
        model.complete(ask())
    assert sleeps == [0.5, 1.0, 2.0, 2.0, 2.0]


@pytest.mark.parametrize("status", ["400", "404", "422"])
def test_other_4xx_are_not_retried(server, sleeps, status):
    server.push_fault(status)
    model = make_model(server, sleeps)
    with pytest.raises(LLMError) as caught:
        model.complete(ask())
    assert not isinstance(caught.value, RetriesExhausted)
    assert server.request_count == 1 and sleeps == []


def test_a_server_without_json_schema_gets_the_schema_in_the_prompt(server, sleeps):
    server.push_fault("400", match="json", message="'response_format' of type json_schema is not supported")
    model = make_model(server, sleeps)
    answer, _ = model.complete_json(ask(), Mood)
    assert isinstance(answer.intensity, int)
    first, second = (r.body for r in server.requests)
    assert first["response_format"]["type"] == "json_schema"
    assert second["response_format"] == {"type": "json_object"}
    assert second["messages"][0]["content"].startswith("Answer with one JSON object")
    assert sleeps == []  # a switch of format, not a retry


def test_a_refused_key_is_not_retried_and_says_which_variable_to_set(server, sleeps):
    server.push_fault("401")
    with pytest.raises(ModelUnavailable, match="refused the API key") as caught:
        make_model(server, sleeps).complete(ask())
    assert not isinstance(caught.value, RetriesExhausted) and "OPENAI_API_KEY" in str(caught.value)
    assert server.request_count == 1 and sleeps == []


def test_a_stream_cut_mid_message_keeps_the_partial_text(server, sleeps):
    server.push_fault("cut", after_chars=30)
    model = make_model(server, sleeps)
    result = model.stream(ask())
    received = []
    with pytest.raises(StreamInterrupted) as caught:
        for piece in result:
            received.append(piece)
    partial = "".join(received)
    assert partial and len(partial) <= 30
    assert caught.value.partial == partial == result.text
    assert server.request_count == 1 and sleeps == []  # text was delivered: never repeated
    assert "kept and marked incomplete" in str(caught.value)


def test_a_stream_cut_before_any_text_is_retried(server, sleeps):
    server.push_fault("cut", after_chars=0)
    model = make_model(server, sleeps)
    assert model.complete(ask()).text
    assert server.request_count == 2 and sleeps == []  # the dropped connection is re-made at once


def test_malformed_json_is_invalid_output(server, sleeps):
    server.push_fault("malformed_json")
    model = make_model(server, sleeps)
    with pytest.raises(InvalidOutput, match="not valid JSON") as caught:
        model.complete_json(ask(), Mood)
    assert caught.value.raw.startswith("{")
    assert server.request_count == 1


def test_an_empty_reply_is_not_an_exception(server, sleeps):
    server.push_fault("empty")
    completion = make_model(server, sleeps).complete(ask())
    assert completion.text == "" and completion.finish_reason == "stop"
    assert server.request_count == 1


def test_the_sdk_does_not_retry_on_its_own(server, sleeps):
    server.push_fault("500", times=None)
    model = make_model(server, sleeps, attempts=1)
    with pytest.raises(RetriesExhausted):
        model.complete(ask())
    assert server.request_count == 1
    assert model.client.max_retries == 0


# -- through a whole turn -----------------------------------------------------------------


@pytest.fixture
def core(tmp_path, library, server, sleeps):
    """Services with the customer and the judge on the test server; no real sleeps."""
    customer = make_model(server, sleeps, timeout=0.5)
    judge = make_model(server, sleeps, timeout=0.5)
    services = Services(Store(tmp_path / "faults.db"), library, customer, Judge(judge))
    return services


def play(services):
    session = TrainingSession.start(services, "mini-en")
    pending = session.submit(REPLY)
    shown = "".join(pending.stream_customer())
    result = pending.result()
    return session, shown, result, session.turns()[1]


JUDGE_FAULTS = {
    "500": dict(kind="500", times=None),
    "timeout": dict(kind="timeout", seconds=5, times=None),
    "429_too_long": dict(kind="429", retry_after="600", times=None),
    "malformed_json": dict(kind="malformed_json", times=None),
    "empty": dict(kind="empty", times=None),
    "400": dict(kind="400", times=None),
}


def push_named(server, fault: dict, match: str) -> None:
    """Queue a fault from one of the tables below (its `kind` plus options)."""
    options = dict(fault)
    server.push_fault(options.pop("kind"), match=match, **options)


@pytest.mark.parametrize("fault", list(JUDGE_FAULTS))
def test_a_judge_fault_leaves_the_turn_unscored_never_zero(core, server, fault):
    # The judge reads levels ("levels" requests) and answers in JSON where it has no reading;
    # a level reading has no JSON to break, so that fault comes with a server refusing readings.
    push_named(server, JUDGE_FAULTS["400" if fault == "malformed_json" else fault], match="levels")
    push_named(server, JUDGE_FAULTS[fault], match="json")
    session, shown, result, stored = play(core)
    assert stored.trainee_text == REPLY
    assert result.verdict.status == "unscored" and result.verdict.score is None
    assert result.verdict.reason
    assert stored.verdict is not None and stored.verdict.status == "unscored"
    assert stored.verdict.score is None and stored.verdict.reason
    assert result.customer.status == "complete" and stored.customer_text == shown.strip()


def test_a_judge_that_recovers_after_a_500_still_scores(core, server):
    server.push_fault("500", match="levels")
    server.push_fault("429", match="levels", retry_after="1")
    _, _, result, stored = play(core)
    assert stored.verdict.status == result.verdict.status
    assert result.verdict.status == "scored" and result.verdict.score is not None


def test_a_customer_stream_cut_keeps_the_partial_text_as_incomplete(core, server):
    server.push_fault("cut", match="text", after_chars=70)
    session, shown, result, stored = play(core)
    assert stored.trainee_text == REPLY
    assert shown.strip() and len(shown) < 70
    assert result.customer.status == "incomplete"
    assert stored.customer_status == "incomplete" and stored.customer_text == shown.strip()
    assert any(e.kind == "model_error" and "broke off" in e.detail for e in stored.guard_events)
    assert stored.verdict is not None  # the judge graded the reply all the same


CUSTOMER_GAVE_UP = ("failed", "fallback")
CUSTOMER_FAULTS = {
    "500": dict(kind="500", times=None),
    "timeout": dict(kind="timeout", seconds=5, times=None),
    "429_too_long": dict(kind="429", retry_after="600", times=None),
    "empty": dict(kind="empty", times=None),
    "cut_before_text": dict(kind="cut", after_chars=0, times=None),
}


@pytest.mark.parametrize("fault", list(CUSTOMER_FAULTS))
def test_a_customer_fault_keeps_the_reply_and_marks_the_message(core, server, fault):
    push_named(server, CUSTOMER_FAULTS[fault], match="text")
    _, shown, result, stored = play(core)
    assert stored.trainee_text == REPLY
    # "failed" (nothing invented, the trainee may ask again) or a scenario line marked "fallback"
    assert result.customer.status in CUSTOMER_GAVE_UP
    assert stored.customer_status == result.customer.status
    assert (stored.customer_text or "") == shown.strip()
    assert stored.verdict is not None and stored.verdict.status == "scored"
    server.clear_faults()


def test_a_customer_that_recovers_after_a_500_answers(core, server):
    server.push_fault("500", match="text")
    _, shown, result, stored = play(core)
    assert result.customer.status == "complete" and stored.customer_text == shown.strip()


def test_an_unreachable_server_keeps_the_reply_and_leaves_it_unscored(tmp_path, library, sleeps):
    gone = f"http://127.0.0.1:{closed_port()}/v1"
    services = Services(Store(tmp_path / "gone.db"), library, make_model(gone, sleeps),
                        Judge(make_model(gone, sleeps)))
    _, shown, result, stored = play(services)
    assert stored.trainee_text == REPLY
    assert result.customer.status in CUSTOMER_GAVE_UP
    assert stored.customer_status == result.customer.status and (stored.customer_text or "") == shown.strip()
    assert result.verdict.status == "unscored" and "cannot reach" in result.verdict.reason
    assert stored.verdict.status == "unscored" and stored.verdict.score is None
