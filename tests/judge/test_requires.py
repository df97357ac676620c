"""Criteria with `requires: question`: decided in code when the reply asks nothing."""

import json

from simulator.content.library import default_content_dirs, load_library
from simulator.content.schema import Rubric
from simulator.judge.grader import Judge
from simulator.judge.signals import asking_sentences
from simulator.llm.scripted import ScriptedModel

RUBRIC = Rubric.model_validate({
    "id": "q", "version": 1, "title": "Q",
    "criteria": [{
        "id": "exploration", "title": "Exploration", "description": "Asks about the situation.",
        "levels": {0: "asks nothing", 1: "generic question", 2: "specific open question"},
        "requires": "question",
    }],
})


def answer(level, evidence):
    return json.dumps({"evidence": evidence, "rationale": "r", "level": level})


def test_a_reply_that_asks_nothing_is_level_zero_without_a_model_call():
    model = ScriptedModel()
    verdict = Judge(model).grade(RUBRIC, "I will unblock your card today.", "Why?", feedback=False)
    assert verdict.criteria["exploration"].level == 0 and verdict.score == 0.0
    assert model.requests == []


def test_higher_levels_must_quote_what_the_reply_asks():
    reply = "That sounds hard. What happened at the till?"
    model = ScriptedModel([answer(2, ["That sounds hard"]), answer(2, ["What happened at the till?"])])
    verdict = Judge(model).grade(RUBRIC, reply, "My card was declined.", feedback=False)
    assert verdict.criteria["exploration"].level == 2
    assert "needs a quote of what the reply asks" in model.requests[1].messages[-1].content


def test_invitations_without_a_question_mark_count_as_asking():
    assert asking_sentences("I see. Tell me what happened after that.") == ["Tell me what happened after that."]
    assert asking_sentences("Erzählen Sie mir, was passiert ist.")
    assert asking_sentences("I have frozen it.") == []


def test_seed_rubric_examples_obey_their_rules():
    library, _ = load_library(*default_content_dirs())
    for rubric in library.rubrics.values():
        for criterion in rubric.criteria:
            if criterion.requires != "question":
                continue
            for example in criterion.examples:
                if not asking_sentences(example.reply):
                    assert example.level == 0, (rubric.id, criterion.id, example.reply)


FEELING = Rubric.model_validate({
    "id": "f", "version": 1, "title": "F",
    "criteria": [{
        "id": "emotional_reaction", "title": "Emotional reaction", "description": "Warmth.",
        "levels": {0: "none", 1: "generic", 2: "names the feeling"}, "requires": "feeling",
    }],
})


def test_a_reply_without_any_word_of_feeling_is_level_zero_in_code():
    model = ScriptedModel()
    verdict = Judge(model).grade(FEELING, "Your account has a restriction. Send your ID.", "Why?", feedback=False)
    assert verdict.criteria["emotional_reaction"].level == 0 and model.requests == []
    assert "no word of feeling" in verdict.criteria["emotional_reaction"].rationale


def test_feeling_evidence_is_offered_only_from_sentences_with_feeling():
    model = ScriptedModel([answer(2, ["That must have been awful at the till."])])
    reply = "Your account has a restriction. That must have been awful at the till."
    verdict = Judge(model).grade(FEELING, reply, "Why?", feedback=False)
    assert verdict.criteria["emotional_reaction"].level == 2
    choices = model.requests[0].json_schema["properties"]["evidence"]["items"]["enum"]
    assert choices == ["That must have been awful at the till."]


def test_feeling_words_in_english_and_german():
    from simulator.judge.signals import feeling_sentences

    assert feeling_sentences("I'm so sorry. Send your ID.") == ["I'm so sorry."]
    assert feeling_sentences("Das tut mir leid. Bitte senden Sie den Ausweis.") == ["Das tut mir leid."]
    assert feeling_sentences("Please send your ID. The block stays until Monday.") == []


def test_every_seed_example_above_level_zero_meets_its_rule():
    from simulator.judge.requirements import REQUIREMENTS

    library, _ = load_library(*default_content_dirs())
    for rubric in library.rubrics.values():
        for criterion in rubric.criteria:
            rule = REQUIREMENTS.get(criterion.requires)
            for example in criterion.examples if rule else []:
                assert example.level == 0 or rule.sentences(example.reply), (criterion.id, example.reply)


def test_stock_closings_do_not_count_as_asking():
    assert asking_sentences("I have fixed it. Let me know if you have any other questions.") == []
    assert asking_sentences("Is there anything else I can help you with?") == []
    assert asking_sentences("Kann ich sonst noch etwas für Sie tun?") == []
    assert asking_sentences("What is most urgent for you today?") == ["What is most urgent for you today?"]


def test_calibration_grades_an_email_only_criterion_as_an_email():
    from simulator.judge.calibration import GoldItem, calibrate

    library, _ = load_library(*default_content_dirs())
    rubric = library.rubric("empathy-core")
    model = ScriptedModel()
    item = GoldItem(id=1, context="Subject: wrong bill", reply="Dear Ms Patel, I have fixed it. Kind regards, Tom",
                    labels={"email_structure": 1})
    report = calibrate(Judge(model), rubric, [item])
    assert report.criteria["email_structure"].unscored == 0
    assert "e-mail exchange" in model.requests[0].messages[-1].content
