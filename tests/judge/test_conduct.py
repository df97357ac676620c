"""A threat or a brush-off read in code (judge/conduct.py): it caps the levels however
lenient the model, says why on each capped criterion, and a tip or better reply that
itself brushes off is withheld."""

import math

import pytest

from simulator.content.library import default_content_dirs, load_library
from simulator.judge.conduct import read_conduct
from simulator.judge.coaching import better_reply_problem, tip_problem
from simulator.judge.grader import Judge
from simulator.llm.scripted import ScriptedModel

LIBRARY, _ = load_library(*default_content_dirs())
CORE = LIBRARY.rubric("empathy-core")
CUSTOMER = "My card was declined at the supermarket with a whole queue watching. My salary is in that account!"

THREAT_EN = ("I understand this is hard for you. Please settle the balance by Friday, otherwise we will pass "
             "your account to a collection agency.")
THREAT_DE = ("Ich verstehe, dass das schwer für Sie ist. Bitte begleichen Sie den offenen Betrag bis zum "
             "Monatsende, andernfalls müssen wir die Sperre wie angekündigt durchführen.")
CALM_DE = "Bitte beruhigen Sie sich. Die Sperre kam am Dienstag von unserer Betrugsprüfung, das ist ärgerlich."
STEP_DE = "Ich setze die Sperre jetzt aus, Sie können heute wieder bezahlen."


def lenient(request):
    """A model that reads the top level for everything: the caps must hold regardless."""
    return {"2": math.log(0.9), "1": math.log(0.1)}


@pytest.mark.parametrize("reply, threat, dismissal", [
    (THREAT_EN, "otherwise we will", None),
    (THREAT_DE, "andernfalls müssen", None),
    (CALM_DE, None, "beruhigen Sie sich"),
    ("Please calm down, I'm looking at it.", None, "Please calm down"),
    ("That's our policy, I'm afraid.", None, "That's our policy"),
    # Not threats or brush-offs: the same words, used otherwise.
    ("Otherwise your account is fine, and I'll call you at 4 pm.", None, None),
    ("It is hard to calm down when your card fails in front of everyone.", None, None),
    ("Wenden Sie sich gern an mich, wenn noch etwas ist.", None, None),
    ("Ansonsten ist Ihr Konto in Ordnung.", None, None),
    # A question about what the customer needs to pay is no demand; a deadline makes one.
    ("I'm lifting the freeze right now. What did you need to pay for most urgently?", None, None),
    ("Tell me what you need to pay this month, and we will find a plan.", None, None),
    ("You need to pay by Friday, is that clear?", "You need to pay by", None),
    ("You must pay the balance by Friday.", "You must pay", None),
])
def test_threats_and_brush_offs_are_read_in_code_and_their_look_alikes_are_not(reply, threat, dismissal):
    conduct = read_conduct(reply)
    assert (conduct.threat, conduct.dismissal) == (threat, dismissal)


def test_a_concrete_step_is_read_in_german_with_a_separable_verb():
    assert read_conduct(STEP_DE).step == "Ich setze die Sperre jetzt aus, Sie können heute wieder bezahlen."


@pytest.mark.parametrize("reply, language", [(THREAT_EN, "en"), (THREAT_DE, "de")])
def test_a_threat_scores_low_however_lenient_the_model(reply, language):
    verdict = Judge(ScriptedModel(readings=lenient), max_workers=1).grade(
        CORE, reply, CUSTOMER, language=language, feedback=False)
    for cid in ("emotional_reaction", "interpretation", "ownership_next_step"):
        assert verdict.criteria[cid].level == 0 and verdict.criteria[cid].method == "code"
        assert verdict.criteria[cid].confidence == 1.0  # not the model's probability of the level it read
    assert verdict.criteria["authenticity"].level <= 1
    assert verdict.score <= 25
    note = verdict.criteria["emotional_reaction"]
    assert ("threat" in note.rationale if language == "en" else "Drohung" in note.rationale)
    assert ("otherwise" if language == "en" else "andernfalls") in note.evidence[0]


def test_a_brush_off_holds_feeling_and_understanding_at_one():
    verdict = Judge(ScriptedModel(readings=lenient), max_workers=1).grade(
        CORE, CALM_DE, CUSTOMER, language="de", feedback=False)
    assert verdict.criteria["emotional_reaction"].level == 1
    assert verdict.criteria["interpretation"].level <= 1
    assert "wimmelt" in verdict.criteria["emotional_reaction"].rationale
    assert verdict.criteria["emotional_reaction"].evidence == ["Bitte beruhigen Sie sich."]


def test_a_warm_reply_with_a_step_is_not_capped():
    verdict = Judge(ScriptedModel(readings=lenient), max_workers=1).grade(
        CORE, "That sounds awful. " + "I have lifted the block now, so your card works again.", CUSTOMER,
        feedback=False)
    assert all("threat" not in c.rationale and "brushes" not in c.rationale for c in verdict.criteria.values())
    assert verdict.criteria["ownership_next_step"].signal == 1.0


def test_a_tip_or_better_reply_that_brushes_off_is_withheld():
    assert "brushes" in tip_problem("Bitte beruhigen Sie sich und erklären Sie die Lage.", "x", "y")
    assert "brushes" in better_reply_problem("Please calm down. What happened at the till?", "x", "en", True)
    assert tip_problem("Don't tell the customer to calm down; name what upset them.", "x", "y") == ""


def test_the_customers_earlier_words_count_when_the_reply_says_them_back():
    opening = "My salary went into the frozen account this morning and the weekend shopping is due."
    said_back = "No salary right before the weekend shopping, and the account frozen on top of it."
    judge = Judge(ScriptedModel(readings=lenient), max_workers=1)
    alone = judge.grade(CORE, said_back, "Hello?", feedback=False)
    with_opening = judge.grade(CORE, said_back, "Hello?", [("Customer", opening), ("Agent", "Let me look.")],
                               feedback=False)
    assert alone.criteria["interpretation"].signal == 0.0 and alone.criteria["interpretation"].level == 0
    assert with_opening.criteria["interpretation"].signal == 0.5  # salary, weekend, shopping: said back
    assert with_opening.criteria["interpretation"].level >= 1
