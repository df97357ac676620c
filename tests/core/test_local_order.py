"""On one shared local model the trainee sees the customer first: the model's fact check
waits until after the customer (phrases still count at once), the judge yields to the
customer, and the conversation is read into the cache between replies."""

import json
import time

from simulator.content.library import Library
from simulator.content.schema import Scenario
from simulator.judge.grader import Judge
from simulator.llm.priority import Prioritised
from simulator.llm.scripted import ScriptedModel
from simulator.session import Services, TrainingSession, shared_local_roles
from simulator.store.repository import Store
from tests.support.scenarios import SCENARIO

GOOD = json.dumps({"evidence": ["sorry we declined"], "rationale": "specific", "level": 2})
FEEDBACK = json.dumps({"tip": "Keep going.", "better_reply": "Sorry we declined your card."})
FACT = {"id": "rent", "fact": "The rent of 850 is due tomorrow.", "earned_when": "asks what the decline affects",
        "phrases": ["what does this affect"], "reveal_words": ["850"]}


class Local(ScriptedModel):
    local = True


def services(tmp_path, rubric, customer, judge) -> Services:
    scenario = Scenario.model_validate({**SCENARIO, "hidden_facts": [FACT]})
    library = Library(scenarios={scenario.id: scenario}, rubrics={rubric.id: rubric})
    roles = shared_local_roles(customer, judge)
    return Services(Store(tmp_path / "sim.db"), library, roles["customer"], Judge(roles["judge"]),
                    fact_model=roles["facts"], warm_model=roles["warm"])


def answers(text: str):
    """A customer answer for each call, whatever order the warm-ups land in."""
    return [lambda request: "(warm)" if request.max_tokens == 1 else text] * 3


def warm_ups(customer, expected: int) -> list:
    """The warm-up requests, once `expected` of them arrived (they run in a pool)."""
    deadline = time.monotonic() + 5
    while True:
        warm = [r for r in customer.requests if r.max_tokens == 1]
        if len(warm) >= expected or time.monotonic() > deadline:
            return warm
        time.sleep(0.01)


def play_one(tmp_path, rubric, says: str, judged: list[str], reply: str):
    """One reply on a shared local model: the customer's model, the session, the result."""
    customer, judge = Local(), Local()
    customer.enqueue(*answers(says))
    session = TrainingSession.start(services(tmp_path, rubric, customer, judge), "mini-en")
    # The trainee reads the opening while it is read into the cache: a warm-up that had
    # not started when the reply came would be dropped as stale (only the newest runs).
    warm_ups(customer, 1)
    judge.enqueue(*judged)
    _, result = finish(session.submit(reply))
    return customer, session, result


def finish(pending):
    shown = "".join(pending.stream_customer())
    return shown, pending.result()


def test_remote_models_keep_their_roles_as_they_are():
    customer, judge = ScriptedModel(), ScriptedModel()
    roles = shared_local_roles(customer, judge)
    assert roles["customer"] is customer and roles["judge"] is judge and roles["warm"] is None


def test_a_shared_local_model_checks_facts_after_the_customer(tmp_path, rubric):
    customer, judge = Local(), Local()
    svc = services(tmp_path, rubric, customer, judge)
    assert isinstance(svc.customer_model, Prioritised) and not svc.facts_first
    assert not svc.fact_model.foreground  # it runs with the grading, so it yields to the customer too
    customer.enqueue(*answers("Why would I tell you that?"))
    session = TrainingSession.start(svc, "mini-en")
    judge.enqueue(json.dumps({"c1": True}), GOOD, GOOD, FEEDBACK)
    pending = session.submit("I am sorry we declined your card. Is anything urgent depending on it?")
    shown, result = finish(pending)
    turn = session.turns()[1]
    # The model's check ran after the customer: the fact is earned for the next message.
    assert turn.facts_earned == ["rent"] and turn.fact_check.by_model == ["rent"]
    real = [r for r in customer.requests if r.max_tokens > 1][0]
    assert "850" not in real.messages[0].content + real.messages[1].content  # not in this message's prompt
    assert result.verdict.status == "scored"


def test_phrases_still_earn_a_fact_before_the_customer_answers(tmp_path, rubric):
    customer, _, _ = play_one(tmp_path, rubric, "The rent is due tomorrow, 850!", [GOOD, GOOD, FEEDBACK],
                              "I'm sorry we declined it. What does this affect for you today?")
    real = [r for r in customer.requests if r.max_tokens > 1][0]
    assert "850" in real.messages[1].content  # told in this very message


def test_the_conversation_is_read_into_the_cache_between_replies(tmp_path, rubric):
    customer, _, _ = play_one(tmp_path, rubric, "Fine, what now?", [json.dumps({"c1": False}), GOOD, GOOD, FEEDBACK],
                              "I am sorry we declined your card.")
    warm = warm_ups(customer, 2)
    time.sleep(0.1)  # nothing more comes
    assert len(warm_ups(customer, 2)) == 2  # at the start, and after the customer's message
    real = [r for r in customer.requests if r.max_tokens > 1][0]
    # The warm-up's prompt starts exactly like the real one up to the end of the transcript.
    opening = "My card was declined at the till. Why?"
    assert warm[0].messages[0] == real.messages[0]
    assert real.messages[1].content.startswith(warm[0].messages[1].content.split(opening)[0] + opening)
    assert "Fine, what now?" in warm[1].messages[1].content


def test_a_fact_found_late_has_the_conversation_as_it_stands_read_again(tmp_path, rubric):
    customer, _, _ = play_one(tmp_path, rubric, "Why would I tell you that?",
                              [json.dumps({"c1": True}), GOOD, GOOD, FEEDBACK],
                              "I am sorry we declined your card. Is anything urgent depending on it?")
    deadline = time.monotonic() + 5
    while not any("850" in r.messages[0].content for r in warm_ups(customer, 2)) and time.monotonic() < deadline:
        time.sleep(0.01)
    time.sleep(0.1)  # nothing more comes
    warm = warm_ups(customer, 2)
    # At the start, then once the fact check found the rent. The warm-up after the
    # customer's message runs too unless the late one came while an earlier one still
    # read: a session's warm-ups run in turn, and only the newest waiting one runs.
    assert 2 <= len(warm) <= 3
    told = [r for r in warm if "850" in r.messages[0].content]
    assert len(told) == 1 and told[0] is warm[-1]
    assert "Why would I tell you that?" in told[0].messages[1].content
