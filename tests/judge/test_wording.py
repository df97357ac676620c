"""The judge's words to the trainee: complete sentences, the reply's language, "you",
one script; evidence listed once and never a bare name (issue 14, items 2-4)."""

import json

import pytest

from simulator.judge import wording
from simulator.judge.evidence import address_only
from simulator.judge.answers import evidence_choices
from simulator.judge.grader import Judge
from simulator.judge.requirements import usable_evidence
from simulator.llm.scripted import ScriptedModel

REPLY_EN = "Dana, I understand your frustration. I will lift the block now and call you back by 5 pm."
REPLY_DE = "Frau Brandt, ich verstehe Ihren Ärger. Ich hebe die Sperre jetzt auf und rufe Sie bis 17 Uhr an."
CUSTOMER = "My card was declined at the till. Why?"


def answer(level, evidence, rationale):
    return json.dumps({"evidence": evidence, "rationale": rationale, "level": level})


def feedback(tip, better):
    return json.dumps({"tip": tip, "better_reply": better})


# -- complete sentences ------------------------------------------------------------------


def test_a_complete_text_is_kept():
    assert wording.complete("You name the anger. You give a time.") == "You name the anger. You give a time."


def test_a_text_cut_mid_sentence_ends_at_its_last_sentence_with_an_ellipsis():
    cut = "You name the customer's frustration. It also provides a simple apology and reassurance that the account is"
    assert wording.complete(cut, limit=len(cut)) == "You name the customer's frustration. …"


def test_a_long_answer_cut_by_the_length_limit_is_never_shown_mid_word():
    long = ("You acknowledge the frustration in your first sentence and you say what you will do. " * 4)[:280]
    shown = wording.complete(long, limit=280)
    assert shown.endswith("do. …") and len(shown) < len(long)


def test_one_unfinished_sentence_is_cut_at_a_clause_or_word_never_inside_a_word():
    text = "You apologise for the delay, which is a sign"
    assert wording.complete(text, limit=len(text)) == "You apologise for the delay…"
    text = "You apologise for the delay which is a sig"
    assert wording.complete(text, limit=len(text)) == "You apologise for the delay which is a…"


def test_a_short_text_without_a_full_stop_was_not_cut_and_is_kept():
    assert wording.complete("You name the feeling", limit=280) == "You name the feeling"


# -- language, voice, script ----------------------------------------------------------------


@pytest.mark.parametrize("text", ["You use the word for the客户 twice.", "Вы извиняетесь.", "You say sorry ★"])
def test_characters_of_another_script_are_a_problem(text):
    assert "another script" in wording.problem(text, "en")


def test_german_letters_and_typographic_marks_pass():
    assert wording.problem("Sie nennen den Ärger „deutlich“ – gut, und größer wäre: Termin um 17 Uhr …", "de") == ""


def test_english_on_a_german_reply_is_a_problem():
    assert "write it in German" in wording.problem("You name the customer's anger and you give them a time.", "de")


@pytest.mark.parametrize(("text", "language"), [
    ("The trainee should ask what happened at the till.", "en"),
    ("The agent's reply is polite.", "en"),
    ("Der Mitarbeiter sollte nachfragen, was passiert ist.", "de"),
])
def test_feedback_about_the_trainee_in_the_third_person_is_a_problem(text, language):
    assert "address the trainee directly" in wording.problem(text, language)


def test_a_better_reply_may_talk_about_anyone():
    assert wording.problem("I am the agent who will call you back today.", "en", addressed=False) == ""


# -- the grader asks again, then withholds ---------------------------------------------------


def test_an_english_rationale_on_a_german_reply_is_asked_again_in_german(rubric):
    german = rubric.model_copy(update={"language": "de"})
    model = ScriptedModel([
        answer(2, ["ich verstehe Ihren Ärger"], "You name the customer's anger, which is what they need to hear."),
        answer(2, ["ich verstehe Ihren Ärger"], "Sie benennen den Ärger der Kundin, das ist gut."),
        answer(1, ["Ich hebe die Sperre jetzt auf und rufe Sie bis 17 Uhr an."], "Sie nennen einen Schritt und eine Zeit."),
        feedback("Fragen Sie, was an der Kasse passiert ist.", "Das war sicher unangenehm. Ich hebe die Sperre jetzt auf."),
    ])
    verdict = Judge(model, max_workers=1).grade(german, REPLY_DE, "Warum?")
    assert verdict.status == "scored"
    assert verdict.criteria["emotional_reaction"].rationale == "Sie benennen den Ärger der Kundin, das ist gut."
    assert "write it in German" in model.requests[1].messages[-1].content
    assert "in German" in model.requests[0].messages[-1].content and '"Sie"' in model.requests[0].messages[-1].content


