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
