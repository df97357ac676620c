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
    assert all(r["prompt_tokens"] > 0 and r["turn_id"] == session.turns()[1]["id"] for r in rows)
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
    session.regrade(session.turns()[1]["id"])
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


def test_a_level_read_from_probabilities_is_a_judge_call():
    from simulator.llm.base import ChatRequest, Message
    from simulator.session import call_role

    level = ChatRequest(messages=[Message(role="user", content="Level of warmth? The digit only.")],
                        max_tokens=1, logprobs=5)
    assert call_role(level) == "judge"
    assert call_role(ChatRequest(messages=[Message(role="user", content="Sam:")])) == "customer"