def test_a_rationale_wrong_twice_is_withheld_and_the_level_stands(rubric):
    model = ScriptedModel([
        answer(2, ["I understand your frustration."], "The trainee names the feeling for the客户."),
        answer(2, ["I understand your frustration."], "The trainee names the feeling."),
        answer(1, ["I will lift the block now"], "You say what you will do."),
        feedback("Ask what happened.", "That sounds stressful. I will lift the block now."),
    ])
    verdict = Judge(model, max_workers=1).grade(rubric, REPLY_EN, CUSTOMER)
    criterion = verdict.criteria["emotional_reaction"]
    assert verdict.status == "scored" and criterion.level == 2
    assert criterion.rationale == wording.withheld("en")
    assert "客" not in verdict.model_dump_json()


def test_a_tip_in_the_third_person_is_asked_again_then_withheld(rubric):
    model = ScriptedModel([
        answer(2, ["I understand your frustration."], "You name the feeling."),
        answer(1, ["I will lift the block now"], "You say what you will do."),
        feedback("The trainee should ask what happened.", "That sounds stressful. I will lift the block now."),
        feedback("The trainee should ask what happened.", "I am sorry. I will call you by 5 pm."),
    ])
    verdict = Judge(model, max_workers=1).grade(rubric, REPLY_EN, CUSTOMER)
    assert verdict.status == "scored"
    assert verdict.tip == ""
    assert verdict.better_reply == "That sounds stressful. I will lift the block now."


def test_a_rationale_at_the_length_limit_is_shown_to_its_last_sentence(rubric):
    cut = ("You name the frustration. " + "It also provides a simple apology and reassurance that the account " * 4)[:280]
    model = ScriptedModel([
        answer(2, ["I understand your frustration."], cut),
        answer(1, ["I will lift the block now"], "You say what you will do."),
    ])
    verdict = Judge(model, max_workers=1).grade(rubric, REPLY_EN, CUSTOMER, feedback=False)
    assert verdict.criteria["emotional_reaction"].rationale == "You name the frustration. …"


# -- evidence ------------------------------------------------------------------------------


def test_the_same_quote_is_listed_once():
    assert usable_evidence(["I understand your frustration.", "I understand your frustration."]) == [
        "I understand your frustration."]
    assert usable_evidence(["“I understand your frustration”", "i understand your frustration."]) == [
        "“I understand your frustration”"]


@pytest.mark.parametrize("quote", ["Dana,", "Dear Mr Whitfield,", "Hallo Frau Brandt,", "Hi Dana,", "Sehr geehrte Frau Brandt,"])
def test_a_salutation_or_a_name_is_never_evidence(quote):
    assert address_only(quote) and usable_evidence([quote]) == []


@pytest.mark.parametrize("quote", ["Sorry!", "Ich verstehe,", "Thank you,", "I understand your frustration.", "Stufe 2"])
def test_words_of_the_reply_stay_evidence(quote):
    assert not address_only(quote)


def test_the_judge_is_not_offered_the_name_to_quote(rubric):
    choices = evidence_choices(rubric.criteria[0], "Dana,\nI understand your frustration.")
    assert choices == ["I understand your frustration."]


def test_a_level_resting_only_on_the_name_is_asked_again(rubric):
    model = ScriptedModel([
        answer(2, ["Dana,", "Dana,"], "You greet the customer."),
        answer(2, ["I understand your frustration.", "I understand your frustration."], "You name the feeling."),
        answer(1, ["I will lift the block now"], "You say what you will do."),
    ])
    verdict = Judge(model, max_workers=1).grade(rubric, REPLY_EN, CUSTOMER, feedback=False)
    assert verdict.criteria["emotional_reaction"].evidence == ["I understand your frustration."]
    assert "a name alone is no evidence" in model.requests[1].messages[-1].content
