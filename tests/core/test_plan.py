"""The customer's plan in code: what the reply did, the mood it leaves, what the next
message must do, the authored lines that carry it, and the checks on generated text."""

from __future__ import annotations

import pytest

from simulator.content.schema import Scenario
from simulator.llm.scripted import ScriptedModel
from simulator.roleplay import guards
from simulator.roleplay import lines
from simulator.roleplay import plan as plans
from simulator.roleplay.customer import CustomerStream
from simulator.roleplay.mood import MoodState
from simulator.roleplay.plan import Plan
from tests.support.scenarios import SCENARIO

RENT = {
    "id": "rent-due", "fact": "Rent of 850 pounds is due tomorrow and the landlord is strict.",
    "earned_when": "The agent asks which payments are coming up.", "phrases": ["payments coming up"],
    "reveal_words": ["rent", "landlord"],
    "tell": ["My rent goes out tomorrow and my landlord won't wait.", "The rent is due tomorrow, that's why I'm panicking."],
}
SISTER = {
    "id": "sister", "fact": "Yesterday's transfer went to a sister who needs a deposit.",
    "earned_when": "The agent asks about recent payments.", "reveal_words": ["sister"],
    "tell": ["The transfer yesterday was to my sister, for her deposit."],
}
LINES = {
    "threatened": ["Are you threatening me now?", "So that's how you treat people who've paid for years."],
    "unheard": ["That's a script, not an answer.", "You're not listening to me at all."],
    "heard": ["Okay. At least someone is listening.", "Right. That's something, I suppose."],
    "pressing": ["I still can't pay for anything with that card.", "I need that card working today."],
    "relieved": ["Thank you, that's a relief.", "Thanks. That helps a lot."],
}
AUTHORED = {**SCENARIO, "hidden_facts": [RENT, SISTER], "lines": LINES,
            "end": {"max_turns": 6, "resolved_when": {"max_anger": 3, "min_trust": 6, "min_turns": 1,
                                                     "facts": ["rent-due"]}}}
MOOD = MoodState(anger=6, anxiety=4, trust=4)


@pytest.fixture
def scenario() -> Scenario:
    return Scenario.model_validate(AUTHORED)


@pytest.mark.parametrize("reply, move", [
    ("Wir bedauern die entstandenen Unannehmlichkeiten. Bitte begleichen Sie den offenen Betrag bis zum "
     "Monatsende, andernfalls müssen wir die Sperre leider wie angekündigt durchführen.", "threatened"),
    ("If the balance isn't paid by Friday we will pass your account to a debt collection agency.", "threatened"),
    ("We apologise for any inconvenience caused. Please be assured that your request is being processed "
     "in line with our procedures.", "unheard"),
    ("Bitte wenden Sie sich an den Zusteller. Wir sind dafür nicht zuständig.", "unheard"),
    ("Please calm down.", "unheard"),
    ("Having your card refused with people watching is awful. I have lifted the block.", "heard"),
    ("Ich habe die Sperre aufgehoben, Sie können heute wieder zahlen.", "heard"),
    ("What is your card number?", "neutral"),
])
def test_the_move_of_a_reply_is_read_in_code(scenario, reply, move):
    assert plans.read_move(scenario, reply)[0] == move


def test_a_threat_raises_anger_and_lowers_trust_before_any_verdict(scenario):
    move, why, mood = plans.react(scenario, "Pay by Friday, otherwise we will disconnect you.", MOOD)
    assert move == "threatened" and why[0].startswith("threat:")
    assert mood.anger > MOOD.anger and mood.trust < MOOD.trust


def test_being_heard_calms_and_a_scenario_trigger_is_not_counted_twice(scenario):
    _, _, mood = plans.react(scenario, "That must be so stressful. I have lifted the block now.", MOOD)
    assert mood.anger < MOOD.anger and mood.trust > MOOD.trust
    # "calm down" is the scenario's own escalation trigger: mood.after_triggers moved it.
    move, why, mood = plans.react(scenario, "Calm down.", MOOD)
    assert move == "unheard" and mood == MOOD and any(w.startswith("trigger:") for w in why)
    move, why, mood = plans.react(scenario, "Calm down and pay by Friday, otherwise we will disconnect you.", MOOD)
    assert move == "threatened" and mood == MOOD and any(w.startswith("trigger:") for w in why)


def test_the_plan_answers_the_question_and_tells_what_is_earned_but_untold(scenario):
    reply = "I'm sorry, that sounds stressful. Are there any payments coming up?"
    plan = plans.make_plan(scenario, reply, "heard", [], MOOD, ["rent-due", "sister"], told={"sister"})
    assert plan.question == "Are there any payments coming up?"
    assert plan.tell == ["rent-due"]
    assert not plan.concern_open  # rent-due, the resolution fact, is earned
    closing = plans.make_plan(scenario, "Anything else I can do?", "neutral", [], MOOD, [], told=set())
    assert closing.question is None and closing.concern_open and closing.beat == "pressing"


