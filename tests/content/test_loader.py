"""YAML loading: every problem names file, line and field; nothing but ContentError escapes."""

from __future__ import annotations

import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from simulator.content.loader import (
    MAX_FILE_BYTES,
    ContentError,
    ContentProblem,
    load_rubric,
    load_scenario,
    parse_rubric,
    parse_scenario,
)
from simulator.content.schema import Rubric, Scenario

BROKEN = """\
id: bad
version: 1
title: Broken
persona:
  name: Sam
  initial_mood:
    anger: 11
    anxiety: 3
  age: 40
  background: b
  situation: s
  communication_style: c
  voice_samples: {calm: [a], anxious: [b], angry: [c], relieved: [d]}
language: fr
difficulty: 2
opening: Hello
objectives: [Listen]
rubric: mini-rubric
escalte: []
"""


def problems_of(text: str | bytes, parse=parse_scenario, source: str = "bad.yaml") -> list[str]:
    with pytest.raises(ContentError) as info:
        parse(text, source)
    return [str(problem) for problem in info.value.problems]


def test_valid_scenario_and_rubric_parse(scenario_yaml, rubric_yaml):
    assert isinstance(parse_scenario(scenario_yaml), Scenario)
    assert isinstance(parse_rubric(rubric_yaml), Rubric)


def test_problem_string_format():
    assert str(ContentProblem(path="a.yaml", line=3, field="id", message="bad")) == "a.yaml:3: id: bad"
    assert str(ContentProblem(path="a.yaml", line=None, field="(file)", message="x")) == "a.yaml:?: (file): x"


def test_all_errors_of_one_document_are_reported_together_with_lines():
    assert problems_of(BROKEN) == [
        "bad.yaml:6: persona.initial_mood.trust: required field is missing; add it",
        "bad.yaml:7: persona.initial_mood.anger: Input should be less than or equal to 10",
        "bad.yaml:14: language: Input should be 'de' or 'en'",
        "bad.yaml:19: escalte: unknown key; allowed here: id, version, title, language, channel, "
        "difficulty, tags, mode, persona, customer_mode, lines, hidden_facts, triggers, mood_drift, opening, objectives, "
        "end, rubric, content_note, distressing, subject",
    ]


def test_content_error_str_joins_problems_by_newline():
    with pytest.raises(ContentError) as info:
        parse_scenario(BROKEN, "bad.yaml")
    assert str(info.value) == "\n".join(str(p) for p in info.value.problems)


def test_load_scenario_names_the_file(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text(BROKEN, encoding="utf-8")
    with pytest.raises(ContentError) as info:
        load_scenario(path)
    first = info.value.problems[0]
    assert (first.path, first.line, first.field) == (str(path), 6, "persona.initial_mood.trust")


def test_unknown_nested_key_suggests_the_right_one(scenario_yaml):
    text = scenario_yaml + "triggers:\n  escalte: []\n"
    assert problems_of(text) == [
        "bad.yaml:22: triggers.escalte: unknown key; did you mean 'escalate'? allowed here: escalate, deescalate"
    ]


def test_missing_field_points_at_nearest_parent(scenario_yaml):
    text = scenario_yaml.replace("  situation: The card was declined.\n", "").replace("rubric: mini-rubric\n", "")
    assert problems_of(text) == [
        "bad.yaml:1: rubric: required field is missing; add it",
        "bad.yaml:6: persona.situation: required field is missing; add it",
    ]


def test_list_items_and_validator_messages(scenario_yaml):
    text = scenario_yaml.replace("objectives: [Explain the decline]", "objectives:\n  - ok\n  - '   '")
    assert problems_of(text) == ["bad.yaml:21: objectives.1: must not be blank"]


def test_missing_voice_sample_message_has_no_value_error_prefix(scenario_yaml):
    text = scenario_yaml.replace("    relieved: [Thank goodness.]\n", "")
    assert problems_of(text) == [
        "bad.yaml:13: persona.voice_samples: needs at least one sample for each mood; missing: relieved"
    ]


def test_yaml_syntax_error_gives_the_line():
    text = "id: x\nversion: 1\ntitle: [unclosed\nlanguage: en\n"
    (problem,) = problems_of(text)
    assert problem.startswith("bad.yaml:4: (yaml): ")


def test_python_tags_are_refused_without_running_anything(tmp_path):
    marker = tmp_path / "pwned"
    text = f'id: x\ntitle: !!python/object/apply:os.system ["touch {marker}"]\n'
    assert problems_of(text) == [
        "bad.yaml:2: title: YAML tag '!!python/object/apply:os.system' is not allowed; "
        "use plain values (text, numbers, lists, mappings)"
    ]
    assert not marker.exists()


def test_every_unsafe_tag_is_reported():
    text = "a: !!python/name:os.system\nb: !custom 1\n"
    assert [p.split(": ", 1)[0] for p in problems_of(text)] == ["bad.yaml:1", "bad.yaml:2"]


def test_not_utf8(tmp_path):
    path = tmp_path / "latin1.yaml"
    path.write_bytes("id: x\ntitle: Grüße\n".encode("latin-1"))
    with pytest.raises(ContentError) as info:
        load_scenario(path)
    (problem,) = info.value.problems
    assert (problem.line, problem.field) == (2, "(file)")
    assert "not UTF-8 text" in problem.message


def test_utf8_with_bom_is_fine(tmp_path, scenario_yaml):
    path = tmp_path / "mini-en.yaml"
    path.write_bytes(b"\xef\xbb\xbf" + scenario_yaml.encode("utf-8"))
    assert load_scenario(path).id == "mini-en"


@pytest.mark.parametrize("text", ["", "   \n", "# only a comment\n", "---\n"])
def test_empty_file(text):
    assert problems_of(text) == ["bad.yaml:1: (file): the file is empty"]


def test_top_level_must_be_a_mapping():
    assert problems_of("- id: x\n") == [
        "bad.yaml:1: (document): the file must be a mapping of keys (like 'id: ...'), not a list"
    ]
    assert "not a single value (str)" in problems_of("just text\n")[0]


def test_huge_file_is_refused_unread(tmp_path):
    path = tmp_path / "huge.yaml"
    path.write_bytes(b"#" * (MAX_FILE_BYTES + 1))
    with pytest.raises(ContentError) as info:
        load_scenario(path)
    assert "limited to" in str(info.value)
    assert "limited to" in problems_of("a" * (MAX_FILE_BYTES + 1))[0]


def test_missing_file(tmp_path):
    with pytest.raises(ContentError, match="file not found"):
        load_rubric(tmp_path / "nope.yaml")


def test_duplicate_keys_are_reported(scenario_yaml):
    text = scenario_yaml + "title: Second title\n"
    assert problems_of(text) == ["bad.yaml:21: title: duplicate key (already set on line 3); keep only one"]


def test_alias_bomb_is_refused_quickly():
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, 10)]
    started = time.monotonic()
    (problem,) = problems_of("\n".join(lines))
    assert "aliases" in problem
    assert time.monotonic() - started < 5


