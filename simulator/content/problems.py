"""What is wrong with a content file, as the loader, the library and the editor report it."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict

#: ``field`` of problems that concern the whole file or the YAML syntax, not one key.
FILE = "(file)"
SYNTAX = "(yaml)"
DOCUMENT = "(document)"


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


def dotted(path: tuple[Any, ...]) -> str:
    """``persona.voice_samples.calm.0``; an empty key (``'': x`` or a bare ``?``) shows as ``''``."""
    return ".".join(str(part) if str(part) else "''" for part in path)


def one_problem(source: str, line: int | None, field: str, message: str) -> ContentError:
    return ContentError([ContentProblem(path=source, line=line, field=field, message=message)])
