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
    # Alongside, not behind them: an order, not a time (a loaded CI machine took 0.53 s
    # for the warm-up's own 0.3 s of words).
    assert spans["warm"][1] < ends[1]


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


def test_queued_calls_go_by_place_levels_before_feedback_and_a_turn_keeps_its_place():
    """While one call holds the model, the rest wait; they then run by (rank, ticket):
    every turn's levels before any feedback, the earlier turn first, and a turn's second
    reading before the next turn's first."""
    from simulator.llm.priority import FEEDBACK, LEVELS, in_place, ticket

    priority, model = Priority(), Slow(words=5, delay=0.02)
    judge = Prioritised(model, priority, False)
    order: list[str] = []
    first, second = ticket(), ticket()

    def call(name, place, rank):
        with in_place(place, rank):
            judge.complete(REQUEST)
        order.append(name)

    holder = threading.Thread(target=call, args=("hold", ticket(), LEVELS))
    holder.start()
    time.sleep(0.05)  # the holder has the model: everything below waits
    waiting = [("feedback 1", first, FEEDBACK), ("levels 2", second, LEVELS), ("levels 1b", first, LEVELS)]
    threads = [threading.Thread(target=call, args=args) for args in waiting]
    for thread in threads:
        thread.start()
        time.sleep(0.01)  # arrival order: feedback first, then the later turn, then the earlier
    for thread in [holder, *threads]:
        thread.join(5)
    assert order == ["hold", "levels 1b", "levels 2", "feedback 1"]


def test_a_turns_levels_stop_a_feedback_call_in_flight_which_is_asked_again_after():
    from simulator.llm.priority import FEEDBACK, in_place, ticket

    priority, model = Priority(), Slow(words=20, delay=0.02)
    judge = Prioritised(model, priority, False)
    done: dict[str, float] = {}

    def call(name, rank):
        with in_place(ticket(), rank):
            judge.complete(REQUEST)
        done[name] = time.perf_counter()

    feedback = threading.Thread(target=call, args=("feedback", FEEDBACK))
    feedback.start()
    time.sleep(0.1)  # the feedback is generating
    call("levels", 0)
    feedback.join(5)
    assert model.calls == 3  # feedback stopped once, levels, feedback again
    assert done["feedback"] - done["levels"] > 0.3  # all 20 words again, after the levels


def test_an_idle_warm_up_is_stopped_by_any_queued_call_and_runs_again_once_the_model_is_free():
    from simulator.llm.priority import IDLE, in_place, ticket

    priority, model = Priority(), Slow(words=20, delay=0.02)
    judge = Prioritised(model, priority, False)
    done: dict[str, float] = {}

    def warm():
        with in_place(ticket(), IDLE):
            done["warm_words"] = len(judge.complete(REQUEST).text.split())

    idle = threading.Thread(target=warm)
    idle.start()
    time.sleep(0.1)  # the warm-up is reading
    judge.complete(REQUEST)  # a turn's levels: first
    done["levels"] = time.perf_counter()
    idle.join(5)
    assert model.calls == 3 and done["warm_words"] == 20  # stopped once, levels, then the whole warm-up



class Reading(ChatModel):
    """Reads its prompt for `read_s` without sending anything (as llama.cpp does), stops
    at once when its cancel scope is cancelled, then sends `words` words."""

    spec = "reading"

    def __init__(self, read_s: float = 1.0, words: int = 3):
        self.read_s, self.words, self.calls, self.stopped = read_s, words, 0, 0

    def _execute(self, request):
        from simulator.llm.cancel import Cancelled, current_scope

        self.calls += 1
        scope, until = current_scope(), time.monotonic() + self.read_s
        while time.monotonic() < until:
            if scope is not None and scope.cancelled:
                self.stopped += 1
                raise Cancelled("stopped")
            time.sleep(0.005)
        for i in range(self.words):
            yield Delta(text=f"w{i} ")


def test_a_turns_levels_stop_a_feedback_call_still_reading_its_prompt_at_once():
    """The feedback sends no token while it reads its prompt: the levels do not wait for one."""
    from simulator.llm.priority import FEEDBACK, in_place, ticket

    priority, model = Priority(), Reading(read_s=1.0)
    judge = Prioritised(model, priority, False)
    done: dict[str, float] = {}

    def feedback():
        with in_place(ticket(), FEEDBACK):
            judge.complete(REQUEST)
        done["feedback"] = time.perf_counter()

    worker = threading.Thread(target=feedback)
    worker.start()
    time.sleep(0.1)  # the feedback is reading
    asked = time.perf_counter()
    with in_place(ticket()):
        judge.complete(REQUEST)
    levels_s = time.perf_counter() - asked
    worker.join(5)
    assert model.stopped == 1 and model.calls == 3
    assert levels_s < 1.5  # its own second of reading, not the feedback's rest besides
    assert done["feedback"] - asked > 1.9  # the feedback read again after the levels


def test_a_turn_keeps_the_model_between_its_calls_and_lets_go_when_its_block_ends():
    """Another turn's call waiting while a turn works between two calls does not slip in
    between them; once the turn's block is closed, it goes at once."""
    from simulator.llm.priority import HOLD_SECONDS, in_place, ticket

    priority, model = Priority(), Slow(words=3, delay=0.02)
    judge = Prioritised(model, priority, False)
    order: list[str] = []
    first, second = ticket(), ticket()

    def later_turn():
        with in_place(second):
            judge.complete(REQUEST)
        order.append(("second", time.perf_counter()))

    with in_place(first):
        judge.complete(REQUEST)
        order.append(("first a", time.perf_counter()))
        other = threading.Thread(target=later_turn)
        other.start()
        time.sleep(0.3)  # the turn's own work between its calls (the later turn waits)
        judge.complete(REQUEST)
        order.append(("first b", time.perf_counter()))
    closed = time.perf_counter()
    other.join(5)
    assert [name for name, _ in order] == ["first a", "first b", "second"]
    assert order[-1][1] - closed < HOLD_SECONDS / 2  # not held for the rest of HOLD_SECONDS


def test_levels_queued_while_a_feedback_call_waits_for_the_customer_go_first():
    """A feedback call that had the queue and waited there for the customer's message to
    end gives it up to a turn's levels queued meanwhile (it used to run its whole answer
    first: the levels of a German turn waited 13 s, bench/turn_latency.py)."""
    from simulator.llm.priority import FEEDBACK, in_place, ticket

    priority, model = Priority(), Slow(words=10, delay=0.02)
    judge = Prioritised(model, priority, False)
    order: list[str] = []

    def call(name, rank):
        with in_place(ticket(), rank):
            judge.complete(REQUEST)
        order.append(name)

    with priority.foreground():  # the customer's message streams
        feedback = threading.Thread(target=call, args=("feedback", FEEDBACK))
        feedback.start()
        time.sleep(0.1)  # the feedback has the queue and waits for the customer
        levels = threading.Thread(target=call, args=("levels", 0))
        levels.start()
        time.sleep(0.1)
    for thread in (feedback, levels):
        thread.join(5)
    assert order == ["levels", "feedback"]
