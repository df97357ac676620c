"""Drafting a scenario from a trainer's brief, on the scripted backend."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from simulator.content.drafting import (
    EXAMPLE_FACT,
    EXAMPLE_PERSONA,
    DraftAnswer,
    DraftFact,
    DraftPersona,
    choose_rubric,
    draft_scenario,
    expected_language,
    slugify,
    unique_id,
)
from simulator.content.library import load_library
from simulator.content.schema import Scenario
from simulator.llm.base import LLMError, ModelUnavailable
from simulator.llm.scripted import ScriptedModel

ROOT = Path(__file__).resolve().parents[2]

EN_BRIEF = "Angry customer whose card was declined at a petrol station while travelling abroad. English."
DE_BRIEF = "Kundin, deren Lastschrift wegen unseres Fehlers geplatzt ist. Sie ist wütend und alleinerziehend."
BEREAVEMENT_BRIEF = "A widow calls to close her late husband's account; he died three weeks ago. English."


@pytest.fixture(scope="module")
def library():
    library, _ = load_library(ROOT / "scenarios", ROOT / "rubrics")
    assert {"empathy-core", "service-recovery", "vulnerable-customer"} <= set(library.rubrics)
    return library


def english_draft() -> dict:
    return {
        "language": "en",
        "channel": "chat",
        "title": "Card declined abroad",
        "difficulty": 3,
        "persona": {
            "name": "Tom Becker",
            "age": 52,
            "background": "Long-distance lorry driver, a customer of Northfield Bank for twenty years.",
            "situation": "His debit card was declined at a petrol station in France and his tank is half empty.",
            "communication_style": "Blunt, short sentences; gets louder when he hears a script.",
            "vulnerability": None,
            "initial_mood": {"anger": 8, "anxiety": 6, "trust": 3},
            "voice_samples": {
                "calm": ["Right. What do you need from me?", "Okay, I can wait a minute."],
                "anxious": ["What if the card stops working on the motorway too?", "I have no other way to pay here."],
                "angry": ["Twenty years with you and the card fails at the pump?", "Do not read me a script, just fix it."],
                "relieved": ["Thank you. That is a weight off.", "Good, the pump took it this time."],
            },
        },
        "lines": {
            "threatened": "Are you threatening me now? I'm stuck at a pump in France.",
            "unheard": "That's a script. Just fix my card.",
            "heard": "Okay. Finally someone who gets it.",
            "pressing": "I'm still standing here with a half-empty tank.",
            "relieved": "Thank you, that's a relief.",
        },
        "hidden_facts": [
            {
                "id": "Delivery Deadline",
                "fact": "He must deliver chilled goods to Lyon by 6 pm or he loses the contract.",
                "earned_when": "The agent asks what the declined card is stopping him from doing.",
                "hint": "Ask what the declined card is stopping him from doing.",
                "phrases": ["what is it stopping", "most urgent"],
                "reveal_words": ["Lyon", "chilled", "contract"],
                "tell": "I've got chilled goods for Lyon by 6 pm or I lose the contract.",
            },
            {
                "id": "delivery-deadline",  # repeated on purpose: ids are made unique in code
                "fact": "He has already tried his second card, which is expired.",
                "earned_when": "The agent asks what he has already tried.",
                "hint": "Ask what he has already tried.",
                "phrases": ["already tried"],
                "reveal_words": ["expired", "second card"],
                "tell": "I tried my other card too. Doesn't work either.",  # no reveal word: left out
            },
        ],
        "triggers": {
            "escalate": [{"when": "The agent reads a stock apology.", "phrases": ["apologise for any inconvenience"]}],
            "deescalate": [{"when": "The agent names the stress of being stuck abroad.", "phrases": ["stuck abroad"]}],
        },
        "opening": "My card was just declined at a petrol station in France. I am standing at the pump. What is going on?",
        "objectives": [
            "Acknowledge the stress of being stuck abroad.",
            "Ask what the declined card is stopping him from doing.",
            "Give a concrete next step with a time.",
        ],
        "subject": None,
        "content_note": None,
    }


def german_draft() -> dict:
    return {
        "language": "de",
        "channel": "chat",
        "title": "Geplatzte Lastschrift",
        "difficulty": 3,
        "persona": {
            "name": "Jana Wolff",
            "age": 34,
            "background": "Pflegehelferin im Schichtdienst, seit acht Jahren Kundin der Stadtwerke Elbtal.",
            "situation": "Die Stadtwerke haben den Abschlag zweimal abgebucht. Danach ist eine andere Lastschrift geplatzt.",
            "communication_style": "Schnell, wütend, viele Ausrufezeichen; wird ruhiger, wenn man ihr zuhört.",
            "vulnerability": None,
            "initial_mood": {"anger": 8, "anxiety": 5, "trust": 2},
            "voice_samples": {
                "calm": ["Okay, das klingt gut. Was muss ich tun?", "Gut, dann warte ich auf die Bestätigung."],
                "anxious": ["Und was ist, wenn das nächsten Monat wieder passiert?", "Ich weiß nicht, wie ich das ausgleichen soll."],
                "angry": ["Sie haben zweimal abgebucht, nicht ich!", "Ich will nicht hören, dass das System schuld ist."],
                "relieved": ["Danke, das hilft mir wirklich.", "Gut, dann ist das Geld morgen wieder da."],
            },
        },
        "lines": {
            "threatened": "Jetzt drohen Sie mir auch noch? Sie haben doch den Fehler gemacht!",
            "unheard": "Das ist doch ein Textbaustein! Wer zahlt mir jetzt die Gebühren?",
            "heard": "Okay. Wenigstens geben Sie es zu.",
            "pressing": "Das Geld fehlt mir trotzdem, und zwar jetzt.",
            "relieved": "Danke, das ist eine Erleichterung.",
        },
        "hidden_facts": [
            {
                "id": "klassenfahrt",
                "fact": "Ihr Dispo ist ausgeschöpft; die Klassenfahrt ihrer Tochter kann sie diese Woche nicht bezahlen.",
                "earned_when": "Die Fachkraft fragt, welche Folgen die geplatzte Lastschrift für sie hat.",
                "hint": "Fragen Sie, welche Folgen die geplatzte Lastschrift hat.",
                "phrases": ["welche Folgen", "was bedeutet das für Sie"],
                "reveal_words": ["Klassenfahrt", "Tochter", "Dispo"],
                "tell": "Mein Dispo ist voll, und die Klassenfahrt meiner Tochter muss diese Woche bezahlt werden.",
            }
        ],
        "triggers": {
            "escalate": [{"when": "Die Fachkraft schiebt die Schuld auf die Bank.", "phrases": ["Ihre Bank"]}],
            "deescalate": [{"when": "Die Fachkraft gibt den Fehler klar zu.", "phrases": ["unser Fehler"]}],
        },
        "opening": "Sie haben meinen Abschlag zweimal abgebucht und jetzt ist meine Lastschrift geplatzt! Wer zahlt mir das?",
        "objectives": [
            "Den Ärger ernst nehmen und den Fehler klar zugeben.",
            "Fragen, welche Folgen die geplatzte Lastschrift hat.",
            "Die Erstattung mit einem Termin zusagen.",
        ],
        "subject": None,
        "content_note": None,
    }


def bereavement_draft() -> dict:
    draft = english_draft()
    draft["title"] = "Closing a late husband's account"
    draft["persona"].update(
        name="Margaret Hill",
        age=71,
        background="Retired teacher, married for 45 years; her husband handled the bank accounts.",
        situation="Her husband died three weeks ago. She wants to close his account and does not know how.",
        communication_style="Polite, hesitant, apologises often; loses the thread when given jargon.",
        vulnerability="Recently bereaved and unsure about money matters.",
        initial_mood={"anger": 1, "anxiety": 7, "trust": 4},
    )
    draft["opening"] = "Hello. My husband died three weeks ago and I need to close his account. I am sorry, I don't know how this works."
    return draft


def as_json(draft: dict) -> str:
    return json.dumps(draft, ensure_ascii=False)


def test_a_valid_english_draft_becomes_a_scenario(library):
    model = ScriptedModel([as_json(english_draft())])
    existing = set(library.scenarios) | {"card-declined-abroad-en", "card-declined-abroad-en-2"}

    result = draft_scenario(model, EN_BRIEF, library.rubrics, existing, author="trainer-1")

    assert result.problems == []
    assert result.attempts == 1
    assert result.author == "trainer-1"
    scenario = result.scenario
    assert isinstance(scenario, Scenario)
    assert scenario.id == "card-declined-abroad-en-3"
    assert scenario.id not in existing
    assert (scenario.version, scenario.mode, scenario.mood_drift) == (1, "practice", 1.0)
    assert scenario.language == "en" and scenario.title == "Card declined abroad"
    assert scenario.rubric == "empathy-core"
    assert scenario.language in library.rubrics[scenario.rubric].grades
    assert [f.id for f in scenario.hidden_facts] == ["delivery-deadline", "delivery-deadline-2"]
    assert scenario.end.resolved_when.facts == ["delivery-deadline"]
    assert scenario.persona.voice_samples["angry"][1] == "Do not read me a script, just fix it."
    # Proposed customer lines: one per beat, and a fact's tell line only where it shows the fact.
    assert scenario.lines.unheard == ["That's a script. Just fix my card."]
    assert scenario.hidden_facts[0].tell == ["I've got chilled goods for Lyon by 6 pm or I lose the contract."]
    assert scenario.hidden_facts[1].tell == []
    assert scenario.distressing is False and scenario.content_note is None
    assert scenario.tags == ["angry", "card", "declined", "petrol", "station"]
    assert result.raw == english_draft()
    # The whole scenario survives a round trip through the schema.
    assert Scenario.model_validate(scenario.model_dump()) == scenario

    request = model.requests[0]
    assert request.json_schema == DraftAnswer.model_json_schema()
    assert request.max_tokens == 1500 and request.temperature == 0.4
    system, user = request.messages
    assert system.role == "system" and "fictional company" in system.content
    assert "Priya Nair" in system.content  # the worked example
    assert user.role == "user" and EN_BRIEF in user.content
    assert 'Write the scenario in English (language "en")' in user.content


def test_rubrics_can_be_a_list(library):
    model = ScriptedModel([as_json(english_draft())])
    result = draft_scenario(model, EN_BRIEF, list(library.rubrics.values()), set())
    assert result.scenario is not None
    assert result.scenario.id == "card-declined-abroad-en"
    assert result.scenario.rubric == "empathy-core"


def test_a_german_brief_gives_a_german_scenario(library):
    assert expected_language(DE_BRIEF) == "de"  # by its stopwords; the brief names no language
    model = ScriptedModel([as_json(german_draft())])

    result = draft_scenario(model, DE_BRIEF, library.rubrics, set(library.scenarios))

    assert result.problems == []
    scenario = result.scenario
    assert scenario.language == "de"
    assert scenario.id == "geplatzte-lastschrift-de"
    assert scenario.rubric == "service-recovery"  # "wegen unseres Fehlers": a complaint about us
    assert scenario.end.resolved_when.facts == ["klassenfahrt"]
    assert scenario.tags[0] == "complaint" and "lastschrift" in scenario.tags
    assert 'Write the scenario in German (language "de")' in model.requests[0].messages[1].content


def test_an_english_draft_for_a_german_brief_is_retried(library):
    brief = "customer whose direct debit bounced because of our error, angry, single parent, German"
    model = ScriptedModel([as_json(english_draft()), as_json(german_draft())])

    result = draft_scenario(model, brief, library.rubrics, set())

    assert result.attempts == 2
    assert result.scenario.language == "de"
    assert result.scenario.rubric == "service-recovery"
    retry = model.requests[1].messages[-1]
    assert retry.role == "user"
    assert "language: the brief asks for German" in retry.content


def test_a_voice_sample_that_gives_a_fact_away_is_retried_with_the_reason(library):
    leaky = english_draft()
    leaky["persona"]["voice_samples"]["angry"][0] = "Now I will never make it to Lyon on time!"
    model = ScriptedModel([as_json(leaky), as_json(english_draft())])

    result = draft_scenario(model, EN_BRIEF, library.rubrics, set())

    assert result.scenario is not None
    assert result.attempts == 2
    assert result.problems == []
    assert result.raw == english_draft()
    assert len(model.requests) == 2
    first, second = model.requests
    assert second.messages[: len(first.messages)] == first.messages
    retry = second.messages[-1]
    assert retry.role == "user"
    assert "persona.voice_samples.angry.0: contains 'Lyon', a reveal word of hidden fact 'delivery-deadline'" in retry.content


def test_a_beat_line_that_gives_a_fact_away_is_retried_with_the_reason(library):
    leaky = english_draft()
    leaky["lines"]["pressing"] = "I have chilled goods in the back!"
    model = ScriptedModel([as_json(leaky), as_json(english_draft())])

    result = draft_scenario(model, EN_BRIEF, library.rubrics, set())

    assert result.scenario is not None and result.attempts == 2
    assert "lines.pressing.0: contains 'chilled', a reveal word of hidden fact 'delivery-deadline'" in \
        model.requests[1].messages[-1].content


def test_missing_moods_are_retried_with_the_field_named(library):
    incomplete = english_draft()
    del incomplete["persona"]["voice_samples"]["relieved"]
    model = ScriptedModel([as_json(incomplete), as_json(english_draft())])

    result = draft_scenario(model, EN_BRIEF, library.rubrics, set())

    assert result.scenario is not None and result.attempts == 2
    assert "persona.voice_samples.relieved: Field required" in model.requests[1].messages[-1].content


def test_a_draft_that_fails_twice_returns_no_scenario_and_names_the_field(library):
    leaky = english_draft()
    leaky["opening"] = "My card was declined and now I will lose the contract. What is going on?"
    model = ScriptedModel([as_json(leaky), as_json(leaky)])

    result = draft_scenario(model, EN_BRIEF, library.rubrics, set())

    assert result.scenario is None
    assert result.attempts == 2
    assert len(result.problems) == 1
    assert result.problems[0].startswith("opening: contains 'contract', a reveal word of hidden fact 'delivery-deadline'")
    assert result.raw == leaky


def test_an_email_without_subject_twice_names_the_subject(library):
    email = english_draft()
    email["channel"] = "email"
    model = ScriptedModel([as_json(email), as_json(email)])

    result = draft_scenario(model, EN_BRIEF, library.rubrics, set())

    assert result.scenario is None and result.attempts == 2
    assert result.problems == ["subject: channel email needs a subject line for the customer's e-mail"]
    assert "subject: channel email needs a subject line" in model.requests[1].messages[-1].content


def test_customer_lines_in_the_wrong_language_are_a_problem(library):
    mixed = german_draft()
    mixed["language"] = "en"  # German lines, labelled English
    model = ScriptedModel([as_json(mixed), as_json(mixed)])

    result = draft_scenario(model, "Angry customer, bounced direct debit.", library.rubrics, set())

    assert result.scenario is None
    assert any(p.startswith("opening: the customer's lines are in German") for p in result.problems)


@pytest.mark.parametrize("error", [LLMError("server timed out after 120 s"), ModelUnavailable("server timed out after 120 s")])
def test_a_model_error_gives_a_readable_problem_without_retry(library, error):
    model = ScriptedModel([error, as_json(english_draft())])

    result = draft_scenario(model, EN_BRIEF, library.rubrics, set())

    assert result.scenario is None
    assert result.problems == [
        "the model could not draft a scenario: server timed out after 120 s; try again or write it in the editor"
    ]
    assert result.attempts == 1 and len(model.requests) == 1
    assert result.raw is None


def test_an_answer_that_is_not_json_twice_is_a_model_problem(library):
    model = ScriptedModel(["Sure! Here is your scenario:", '{"title": "Card'])

    result = draft_scenario(model, EN_BRIEF, library.rubrics, set())

    assert result.scenario is None and result.attempts == 2
    assert len(result.problems) == 1
    assert result.problems[0].startswith("the model could not draft a scenario: answer is not valid JSON")
    assert result.problems[0].endswith("try again or write it in the editor")
    assert "answer is not valid JSON" in model.requests[1].messages[-1].content


def test_a_bereavement_brief_is_distressing_with_a_content_note(library):
    model = ScriptedModel([as_json(bereavement_draft())])

    result = draft_scenario(model, BEREAVEMENT_BRIEF, library.rubrics, set())

    assert result.problems == []
    scenario = result.scenario
    assert scenario.distressing is True
    assert scenario.content_note and "death and bereavement" in scenario.content_note
    assert scenario.rubric == "vulnerable-customer"
    assert scenario.tags[:2] == ["bereavement", "vulnerable"]
    assert scenario.persona.vulnerability == "Recently bereaved and unsure about money matters."


def test_the_models_own_content_note_is_kept(library):
    draft = bereavement_draft()
    draft["content_note"] = "A recently widowed customer talks about her husband's death."
    model = ScriptedModel([as_json(draft)])

    result = draft_scenario(model, BEREAVEMENT_BRIEF, library.rubrics, set())

    assert result.scenario.distressing is True
    assert result.scenario.content_note == "A recently widowed customer talks about her husband's death."


def test_a_german_distressing_draft_gets_a_german_note(library):
    draft = german_draft()
    draft["persona"]["situation"] = "Seit dem Jobverlust hat sie Schulden; jetzt ist auch noch die Lastschrift geplatzt."
    model = ScriptedModel([as_json(draft)])

    result = draft_scenario(model, "Kundin mit Schulden, deren Lastschrift geplatzt ist. Deutsch.", library.rubrics, set())

    scenario = result.scenario
    assert scenario.distressing is True
    assert "Schulden und Geldsorgen" in scenario.content_note
    assert scenario.rubric == "vulnerable-customer"


def test_an_empty_brief_is_refused_without_a_model_call(library):
    model = ScriptedModel()
    result = draft_scenario(model, "   ", library.rubrics, set())
    assert result.scenario is None and result.attempts == 0
    assert result.problems[0].startswith("brief:")
    assert model.requests == []


def test_rubric_choice_falls_back_to_what_exists_and_grades_the_language(library):
    only_core = {"empathy-core": library.rubrics["empathy-core"]}
    assert choose_rubric(library.rubrics, "en", "a complaint about our error", []) == "service-recovery"
    assert choose_rubric(library.rubrics, "en", "she lost her job", []) == "vulnerable-customer"
    assert choose_rubric(only_core, "en", "a complaint about our error", []) == "empathy-core"
    english_only = {"x-rubric": library.rubrics["authenticity"].model_copy(update={"id": "x-rubric", "grades": ["en"]})}
    assert choose_rubric(english_only, "en", "anything", []) == "x-rubric"
    assert choose_rubric(english_only, "de", "anything", []) is None


def test_slugs_and_unique_ids():
    assert slugify("Ärger über die Mahngebühr!") == "aerger-ueber-die-mahngebuehr"
    assert slugify("  ?? ") == ""
    assert len(slugify("word " * 40)) <= 48
    assert unique_id("a-en", {"a-en", "a-en-2"}) == "a-en-3"
    assert unique_id("b-en", {"a-en"}) == "b-en"


def test_the_prompt_example_follows_its_own_rules():
    persona = DraftPersona.model_validate(EXAMPLE_PERSONA)
    fact = DraftFact.model_validate(EXAMPLE_FACT)
    spoken = " ".join([persona.background, persona.situation, persona.communication_style,
                       *(line for lines in persona.voice_samples.model_dump().values() for line in lines)])
    assert not [w for w in fact.reveal_words if w.casefold() in spoken.casefold()]


def test_draft_answer_limits_are_in_the_schema():
    schema = DraftAnswer.model_json_schema()
    voices = schema["$defs"]["DraftVoices"]
    assert voices["required"] == ["calm", "anxious", "angry", "relieved"]
    assert voices["properties"]["calm"]["minItems"] == voices["properties"]["calm"]["maxItems"] == 2
    assert schema["properties"]["hidden_facts"]["maxItems"] == 3
    assert schema["additionalProperties"] is False
    assert schema["properties"]["language"]["enum"] == ["en", "de"]
    too_long = copy.deepcopy(english_draft())
    too_long["opening"] = "x" * 1000
    with pytest.raises(Exception):
        DraftAnswer.model_validate(too_long)
