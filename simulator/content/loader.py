"""Read scenario and rubric YAML with errors that name file, line and field.

Only YAML's safe subset is ever constructed (``yaml.SafeLoader``, the loader behind
``yaml.safe_load``). We compose the node tree first so that every key and list item can be
mapped to its line, then construct plain Python values from that same tree and validate
them with pydantic. Every problem of one document is reported together::

    frozen.yaml:7: persona.initial_mood.anger: Input should be less than or equal to 10

Whatever the input (binary junk, a 10 MB file, a ``!!python/object`` tag, an alias bomb,
10,000 nested brackets, UTF-16), the only exception that leaves this module is
:class:`ContentError`. The limits below are checked while the YAML is read, so a hostile
file is refused within a second or two and never reaches Python's recursion limit.
"""

from __future__ import annotations

import codecs
import difflib
import types
import typing
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from simulator.content.schema import Rubric, Scenario

#: Content files above this size are refused unread: the largest seed file is about 20 KB.
MAX_FILE_BYTES = 256 * 1024
#: Upper bound on values in one document, also after expanding YAML aliases (``*name``), so
#: a "billion laughs" file cannot make validation explode. Real content has a few hundred.
MAX_NODES = 50_000
#: Deepest nesting accepted; real content goes about six levels deep.
MAX_DEPTH = 64
#: Longest whole number accepted (in characters); content numbers have one or two digits,
#: and Python refuses to convert more than 4,300 digits anyway.
MAX_INT_CHARS = 100

#: ``field`` of problems that concern the whole file or the YAML syntax, not one key.
FILE = "(file)"
SYNTAX = "(yaml)"
DOCUMENT = "(document)"

Model = TypeVar("Model", bound=BaseModel)
#: Path of keys / list indexes (as strings) -> 1-based line number.
LineMap = dict[tuple[str, ...], int]

_TAG_PREFIX = "tag:yaml.org,2002:"
_SAFE_TAGS = {tag for tag in yaml.SafeLoader.yaml_constructors if tag is not None}
_MERGE_TAG = _TAG_PREFIX + "merge"
_INT_TAG = _TAG_PREFIX + "int"
#: Byte-order marks of encodings other than UTF-8 (UTF-32 first: its LE mark starts like UTF-16's).
_OTHER_BOMS = (
    (codecs.BOM_UTF32_LE, "UTF-32"), (codecs.BOM_UTF32_BE, "UTF-32"),
    (codecs.BOM_UTF16_LE, "UTF-16"), (codecs.BOM_UTF16_BE, "UTF-16"),
)
_SAVE_AS_UTF8 = "save the file as UTF-8"


class ContentProblem(BaseModel):
    """One thing wrong with a content file, precise enough to fix without guessing."""

    model_config = ConfigDict(frozen=True)

    path: str
    line: int | None
    field: str
    message: str

    def __str__(self) -> str:
        line = "?" if self.line is None else self.line
        return f"{self.path}:{line}: {self.field}: {self.message}"


class ContentError(Exception):
    """A content document could not be loaded; ``problems`` lists every reason."""

    def __init__(self, problems: list[ContentProblem]):
        self.problems = list(problems)
        super().__init__("\n".join(str(problem) for problem in self.problems))


# -- public API --------------------------------------------------------------------------


def parse_scenario(text: str | bytes, source: str = "<text>") -> Scenario:
    return parse_with_lines(text, Scenario, source)[0]


def parse_rubric(text: str | bytes, source: str = "<text>") -> Rubric:
    return parse_with_lines(text, Rubric, source)[0]


def load_scenario(path: str | Path) -> Scenario:
    return load_with_lines(path, Scenario)[0]


def load_rubric(path: str | Path) -> Rubric:
    return load_with_lines(path, Rubric)[0]


def load_with_lines(path: str | Path, model: type[Model]) -> tuple[Model, LineMap]:
    """Load a file as ``model``; also return the line of every key (for later checks)."""
    path = Path(path)
    source = str(path)
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise _single(source, None, FILE, _too_big(size))
        with path.open("rb") as handle:
            data = handle.read(MAX_FILE_BYTES + 1)
    except FileNotFoundError:
        raise _single(source, None, FILE, "file not found") from None
    except IsADirectoryError:
        raise _single(source, None, FILE, "is a folder, not a file") from None
    except OSError as exc:
        raise _single(source, None, FILE, f"cannot read file: {exc.strerror or exc}") from None
    except ValueError as exc:  # e.g. a NUL character in the path
        raise _single(source, None, FILE, f"cannot read file: {exc}") from None
    return parse_with_lines(data, model, source)


