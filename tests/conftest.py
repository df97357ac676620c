"""Shared fixtures: a small scenario and rubric, services on the scripted backend, and the
app's environment for page tests (`db`)."""

from __future__ import annotations

from pathlib import Path

import pytest

from simulator.content.library import Library
from simulator.content.schema import Rubric, Scenario
from simulator.judge.grader import Judge
from simulator.llm.scripted import ScriptedModel
from simulator.session import Services
from simulator.store.repository import Store
from tests.support.pages import FIXTURES
from tests.support.rubrics import RUBRIC
from tests.support.scenarios import SCENARIO


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


@pytest.fixture
def db(tmp_path, monkeypatch) -> Path:
    """The app's environment for page tests (tests/support/pages.py): a fresh database,
    scripted models, the test content; the database's path."""
    path = tmp_path / "sim.db"
    monkeypatch.chdir(tmp_path)  # no stray empathy-sim.toml
    monkeypatch.delenv("EMPATHY_SIM_CONFIG", raising=False)
    monkeypatch.setenv("EMPATHY_SIM_DB", str(path))
    monkeypatch.setenv("EMPATHY_SIM_CUSTOMER_MODEL", "scripted")
    monkeypatch.setenv("EMPATHY_SIM_JUDGE_MODEL", "scripted")
    monkeypatch.setenv("EMPATHY_SIM_DRAFTING_MODEL", "scripted")  # drafting must never load a real model here
    monkeypatch.setenv("EMPATHY_SIM_SCENARIOS", str(FIXTURES / "scenarios"))
    monkeypatch.setenv("EMPATHY_SIM_RUBRICS", str(FIXTURES / "rubrics"))
    return path


@pytest.fixture(scope="session", autouse=True)
def stock_encoder():
    """The sentence encoder, loaded once before any test (the app warms it at start too):
    pages tested with short timeouts never wait for its first load."""
    from simulator.judge.stock import warm_encoder
    warm_encoder()
