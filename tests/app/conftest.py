"""The app's environment for page tests: a fresh database, scripted models, test content."""

from __future__ import annotations

from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def db(tmp_path, monkeypatch) -> Path:
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
