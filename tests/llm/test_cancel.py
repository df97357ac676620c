"""A customer call stops a judge call on the shared local model at once, even while the
server is still silently reading the judge's prompt (llama.cpp sends nothing then), and
the stopped call is neither retried by the backend nor lost: it is asked again after the
customer."""

from __future__ import annotations

import socket
import threading
import time

import pytest

from simulator.llm.base import ChatRequest, Message
from simulator.llm.cancel import Cancelled, CancelScope, cancel_scope
from simulator.llm.priority import Priority, Prioritised
from simulator.llm.registry import build_model
from tests.support.openai_test_server import OpenAITestServer

REQUEST = ChatRequest(messages=[Message(role="user", content="Please answer in English.")], max_tokens=40)


@pytest.fixture
def server():
    with OpenAITestServer() as running:
        yield running


def blocked_reader(sock: socket.socket) -> tuple[threading.Thread, dict]:
    got: dict = {}

    def read():
        got["data"] = sock.recv(10)
        got["at"] = time.perf_counter()

    reader = threading.Thread(target=read)
    reader.start()
    return reader, got


def test_cancel_wakes_a_thread_blocked_on_a_watched_socket():
    a, b = socket.socketpair()
    with a, b:
        scope = CancelScope()
        scope.watch(a)
        reader, got = blocked_reader(a)
        time.sleep(0.1)
        assert reader.is_alive()  # nothing to read yet
        cancelled_at = time.perf_counter()
        scope.cancel()
        reader.join(2)
        assert got["data"] == b"" and got["at"] - cancelled_at < 0.5 and scope.cancelled


def test_a_socket_watched_after_cancel_is_shut_at_once_and_an_unwatched_one_is_left_alone():
    a, b = socket.socketpair()
    c, d = socket.socketpair()
    with a, b, c, d:
        scope = CancelScope()
        scope.watch(c)
        scope.unwatch(c)  # back in a pool, serving another call
        scope.cancel()
        scope.watch(a)
        assert a.recv(10) == b""
        d.sendall(b"still here")
        assert c.recv(10) == b"still here"


def test_a_cancelled_call_raises_cancelled_and_is_not_retried(server):
    model = build_model(server.spec())
    model.complete(REQUEST)  # the client is built and connected: the cancel lands mid-call
    server.reset_stats()
    server.push_fault("slow_start", seconds=5)
    scope = CancelScope()
    threading.Timer(0.3, scope.cancel).start()
    started = time.perf_counter()
    with cancel_scope(scope), pytest.raises(Cancelled):
        model.complete(REQUEST)
    assert time.perf_counter() - started < 2  # not the 5 s of silence
    assert server.request_count == 1  # no retry of a call its caller stopped


def test_a_customer_call_stops_a_judge_reading_its_prompt_and_the_judge_is_asked_again(server):
    model = build_model(server.spec())
    model.complete(REQUEST)
    server.reset_stats()
    priority = Priority()
    judge, customer = Prioritised(model, priority, False), Prioritised(model, priority, True)
    server.push_fault("slow_start", seconds=5)  # the judge's first request: a long prompt to read
    result: dict = {}

    def grade():
        result["text"] = judge.complete(REQUEST).text
        result["at"] = time.perf_counter()

    started = time.perf_counter()
    worker = threading.Thread(target=grade)
    worker.start()
    time.sleep(0.3)
    assert worker.is_alive() and server.in_flight == 1
    answer = customer.complete(REQUEST)
    worker.join(5)
    assert answer.text and result["text"]  # both whole
    assert result["at"] - started < 2.5  # the judge did not sit out its 5 s of silence
    assert server.request_count == 3  # judge (stopped), customer, judge again


def test_without_a_foreground_call_the_judge_is_not_disturbed(server):
    model = build_model(server.spec())
    judge = Prioritised(model, Priority(), False)
    server.push_fault("slow_start", seconds=0.5)
    assert judge.complete(REQUEST).text
    assert server.request_count == 1