def test_relieved_only_when_the_problem_is_taken_care_of(scenario):
    calm = MoodState(anger=2, anxiety=2, trust=6)
    settled = plans.make_plan(scenario, "I've lifted it.", "heard", ["step"], calm, ["rent-due"], {"rent-due"})
    assert settled.beat == "relieved" and not settled.still_open
    open_ = plans.make_plan(scenario, "I've lifted it.", "heard", ["step"], calm, [], set())
    assert open_.beat == "heard" and open_.still_open
    # Warm words without a step soften; they do not relieve.
    warm = plans.make_plan(scenario, "That must be awful.", "heard", ["feeling"], calm, ["rent-due"], {"rent-due"})
    assert warm.beat == "heard"


def test_a_heard_customer_whose_lines_are_used_up_presses_the_concern(scenario):
    said = list(LINES["heard"])
    plan = Plan(move="heard", beat="heard")
    assert lines.beat_line(plan, scenario, said) == "I still can't pay for anything with that card."
    assert not lines.repeats(plan, scenario, said)
    assert lines.repeats(plan, scenario, said + list(LINES["pressing"]))


def test_authored_text_tells_the_fact_after_the_reaction_and_rotates_lines(scenario):
    plan = Plan(move="unheard", beat="unheard", tell=["rent-due"])
    text = lines.authored_text(plan, scenario, said=[])
    assert text == "That's a script, not an answer. My rent goes out tomorrow and my landlord won't wait."
    again = lines.authored_text(plan, scenario, said=[text])
    assert again == "You're not listening to me at all. The rent is due tomorrow, that's why I'm panicking."
    third = lines.authored_text(plan, scenario, said=[text, again])
    assert third.startswith("I still can't pay for anything with that card. My rent")  # the concern, pressed
    fourth = lines.authored_text(plan, scenario, said=[text, again, third, "I need that card working today."])
    assert fourth.startswith("Like I said: that's a script, not an answer. ")
    pressing = lines.authored_text(Plan(move="neutral", beat="pressing", tell=["sister"]), scenario, said=[])
    assert pressing == "The transfer yesterday was to my sister, for her deposit."  # the fact is the move forward
    relieved = lines.authored_text(Plan(move="heard", beat="relieved", tell=["sister"]), scenario, said=[])
    assert relieved.endswith("Thank you, that's a relief.") and guards.shows_relief(relieved)


def test_a_line_aimed_at_a_phrase_waits_for_a_reply_that_holds_it(scenario):
    aimed = scenario.model_copy(update={"lines": scenario.lines.model_copy(update={
        "unheard": ["Don't tell me to calm down.", "That's a script, not an answer."]})})
    plan = Plan(move="unheard", beat="unheard")
    assert lines.authored_text(plan, aimed, [], reply="That's our policy.") == "That's a script, not an answer."
    assert lines.authored_text(plan, aimed, [], reply="Please calm down.") == "Don't tell me to calm down."


def test_a_closed_question_from_a_heard_reply_gets_its_yes(scenario):
    plan = Plan(move="heard", beat="heard", question="Does that work for you?")
    assert lines.authored_text(plan, scenario, []) == "Yes. Okay. At least someone is listening."
    assert lines.authored_in_hybrid(plan, "en")
    assert not lines.authored_in_hybrid(plan.model_copy(update={"question": "What happened?"}), "en")


def test_a_beat_whose_lines_were_all_said_is_said_again_and_marked_so(scenario):
    said = list(LINES["unheard"]) + list(LINES["pressing"])
    model = ScriptedModel(["never used"])
    stream = CustomerStream(model, scenario, [("customer", " ".join(said[:2])), ("agent", "x"),
                                              ("customer", " ".join(said[2:])),
                                              ("agent", "We apologise for any inconvenience.")], MOOD, 3,
                            plan=Plan(move="unheard", beat="unheard"), mode="hybrid")
    assert "".join(stream) == "Like I said: that's a script, not an answer."
    assert model.requests == []


def test_a_stump_left_by_a_guard_is_asked_again(scenario):
    model = ScriptedModel(["Ich bitte Sie. How can I help you?", "This is not what I was told on Monday."])
    stream = CustomerStream(model, scenario, [("agent", "Hm.")], MOOD, 1, plan=Plan(move="neutral", beat="pressing"),
                            mode="generated")
    assert "".join(stream) == "This is not what I was told on Monday."


def test_authored_text_is_none_when_a_needed_line_is_missing(scenario):
    bare = scenario.model_copy(update={"lines": scenario.lines.model_copy(update={"heard": []})})
    assert lines.authored_text(Plan(move="heard", beat="heard"), bare, said=[]) is None


def test_a_sentence_said_before_is_found_even_slightly_changed():
    said = ["I'm still not satisfied. I need to know why this is happening and when it will be resolved."]
    assert lines.repeated_sentence("Listen. I need to know why this is happening and when it'll be resolved!", said)
    assert lines.repeated_sentence("Why did nobody call me back yesterday?", said) is None


