"""Pure helpers for editing scenarios and rubrics as YAML (the trainer studio's editor).

Nothing here touches Streamlit or the database:

* :func:`to_yaml` writes a model as readable YAML that parses back to an equal model;
* :func:`parse` reads YAML text with the loader's line-precise problems (the same
  ``file:line: field: message`` that ``empathy-sim validate`` prints) and never raises for
  bad input;
* :func:`text_for` picks the text to show or export for a stored version;
* :func:`diff` shows what changed between two texts;
* :func:`with_form_values` applies form fields to a model and re-validates it.
"""

from __future__ import annotations

import difflib
import re
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from simulator.content.field_problems import field_problem
from simulator.content.loader import DOCUMENT, ContentError, ContentProblem, parse_with_lines
from simulator.content.schema import Rubric, Scenario

KINDS: dict[str, type[BaseModel]] = {"scenario": Scenario, "rubric": Rubric}

#: Lines are wrapped (folded block scalars) near this width; a long word is never split.
WIDTH = 80
#: Text longer than this may be written as a folded block (if it does not fit on its line).
FOLD_MIN_CHARS = 40
#: Lists of short plain values up to this many characters are written on one line.
FLOW_LIST_CHARS = 60


# -- model -> YAML -----------------------------------------------------------------------


def to_yaml(item: Scenario | Rubric) -> str:
    """Readable YAML of `item` in the schema's field order that parses back to an equal model.

    Values that add nothing are left out (None, empty lists, ``false`` flags and nested
    blocks that equal their defaults); meaningful defaults such as ``channel: chat`` stay.
    Text with line breaks is written as a literal block (``|``), long text as a folded one
    (``>``), and unicode is kept as it is.
    """
    if not isinstance(item, (Scenario, Rubric)):
        raise TypeError(f"not a scenario or rubric: {type(item).__name__}")
    return yaml.dump(_plain(item), Dumper=_Dumper, sort_keys=False, allow_unicode=True,
                     default_flow_style=False, width=WIDTH, indent=2)


def _plain(model: BaseModel) -> dict[str, Any]:
    """The model as plain data, without the values that only repeat a default."""
    data = model.model_dump(mode="python")
    return _prune(model, data)


def _prune(model: BaseModel, data: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, field in type(model).model_fields.items():
        value = getattr(model, name)
        dumped = data[name]
        if not field.is_required():
            default = field.get_default(call_default_factory=True)
            if value is None and default is None:
                continue
            if value == default and (_is_empty(default) or isinstance(default, BaseModel) or default is False):
                continue
        out[name] = _prune_value(value, dumped)
    return out


def _prune_value(value: Any, dumped: Any) -> Any:
    if isinstance(value, BaseModel):
        return _prune(value, dumped)
    if isinstance(value, list):
        return [_prune_value(v, d) for v, d in zip(value, dumped)]
    if isinstance(value, dict):
        return {k: _prune_value(value[k], dumped[k]) for k in value}
    return dumped


def _is_empty(value: Any) -> bool:
    return isinstance(value, (list, dict, tuple, set)) and not value


class _FlowList(list):
    """A list written on one line: ``tags: [banking, fraud-check]``."""


class _FlowDict(dict):
    """A mapping written on one line: ``initial_mood: {anger: 8, anxiety: 6, trust: 2}``."""


class _Dumper(yaml.SafeDumper):
    """SafeDumper with block scalars for long text and one-line short lists and moods."""

    def ignore_aliases(self, data: Any) -> bool:  # equal sub-values are written out, not '*id001'
        return True

    def increase_indent(self, flow: bool = False, indentless: bool = False):
        # List items indented under their key ("  - id: ..."), as the seed files are written.
        return super().increase_indent(flow, False)

    def choose_scalar_style(self):
        # Long text is marked for a folded block ('>'); if it fits on the line after its key
        # after all, it is written inline like any short text. The emitter knows the column.
        event = self.event
        if event.style == ">" and self.column + len(event.value) + 3 <= self.best_width:
            event.style = None
        return super().choose_scalar_style()


#: Characters that are only safe inside double quotes, where they are escaped.
_ESCAPED = "\x85\u2028\u2029\ufeff"


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = None
    if any(ch in value for ch in _ESCAPED):
        style = '"'  # PyYAML would write these raw (allow_unicode) and read them as line breaks
    elif "\n" in value:
        style = "|"
    elif len(value) > FOLD_MIN_CHARS and value == value.strip() and "  " not in value:
        style = ">"  # or inline if it fits after all: see _Dumper.choose_scalar_style
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


def _represent_list(dumper: yaml.SafeDumper, value: list) -> yaml.SequenceNode:
    flow = bool(value) and all(_short_plain(v) for v in value) and sum(len(str(v)) + 2 for v in value) <= FLOW_LIST_CHARS
    return dumper.represent_sequence("tag:yaml.org,2002:seq", value, flow_style=flow)


def _represent_dict(dumper: yaml.SafeDumper, value: dict) -> yaml.MappingNode:
    flow = bool(value) and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in value.values())
    return dumper.represent_mapping("tag:yaml.org,2002:map", value.items(), flow_style=flow)


