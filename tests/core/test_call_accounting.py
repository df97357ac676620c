"""Every model call of a turn is stored with its role and tokens; a priced OpenAI model's
calls get an estimated cost, others none."""

import json

from simulator.prices import load_prices
from simulator.session import TrainingSession
from simulator.store import usage

GOOD = json.dumps({"evidence": ["sorry we declined"], "rationale": "specific", "level": 2})
FEEDBACK = json.dumps({"tip": "Keep going.", "better_reply": "Sorry we declined your card."})


def play(session, reply):
    pending = session.submit(reply)
    for _ in pending.stream_customer():
        pass
    return pending.result()


def calls(services, session_id):
    return list(services.store.db.query("select * from llm_calls where session_id = ? order by id", [session_id]))


def test_each_call_of_a_turn_is_stored_by_role(services, customer_model, judge_model):
    session = TrainingSession.start(services, "mini-en")
    customer_model.enqueue("Fix it.")
    judge_model.enqueue(GOOD, GOOD, FEEDBACK)
    play(session, "I am sorry we declined your card: I will unblock it by 5 pm.")
    rows = calls(services, session.id)
    assert sorted(r["role"] for r in rows) == ["customer", "feedback", "judge", "judge"]
    assert all(r["prompt_tokens"] > 0 and r["turn_id"] == session.turns()[1].id for r in rows)
    assert all(r["cost_usd"] is None for r in rows)  # scripted models have no price
    totals = usage.session_totals(services.store.db, session.id)
    assert totals.calls == 4 and totals.by_role["judge"].calls == 2 and totals.cost_usd is None


def test_retries_and_regrades_are_counted_too(services, customer_model, judge_model):
    session = TrainingSession.start(services, "mini-en")
    customer_model.enqueue("As an AI I cannot", "Fix it.")  # the first fails a guard
    judge_model.enqueue("garbage", GOOD, GOOD, FEEDBACK)  # one criterion is asked twice
    play(session, "I am sorry we declined your card.")
    roles = [r["role"] for r in calls(services, session.id)]
    assert roles.count("customer") == 2 and roles.count("judge") == 3
    judge_model.enqueue(GOOD, GOOD, FEEDBACK)
    session.regrade(session.turns()[1].id)
    assert [r["role"] for r in calls(services, session.id)].count("judge") == 5


def test_a_priced_openai_model_gets_an_estimated_cost(services, customer_model, judge_model):
    services.prices = load_prices()
    customer_model.spec = "openai:gpt-4o-mini"
    session = TrainingSession.start(services, "mini-en")
    customer_model.enqueue("Fix it.")
    judge_model.enqueue(GOOD, GOOD, FEEDBACK)
    play(session, "I am sorry we declined your card.")
    customer = [r for r in calls(services, session.id) if r["role"] == "customer"]
    assert customer[0]["model"] == "openai:gpt-4o-mini" and customer[0]["cost_usd"] > 0


def test_every_request_names_its_role_and_nothing_is_inferred():
    """The role comes from whoever built the request: a level read from probabilities, a
    constrained grade and the feedback are told apart without reading schema names."""
    import math

    from simulator.content.library import default_content_dirs, load_library
    from simulator.judge.grader import Judge
    from simulator.llm.base import ChatRequest, Message
    from simulator.llm.scripted import ScriptedModel
    from simulator.session import call_role

    rubric = load_library(*default_content_dirs())[0].rubric("empathy-core")
    model = ScriptedModel(readings=lambda request: {"1": math.log(0.6), "2": math.log(0.4)})
    Judge(model, max_workers=1).grade(rubric, "That sounds awful. What happened at the till?", "My card failed.")
    roles = [call_role(r) for r in model.requests]
    assert set(roles) == {"judge", "feedback"} and roles[-1] == "feedback"
    assert all(r.role == "judge" for r in model.requests if r.logprobs)
    assert call_role(ChatRequest(messages=[Message(role="user", content="Sam:")])) == "unknown"