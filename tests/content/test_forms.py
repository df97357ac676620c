"""The editor's form: every seed scenario survives form -> scenario -> form unchanged."""

from pathlib import Path

import pytest

from simulator.content.forms import form_to_scenario, scenario_to_form
from simulator.content.library import load_library

REPO = Path(__file__).resolve().parents[2]
LIBRARY, _ = load_library(REPO / "scenarios", REPO / "rubrics")


@pytest.mark.parametrize("scenario_id", sorted(LIBRARY.scenarios))
def test_form_round_trip_is_lossless(scenario_id):
    scenario = LIBRARY.scenario(scenario_id)
    form = scenario_to_form(scenario)
    again, problems = form_to_scenario(form)
    assert problems == [] and again == scenario
    assert scenario_to_form(again) == form


def test_a_form_edit_changes_exactly_that_field():
    scenario = LIBRARY.scenario("frozen-account-en")
    form = scenario_to_form(scenario) | {"name": "Dana Whitfield-Reyes", "objectives": "One\n\nTwo\n"}
    edited, _ = form_to_scenario(form)
    assert edited.persona.name == "Dana Whitfield-Reyes" and edited.objectives == ["One", "Two"]
    assert edited.model_copy(update={"persona": scenario.persona, "objectives": scenario.objectives}) == scenario


def test_form_problems_name_the_field():
    form = scenario_to_form(LIBRARY.scenario("frozen-account-en")) | {"difficulty": 9, "voice_calm": ""}
    scenario, problems = form_to_scenario(form)
    assert scenario is None
    assert any(p.startswith("difficulty:") for p in problems)
    assert any(p.startswith("persona.voice_samples:") and "calm" in p for p in problems)


def test_empty_table_rows_are_ignored_and_phrases_split_on_semicolons():
    form = scenario_to_form(LIBRARY.scenario("frozen-account-en"))
    form["triggers"] = form["triggers"] + [{"kind": "escalate", "when": "", "phrases": ""}]
    form["facts"][0]["phrases"] = "what else is due; any bills, this week"
    edited, problems = form_to_scenario(form)
    assert problems == []
    assert edited.hidden_facts[0].phrases == ["what else is due", "any bills, this week"]
    assert len(edited.triggers.escalate) == len(LIBRARY.scenario("frozen-account-en").triggers.escalate)


@pytest.mark.parametrize("rubric_id", sorted(LIBRARY.rubrics))
def test_rubric_form_round_trip_keeps_the_grading_content(rubric_id):
    """Levels are shown one per line, so white space inside a level's text is normalised;
    everything else survives unchanged."""
    from simulator.content.forms import form_to_rubric, rubric_to_form

    rubric = LIBRARY.rubric(rubric_id)
    # The organisation's own phrases ride along (they were lost on "Apply the form" once).
    rubric = rubric.model_copy(update={"stock_phrases": {"de": ["gemäß Ziffer 7 unserer AGB"]}})
    again, problems = form_to_rubric(rubric_to_form(rubric))
    assert problems == []
    assert rubric_to_form(again) == rubric_to_form(rubric)
    assert again.stock_phrases == rubric.stock_phrases
    for before, after in zip(rubric.criteria, again.criteria):
        assert after.examples == before.examples and after.coach == before.coach
        assert after.requires == before.requires and after.channels == before.channels
        # What code holds the levels to, and the signal a fit weighs (lost on apply before)
        assert (after.stock_cap, after.stock_sentence_cap, after.threat_cap, after.dismissal_cap, after.signal) == \
            (before.stock_cap, before.stock_sentence_cap, before.threat_cap, before.dismissal_cap, before.signal)
        assert {k: " ".join(v.split()) for k, v in before.levels.items()} == after.levels


@pytest.mark.parametrize("scenario_id", sorted(LIBRARY.scenarios))
def test_form_to_yaml_to_form_is_lossless(scenario_id):
    from simulator.content.editing import parse, to_yaml

    form = scenario_to_form(LIBRARY.scenario(scenario_id))
    scenario, _ = form_to_scenario(form)
    parsed, problems = parse("scenario", to_yaml(scenario))
    assert problems == [] and scenario_to_form(parsed) == form