def parse_with_lines(text: str | bytes, model: type[Model], source: str = "<text>") -> tuple[Model, LineMap]:
    """Parse YAML ``text`` (str, or bytes that must be UTF-8) and validate it as ``model``."""
    text = _as_text(text, source)
    node = _compose(text, source)
    lines = _line_map(node, source)
    data = _construct(node, source)
    if data is None:  # '---' alone, or 'null'
        raise _single(source, 1, FILE, "the file is empty")
    if not isinstance(data, dict):
        kind = "a list" if isinstance(data, list) else f"a single value ({type(data).__name__})"
        raise _single(source, lines[()], DOCUMENT, f"the file must be a mapping of keys (like 'id: ...'), not {kind}")
    try:
        return model.model_validate(data), lines
    except ValidationError as exc:
        problems = [_problem(error, model, lines, source) for error in exc.errors()]
        raise ContentError(sorted(problems, key=lambda p: p.line or 0)) from None
    except RecursionError:
        raise _single(source, lines[()], DOCUMENT, "values are nested too deeply") from None


def line_of(lines: LineMap, *field: str | int) -> int | None:
    """The line of ``field`` or, if it is absent, of its nearest existing parent."""
    path = tuple(str(part) for part in field)
    while path not in lines and path:
        path = path[:-1]
    return lines.get(path)


# -- reading -----------------------------------------------------------------------------


def _as_text(text: str | bytes, source: str) -> str:
    size = len(text) if isinstance(text, bytes) else len(text.encode("utf-8", "surrogatepass"))
    if size > MAX_FILE_BYTES:
        raise _single(source, None, FILE, _too_big(size))
    if isinstance(text, bytes):
        text = _decode(text, source)
    if not text.strip():
        raise _single(source, 1, FILE, "the file is empty")
    return text


