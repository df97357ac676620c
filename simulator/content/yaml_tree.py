"""YAML's node tree, composed within bounds: the line of every key and list item, and the
plain values constructed from that same tree.

Only YAML's safe subset is ever constructed (``yaml.SafeLoader``). The limits are checked
while the YAML is read, so a hostile file is refused within a second or two and never
reaches Python's recursion limit.
"""

from __future__ import annotations

from typing import Any

import yaml

from simulator.content.problems import DOCUMENT, FILE, SYNTAX, ContentError, ContentProblem, dotted, one_problem

#: Upper bound on values in one document, also after expanding YAML aliases (``*name``), so
#: a "billion laughs" file cannot make validation explode. Real content has a few hundred.
MAX_NODES = 50_000
#: Deepest nesting accepted; real content goes about six levels deep.
MAX_DEPTH = 64
#: Longest whole number accepted (in characters); content numbers have one or two digits,
#: and Python refuses to convert more than 4,300 digits anyway.
MAX_INT_CHARS = 100

#: Path of keys / list indexes (as strings) -> 1-based line number.
LineMap = dict[tuple[str, ...], int]

_TAG_PREFIX = "tag:yaml.org,2002:"
_SAFE_TAGS = {tag for tag in yaml.SafeLoader.yaml_constructors if tag is not None}
_MERGE_TAG = _TAG_PREFIX + "merge"
_INT_TAG = _TAG_PREFIX + "int"


def line_of(lines: LineMap, *field: str | int) -> int | None:
    """The line of ``field`` or, if it is absent, of its nearest existing parent."""
    path = tuple(str(part) for part in field)
    while path not in lines and path:
        path = path[:-1]
    return lines.get(path)


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
            if self._depth > MAX_DEPTH + 1:  # the top-level mapping is level 0, as in line_map
                raise one_problem(self._source, mark.line + 1, DOCUMENT,
                                  f"values are nested too deeply (more than {MAX_DEPTH} levels); "
                                  "content needs only a few")
            if self._nodes > MAX_NODES:
                raise one_problem(self._source, mark.line + 1, DOCUMENT,
                                  f"more than {MAX_NODES:,} values; a scenario or rubric has a few hundred")
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


def compose(text: str, source: str) -> yaml.Node:
    loader = None
    try:
        loader = _BoundedLoader(text, source)  # checks for unprintable characters right away
        node = loader.get_single_node()
    except yaml.MarkedYAMLError as exc:
        raise one_problem(source, _mark_line(exc), SYNTAX, _yaml_message(exc)) from None
    except yaml.reader.ReaderError as exc:
        line = text[: exc.position].count("\n") + 1
        code = exc.character if isinstance(exc.character, int) else ord(exc.character)
        raise one_problem(
            source, line, SYNTAX, f"unprintable character U+{code:04X} is not allowed in YAML; remove it"
        ) from None
    except yaml.YAMLError as exc:
        raise one_problem(source, None, SYNTAX, str(exc)) from None
    except RecursionError:
        raise one_problem(source, None, SYNTAX, "values are nested too deeply") from None
    finally:
        if loader is not None:
            loader.dispose()
    if node is None:  # only comments or '---'
        raise one_problem(source, 1, FILE, "the file is empty")
    return node


def construct(node: yaml.Node, source: str) -> Any:
    loader = yaml.SafeLoader("")
    try:
        return loader.construct_document(node)
    except yaml.MarkedYAMLError as exc:
        raise one_problem(source, _mark_line(exc), SYNTAX, _yaml_message(exc)) from None
    except RecursionError:
        raise one_problem(source, None, SYNTAX, "values are nested too deeply") from None
    except Exception as exc:  # noqa: BLE001 - e.g. 'date: 2024-02-30' raises ValueError
        raise one_problem(source, None, SYNTAX, f"cannot read a value: {exc}") from None
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


def line_map(root: yaml.Node, source: str) -> LineMap:
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
        _check_bounds(visited, path, lines[()], source)
        refused = _refused_value(node, path, source)
        if refused is not None:
            problems.append(refused)
            continue
        if isinstance(node, yaml.SequenceNode):
            for index, item in enumerate(node.value):
                child = path + (str(index),)
                lines.setdefault(child, item.start_mark.line + 1)
                stack.append((child, item))
        elif isinstance(node, yaml.MappingNode):
            problems += _walk_mapping(node, path, source, lines, stack)
    if problems:
        raise ContentError(sorted(problems, key=lambda p: p.line or 0))
    return lines


def _check_bounds(visited: int, path: tuple[str, ...], top_line: int, source: str) -> None:
    # The walk follows aliases, so it can go past what _BoundedLoader counted: the same limits again.
    if visited > MAX_NODES:
        raise one_problem(
            source, top_line, DOCUMENT,
            f"more than {MAX_NODES:,} values (are YAML aliases '*name' repeating a lot, or "
            "referring to themselves?)",
        )
    if len(path) > MAX_DEPTH:
        raise one_problem(source, top_line, DOCUMENT, f"values are nested too deeply (more than {MAX_DEPTH} levels)")


def _refused_value(node: yaml.Node, path: tuple[str, ...], source: str) -> ContentProblem | None:
    """A tag outside the safe set, or a whole number too long to convert in good time."""
    line = node.start_mark.line + 1
    if node.tag not in _SAFE_TAGS:
        return ContentProblem(
            path=source, line=line, field=dotted(path) or DOCUMENT,
            message=f"YAML tag '{_short_tag(node.tag)}' is not allowed; use plain values "
            "(text, numbers, lists, mappings)",
        )
    if node.tag == _INT_TAG and isinstance(node, yaml.ScalarNode) and len(node.value) > MAX_INT_CHARS:
        return ContentProblem(
            path=source, line=line, field=dotted(path) or DOCUMENT,
            message=f"a number of {len(node.value):,} characters is too long (at most {MAX_INT_CHARS}); "
            "put text in quotes",
        )
    return None


def _walk_mapping(
    node: yaml.MappingNode,
    path: tuple[str, ...],
    source: str,
    lines: LineMap,
    stack: list[tuple[tuple[str, ...], yaml.Node]],
) -> list[ContentProblem]:
    """Record the line of each key and push keys and values onto `stack`; the duplicate keys."""
    problems = []
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
                path=source, line=key_line, field=dotted(child),
                message=f"duplicate key (already set on line {seen[name]}); keep only one",
            ))
        seen.setdefault(name, key_line)
        lines.setdefault(child, key_line)
        stack.append((child, key))
        stack.append((child, value))
    return problems


def _short_tag(tag: str) -> str:
    return "!!" + tag[len(_TAG_PREFIX):] if tag.startswith(_TAG_PREFIX) else tag
