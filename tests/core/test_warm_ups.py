"""Cache warm-ups between replies: a newer warm-up of a session calls off the older one
still reading (a customer call would otherwise wait for both); other sessions' stay."""

import threading
import time

from simulator.judge.grader import Judge
from simulator.llm.base import ChatModel, Delta
from simulator.llm.priority import Priority, Prioritised
from simulator.roleplay.mood import MoodState
from simulator.session import Services
from simulator.store.repository import Store


class Reading(ChatModel):
    """A model that takes 20 steps to read a prompt; records how far each call got."""

    spec, local = "reading", True

    def __init__(self):
        self.steps: dict[str, int] = {}  # by the conversation it read

    def _execute(self, request):
        text = " ".join(m.content for m in request.messages)
        said = "Well?" if "Well?" in text else "A." if "Hello A." in text else "B."
        self.steps[said] = 0
        for _ in range(20):
            time.sleep(0.02)
            self.steps[said] += 1
            yield Delta(text=".")


def test_a_newer_warm_up_of_a_session_calls_off_the_older_one_and_leaves_other_sessions_alone(
        tmp_path, library, customer_model, judge_model):
    model = Reading()
    services = Services(Store(tmp_path / "sim.db"), library, customer_model, Judge(judge_model),
                        warm_model=Prioritised(model, Priority(), foreground=False, queued=False))
    scenario = library.scenarios["mini-en"]
    mood = MoodState.from_scenario(scenario.persona.initial_mood)
    services.warm(scenario, [("customer", "Hello A.")], mood, [], "session-a")
    services.warm(scenario, [("customer", "Hello B.")], mood, [], "session-b")
    time.sleep(0.1)
    services.warm(scenario, [("customer", "Hello A."), ("agent", "Hi."), ("customer", "Well?")], mood, [], "session-a")
    deadline = time.monotonic() + 5
    while sorted(model.steps.values())[-2:] != [20, 20] and time.monotonic() < deadline:
        time.sleep(0.02)
    time.sleep(0.1)
    assert set(model.steps) == {"A.", "B.", "Well?"}, model.steps
    assert model.steps["A."] < 20, "the older warm-up of session-a stopped part-way"
    assert model.steps["B."] == 20 and model.steps["Well?"] == 20
    assert services._warming == {}