def _decode(data: bytes, source: str) -> str:
    """UTF-8 (with or without a byte-order mark), else a problem that says how to fix it."""
    for bom, name in _OTHER_BOMS:
        if data.startswith(bom):
            raise _single(source, 1, FILE, f"the file is saved as {name}, not UTF-8; {_SAVE_AS_UTF8}")
    nul = data.find(b"\x00")
    if nul >= 0:
        line, column = _position(data, nul)
        raise _single(
            source, line, FILE,
            f"not UTF-8 text: NUL byte at byte {nul} (line {line}, column {column}), so this is not a "
            f"text file or it is saved as UTF-16; {_SAVE_AS_UTF8}",
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line, column = _position(data, exc.start)
        raise _single(
            source, line, FILE,
            f"not UTF-8 text: byte {exc.start} (0x{data[exc.start]:02X}, line {line}, column {column}) "
            f"is not valid UTF-8, as in a file saved as Latin-1 or Windows-1252; {_SAVE_AS_UTF8}",
        ) from None


def _position(data: bytes, offset: int) -> tuple[int, int]:
    """1-based (line, column in characters) of byte `offset` of (mostly) UTF-8 `data`."""
    before = data[:offset]
    line_start = before.rfind(b"\n") + 1
    column = len(before[line_start:].decode("utf-8", "replace")) + 1
    return before.count(b"\n") + 1, column


def _too_big(size: int) -> str:
    return (
        f"file is {size:,} bytes; content files are limited to {MAX_FILE_BYTES:,} bytes "
        f"({MAX_FILE_BYTES // 1024} KiB). A scenario or rubric is a few kilobytes: check that "
        "this is the right file, and remove what does not belong in it"
    )


class _BoundedLoader(yaml.SafeLoader):
    """SafeLoader that stops composing at MAX_DEPTH levels or MAX_NODES values.

    PyYAML composes recursively, so 10,000 nested brackets would otherwise end in a
    RecursionError (or, with a raised recursion limit, a crashed interpreter); here they
    end after MAX_DEPTH levels with the line of the first level too many.
    """

    def __init__(self, stream: str, source: str):
        super().__init__(stream)
        self._source = source
        self._depth = 0
        self._nodes = 0

    def compose_node(self, parent, index):
        mark = self.peek_event().start_mark
        self._depth += 1
        self._nodes += 1
        try:
            if self._depth > MAX_DEPTH + 1:  # the top-level mapping is level 0, as in _line_map
                raise _single(self._source, mark.line + 1, DOCUMENT,
                              f"values are nested too deeply (more than {MAX_DEPTH} levels); "
                              "content needs only a few")
            if self._nodes > MAX_NODES:
                raise _single(self._source, mark.line + 1, DOCUMENT,
                              f"more than {MAX_NODES:,} values; a scenario or rubric has a few hundred")
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


def _compose(text: str, source: str) -> yaml.Node:
    loader = None
    try:
        loader = _BoundedLoader(text, source)  # checks for unprintable characters right away
        node = loader.get_single_node()
    except yaml.MarkedYAMLError as exc:
        raise _single(source, _mark_line(exc), SYNTAX, _yaml_message(exc)) from None
    except yaml.reader.ReaderError as exc:
        line = text[: exc.position].count("\n") + 1
        code = exc.character if isinstance(exc.character, int) else ord(exc.character)
        raise _single(
            source, line, SYNTAX, f"unprintable character U+{code:04X} is not allowed in YAML; remove it"
        ) from None
    except yaml.YAMLError as exc:
        raise _single(source, None, SYNTAX, str(exc)) from None
    except RecursionError:
        raise _single(source, None, SYNTAX, "values are nested too deeply") from None
    finally:
        if loader is not None:
            loader.dispose()
    if node is None:  # only comments or '---'
        raise _single(source, 1, FILE, "the file is empty")
    return node


def _construct(node: yaml.Node, source: str) -> Any:
    loader = yaml.SafeLoader("")
    try:
        return loader.construct_document(node)
    except yaml.MarkedYAMLError as exc:
        raise _single(source, _mark_line(exc), SYNTAX, _yaml_message(exc)) from None
    except RecursionError:
        raise _single(source, None, SYNTAX, "values are nested too deeply") from None
    except Exception as exc:  # noqa: BLE001 - e.g. 'date: 2024-02-30' raises ValueError
        raise _single(source, None, SYNTAX, f"cannot read a value: {exc}") from None
    finally:
        loader.dispose()


def _mark_line(exc: yaml.MarkedYAMLError) -> int | None:
    mark = exc.problem_mark or exc.context_mark
    return None if mark is None else mark.line + 1


def _yaml_message(exc: yaml.MarkedYAMLError) -> str:
    parts = [part for part in (exc.context, exc.problem) if part]
    message = ", ".join(parts) or "invalid YAML"
    if exc.note:
        message += f" ({exc.note})"
    return message


def _line_map(root: yaml.Node, source: str) -> LineMap:
    """Walk the node tree (iteratively, following aliases) and record each path's line.

    Also refuses tags outside YAML's safe set and duplicate keys (which safe_load would
    silently resolve to the last one), collecting every such problem at once.
    """
    lines: LineMap = {(): root.start_mark.line + 1}
    problems: list[ContentProblem] = []
    stack: list[tuple[tuple[str, ...], yaml.Node]] = [((), root)]
    visited = 0
    while stack:
        path, node = stack.pop()
        visited += 1
        if visited > MAX_NODES:
            raise _single(
                source, lines[()], DOCUMENT,
                f"more than {MAX_NODES:,} values (are YAML aliases '*name' repeating a lot, or "
                "referring to themselves?)",
            )
        if len(path) > MAX_DEPTH:
            raise _single(source, lines[()], DOCUMENT, f"values are nested too deeply (more than {MAX_DEPTH} levels)")
        line = node.start_mark.line + 1
        if node.tag not in _SAFE_TAGS:
            problems.append(ContentProblem(
                path=source, line=line, field=_dotted(path) or DOCUMENT,
                message=f"YAML tag '{_short_tag(node.tag)}' is not allowed; use plain values "
                "(text, numbers, lists, mappings)",
            ))
            continue
        if node.tag == _INT_TAG and isinstance(node, yaml.ScalarNode) and len(node.value) > MAX_INT_CHARS:
            problems.append(ContentProblem(
                path=source, line=line, field=_dotted(path) or DOCUMENT,
                message=f"a number of {len(node.value):,} characters is too long (at most {MAX_INT_CHARS}); "
                "put text in quotes",
            ))
            continue
        if isinstance(node, yaml.SequenceNode):
            for index, item in enumerate(node.value):
                child = path + (str(index),)
                lines.setdefault(child, item.start_mark.line + 1)
                stack.append((child, item))
        elif isinstance(node, yaml.MappingNode):
            seen: dict[str, int] = {}
            for key, value in node.value:
                if key.tag == _MERGE_TAG:
                    stack.append((path, value))  # '<<: *base' merges keys into this mapping
                    continue
                name = key.value if isinstance(key, yaml.ScalarNode) else "<complex key>"
                key_line = key.start_mark.line + 1
                child = path + (name,)
                if name in seen and isinstance(key, yaml.ScalarNode):
                    problems.append(ContentProblem(
                        path=source, line=key_line, field=_dotted(child),
                        message=f"duplicate key (already set on line {seen[name]}); keep only one",
                    ))
                seen.setdefault(name, key_line)
                lines.setdefault(child, key_line)
                stack.append((child, key))
                stack.append((child, value))
    if problems:
        raise ContentError(sorted(problems, key=lambda p: p.line or 0))
    return lines


def _short_tag(tag: str) -> str:
    return "!!" + tag[len(_TAG_PREFIX):] if tag.startswith(_TAG_PREFIX) else tag


# -- validation errors -------------------------------------------------------------------


def _problem(error: Any, model: type[BaseModel], lines: LineMap, source: str) -> ContentProblem:
    loc = tuple(error["loc"])
    is_key = bool(loc) and loc[-1] == "[key]"  # a dict key itself is wrong, e.g. a mood name
    path = loc[:-1] if is_key else loc
    message = error["msg"].removeprefix("Value error, ")
    kind = error["type"]
    if kind == "missing":
        message = "required field is missing; add it"
    elif kind == "extra_forbidden":
        message = _unknown_key_message(model, path)
    elif is_key:
        message = f"'{path[-1]}' is not allowed as a key here: {message}"
    return ContentProblem(
        path=source, line=line_of(lines, *path), field=_dotted(path) or DOCUMENT, message=message
    )


def _unknown_key_message(model: type[BaseModel], path: tuple[Any, ...]) -> str:
    parent = _model_at(model, path[:-1])
    if parent is None:
        return "unknown key; remove it"
    allowed = list(parent.model_fields)
    guess = difflib.get_close_matches(str(path[-1]), allowed, n=1)
    hint = f"did you mean '{guess[0]}'? " if guess else ""
    return f"unknown key; {hint}allowed here: {', '.join(allowed)}"


def _model_at(model: type[BaseModel], path: tuple[Any, ...]) -> type[BaseModel] | None:
    """The pydantic model that validates the value at ``path`` (None if not a model)."""
    annotation: Any = model
    for part in path:
        annotation = _unwrap(annotation)
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            field = annotation.model_fields.get(str(part))
            if field is None:
                return None
            annotation = field.annotation
        elif typing.get_origin(annotation) in (list, dict):
            annotation = typing.get_args(annotation)[-1]
        else:
            return None
    annotation = _unwrap(annotation)
    return annotation if isinstance(annotation, type) and issubclass(annotation, BaseModel) else None


def _unwrap(annotation: Any) -> Any:
    """Strip Annotated[...] and Optional[...] down to the type that matters."""
    while True:
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated:
            annotation = typing.get_args(annotation)[0]
            continue
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        if origin in (typing.Union, types.UnionType) and len(args) == 1:
            annotation = args[0]
            continue
        return annotation


def _dotted(path: tuple[Any, ...]) -> str:
    """``persona.voice_samples.calm.0``; an empty key (``'': x`` or a bare ``?``) shows as ``''``."""
    return ".".join(str(part) if str(part) else "''" for part in path)


def _single(source: str, line: int | None, field: str, message: str) -> ContentError:
    return ContentError([ContentProblem(path=source, line=line, field=field, message=message)])
