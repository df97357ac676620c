"""Shared fixtures: a small scenario and rubric, and services on the scripted backend."""

from __future__ import annotations

import pytest

from simulator.content.library import Library
from simulator.content.schema import Rubric, Scenario
from simulator.judge.grader import Judge
from simulator.llm.scripted import ScriptedModel
from simulator.session import Services
from simulator.store.repository import Store

RUBRIC = {
    "id": "mini",
    "version": 1,
    "title": "Mini rubric",
    "criteria": [
        {
            "id": "emotional_reaction",
            "title": "Emotional reaction",
            "weight": 1,
            "description": "Warmth and concern for the customer.",
            "levels": {0: "none", 1: "generic", 2: "names the feeling"},
        },
        {
            "id": "ownership_next_step",
            "title": "Ownership",
            "weight": 3,
            "description": "A concrete next step.",
            "levels": {0: "none", 1: "vague", 2: "concrete with a time"},
        },
    ],
}

SCENARIO = {
    "id": "mini-en",
    "version": 1,
    "title": "Mini scenario",
    "language": "en",
    "channel": "chat",
    "difficulty": 2,
    "persona": {
        "name": "Sam Doe",
        "age": 40,
        "background": "A long-time customer.",
        "situation": "The card was declined.",
        "communication_style": "Short and sharp.",
        "initial_mood": {"anger": 6, "anxiety": 4, "trust": 4},
        "voice_samples": {
            "calm": ["Alright."],
            "anxious": ["I am worried about this."],
            "angry": ["This is ridiculous.", "I have had enough."],
            "relieved": ["Thank goodness."],
        },
    },
    "triggers": {
        "escalate": [{"when": "tells the customer to calm down", "phrases": ["calm down"]}],
        "deescalate": [{"when": "apologises for the specific mistake", "phrases": ["sorry we declined"]}],
    },
    "opening": "My card was declined at the till. Why?",
    "objectives": ["Explain the decline", "Offer a next step"],
    "end": {"max_turns": 4},
    "rubric": "mini",
}


@pytest.fixture
def rubric() -> Rubric:
    return Rubric.model_validate(RUBRIC)


@pytest.fixture
def scenario() -> Scenario:
    return Scenario.model_validate(SCENARIO)


@pytest.fixture
def library(scenario, rubric) -> Library:
    return Library(scenarios={scenario.id: scenario}, rubrics={rubric.id: rubric})


@pytest.fixture
def customer_model() -> ScriptedModel:
    return ScriptedModel(spec="scripted")


@pytest.fixture
def judge_model() -> ScriptedModel:
    return ScriptedModel(spec="scripted")


@pytest.fixture
def services(tmp_path, library, customer_model, judge_model) -> Services:
    return Services(Store(tmp_path / "sim.db"), library, customer_model, Judge(judge_model))


@pytest.fixture(scope="session", autouse=True)
def stock_encoder():
    """The sentence encoder, loaded once before any test (the app warms it at start too):
    pages tested with short timeouts never wait for its first load."""
    from simulator.judge.stock import warm_encoder
    warm_encoder()