def test_authored_mode_makes_no_model_call(scenario):
    model = ScriptedModel(["never used"])
    plan = Plan(move="threatened", beat="threatened")
    stream = CustomerStream(model, scenario, [("agent", "Pay or else.")], MOOD, 1, plan=plan, mode="authored")
    assert "".join(stream) == "Are you threatening me now?"
    assert model.requests == [] and stream.message.source == "authored" and stream.message.status == "complete"


def test_hybrid_mode_uses_lines_for_facts_and_mood_turns_and_the_model_for_the_rest(scenario):
    model = ScriptedModel(["It's the card for my shopping, nothing else."])
    told = CustomerStream(model, scenario, [("agent", "Payments?")], MOOD, 1, plan=Plan(move="neutral", beat="pressing",
                          tell=["sister"]), mode="hybrid")
    assert "sister" in "".join(told) and model.requests == []
    asked = CustomerStream(model, scenario, [("agent", "Which card is it?")], MOOD, 1,
                           plan=Plan(move="neutral", beat="pressing", question="Which card is it?"), mode="hybrid")
    assert "".join(asked) == "It's the card for my shopping, nothing else." and asked.message.source == "model"
    assert 'Answer: "Which card is it?"' in asked.request.messages[-1].content
    heard = CustomerStream(model, scenario, [("agent", "That sounds awful.")], MOOD, 1,
                           plan=Plan(move="heard", beat="heard"), mode="hybrid")
    assert "".join(heard) == "Okay. At least someone is listening." and heard.message.source == "authored"


def test_lines_without_closing_punctuation_end_their_own_line():
    assert lines.joined(["ok. das tut gut dass sie das so sagen", "ich bin alleinerziehend."]) == \
        "ok. das tut gut dass sie das so sagen\nich bin alleinerziehend."
    assert lines.joined(["Right.", "My rent is due."]) == "Right. My rent is due."


def test_a_generated_repeat_is_regenerated_and_a_missing_fact_added_from_its_line(scenario):
    said = "I need that card working today, do you hear me?"
    model = ScriptedModel(["I need that card working today, do you hear me?", "Okay, if you say so."])
    transcript = [("customer", said), ("agent", "Any payments coming up?")]
    stream = CustomerStream(model, scenario, transcript, MOOD, 2, plan=Plan(move="neutral", beat="pressing",
                            tell=["rent-due"]), mode="generated")
    text = "".join(stream)
    assert text == "Okay, if you say so. My rent goes out tomorrow and my landlord won't wait."
    assert [e["kind"] for e in stream.message.guard_events] == ["repeated", "fact_added"]


def test_thanks_after_a_threat_is_off_plan_and_regenerated(scenario):
    model = ScriptedModel(["Thank you so much for your help!", "You can't just cut me off like that."])
    stream = CustomerStream(model, scenario, [("agent", "Pay or else.")], MOOD, 1,
                            plan=Plan(move="threatened", beat="threatened"), mode="generated")
    assert "".join(stream) == "You can't just cut me off like that."
    assert [e["kind"] for e in stream.message.guard_events] == ["off_plan"]


def test_the_fallback_follows_the_plan_in_authored_lines(scenario):
    model = ScriptedModel(["How can I help you today?"] * 3)
    stream = CustomerStream(model, scenario, [("agent", "Calm down.")], MOOD, 1,
                            plan=Plan(move="unheard", beat="unheard"), mode="generated")
    assert "".join(stream) == "That's a script, not an answer." and stream.message.status == "fallback"


@pytest.mark.parametrize("text, relieved", [
    ("Thank you, that's a relief.", True),
    ("danke. dann kann ich heute nacht vielleicht mal schlafen", True),
    ("Sorry, but I don't understand why this is happening.", False),
    ("Thanks. And when will the money be back?", False),
    ("Okay.", False),
])
def test_relief_is_read_from_the_message(text, relieved):
    assert guards.shows_relief(text) is relieved


def test_a_mode_that_needs_lines_names_what_is_missing():
    with pytest.raises(ValueError, match=r"customer_mode authored needs authored lines for heard"):
        Scenario.model_validate({**AUTHORED, "customer_mode": "authored",
                                 "lines": {**LINES, "heard": []}})
    with pytest.raises(ValueError, match=r"needs a tell line for every hidden fact; add tell: \[...\] to sister"):
        Scenario.model_validate({**AUTHORED, "customer_mode": "hybrid",
                                 "hidden_facts": [RENT, {**SISTER, "tell": []}]})
    # The library default needs nothing: a scenario without lines still loads.
    Scenario.model_validate({**SCENARIO})
    Scenario.model_validate({**AUTHORED, "customer_mode": "generated", "lines": {}})


def test_a_tell_line_must_show_its_fact():
    with pytest.raises(ValueError, match="must contain one of the reveal_words"):
        Scenario.model_validate({**AUTHORED, "hidden_facts": [{**RENT, "tell": ["It's about money, you see."]}]})
