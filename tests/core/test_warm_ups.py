"""Cache warm-ups between replies: a session's warm-ups run one after the other, only the
newest waiting one runs, and other sessions' warm-ups are not held up."""

import threading
import time

from simulator.judge.grader import Judge
from simulator.llm.base import ChatModel, Delta
from simulator.llm.priority import Priority, Prioritised
from simulator.roleplay.mood import MoodState
from simulator.session import Services
from simulator.store.repository import Store


class Reading(ChatModel):
    """A model that takes 20 steps to read a prompt; records what it read and when."""

    spec, local = "reading", True

    def __init__(self):
        self.spans: dict[str, tuple[float, float]] = {}  # by the last thing said: (start, end)
        self.started: list[str] = []
        self._lock = threading.Lock()

    def _execute(self, request):
        text = request.messages[-1].content + " ".join(m.content for m in request.messages)
        said = next(w for w in ("Well?", "Third.", "Hello A.", "Hello B.") if w in text)
        started = time.monotonic()
        self.started.append(said)
        for _ in range(20):
            time.sleep(0.02)
            yield Delta(text=".")
        with self._lock:
            self.spans[said] = (started, time.monotonic())


def wait_for(condition, seconds: float = 5.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.01)


def test_a_sessions_warm_ups_run_in_turn_newest_only_and_other_sessions_alongside(
        tmp_path, library, customer_model, judge_model):
    model = Reading()
    services = Services(Store(tmp_path / "sim.db"), library, customer_model, Judge(judge_model),
                        warm_model=Prioritised(model, Priority(), foreground=False, queued=False))
    scenario = library.scenarios["mini-en"]
    mood = MoodState.from_scenario(scenario.persona.initial_mood)
    first = [("customer", "Hello A.")]
    services.warm(scenario, first, mood, [], "session-a")
    services.warm(scenario, [("customer", "Hello B.")], mood, [], "session-b")
    wait_for(lambda: "Hello A." in model.started)
    # Two more of session-a while its first still reads: only the newer of them runs.
    services.warm(scenario, [*first, ("agent", "Hi."), ("customer", "Third.")], mood, [], "session-a")
    services.warm(scenario, [*first, ("agent", "Hi."), ("customer", "Well?")], mood, [], "session-a")
    wait_for(lambda: not services._warming)
    assert set(model.spans) == {"Hello A.", "Hello B.", "Well?"}, model.spans
    a_end, b_start = model.spans["Hello A."][1], model.spans["Hello B."][0]
    assert b_start < a_end, "another session's warm-up runs alongside"
    assert model.spans["Well?"][0] >= a_end, "the newer warm-up of session-a waits for the older one to finish"
    assert services._warming == {}


def test_the_picker_has_a_local_judge_read_the_shown_scenarios_rubric_once_a_minute(
        tmp_path, library, customer_model):
    """The scenario picker warms the judge for the scenario on show (its rubric as the
    scenario's channel reads it), at most once a minute however often the page reruns."""
    from simulator.judge.levels import warm_request

    class Judging(ChatModel):
        spec, local, logprobs = "judging", True, True

        def __init__(self):
            self.requests = []

        def _execute(self, request):
            self.requests.append(request)
            yield Delta(text="1")

    model = Judging()
    services = Services(Store(tmp_path / "sim.db"), library, customer_model, Judge(model),
                        warm_model=Prioritised(model, Priority(), foreground=False, queued=False))
    scenario = library.scenarios["mini-en"]
    for _ in range(3):  # three reruns of the picker
        services.warm_judge_for(scenario)
    wait_for(lambda: model.requests)
    time.sleep(0.1)
    rubric = library.rubric(scenario.rubric).for_channel(scenario.channel)
    assert [r.messages for r in model.requests] == [warm_request(rubric).messages]


def test_the_picker_warms_nothing_for_a_remote_judge_or_a_scenario_without_its_rubric(
        tmp_path, library, customer_model, judge_model):
    services = Services(Store(tmp_path / "sim.db"), library, customer_model, Judge(judge_model))
    services.warm_judge_for(library.scenarios["mini-en"])  # no warm model: nothing to read ahead
    assert services._judge_warmed == {}
    local = Services(Store(tmp_path / "local.db"), library, customer_model, Judge(judge_model),
                     warm_model=Prioritised(Reading(), Priority(), foreground=False, queued=False))
    orphan = library.scenarios["mini-en"].model_copy(update={"rubric": "no-such-rubric"})
    local.warm_judge_for(orphan)  # the picker still renders; Start names the missing rubric
    assert local._judge_warmed == {}


def test_a_verdict_keeps_the_rubrics_reading_once_when_no_warm_up_did(tmp_path, library, customer_model):
    """On a machine's first start the idle warm-ups rarely end; after a verdict has read the
    rubric, the warm-up request is asked once in the grading's place and its cache saved."""
    from simulator.judge.levels import warm_request

    class Keeping(ChatModel):
        spec, local, logprobs = "keeping", True, True

        def __init__(self):
            self.requests, self.saved = [], []

        def _execute(self, request):
            self.requests.append(request)
            yield Delta(text="1", finish_reason="length")

        def save_prompt(self, request):
            self.saved.append(request)

    model = Keeping()
    services = Services(Store(tmp_path / "sim.db"), library, customer_model, Judge(model),
                        warm_model=Prioritised(model, Priority(), foreground=False, queued=False))
    scenario = library.scenarios["mini-en"]
    rubric = library.rubric(scenario.rubric).for_channel(scenario.channel)
    for _ in range(3):  # three verdicts
        services.keep_judge(rubric)
    expected = warm_request(rubric).model_copy(update={"keep": True})
    assert model.requests == [expected] and model.saved == [expected]
