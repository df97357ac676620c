"""Hidden facts: earned per reply (phrases in code, conditions by the model), never in
the customer's prompt before that, guarded in the customer's text, needed to resolve."""

import json

import pytest

from simulator.content.library import Library
from simulator.content.schema import Scenario
from simulator.judge.grader import Judge
from simulator.llm.base import LLMError
from simulator.llm.scripted import ScriptedModel
from simulator.roleplay import facts
from simulator.roleplay.customer import CustomerStream
from simulator.roleplay.plan import Plan
from simulator.roleplay.mood import MoodState, outcome
from simulator.session import Services, TrainingSession
from simulator.store.repository import Store
from tests.support.scenarios import WITH_FACTS


@pytest.fixture
def scenario_with_facts() -> Scenario:
    return Scenario.model_validate(WITH_FACTS)


@pytest.fixture
def fact_services(tmp_path, scenario_with_facts, rubric, customer_model, judge_model) -> Services:
    library = Library(scenarios={scenario_with_facts.id: scenario_with_facts}, rubrics={rubric.id: rubric})
    return Services(Store(tmp_path / "sim.db"), library, customer_model, Judge(judge_model))


def answer(**values) -> str:
    return json.dumps(values)


def test_a_phrase_earns_a_fact_in_code_and_the_model_judges_the_rest(scenario_with_facts):
    model = ScriptedModel([answer(c1=False)])
    check = facts.check_reply(model, scenario_with_facts, set(), "Are there any payments coming up?", "Help!")
    assert check.earned == ["rent-due"] and check.by_phrase == ["rent-due"] and check.by_model == []
    # only the fact the phrases did not settle went to the model, under a neutral key
    system = model.requests[0].messages[0].content
    assert "recent payments" in system and "payments coming up" not in system and "sister" not in system


def test_the_model_can_earn_a_fact_and_a_failure_earns_nothing(scenario_with_facts):
    earned = facts.check_reply(ScriptedModel([answer(c1=False, c2=True)]), scenario_with_facts, set(), "Hi", "Help!")
    assert earned.earned == ["sister"] and earned.by_model == ["sister"]
    failed = facts.check_reply(ScriptedModel([LLMError("boom")]), scenario_with_facts, set(), "Hi", "Help!")
    assert failed.earned == [] and "boom" in failed.error


def test_earned_facts_are_not_checked_again(scenario_with_facts):
    model = ScriptedModel()
    check = facts.check_reply(model, scenario_with_facts, {"rent-due", "sister"}, "Anything", "Help!")
    assert check.earned == [] and model.requests == []


def test_unearned_facts_never_reach_the_customer_prompt(scenario_with_facts):
    stream = CustomerStream(ScriptedModel(["Fine."]), scenario_with_facts, [("agent", "Hello")], MoodState(anger=5, anxiety=5, trust=5), 1)
    prompt = " ".join(m.content for m in stream.request.messages)
    assert "850 pounds" not in prompt and "deposit" not in prompt


def test_a_fact_earned_now_is_told_now_and_then_stays_known(scenario_with_facts):
    rent = scenario_with_facts.hidden_facts[0]
    mood = MoodState(anger=5, anxiety=5, trust=5)
    plan = Plan(move="neutral", beat="pressing", tell=[rent.id])
    now = CustomerStream(ScriptedModel(["x"]), scenario_with_facts, [("agent", "Hi")], mood, 1, known=[rent], plan=plan)
    system, user = (m.content for m in now.request.messages)
    assert "Tell: Rent of 850 pounds" in user and "850 pounds" not in system
    told = plan.model_copy(update={"tell": []})
    later = CustomerStream(ScriptedModel(["x"]), scenario_with_facts, [("agent", "Hi")], mood, 2, known=[rent], plan=told)
    system, user = (m.content for m in later.request.messages)
    assert "850 pounds" in system and "Tell:" not in user


def test_a_volunteered_fact_is_a_guard_hit_and_regenerated(scenario_with_facts):
    model = ScriptedModel(["My rent is due tomorrow, you know that?", "Just tell me what happened to my card."])
    stream = CustomerStream(model, scenario_with_facts, [("agent", "Hi")], MoodState(anger=5, anxiety=5, trust=5), 1)
    shown = "".join(stream)
    assert shown == "Just tell me what happened to my card."
    assert [e["kind"] for e in stream.message.guard_events] == ["unearned_fact"]
    assert "rent-due" in stream.message.guard_events[0]["detail"]


def test_resolution_needs_the_key_facts(scenario_with_facts):
    calm = MoodState(anger=1, anxiety=1, trust=9)
    thanks = "Thank you, that's a relief."
    assert outcome(calm, scenario_with_facts, 2, set(), thanks) is None
    assert outcome(calm, scenario_with_facts, 2, {"rent-due"}, thanks) == "resolved"


def test_resolution_needs_a_relieved_customer_message(scenario_with_facts):
    calm = MoodState(anger=1, anxiety=1, trust=9)
    confused = "Sorry, but I don't understand why this is happening."
    assert outcome(calm, scenario_with_facts, 2, {"rent-due"}, confused) is None
    assert outcome(calm, scenario_with_facts, 2, {"rent-due"}, "Okay. And when does it arrive?") is None
    # The plan of the message kept the conversation open (it was pressing the concern).
    assert outcome(calm, scenario_with_facts, 2, {"rent-due"}, "Thanks.", still_open=True) is None


def test_resolution_facts_must_name_hidden_facts():
    bad = {**WITH_FACTS, "end": {"resolved_when": {"facts": ["no-such-fact"]}}}
    with pytest.raises(ValueError, match="no-such-fact"):
        Scenario.model_validate(bad)


def test_a_session_stores_what_each_reply_earned(fact_services, customer_model, judge_model):
    session = TrainingSession.start(fact_services, "mini-en")
    judge_model.enqueue(answer(c1=False))  # the fact check for "sister"
    customer_model.enqueue("Rent is due tomorrow and my landlord is strict. Thanks for asking.")
    pending = session.submit("Are there any payments coming up?")
    told = "".join(pending.stream_customer())
    result = pending.result()
    assert "landlord" in told  # earned, so the guard lets it through
    turn = session.turns()[1]
    assert turn.facts_earned == ["rent-due"]
    assert turn.fact_check.by_phrase == ["rent-due"]
    assert turn.customer_plan.tell == ["rent-due"] and turn.customer_source == "model"
    assert result.outcome == "resolved"
    summary = session.summary()
    assert [(f["id"], f["turn"]) for f in summary["facts"]] == [("rent-due", 1), ("sister", None)]


def test_a_fact_earned_but_not_told_does_not_resolve(fact_services, customer_model, judge_model):
    session = TrainingSession.start(fact_services, "mini-en")
    judge_model.enqueue(answer(c1=False))
    customer_model.enqueue("Thanks, that helps.")  # relieved, but the rent is never mentioned
    pending = session.submit("Are there any payments coming up?")
    "".join(pending.stream_customer())
    result = pending.result()
    assert session.turns()[1].facts_earned == ["rent-due"]
    assert "fact_not_told" in [e["kind"] for e in result.customer.guard_events]
    assert result.outcome is None  # the trainee has not heard the fact yet
    assert [(f["id"], f["turn"]) for f in session.summary()["facts"]] == [("rent-due", None), ("sister", None)]
