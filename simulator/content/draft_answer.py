"""The JSON shape the drafting model fills in (`DraftAnswer`), and its problems as text.

Only what the model must invent is here; the length limits keep constrained decoding
within `drafting.MAX_TOKENS`. The docstrings of these models are part of the JSON schema
the model is given, so they are written for the model as much as for the reader.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

#: The languages `DraftAnswer.language` allows, by the name the prompts use.
LANGUAGE_NAMES = {"en": "English", "de": "German"}


Text24 = Annotated[str, Field(min_length=1, max_length=24)]
Text32 = Annotated[str, Field(min_length=1, max_length=32)]
Text40 = Annotated[str, Field(min_length=1, max_length=40)]
Text60 = Annotated[str, Field(min_length=1, max_length=60)]
Text100 = Annotated[str, Field(min_length=1, max_length=100)]
Text120 = Annotated[str, Field(min_length=1, max_length=120)]
Text140 = Annotated[str, Field(min_length=1, max_length=140)]
Text160 = Annotated[str, Field(min_length=1, max_length=160)]
Text180 = Annotated[str, Field(min_length=1, max_length=180)]
Text200 = Annotated[str, Field(min_length=1, max_length=200)]
Text240 = Annotated[str, Field(min_length=1, max_length=240)]


class _Draft(BaseModel):
    model_config = ConfigDict(extra="forbid")


class DraftMood(_Draft):
    anger: Annotated[int, Field(ge=0, le=10)]
    anxiety: Annotated[int, Field(ge=0, le=10)]
    trust: Annotated[int, Field(ge=0, le=10)]


TwoLines = Annotated[list[Text100], Field(min_length=2, max_length=2)]


class DraftVoices(_Draft):
    calm: TwoLines
    anxious: TwoLines
    angry: TwoLines
    relieved: TwoLines


class DraftPersona(_Draft):
    name: Text40
    age: Annotated[int, Field(ge=16, le=110)]
    background: Text200
    situation: Text240
    communication_style: Text160
    vulnerability: Annotated[str | None, Field(max_length=120)] = None
    initial_mood: DraftMood
    voice_samples: DraftVoices


Phrases = Annotated[list[Text32], Field(min_length=1, max_length=4)]


class DraftFact(_Draft):
    id: Text40  # made a slug in code: a weak model need not know the pattern
    fact: Text180
    earned_when: Text140
    hint: Text100
    phrases: Phrases
    reveal_words: Annotated[list[Text24], Field(min_length=1, max_length=4)]
    # The customer telling the fact in their own words; kept only if it holds a reveal word.
    tell: Text140


class DraftBeats(_Draft):
    """One proposed line per beat (schema.BEATS); the trainer adds more in the studio."""

    threatened: Text120
    unheard: Text120
    heard: Text120
    pressing: Text120
    relieved: Text120


class DraftTrigger(_Draft):
    when: Text120
    phrases: Phrases


class DraftTriggers(_Draft):
    escalate: Annotated[list[DraftTrigger], Field(min_length=1, max_length=3)]
    deescalate: Annotated[list[DraftTrigger], Field(min_length=1, max_length=3)]


class DraftAnswer(_Draft):
    """Only what the model must invent. Language comes first so that it is decided
    before any text is written."""

    language: Literal["en", "de"]
    channel: Literal["chat", "email", "voice"]
    title: Text60
    difficulty: Annotated[int, Field(ge=1, le=5)]
    persona: DraftPersona
    lines: DraftBeats
    hidden_facts: Annotated[list[DraftFact], Field(min_length=1, max_length=3)]
    triggers: DraftTriggers
    opening: Text240
    objectives: Annotated[list[Text120], Field(min_length=3, max_length=5)]
    subject: Annotated[str | None, Field(max_length=80)] = None
    content_note: Annotated[str | None, Field(max_length=200)] = None


def validation_problems(exc: ValidationError) -> list[str]:
    """`field.path: what is wrong`, once each: the form the retry prompt and the studio show,
    for the model's answer and for the scenario built from it alike."""
    problems = []
    for error in exc.errors():
        where = ".".join(str(p) for p in error["loc"]) or "answer"
        problems.append(f"{where}: {error['msg'].removeprefix('Value error, ')}")
    return list(dict.fromkeys(problems))