def _represent_float(dumper: yaml.SafeDumper, value: float) -> yaml.ScalarNode:
    # "weight: 20" rather than "20.0"; the float fields read whole numbers back as floats.
    if value.is_integer() and abs(value) < 2**53:
        return dumper.represent_int(int(value))
    return dumper.represent_float(value)


def _short_plain(value: Any) -> bool:
    if isinstance(value, bool) or value is None:
        return True
    if isinstance(value, (int, float)):
        return True
    return isinstance(value, str) and "\n" not in value and len(value) <= 30


_Dumper.add_representer(str, _represent_str)
_Dumper.add_representer(list, _represent_list)
_Dumper.add_representer(dict, _represent_dict)
_Dumper.add_representer(float, _represent_float)


# -- YAML -> model -----------------------------------------------------------------------


def parse(kind: str, text: str | bytes, source: str = "editor") -> tuple[Scenario | Rubric | None, list[ContentProblem]]:
    """Read `text` as a scenario or rubric: (model, []) or (None, problems).

    The problems are the loader's (``source:line: field: message``), so the editor shows
    what ``empathy-sim validate`` would print for the same text in a file named `source`.
    Never raises for bad text: YAML syntax errors, schema errors, empty or non-mapping
    documents all come back as problems. Checks across files (a scenario's rubric exists,
    the file name matches the id) are not made here.
    """
    model = _model(kind)
    try:
        item, _ = parse_with_lines(text, model, source)
    except ContentError as exc:
        return None, list(exc.problems)
    except Exception as exc:  # noqa: BLE001 - the loader promises ContentError only; be safe in a UI
        return None, [ContentProblem(path=source, line=None, field=DOCUMENT, message=f"cannot read the text: {exc}")]
    return item, []


def _model(kind: str) -> type[BaseModel]:
    try:
        return KINDS[kind]
    except KeyError:
        raise ValueError(f"kind must be one of {', '.join(KINDS)}, not {kind!r}") from None


_VERSION_LINE = re.compile(r"^version[ \t]*:[^\n]*$", re.MULTILINE)


def text_for(item: Scenario | Rubric, yaml_text: str | None) -> str:
    """The YAML to show or export for `item`: `yaml_text` (as typed, comments kept) when it
    says exactly `item`, else `to_yaml(item)`.

    A saved version gets its number on saving, so stored text often still carries the
    number it was typed with; then only its top-level ``version:`` line is rewritten.
    """
    kind = "scenario" if isinstance(item, Scenario) else "rubric"
    if yaml_text:
        parsed, _ = parse(kind, yaml_text)
        if parsed == item:
            return yaml_text
        if parsed is not None and parsed.model_copy(update={"version": item.version}) == item:
            patched = _VERSION_LINE.sub(f"version: {item.version}", yaml_text, count=1)
            if parse(kind, patched)[0] == item:
                return patched
    return to_yaml(item)


# -- comparing ---------------------------------------------------------------------------


def diff(old: str, new: str, old_label: str, new_label: str) -> str:
    """A unified diff from `old` to `new` ("" if they are equal)."""
    if old == new:
        return ""
    lines = difflib.unified_diff(old.splitlines(keepends=True), new.splitlines(keepends=True),
                                 fromfile=old_label, tofile=new_label)
    out = []
    for line in lines:
        out.append(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n")
    return "".join(out)


# -- form values -------------------------------------------------------------------------


def with_form_values(item: Scenario | Rubric, updates: dict[str, Any]) -> tuple[Scenario | Rubric | None, list[str]]:
    """`item` with the form's field values applied and validated again: (model, []) or
    (None, ["field.path: message", ...]).

    Keys are top-level fields; each value replaces the field's whole value (a nested
    model such as ``persona`` may be given as a model or as a dict of all its fields).
    A dotted key (``"persona.name"``) replaces one value inside a nested field.
    """
    model = type(item)
    data = item.model_dump(mode="python")
    problems: list[str] = []
    for key, value in updates.items():
        if isinstance(value, BaseModel):
            value = value.model_dump(mode="python")
        path = key.split(".")
        target = data
        for part in path[:-1]:
            child = target.get(part) if isinstance(target, dict) else None
            if not isinstance(child, dict):
                problems.append(f"{key}: '{part}' has no fields to set; give the whole value of '{path[0]}'")
                break
            target = child
        else:
            target[path[-1]] = value
    if problems:
        return None, problems
    try:
        return model.model_validate(data), []
    except ValidationError as exc:
        found = [field_problem(error, model, {}, "form") for error in exc.errors()]
        return None, [f"{p.field}: {p.message}" for p in found]


def kind_of(text: str, fallback: str = "scenario") -> str:
    """'rubric' or 'scenario', from a document's top-level keys (else `fallback`)."""
    if re.search(r"^criteria[ \t]*:", text, re.MULTILINE):
        return "rubric"
    if re.search(r"^(persona|opening|hidden_facts)[ \t]*:", text, re.MULTILINE):
        return "scenario"
    return fallback
