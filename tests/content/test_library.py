"""The library: every file of both folders, every problem at once, cross-file checks."""

from __future__ import annotations

from pathlib import Path

import pytest

from simulator.content.library import Library, UnknownContent, default_content_dirs, load_library

REPO = Path(__file__).resolve().parents[2]


def strings(problems) -> list[str]:
    return [str(problem) for problem in problems]


def test_seed_library_loads_without_problems():
    library, problems = load_library(REPO / "scenarios", REPO / "rubrics")
    assert strings(problems) == []
    assert {"frozen-account-en", "zahlungsschwierigkeiten-de", "phone-anxiety-en"} <= set(library.scenarios)
    assert len(library.scenarios) >= 10
    assert set(library.rubrics) == {"empathy-core", "authenticity", "vulnerable-customer", "service-recovery"}
    assert library.sources["rubric:empathy-core"] == REPO / "rubrics" / "empathy-core.yaml"
    assert library.sources["scenario:frozen-account-en"] == REPO / "scenarios" / "frozen-account-en.yaml"


def test_seed_rubric_has_the_agreed_criteria_with_worked_examples():
    library, _ = load_library(REPO / "scenarios", REPO / "rubrics")
    rubric = library.rubric("empathy-core")
    assert [c.id for c in rubric.criteria] == [
        "emotional_reaction", "interpretation", "exploration", "ownership_next_step", "authenticity",
        "email_structure",
    ]
    assert [c.id for c in rubric.for_channel("chat").criteria][-1] == "authenticity"
    assert rubric.criterion("email_structure").channels == ["email"]
    assert rubric.grades == ["en", "de"]
    for criterion in rubric.criteria:
        assert sorted(criterion.levels) == [0, 1, 2]
        assert len(criterion.examples) >= 3, criterion.id
        assert {e.level for e in criterion.examples} == {0, 1, 2}, criterion.id
    german = [e for c in rubric.criteria for e in c.examples if any(w in e.reply for w in (" Sie ", "Ich ", "Wir "))]
    assert german, "examples should mix English and German replies"


def test_seed_scenarios_are_complete():
    library, _ = load_library(REPO / "scenarios", REPO / "rubrics")
    for scenario in library.scenarios.values():
        assert scenario.hidden_facts and scenario.triggers.escalate and scenario.triggers.deescalate
        assert all(2 <= len(lines) <= 3 for lines in scenario.persona.voice_samples.values()), scenario.id
        assert scenario.end.resolved_when.facts, scenario.id
        assert all(f.reveal_words for f in scenario.hidden_facts), scenario.id
        assert not scenario.distressing or scenario.content_note
    languages = {s.language for s in library.scenarios.values()}
    channels = {s.channel for s in library.scenarios.values()}
    assert languages == {"en", "de"} and {"chat", "email"} <= channels
    assert any(s.mode == "assessment" for s in library.scenarios.values())
    assert sum(s.distressing for s in library.scenarios.values()) >= 2


def test_no_seed_scenario_gives_a_hidden_fact_away():
    """A reveal word in the opening, the persona or a voice sample would tell the customer
    model (or the trainee) a fact before it is earned, and would trip the guard on
    the customer's own prepared lines."""
    from simulator.roleplay.facts import revealed

    library, _ = load_library(REPO / "scenarios", REPO / "rubrics")
    for scenario in library.scenarios.values():
        persona = scenario.persona
        visible = [scenario.opening, scenario.subject or "", persona.background, persona.situation,
                   persona.communication_style, persona.vulnerability or ""]
        visible += [line for lines in persona.voice_samples.values() for line in lines]
        for fact in scenario.hidden_facts:
            for text in visible:
                assert revealed(fact, text) is None, (scenario.id, fact.id, text)
    assert library.scenario("zahlungsschwierigkeiten-de").language == "de"
    assert library.scenario("zahlungsschwierigkeiten-de").persona.vulnerability
    assert library.scenario("phone-anxiety-en").persona.vulnerability


def test_valid_folders(content_dirs):
    library, problems = load_library(*content_dirs)
    assert problems == []
    assert library.scenario("mini-en").rubric == "mini-rubric"
    assert library.sources == {
        "scenario:mini-en": content_dirs[0] / "mini-en.yaml",
        "rubric:mini-rubric": content_dirs[1] / "mini-rubric.yaml",
    }


def test_missing_rubric_is_reported_on_the_rubric_line(content_dirs):
    scenarios, rubrics = content_dirs
    (rubrics / "mini-rubric.yaml").unlink()
    library, problems = load_library(scenarios, rubrics)
    assert strings(problems) == [
        f"{scenarios / 'mini-en.yaml'}:20: rubric: no rubric with id 'mini-rubric' (known rubrics: none)"
    ]
    assert library.scenarios == {}  # unusable without its rubric


