"""The editor's helpers: lossless YAML round trip, validate's problems, diffs, form values."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from simulator.content.editing import diff, parse, text_for, to_yaml, with_form_values
from simulator.content.library import load_library
from simulator.content.loader import load_rubric, load_scenario
from simulator.content.schema import Rubric, Scenario

ROOT = Path(__file__).resolve().parents[2]
SEED_SCENARIOS = sorted((ROOT / "scenarios").glob("*.yaml"))
SEED_RUBRICS = sorted((ROOT / "rubrics").glob("*.yaml"))


def seeds():
    return [pytest.param("scenario", path, id=path.stem) for path in SEED_SCENARIOS] + [
        pytest.param("rubric", path, id=path.stem) for path in SEED_RUBRICS
    ]


def load(kind: str, path: Path):
    return load_scenario(path) if kind == "scenario" else load_rubric(path)


def test_every_seed_is_found():
    assert len(SEED_SCENARIOS) >= 2 and len(SEED_RUBRICS) >= 1


@pytest.mark.parametrize(("kind", "path"), seeds())
def test_round_trip_of_every_seed_is_lossless_and_stable(kind, path):
    item = load(kind, path)
    text = to_yaml(item)
    back, problems = parse(kind, text)
    assert problems == []
    assert back == item
    assert to_yaml(back) == text


def test_yaml_keeps_schema_order_unicode_and_literal_blocks():
    item = load_scenario(ROOT / "scenarios/frozen-account-en.yaml")
    item = item.model_copy(update={"title": "Konto gesperrt – Gehalt außer Reichweite",
                                   "opening": "First line.\nSecond line, äöü.\n"})
    text = to_yaml(item)
    keys = [line.split(":")[0] for line in text.splitlines() if line and not line[0].isspace()]
    assert keys == [k for k in Scenario.model_fields if k in keys]
    assert keys[:3] == ["id", "version", "title"]
    assert "Konto gesperrt – Gehalt außer Reichweite" in text  # not \u escapes
    assert "opening: |" in text
    assert "subject:" not in text and "vulnerability:" not in text  # None is left out
    assert parse("scenario", text)[0] == item


def test_rubric_levels_keep_numeric_keys():
    rubric = load_rubric(ROOT / "rubrics/empathy-core.yaml")
    text = to_yaml(rubric)
    assert "\n      0: " in text and "'0'" not in text
    assert yaml.safe_load(text)["criteria"][0]["levels"].keys() == rubric.criteria[0].levels.keys()


def test_awkward_text_survives_the_round_trip():
    item = load_scenario(ROOT / "scenarios/frozen-account-en.yaml")
    awkward = [
        "  leading spaces, trailing spaces  ",
        "key: value # not a comment",
        "line one\n\n  indented line\nlast line without break",
        "ends with breaks\n\n",
        "yes", "null", "1.0", "- dash", "'quoted'", '"double"', "tab\tinside",
        "next line\x85and line separator\u2028here",
        "x" * 200,
    ]
    for text in awkward:
        changed = item.model_copy(update={"opening": text, "title": text.strip() or "t"})
        changed = Scenario.model_validate(changed.model_dump())
        back, problems = parse("scenario", to_yaml(changed))
        assert problems == [] and back == changed, repr(text)


def validate_as_file(tmp_path: Path, kind: str, text: str, name: str):
    """The problems `empathy-sim validate` reports for `text` saved as a seed file."""
    scenarios, rubrics = tmp_path / "scenarios", tmp_path / "rubrics"
    scenarios.mkdir(exist_ok=True), rubrics.mkdir(exist_ok=True)
    (rubrics / "empathy-core.yaml").write_text((ROOT / "rubrics/empathy-core.yaml").read_text(encoding="utf-8"),
                                               encoding="utf-8")
    path = (scenarios if kind == "scenario" else rubrics) / name
    path.write_text(text, encoding="utf-8")
    _, problems = load_library(scenarios, rubrics)
    return path, [p for p in problems if p.path == str(path)]


def test_yaml_syntax_error_matches_validate(tmp_path):
    good = (ROOT / "scenarios/frozen-account-en.yaml").read_text(encoding="utf-8")
    broken = good.replace("difficulty: 3", "difficulty: [3", 1)
    path, expected = validate_as_file(tmp_path, "scenario", broken, "frozen-account-en.yaml")
    item, problems = parse("scenario", broken, source=str(path))
    assert item is None and expected
    assert [(p.line, p.field, p.message) for p in problems] == [(p.line, p.field, p.message) for p in expected]
    assert [str(p) for p in problems] == [str(p) for p in expected]
    assert problems[0].field == "(yaml)"


def test_schema_error_matches_validate(tmp_path):
    good = (ROOT / "scenarios/frozen-account-en.yaml").read_text(encoding="utf-8")
    broken = good.replace("difficulty: 3", "difficulty: 9\nescalte: 1", 1).replace("anger: 8", "anger: 11", 1)
    path, expected = validate_as_file(tmp_path, "scenario", broken, "frozen-account-en.yaml")
    item, problems = parse("scenario", broken, source=str(path))
    assert item is None
    assert [str(p) for p in problems] == [str(p) for p in expected]
    by_field = {p.field: p.line for p in problems}
    lines = broken.splitlines()
    assert lines[by_field["difficulty"] - 1].startswith("difficulty: 9")
    assert lines[by_field["escalte"] - 1].startswith("escalte:")
    assert "anger: 11" in lines[by_field["persona.initial_mood.anger"] - 1]


def test_rubric_schema_error_names_the_field(tmp_path):
    good = (ROOT / "rubrics/empathy-core.yaml").read_text(encoding="utf-8")
    broken = good.replace("weight: 20", "weight: -1", 1)
    item, problems = parse("rubric", broken, source="empathy-core.yaml")
    assert item is None
    assert [p.field for p in problems] == ["criteria.0.weight"]
    assert broken.splitlines()[problems[0].line - 1].strip() == "weight: -1"


@pytest.mark.parametrize("text", ["", "   \n", "# only a comment\n", "---\n", "- a\n- b\n", "just text",
                                  "a: [1\n", "\x00\x01", "!!python/object:os.system {}\n", "id: x\n"])
def test_parse_never_raises_for_bad_text(text):
    item, problems = parse("scenario", text, source="draft")
    assert item is None and problems
    assert all(str(p).startswith("draft:") for p in problems)


def test_parse_rejects_an_unknown_kind():
    with pytest.raises(ValueError):
        parse("persona", "id: x")


def test_diff_shows_the_changed_title_line():
    item = load_scenario(ROOT / "scenarios/frozen-account-en.yaml")
    old = to_yaml(item)
    new = to_yaml(item.model_copy(update={"title": "Frozen account, rent due tomorrow"}))
    text = diff(old, new, "version 1", "draft")
    assert text.startswith("--- version 1\n+++ draft\n")
    assert "-title: Frozen account, salary out of reach\n" in text
    assert "+title: Frozen account, rent due tomorrow\n" in text
    assert sum(1 for line in text.splitlines() if line[:1] in "+-" and line[:3] not in ("---", "+++")) == 2
    assert diff(old, old, "a", "b") == ""


def test_diff_marks_a_missing_final_newline():
    text = diff("a\nb\n", "a\nc", "old", "new")
    assert "+c\n\\ No newline at end of file\n" in text


def test_form_values_change_persona_name():
    item = load_scenario(ROOT / "scenarios/frozen-account-en.yaml")
    persona = {**item.persona.model_dump(), "name": "Dana Okafor"}
    changed, problems = with_form_values(item, {"persona": persona, "title": "New title"})
    assert problems == []
    assert changed.persona.name == "Dana Okafor" and changed.title == "New title"
    assert changed.persona.age == item.persona.age and changed.hidden_facts == item.hidden_facts
    assert item.persona.name == "Dana Whitfield"  # the original is untouched
    # a model instance and a dotted key work as well
    same, _ = with_form_values(item, {"persona": item.persona.model_copy(update={"name": "Dana Okafor"})})
    dotted, _ = with_form_values(item, {"persona.name": "Dana Okafor"})
    assert same.persona == dotted.persona == changed.persona


def test_form_values_report_invalid_fields():
    item = load_scenario(ROOT / "scenarios/frozen-account-en.yaml")
    changed, problems = with_form_values(item, {"difficulty": 9})
    assert changed is None
    assert problems == ["difficulty: Input should be less than or equal to 5"]
    changed, problems = with_form_values(item, {"persona.initial_mood": {"anger": 11, "anxiety": 1, "trust": 1},
                                                "persona.name": "  "})
    assert changed is None
    assert sorted(p.split(":")[0] for p in problems) == ["persona.initial_mood.anger", "persona.name"]
    changed, problems = with_form_values(item, {"titel": "x"})
    assert changed is None and problems[0].startswith("titel: unknown key; did you mean 'title'?")


def test_form_values_on_a_rubric():
    rubric = load_rubric(ROOT / "rubrics/empathy-core.yaml")
    changed, problems = with_form_values(rubric, {"grades": ["de"]})
    assert problems == [] and isinstance(changed, Rubric) and changed.grades == ["de"]
    changed, problems = with_form_values(rubric, {"grades": ["fr"]})
    assert changed is None and problems[0].startswith("grades.0:")


def test_text_for_keeps_typed_text_and_fixes_only_the_version():
    typed = (ROOT / "scenarios/frozen-account-en.yaml").read_text(encoding="utf-8")
    item = load_scenario(ROOT / "scenarios/frozen-account-en.yaml")
    assert text_for(item, typed) == typed  # comments and layout kept
    saved = item.model_copy(update={"version": item.version + 4})  # numbered on saving
    text = text_for(saved, typed)
    assert f"\nversion: {saved.version}\n" in text and "# Anger moves quickly" in text
    assert parse("scenario", text)[0] == saved
    other = item.model_copy(update={"title": "Something else"})
    assert text_for(other, typed) == to_yaml(other)
    assert text_for(item, None) == text_for(item, "not: [yaml") == to_yaml(item)
