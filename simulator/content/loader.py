"""Read scenario and rubric YAML with errors that name file, line and field.

Only YAML's safe subset is ever constructed (``yaml.SafeLoader``, the loader behind
``yaml.safe_load``). We compose the node tree first so that every key and list item can be
mapped to its line, then construct plain Python values from that same tree and validate
them with pydantic. Every problem of one document is reported together::

    frozen.yaml:7: persona.initial_mood.anger: Input should be less than or equal to 10

Whatever the input (binary junk, a 10 MB file, a ``!!python/object`` tag, an alias bomb,
10,000 nested brackets, UTF-16), the only exception that leaves this module is
:class:`ContentError`. The limits (the file size here, the others in ``yaml_tree``) are
checked while the YAML is read, so a hostile file is refused within a second or two and
never reaches Python's recursion limit.

Where the parts live: ``problems.py`` (ContentProblem, ContentError), ``yaml_tree.py``
(composing within the limits, the line of every key, constructing values) and
``field_problems.py`` (pydantic's errors as problems). This module reads the bytes.
"""

from __future__ import annotations

import codecs
from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel, ValidationError

from simulator.content.field_problems import field_problem
from simulator.content.problems import DOCUMENT, FILE, SYNTAX, ContentError, ContentProblem, one_problem
from simulator.content.schema import Rubric, Scenario
from simulator.content.yaml_tree import MAX_DEPTH, MAX_NODES, LineMap, compose, construct, line_map, line_of

# With the names that moved to the modules above, for code and tests that import them from here.
__all__ = ["DOCUMENT", "FILE", "MAX_DEPTH", "MAX_FILE_BYTES", "MAX_NODES", "SYNTAX", "ContentError", "ContentProblem",
           "LineMap", "line_of", "load_rubric", "load_scenario", "load_with_lines", "parse_rubric", "parse_scenario",
           "parse_with_lines"]

#: Content files above this size are refused unread: the largest seed file is about 20 KB.
MAX_FILE_BYTES = 256 * 1024

Model = TypeVar("Model", bound=BaseModel)

#: Byte-order marks of encodings other than UTF-8 (UTF-32 first: its LE mark starts like UTF-16's).
_OTHER_BOMS = (
    (codecs.BOM_UTF32_LE, "UTF-32"), (codecs.BOM_UTF32_BE, "UTF-32"),
    (codecs.BOM_UTF16_LE, "UTF-16"), (codecs.BOM_UTF16_BE, "UTF-16"),
)
_SAVE_AS_UTF8 = "save the file as UTF-8"


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
            raise one_problem(source, None, FILE, _too_big(size))
        with path.open("rb") as handle:
            data = handle.read(MAX_FILE_BYTES + 1)
    except FileNotFoundError:
        raise one_problem(source, None, FILE, "file not found") from None
    except IsADirectoryError:
        raise one_problem(source, None, FILE, "is a folder, not a file") from None
    except OSError as exc:
        raise one_problem(source, None, FILE, f"cannot read file: {exc.strerror or exc}") from None
    except ValueError as exc:  # e.g. a NUL character in the path
        raise one_problem(source, None, FILE, f"cannot read file: {exc}") from None
    return parse_with_lines(data, model, source)


def parse_with_lines(text: str | bytes, model: type[Model], source: str = "<text>") -> tuple[Model, LineMap]:
    """Parse YAML ``text`` (str, or bytes that must be UTF-8) and validate it as ``model``."""
    text = _as_text(text, source)
    node = compose(text, source)
    lines = line_map(node, source)
    data = construct(node, source)
    if data is None:  # '---' alone, or 'null'
        raise one_problem(source, 1, FILE, "the file is empty")
    if not isinstance(data, dict):
        kind = "a list" if isinstance(data, list) else f"a single value ({type(data).__name__})"
        raise one_problem(source, lines[()], DOCUMENT,
                          f"the file must be a mapping of keys (like 'id: ...'), not {kind}")
    try:
        return model.model_validate(data), lines
    except ValidationError as exc:
        problems = [field_problem(error, model, lines, source) for error in exc.errors()]
        raise ContentError(sorted(problems, key=lambda p: p.line or 0)) from None
    except RecursionError:
        raise one_problem(source, lines[()], DOCUMENT, "values are nested too deeply") from None


# -- reading -----------------------------------------------------------------------------


def _as_text(text: str | bytes, source: str) -> str:
    size = len(text) if isinstance(text, bytes) else len(text.encode("utf-8", "surrogatepass"))
    if size > MAX_FILE_BYTES:
        raise one_problem(source, None, FILE, _too_big(size))
    if isinstance(text, bytes):
        text = _decode(text, source)
    if not text.strip():
        raise one_problem(source, 1, FILE, "the file is empty")
    return text


def _decode(data: bytes, source: str) -> str:
    """UTF-8 (with or without a byte-order mark), else a problem that says how to fix it."""
    for bom, name in _OTHER_BOMS:
        if data.startswith(bom):
            raise one_problem(source, 1, FILE, f"the file is saved as {name}, not UTF-8; {_SAVE_AS_UTF8}")
    nul = data.find(b"\x00")
    if nul >= 0:
        line, column = _position(data, nul)
        raise one_problem(
            source, line, FILE,
            f"not UTF-8 text: NUL byte at byte {nul} (line {line}, column {column}), so this is not a "
            f"text file or it is saved as UTF-16; {_SAVE_AS_UTF8}",
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line, column = _position(data, exc.start)
        raise one_problem(
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
