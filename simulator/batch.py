"""Batch work behind `empathy-sim grade` and `empathy-sim simulate` (formats kept stable)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

from simulator.config import Settings
from simulator.content.schema import Rubric
from simulator.judge.grader import Judge
from simulator.llm.registry import get_model


class GradeItem(BaseModel):
    model_config = ConfigDict(extra="allow")  # gold files add "labels"
    id: str | int
    context: str
    reply: str


def make_judge(settings: Settings) -> Judge:
    """The configured judge, deciding levels with the fits stored in the configured database."""
    from simulator.store.fits import StoredFits
    from simulator.store.repository import Store

    return Judge(get_model(settings.judge_model), mode=settings.judge_mode, samples=settings.judge_samples,
                 fits=StoredFits(Store(settings.db)))


def read_items(path: Path, model: type[BaseModel] = GradeItem) -> tuple[list[tuple[int, BaseModel]], list[str]]:
    """Valid items with their line numbers, and one message per bad line."""
    items, problems = [], []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            items.append((number, model.model_validate_json(line)))
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"]) or "line"
            problems.append(f"{path}:{number}: {where}: {first['msg']} (line skipped)")
    return items, problems


def grade_file(judge: Judge, rubric: Rubric, input_path: Path, output_path: Path) -> dict[str, int]:
    import click

    items, problems = read_items(input_path)
    for problem in problems:
        click.echo(problem, err=True)
    counts = {"scored": 0, "unscored": 0, "skipped": len(problems)}
    with output_path.open("w", encoding="utf-8") as out, click.progressbar(
        items, label="grading", file=sys.stderr, show_pos=True
    ) as bar:
        for _, item in bar:
            verdict = judge.grade(rubric, item.reply, item.context)
            counts[verdict.status] += 1
            out.write(json.dumps(verdict.grade_line(item.id), ensure_ascii=False) + "\n")
            out.flush()  # a crash part-way leaves every finished line on disk
    return counts


def simulate_session(services, scenario_id: str, replies: list[str], trainee: str = "simulate") -> dict[str, Any]:
    from simulator.session import TrainingSession

    session = TrainingSession.start(services, scenario_id, trainee=trainee)
    turns = []
    outcome = None
    for reply in replies:
        pending = session.submit(reply)
        for _ in pending.stream_customer():
            pass
        result = pending.result()
        turns.append({
            "index": result.index,
            "trainee": result.reply,
            "customer": result.customer.text,
            "verdict": result.verdict.grade_line(result.index),
            "mood": result.mood.model_dump(),
        })
        if result.outcome:
            outcome = result.outcome
            break
    if outcome is None:
        session.end("ended")
        outcome = "ended"
    return {"session_id": session.id, "scenario": scenario_id, "outcome": outcome, "turns": turns}
