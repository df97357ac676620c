"""Bad content files: whatever the bytes, the loaders give a model or a clear ContentError.

Three layers:
* property tests over arbitrary text and bytes, for every entry point (``parse_*``,
  ``load_*`` from a file, and ``editing.parse`` behind the browser editor and
  ``empathy-sim import``);
* mutations of the real seed files in ``scenarios/`` and ``rubrics/`` (a key deleted, a
  value of the wrong type, a random line inserted): the problem names the file and a line;
* explicit hostile files: too big, 10,000 levels deep, ``!!python/object`` tags, Latin-1,
  UTF-16/32, NUL bytes, a "billion laughs" alias bomb, an absurdly long number.

Every example is bounded (max_examples, small sizes) so the file runs in a few seconds.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from simulator.content import editing
from simulator.content.loader import (
    FILE,
    MAX_DEPTH,
    MAX_FILE_BYTES,
    MAX_NODES,
    SYNTAX,
    ContentError,
    ContentProblem,
    load_rubric,
    load_scenario,
    parse_rubric,
    parse_scenario,
)
from simulator.content.schema import Rubric, Scenario

ROOT = Path(__file__).resolve().parents[2]
SEEDS = sorted((ROOT / "scenarios").glob("*.yaml")) + sorted((ROOT / "rubrics").glob("*.yaml"))
SOURCE = "fuzz.yaml"
FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

PARSERS = {"scenario": (parse_scenario, Scenario), "rubric": (parse_rubric, Rubric)}
LOADERS = {"scenario": (load_scenario, Scenario), "rubric": (load_rubric, Rubric)}


def kind_of(path: Path) -> str:
    return "rubric" if path.parent.name == "rubrics" else "scenario"


def line_count(data: str | bytes) -> int:
    text = data if isinstance(data, str) else data.decode("utf-8", "replace")
    # YAML counts \r, \x85, \u2028 and \u2029 as line breaks too.
    return len(re.findall(r"\r\n|[\n\r\x85\u2028\u2029]", text)) + 1


def assert_clear(error: ContentError, source: str, data: str | bytes) -> list[ContentProblem]:
    """Problems that a person can act on: the file, a field, a message, a line if any."""
    assert error.problems, "a ContentError without problems"
    lines = line_count(data)
    for problem in error.problems:
        assert isinstance(problem, ContentProblem)
        assert problem.path == source
        assert problem.field and problem.message.strip()
        assert problem.line is None or 1 <= problem.line <= lines + 1, (problem, lines)
        assert str(problem).startswith(f"{source}:")
        # Never a Python traceback's wording in front of a user.
        assert "Traceback" not in problem.message and "RecursionError" not in problem.message
    assert str(error) == "\n".join(map(str, error.problems))
    return error.problems


def model_or_clear_error(kind: str, data: str | bytes, source: str = SOURCE) -> list[ContentProblem]:
    parse, model = PARSERS[kind]
    try:
        result = parse(data, source)
    except ContentError as exc:
        return assert_clear(exc, source, data)
    assert isinstance(result, model)
    return []


def editor_model_or_problems(kind: str, data: str | bytes) -> None:
    """editing.parse never raises; its catch-all for leaked exceptions must never be used."""
    item, problems = editing.parse(kind, data, source="editor")
    if item is not None:
        assert problems == [] and isinstance(item, PARSERS[kind][1])
        return
    assert problems and all(p.path == "editor" and p.message.strip() for p in problems)
    leaked = [p for p in problems if p.message.startswith("cannot read the text:")]
    assert not leaked, f"the loader let an exception escape: {leaked}"


# -- (a) arbitrary input ---------------------------------------------------------------------

#: Pieces that mean something to YAML, so that generated text reaches the parser's corners.
YAML_TOKENS = st.sampled_from(
    list("ab: -[]{},&*!|>#'\"?%@`~\n\t 019.\\<=")
    + ["id: ", "persona:\n  ", "  - ", "&a ", "*a", "<<: ", "!!python/object ", "!!str ", "!x ", "---\n",
       "\ufeff", "é", "\u2028", "\r", "\x85", "2024-02-30", "0x1F", ".inf", "~", "? "]
)
YAML_TEXT = st.lists(YAML_TOKENS, max_size=80).map("".join)


@FAST
@given(kind=st.sampled_from(sorted(PARSERS)), text=st.text(max_size=300))
def test_any_text_gives_model_or_clear_error(kind, text):
    model_or_clear_error(kind, text)
    editor_model_or_problems(kind, text)


@FAST
@given(kind=st.sampled_from(sorted(PARSERS)), text=YAML_TEXT)
def test_yaml_like_text_gives_model_or_clear_error(kind, text):
    model_or_clear_error(kind, text)
    editor_model_or_problems(kind, text)


@FAST
@given(kind=st.sampled_from(sorted(PARSERS)), data=st.binary(max_size=300))
def test_any_bytes_give_model_or_clear_error(kind, data):
    model_or_clear_error(kind, data)
    editor_model_or_problems(kind, data)


@pytest.fixture(scope="module")
def scratch(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("fuzz") / "content.yaml"


@FAST
@given(kind=st.sampled_from(sorted(LOADERS)), data=st.binary(max_size=300) | YAML_TEXT.map(str.encode))
def test_any_file_gives_model_or_clear_error_naming_the_file(scratch, kind, data):
    scratch.write_bytes(data)
    load, model = LOADERS[kind]
    try:
        result = load(scratch)
    except ContentError as exc:
        assert_clear(exc, str(scratch), data)
    else:
        assert isinstance(result, model)


# -- (b) mutations of the real seed files ----------------------------------------------------


SEED_TEXTS = {path: path.read_text(encoding="utf-8") for path in SEEDS}
KEY_LINE = re.compile(r"^(\s*(?:- )?)([A-Za-z_][\w-]*):(.*)$")
WRONG_TYPES = ["[1, 2]", "{a: 1}", "12", "-3", "true", "null", "''", "1.5e300", ".nan", "[]", "{}",
               "2024-01-01", "!!binary aGVsbG8=", "&x [*x]", "'x'", "|\n  block"]


def test_the_seed_files_are_valid():
    assert len(SEEDS) >= 10
    for path, text in SEED_TEXTS.items():
        assert model_or_clear_error(kind_of(path), text, str(path)) == [], path


def key_lines(text: str) -> list[int]:
    return [i for i, line in enumerate(text.splitlines()) if KEY_LINE.match(line)]


def block_end(lines: list[str], start: int) -> int:
    """The line after the key on `start` and everything indented under it."""
    indent = len(lines[start]) - len(lines[start].lstrip(" -"))
    end = start + 1
    while end < len(lines) and (not lines[end].strip() or len(lines[end]) - len(lines[end].lstrip()) > indent):
        end += 1
    return end


def check_mutant(path: Path, text: str) -> list[ContentProblem]:
    problems = model_or_clear_error(kind_of(path), text, path.name)
    for problem in problems:
        if problem.line is None:
            # Only a value that YAML itself cannot build (an impossible date) has no line.
            assert problem.field in (FILE, SYNTAX), problem
    return problems


def draw_seed(data) -> tuple[str, list[str]]:
    path = data.draw(st.sampled_from(SEEDS))
    return path, SEED_TEXTS[path].splitlines()


def draw_key_line(data) -> tuple[str, list[str], int]:
    """A seed file, its lines, and the index of a line that starts a key."""
    path, lines = draw_seed(data)
    return path, lines, data.draw(st.sampled_from(key_lines(SEED_TEXTS[path])))


@settings(max_examples=150, deadline=None)
@given(data=st.data())
def test_seed_with_a_key_deleted(data):
    path, lines, start = draw_key_line(data)
    mutant = "\n".join(lines[:start] + lines[block_end(lines, start):]) + "\n"
    check_mutant(path, mutant)


@settings(max_examples=150, deadline=None)
@given(data=st.data())
def test_seed_with_a_value_of_the_wrong_type(data):
    path, lines, start = draw_key_line(data)
    prefix, key, _ = KEY_LINE.match(lines[start]).groups()
    value = data.draw(st.sampled_from(WRONG_TYPES) | st.text(max_size=20).filter(lambda s: "\n" not in s))
    mutant = "\n".join(lines[:start] + [f"{prefix}{key}: {value}"] + lines[block_end(lines, start):]) + "\n"
    check_mutant(path, mutant)


@settings(max_examples=150, deadline=None)
@given(data=st.data())
def test_seed_with_a_random_line_inserted(data):
    path, lines = draw_seed(data)
    at = data.draw(st.integers(0, len(lines)))
    inserted = data.draw(YAML_TEXT.filter(lambda s: "\n" not in s) | st.text(max_size=40))
    check_mutant(path, "\n".join(lines[:at] + [inserted] + lines[at:]) + "\n")


@settings(max_examples=100, deadline=None)
@given(data=st.data())
def test_seed_cut_off_anywhere(data):
    path = data.draw(st.sampled_from(SEEDS))
    raw = SEED_TEXTS[path].encode("utf-8")
    check_mutant(path, raw[: data.draw(st.integers(0, len(raw)))])  # may split a UTF-8 character


@pytest.mark.parametrize("path", [p for p in SEEDS if kind_of(p) == "scenario"][:3], ids=lambda p: p.name)
@pytest.mark.parametrize("key", ["id", "title", "persona", "opening", "objectives", "rubric"])
def test_a_missing_required_key_is_named(path, key):
    lines = SEED_TEXTS[path].splitlines()
    [start] = [i for i, line in enumerate(lines) if line.startswith(f"{key}:")]
    mutant = "\n".join(lines[:start] + lines[block_end(lines, start):]) + "\n"
    problems = check_mutant(path, mutant)
    assert [str(p) for p in problems] == [f"{path.name}:1: {key}: required field is missing; add it"]


def test_a_value_of_the_wrong_type_names_its_line():
    path = ROOT / "scenarios" / "frozen-account-en.yaml"
    text = SEED_TEXTS[path].replace("difficulty: 3\n", "difficulty: [3]\n")
    [problem] = check_mutant(path, text)
    assert (problem.line, problem.field) == (6, "difficulty")
    assert "integer" in problem.message


# -- (c) hostile files -----------------------------------------------------------------------


def problems_of(kind: str, data: str | bytes) -> list[str]:
    problems = model_or_clear_error(kind, data)
    assert problems, "expected the input to be refused"
    return [str(problem) for problem in problems]


def refused_file(tmp_path: Path, data: bytes, kind: str = "scenario") -> list[str]:
    path = tmp_path / "content.yaml"
    path.write_bytes(data)
    with pytest.raises(ContentError) as info:
        LOADERS[kind][0](path)
    assert_clear(info.value, str(path), data)
    return [str(problem) for problem in info.value.problems]


def test_a_huge_file_is_refused_with_the_limit_and_what_to_do(tmp_path):
    [problem] = refused_file(tmp_path, b"id: x\n" + b"# padding\n" * (MAX_FILE_BYTES // 10))
    assert f"limited to {MAX_FILE_BYTES:,} bytes" in problem and "256 KiB" in problem
    assert "check that this is the right file" in problem
    assert problem.startswith(f"{tmp_path / 'content.yaml'}:?: (file): file is ")


def test_the_largest_seed_file_is_far_below_the_limit():
    assert max(path.stat().st_size for path in SEEDS) * 5 < MAX_FILE_BYTES


def test_a_huge_text_from_the_editor_is_refused():
    item, [problem] = editing.parse("scenario", "a" * (MAX_FILE_BYTES + 1))
    assert item is None and "limited to" in problem.message


def test_a_file_at_the_limit_is_read_quickly():
    worst = "a: [" + ",".join(["1"] * (MAX_FILE_BYTES // 2 - 4)) + "]"  # many tiny values
    assert len(worst) <= MAX_FILE_BYTES
    started = time.monotonic()
    [problem] = problems_of("scenario", worst)
    assert f"more than {MAX_NODES:,} values" in problem
    assert time.monotonic() - started < 5


@pytest.mark.parametrize("text", [
    "a: " + "[" * 10_000 + "]" * 10_000,
    "a: " + "[" * 10_000,  # not even closed
    "a: " + "{a: " * 10_000 + "1" + "}" * 10_000,
    "- " * 10_000 + "x\n",  # block sequences, one inside the other
    "".join(" " * i + f"k{i}:\n" for i in range(400)) + " " * 400 + "x\n",  # block mappings
])
def test_deep_nesting_is_a_clear_error_not_a_recursion_error(text):
    started = time.monotonic()
    [problem] = problems_of("scenario", text)
    assert "nested too deeply" in problem and f"more than {MAX_DEPTH} levels" in problem
    assert re.match(rf"{SOURCE}:\d+: ", problem), "names the line"
    assert time.monotonic() - started < 5


def test_nesting_up_to_the_limit_is_fine_for_yaml():
    text = "tags: " + "[" * (MAX_DEPTH - 1) + "x" + "]" * (MAX_DEPTH - 1) + "\n"
    problems = problems_of("scenario", text)
    assert not any("nested too deeply" in p for p in problems)


@pytest.mark.parametrize("tag", [
    "!!python/object/apply:os.system",
    "!!python/object/new:os.system",
    "!!python/object:__main__.Thing",
    "!!python/name:os.system",
    "!!python/module:os",
    "!<tag:yaml.org,2002:python/object/apply:os.system>",
    "!custom",
])
def test_tags_are_refused_with_their_line_and_never_run(tmp_path, tag):
    marker = tmp_path / "ran"
    text = f"id: x\nversion: 1\ntitle: {tag} [\"touch {marker}\"]\n"
    for kind in PARSERS:
        [problem] = problems_of(kind, text)
        assert problem.startswith(f"{SOURCE}:3: title: YAML tag ")
        assert "is not allowed" in problem
    assert not marker.exists()


def test_a_tag_directive_cannot_smuggle_a_python_tag():
    text = "%TAG !p! tag:yaml.org,2002:python/\n---\nid: !p!object/apply:os.system [ls]\n"
    assert problems_of("scenario", text) == [
        f"{SOURCE}:3: id: YAML tag '!!python/object/apply:os.system' is not allowed; "
        "use plain values (text, numbers, lists, mappings)"
    ]


def test_tags_in_keys_and_nested_values_are_refused():
    text = "persona:\n  name: !!python/name:os.system\n!!python/object:x.Y {}: 1\n"
    problems = problems_of("scenario", text)
    assert [p.split(": ")[0] for p in problems] == [f"{SOURCE}:2", f"{SOURCE}:3"]


def test_latin1_names_file_byte_and_what_to_do(tmp_path):
    data = "id: x\ntitle: Grüße aus Köln\n".encode("latin-1")
    [problem] = refused_file(tmp_path, data)
    path = tmp_path / "content.yaml"
    assert problem == (
        f"{path}:2: (file): not UTF-8 text: byte 15 (0xFC, line 2, column 10) is not valid UTF-8, "
        "as in a file saved as Latin-1 or Windows-1252; save the file as UTF-8"
    )


def test_windows_1252_quotes_are_found(tmp_path):
    data = "id: x\nversion: 1\nopening: “Hello”\n".encode("cp1252")
    [problem] = refused_file(tmp_path, data)
    assert ":3: (file): not UTF-8 text: byte 26 (0x93, line 3, column 10)" in problem


@pytest.mark.parametrize("encoding, name", [
    ("utf-16", "UTF-16"), ("utf-16-le", None), ("utf-16-be", None), ("utf-32", "UTF-32"),
])
def test_other_unicode_encodings_are_named(tmp_path, encoding, name):
    data = ("\ufeff" if encoding in ("utf-16-le", "utf-16-be") else "") + "id: x\nversion: 1\n"
    raw = data.encode(encoding)
    [problem] = refused_file(tmp_path, raw)
    if name is None:  # a BOM written by hand in LE/BE: still recognised
        name = "UTF-16"
    assert f"saved as {name}, not UTF-8; save the file as UTF-8" in problem


def test_utf16_without_a_byte_order_mark(tmp_path):
    [problem] = refused_file(tmp_path, "id: x\n".encode("utf-16-le"))
    assert "NUL byte at byte 1 (line 1, column 2)" in problem
    assert "saved as UTF-16" in problem and "save the file as UTF-8" in problem


def test_utf8_with_bom_and_crlf_line_ends_is_fine(tmp_path):
    path = ROOT / "scenarios" / "frozen-account-en.yaml"
    data = b"\xef\xbb\xbf" + SEED_TEXTS[path].replace("\n", "\r\n").encode("utf-8")
    (tmp_path / "frozen-account-en.yaml").write_bytes(data)
    assert load_scenario(tmp_path / "frozen-account-en.yaml").id == "frozen-account-en"


def test_a_control_character_in_text_names_its_line():
    assert problems_of("scenario", "id: x\ntitle: a\x07b\n") == [
        f"{SOURCE}:2: (yaml): unprintable character U+0007 is not allowed in YAML; remove it"
    ]


def test_billion_laughs_finishes_fast():
    lines = ['lol0: &lol0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    lines += [f"lol{i}: &lol{i} [{', '.join([f'*lol{i - 1}'] * 10)}]" for i in range(1, 12)]
    text = "\n".join(lines) + "\nid: *lol11\n"
    started = time.monotonic()
    for kind in PARSERS:
        [problem] = problems_of(kind, text)
        assert f"more than {MAX_NODES:,} values" in problem and "aliases" in problem
    item, problems = editing.parse("scenario", text)
    assert item is None and problems
    assert time.monotonic() - started < 5


def test_an_alias_loop_through_a_mapping():
    [problem] = problems_of("scenario", "a: &a {b: *a}\n")
    assert "nested too deeply" in problem


def test_a_huge_number_names_its_line():
    assert problems_of("scenario", "id: x\nversion: " + "9" * 5000 + "\n") == [
        f"{SOURCE}:2: version: a number of 5,000 characters is too long (at most 100); put text in quotes"
    ]


@pytest.mark.parametrize("text, kind", [
    ("- id: x\n", "a list"),
    ("just a sentence\n", "a single value (str)"),
    ("42\n", "a single value (int)"),
    ("true\n", "a single value (bool)"),
])
def test_a_document_that_is_not_a_mapping(text, kind):
    assert problems_of("rubric", text) == [
        f"{SOURCE}:1: (document): the file must be a mapping of keys (like 'id: ...'), not {kind}"
    ]


@pytest.mark.parametrize("data", [b"", b"   \n\n", b"# nothing\n", b"---\n", b"null\n", b"~\n", b"\xef\xbb\xbf"])
def test_an_empty_file(tmp_path, data):
    assert refused_file(tmp_path, data, "rubric") == [f"{tmp_path / 'content.yaml'}:1: (file): the file is empty"]


def test_two_documents_in_one_file():
    [problem] = problems_of("scenario", "id: a\n---\nid: b\n")
    assert problem.startswith(f"{SOURCE}:2: (yaml): ") and "single document" in problem


def test_a_folder_and_a_bad_path_are_clear_errors(tmp_path):
    with pytest.raises(ContentError, match="is a folder"):
        load_scenario(tmp_path)
    with pytest.raises(ContentError, match="cannot read file"):
        load_scenario(str(tmp_path / "a\x00b.yaml"))


def test_an_empty_key_is_named_not_left_blank():
    """Found by the property tests: a bare '?' is an empty key, and "fuzz.yaml:2: : ..." helps nobody."""
    assert problems_of("rubric", "?\n?\n")[0] == f"{SOURCE}:2: '': duplicate key (already set on line 1); keep only one"
