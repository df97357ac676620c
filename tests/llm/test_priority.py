"""Customer first on a shared local model: judge calls wait, and yield when overtaken."""

import threading
import time

from simulator.llm.base import ChatModel, ChatRequest, Delta, Message
from simulator.llm.priority import Priority, Prioritised

REQUEST = ChatRequest(messages=[Message(role="user", content="hi")])


class Slow(ChatModel):
    spec = "slow"

    def __init__(self, words: int = 5, delay: float = 0.02):
        self.words, self.delay, self.calls, self.closed = words, delay, 0, 0

    def _execute(self, request):
        self.calls += 1
        try:
            for i in range(self.words):
                time.sleep(self.delay)
                yield Delta(text=f"w{i} ")
        finally:
            self.closed += 1


def test_background_waits_for_the_foreground():
    priority, model = Priority(), Slow(words=10)
    customer, judge = Prioritised(model, priority, True), Prioritised(model, priority, False)
    order = []
    customer_stream = iter(customer.stream(REQUEST))
    next(customer_stream)  # a customer message is streaming

    def grade():
        judge.complete(REQUEST)
        order.append("judge")

    worker = threading.Thread(target=grade)
    worker.start()
    time.sleep(0.1)
    assert order == []  # still waiting
    for _ in customer_stream:
        pass
    order.append("customer")
    worker.join(5)
    assert order == ["customer", "judge"]


def test_an_overtaken_background_call_stops_and_is_asked_again():
    priority, model = Priority(), Slow(words=20, delay=0.02)
    judge = Prioritised(model, priority, False)
    result = {}
    worker = threading.Thread(target=lambda: result.update(text=judge.complete(REQUEST).text))
    worker.start()
    time.sleep(0.1)  # the judge is generating
    with priority.foreground():
        time.sleep(0.1)
    worker.join(5)
    assert result["text"] == "".join(f"w{i} " for i in range(20))  # whole, once
    assert model.calls == 2 and model.closed == 2


def test_a_background_call_is_not_starved():
    priority, model = Priority(max_wait=0.5), Slow(words=3, delay=0.05)
    judge = Prioritised(model, priority, False)
    stop = threading.Event()

    def busy_customers():
        while not stop.is_set():
            with priority.foreground():
                time.sleep(0.001)
            time.sleep(0.03)

    spammer = threading.Thread(target=busy_customers)
    spammer.start()
    try:
        assert judge.complete(REQUEST).text == "w0 w1 w2 "
    finally:
        stop.set()
        spammer.join()
    assert model.calls >= 2  # it did yield to the customers first


def test_queued_background_calls_run_one_at_a_time_and_the_warm_up_does_not_queue():
    priority, model = Priority(), Slow(words=10, delay=0.03)
    judge = Prioritised(model, priority, False)
    warm = Prioritised(model, priority, False, queued=False)
    spans: dict[str, tuple[float, float]] = {}

    def run(name, chat):
        started = time.perf_counter()
        chat.complete(REQUEST)
        spans[name] = (started, time.perf_counter())

    workers = [threading.Thread(target=run, args=(f"judge{i}", judge)) for i in range(3)]
    workers.append(threading.Thread(target=run, args=("warm", warm)))
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(10)
    ends = sorted(spans[f"judge{i}"][1] for i in range(3))
    assert ends[2] - ends[0] > 0.5  # 3 x 10 x 30 ms, one after another
    assert spans["warm"][1] - spans["warm"][0] < 0.5  # alongside, not behind them


def test_a_warm_up_stops_the_judge_and_the_judge_waits_for_it():
    priority, model = Priority(), Slow(words=20, delay=0.02)
    judge = Prioritised(model, priority, False)
    warm = Prioritised(Slow(words=10, delay=0.02), priority, False, queued=False)
    done: dict[str, float] = {}
    worker = threading.Thread(target=lambda: done.update(judge=(judge.complete(REQUEST), time.perf_counter())[1]))
    worker.start()
    time.sleep(0.1)  # the judge is generating
    warm.complete(REQUEST)
    warm_done = time.perf_counter()
    worker.join(5)
    assert model.calls == 2  # stopped once, asked again
    assert done["judge"] - warm_done > 0.3  # all 20 words again, after the warm-up


def test_a_customer_call_waits_for_a_warm_up_in_flight_instead_of_stopping_it():
    priority = Priority()
    warm_model, customer_model = Slow(words=10, delay=0.03), Slow(words=3, delay=0.01)
    warm = Prioritised(warm_model, priority, False, queued=False)
    customer = Prioritised(customer_model, priority, True)
    done: dict[str, float] = {}
    worker = threading.Thread(target=lambda: done.update(warm=(warm.complete(REQUEST), time.perf_counter())[1]))
    worker.start()
    time.sleep(0.1)  # the warm-up is reading
    customer.complete(REQUEST)
    customer_done = time.perf_counter()
    worker.join(5)
    assert warm_model.calls == 1 and done["warm"] <= customer_done  # whole, once, first
