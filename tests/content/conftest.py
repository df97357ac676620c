"""Fixtures for the content tests: a small valid scenario and rubric as YAML text."""

from __future__ import annotations

from pathlib import Path

import pytest

RUBRIC_YAML = """\
id: mini-rubric
version: 1
title: Mini rubric
grades: [en]
criteria:
  - id: emotional_reaction
    title: Emotional reaction
    weight: 1
    description: Warmth and concern.
    levels:
      0: none
      1: generic
      2: names the feeling
"""

# Line numbers matter: tests point at them.
SCENARIO_YAML = """\
id: mini-en
version: 1
title: Mini scenario
language: en
difficulty: 2
persona:
  name: Sam Doe
  age: 40
  background: A long-time customer.
  situation: The card was declined.
  communication_style: Short and sharp.
  initial_mood: {anger: 6, anxiety: 4, trust: 4}
  voice_samples:
    calm: [Alright.]
    anxious: [I am worried.]
    angry: [This is ridiculous.]
    relieved: [Thank goodness.]
opening: My card was declined at the till. Why?
objectives: [Explain the decline]
rubric: mini-rubric
"""


@pytest.fixture
def content_dirs(tmp_path: Path) -> tuple[Path, Path]:
    """A scenario folder and a rubric folder, each holding one valid file."""
    scenarios, rubrics = tmp_path / "scenarios", tmp_path / "rubrics"
    scenarios.mkdir()
    rubrics.mkdir()
    (scenarios / "mini-en.yaml").write_text(SCENARIO_YAML, encoding="utf-8")
    (rubrics / "mini-rubric.yaml").write_text(RUBRIC_YAML, encoding="utf-8")
    return scenarios, rubrics


@pytest.fixture
def scenario_yaml() -> str:
    return SCENARIO_YAML


@pytest.fixture
def rubric_yaml() -> str:
    return RUBRIC_YAML
