"""All scenarios and rubrics of a deployment, loaded and cross-checked together.

``load_library`` never stops at the first bad file: a trainer who runs ``validate`` sees
every problem in every file at once. The returned :class:`Library` holds only content
that is safe to use: files that failed to load are left out, and so are scenarios whose
rubric is missing or cannot grade the scenario's language.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Generic, TypeVar

from pydantic import BaseModel

from simulator.content.loader import FILE, ContentError, ContentProblem, LineMap, line_of, load_with_lines
from simulator.content.schema import Rubric, Scenario

SCENARIOS_ENV = "EMPATHY_SIM_SCENARIOS"
RUBRICS_ENV = "EMPATHY_SIM_RUBRICS"
SUFFIXES = (".yaml", ".yml")

Model = TypeVar("Model", bound=BaseModel)


class UnknownContent(KeyError):
    """Asked for a scenario or rubric id that the library does not hold."""

    def __init__(self, kind: str, wanted: str, known: list[str]):
        self.kind, self.wanted, self.known = kind, wanted, known
        listing = ", ".join(known) if known else f"none loaded; check the {kind} folder"
        super().__init__(f"No {kind} with id '{wanted}'. Known {kind}s: {listing}")

    def __str__(self) -> str:  # KeyError would otherwise print the message in quotes
        return str(self.args[0])


@dataclass(frozen=True)
class Library:
    scenarios: dict[str, Scenario] = field(default_factory=dict)
    rubrics: dict[str, Rubric] = field(default_factory=dict)
    #: Where each item came from, keyed "scenario:<id>" / "rubric:<id>".
    sources: dict[str, Path] = field(default_factory=dict)

    def scenario(self, scenario_id: str) -> Scenario:
        try:
            return self.scenarios[scenario_id]
        except KeyError:
            raise UnknownContent("scenario", scenario_id, sorted(self.scenarios)) from None

    def rubric(self, rubric_id: str) -> Rubric:
        try:
            return self.rubrics[rubric_id]
        except KeyError:
            raise UnknownContent("rubric", rubric_id, sorted(self.rubrics)) from None

    def rubric_for(self, scenario: Scenario) -> Rubric:
        return self.rubric(scenario.rubric)


def default_content_dirs() -> tuple[Path, Path]:
    """(scenario folder, rubric folder): the environment's choice, else the repo's own."""
    root = Path(__file__).resolve().parents[2]
    scenarios = os.environ.get(SCENARIOS_ENV) or root / "scenarios"
    rubrics = os.environ.get(RUBRICS_ENV) or root / "rubrics"
    return Path(scenarios).expanduser(), Path(rubrics).expanduser()


def load_library(scenario_dir: Path, rubric_dir: Path) -> tuple[Library, list[ContentProblem]]:
    """Load every ``*.yaml``/``*.yml`` in both folders; return the library and all problems."""
    problems: list[ContentProblem] = []
    rubrics = _load_folder(Path(rubric_dir), Rubric, "rubric", problems)
    scenarios = _load_folder(Path(scenario_dir), Scenario, "scenario", problems)
    failed_rubric_files = {p.stem for p in _content_files(Path(rubric_dir))} - {
        loaded.path.stem for loaded in rubrics.values()
    }

    usable: dict[str, _Loaded[Scenario]] = {}
    for scenario_id, loaded in scenarios.items():
        problem = _rubric_problem(loaded, rubrics, failed_rubric_files)
        if problem:
            problems.append(problem)
        else:
            usable[scenario_id] = loaded

    library = Library(
        scenarios={i: loaded.value for i, loaded in usable.items()},
        rubrics={i: loaded.value for i, loaded in rubrics.items()},
        sources={f"scenario:{i}": loaded.path for i, loaded in usable.items()}
        | {f"rubric:{i}": loaded.path for i, loaded in rubrics.items()},
    )
    return library, problems


@dataclass(frozen=True)
class _Loaded(Generic[Model]):
    value: Model
    path: Path
    lines: LineMap


def _content_files(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(
        p for p in folder.iterdir() if p.suffix in SUFFIXES and not p.name.startswith(".") and p.is_file()
    )


def _load_folder(
    folder: Path, model: type[Model], kind: str, problems: list[ContentProblem]
) -> dict[str, _Loaded[Model]]:
    if not folder.is_dir():
        problems.append(_problem(folder, None, FILE, f"{kind} folder not found; create it or point {_env(kind)} at one"))
        return {}
    loaded: dict[str, _Loaded[Model]] = {}
    for path in _content_files(folder):
        try:
            value, lines = load_with_lines(path, model)
        except ContentError as exc:
            problems.extend(exc.problems)
            continue
        item = _Loaded(value, path, lines)
        if value.id in loaded:
            other = loaded[value.id].path
            problems.append(_problem(path, line_of(lines, "id"), "id", f"{kind} id '{value.id}' is already used by {other}; ids must be unique"))
            continue
        if path.stem != value.id:
            # Kept in the library (it works), but a mismatch makes files hard to find.
            problems.append(_problem(path, line_of(lines, "id"), "id", f"the file name should match the id: rename the file to {value.id}{path.suffix} or change the id to '{path.stem}'"))
        loaded[value.id] = item
    return loaded


def _rubric_problem(
    loaded: _Loaded[Scenario], rubrics: dict[str, _Loaded[Rubric]], failed_rubric_files: set[str]
) -> ContentProblem | None:
    scenario = loaded.value
    rubric = rubrics.get(scenario.rubric)
    if rubric is None:
        if scenario.rubric in failed_rubric_files:
            message = f"rubric '{scenario.rubric}' did not load; fix the problems reported for its file"
        else:
            known = ", ".join(sorted(rubrics)) or "none"
            message = f"no rubric with id '{scenario.rubric}' (known rubrics: {known})"
        return _problem(loaded.path, line_of(loaded.lines, "rubric"), "rubric", message)
    if scenario.language not in rubric.value.grades:
        return _problem(
            loaded.path, line_of(loaded.lines, "language"), "language",
            f"rubric '{rubric.value.id}' grades only {', '.join(rubric.value.grades)}, not '{scenario.language}'; "
            "add the language to the rubric's grades or pick another rubric",
        )
    return None


def _env(kind: str) -> str:
    return SCENARIOS_ENV if kind == "scenario" else RUBRICS_ENV


def _problem(path: Path, line: int | None, field_name: str, message: str) -> ContentProblem:
    return ContentProblem(path=str(path), line=line, field=field_name, message=message)
