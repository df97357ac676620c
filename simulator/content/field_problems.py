"""Pydantic's validation errors as content problems: the line of the field, and for an
unknown key the keys allowed there (with the likeliest one meant)."""

from __future__ import annotations

import difflib
import types
import typing
from typing import Any

from pydantic import BaseModel

from simulator.content.problems import DOCUMENT, ContentProblem, dotted
from simulator.content.yaml_tree import LineMap, line_of


def field_problem(error: Any, model: type[BaseModel], lines: LineMap, source: str) -> ContentProblem:
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
        path=source, line=line_of(lines, *path), field=dotted(path) or DOCUMENT, message=message
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