def test_self_referencing_alias():
    (problem,) = problems_of("a: &a [*a]\n")
    assert "nested too deeply" in problem


def test_deep_nesting_is_an_error_not_a_crash():
    assert "nested too deeply" in problems_of("[" * 5000)[0]


def test_impossible_date_is_an_error_not_a_crash():
    assert problems_of("id: x\nversion: 2024-02-30\n") == [
        "bad.yaml:?: (yaml): cannot read a value: day is out of range for month"
    ]


def test_rubric_problems(rubric_yaml):
    text = rubric_yaml.replace("      1: generic\n", "") + (
        "    examples:\n"
        "      - {context: c, reply: r, level: 1, why: w}\n"
    )
    assert problems_of(text, parse_rubric) == [
        "bad.yaml:10: criteria.0.levels: levels must be numbered 0, 1, 2, ... without gaps (at least 0 and 1)",
    ]
    text = rubric_yaml + "    examples:\n      - {context: c, reply: r, level: 3, why: w}\n"
    assert problems_of(text, parse_rubric) == [
        "bad.yaml:14: criteria.0.examples: example 0 has level 3, but the levels are 0, 1, 2",
    ]


def test_non_integer_level_key(rubric_yaml):
    text = rubric_yaml.replace("      2: names the feeling", "      two: names the feeling")
    (problem,) = problems_of(text, parse_rubric)
    assert problem.startswith("bad.yaml:13: criteria.0.levels.two: 'two' is not allowed as a key here:")


# -- property tests: nothing but ContentError, whatever the input ---------------------------

SCENARIO_LINES = st.sampled_from(range(20))


def _only_scenario_or_content_error(data: str | bytes) -> None:
    try:
        result = parse_scenario(data)
    except ContentError as exc:
        assert exc.problems and all(isinstance(p, ContentProblem) for p in exc.problems)
    else:
        assert isinstance(result, Scenario)


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_any_text_gives_scenario_or_content_error(text):
    _only_scenario_or_content_error(text)


@settings(max_examples=300, deadline=None)
@given(st.binary())
def test_any_bytes_give_scenario_or_content_error(data):
    _only_scenario_or_content_error(data)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(line=st.integers(min_value=0, max_value=19), replacement=st.text(max_size=40))
def test_mutated_scenario_gives_scenario_or_content_error(scenario_yaml, line, replacement):
    lines = scenario_yaml.splitlines()
    key = lines[line].split(":", 1)[0]
    lines[line] = f"{key}: {replacement}"
    _only_scenario_or_content_error("\n".join(lines))


@settings(max_examples=200, deadline=None)
@given(st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=10),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=20,
))
def test_yaml_shaped_values_give_scenario_or_content_error(value):
    import json

    _only_scenario_or_content_error(json.dumps({"persona": value, "id": value}))  # JSON is YAML