def test_rubric_that_failed_to_load_is_named(content_dirs):
    scenarios, rubrics = content_dirs
    (rubrics / "mini-rubric.yaml").write_text("id: mini-rubric\n", encoding="utf-8")
    _, problems = load_library(scenarios, rubrics)
    assert f"{scenarios / 'mini-en.yaml'}:20: rubric: rubric 'mini-rubric' did not load" in "\n".join(strings(problems))


def test_language_the_rubric_cannot_grade(content_dirs, scenario_yaml):
    scenarios, rubrics = content_dirs
    (scenarios / "mini-en.yaml").write_text(scenario_yaml.replace("language: en", "language: de"), encoding="utf-8")
    _, problems = load_library(scenarios, rubrics)
    assert strings(problems) == [
        f"{scenarios / 'mini-en.yaml'}:4: language: rubric 'mini-rubric' grades only en, not 'de'; "
        "add the language to the rubric's grades or pick another rubric"
    ]


def test_duplicate_ids_across_files(content_dirs, scenario_yaml):
    scenarios, rubrics = content_dirs
    (scenarios / "other.yaml").write_text(scenario_yaml, encoding="utf-8")
    library, problems = load_library(scenarios, rubrics)
    assert strings(problems) == [
        f"{scenarios / 'other.yaml'}:1: id: scenario id 'mini-en' is already used by "
        f"{scenarios / 'mini-en.yaml'}; ids must be unique"
    ]
    assert library.sources["scenario:mini-en"] == scenarios / "mini-en.yaml"


def test_file_name_must_match_id(content_dirs):
    scenarios, rubrics = content_dirs
    (scenarios / "mini-en.yaml").rename(scenarios / "mini.yml")
    library, problems = load_library(scenarios, rubrics)
    assert strings(problems) == [
        f"{scenarios / 'mini.yml'}:1: id: the file name should match the id: rename the file to "
        "mini-en.yml or change the id to 'mini'"
    ]
    assert "mini-en" in library.scenarios  # still usable


def test_all_problems_of_all_files_at_once(content_dirs, scenario_yaml):
    scenarios, rubrics = content_dirs
    (scenarios / "a.yaml").write_text("id: [unclosed\n", encoding="utf-8")
    (scenarios / "b.yaml").write_bytes(b"\xff\xfe")
    (scenarios / "c.yaml").write_text(scenario_yaml.replace("age: 40", "age: 4"), encoding="utf-8")
    (scenarios / "notes.txt").write_text("not content", encoding="utf-8")
    (rubrics / "r.yaml").write_text("", encoding="utf-8")
    library, problems = load_library(scenarios, rubrics)
    where = [(Path(p.path).name, p.line, p.field) for p in problems]
    assert where == [
        ("r.yaml", 1, "(file)"),
        ("a.yaml", 2, "(yaml)"),
        ("b.yaml", 1, "(file)"),
        ("c.yaml", 8, "persona.age"),
    ]
    assert set(library.scenarios) == {"mini-en"}


def test_missing_folder(tmp_path):
    library, problems = load_library(tmp_path / "nope", tmp_path / "nada")
    assert [p.message.split(";")[0] for p in problems] == ["rubric folder not found", "scenario folder not found"]
    assert library.scenarios == {} and library.rubrics == {}


def test_unknown_ids_list_the_known_ones(content_dirs):
    library, _ = load_library(*content_dirs)
    with pytest.raises(KeyError):
        library.scenario("nope")
    with pytest.raises(UnknownContent) as info:
        library.rubric("nope")
    assert str(info.value) == "No rubric with id 'nope'. Known rubrics: mini-rubric"
    assert "none loaded" in str(pytest.raises(UnknownContent, Library().scenario, "x").value)


def test_default_dirs(monkeypatch, tmp_path):
    monkeypatch.delenv("EMPATHY_SIM_SCENARIOS", raising=False)
    monkeypatch.delenv("EMPATHY_SIM_RUBRICS", raising=False)
    assert default_content_dirs() == (REPO / "scenarios", REPO / "rubrics")
    monkeypatch.setenv("EMPATHY_SIM_SCENARIOS", str(tmp_path / "s"))
    monkeypatch.setenv("EMPATHY_SIM_RUBRICS", str(tmp_path / "r"))
    assert default_content_dirs() == (tmp_path / "s", tmp_path / "r")
