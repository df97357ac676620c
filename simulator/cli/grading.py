"""Commands that grade with the judge model: a file of replies, a played session, the
replies left unscored."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from simulator.cli.context import Context, _fail, _library


@click.command()
@click.option("--rubric", "rubric_id", required=True, help="Rubric id, e.g. empathy-core.")
@click.option("--input", "input_path", type=click.Path(dir_okay=False, exists=True), required=True,
              help='JSONL: {"id": ..., "context": "<customer>", "reply": "<agent reply>"} per line.')
@click.option("--output", "output_path", type=click.Path(dir_okay=False), required=True)
@click.option("--judge", "judge_spec", default=None, help="Judge model spec (default from configuration).")
@click.pass_obj
def grade(obj: Context, rubric_id: str, input_path: str, output_path: str, judge_spec: str | None) -> None:
    """Grade a file of replies; one verdict line per input line."""
    from simulator.batch import grade_file, make_judge

    library, problems = _library()
    if rubric_id not in library.rubrics:
        _fail(f"No rubric {rubric_id!r}; known: {', '.join(sorted(library.rubrics)) or 'none'}.")
    judge = make_judge(obj.settings(judge_model=judge_spec))
    counts = grade_file(judge, library.rubric(rubric_id), Path(input_path), Path(output_path))
    click.echo(json.dumps(counts), err=True)


@click.command()
@click.option("--scenario", "scenario_id", required=True)
@click.option("--agent", "agent_path", type=click.Path(dir_okay=False, exists=True), required=True,
              help="Trainee replies, one per line.")
@click.option("--customer", "customer_spec", default=None, help="Customer model spec.")
@click.option("--judge", "judge_spec", default=None, help="Judge model spec.")
@click.option("--trainee", default="simulate", help="Name stored as the session's trainee.")
@click.pass_obj
def simulate(obj: Context, scenario_id: str, agent_path: str, customer_spec, judge_spec, trainee: str) -> None:
    """Play the given replies against a scenario, store the session, print it as JSON."""
    from simulator.batch import simulate_session
    from simulator.session import Services

    settings = obj.settings(customer_model=customer_spec, judge_model=judge_spec)
    library, problems = _library()
    if scenario_id not in library.scenarios:
        _fail(f"No scenario {scenario_id!r}; known: {', '.join(sorted(library.scenarios)) or 'none'}.")
    replies = [line.strip() for line in Path(agent_path).read_text(encoding="utf-8").splitlines() if line.strip()]
    services = Services.from_settings(settings, library)
    click.echo(json.dumps(simulate_session(services, scenario_id, replies, trainee), ensure_ascii=False))


@click.command()
@click.option("--session", "session_id", default=None, help="Only this session's replies.")
@click.option("--dry-run", is_flag=True, help="List what would be graded again; grade nothing.")
@click.option("--judge", "judge_spec", default=None, help="Judge model spec (default from configuration).")
@click.pass_obj
def regrade(obj: Context, session_id: str | None, dry_run: bool, judge_spec: str | None) -> None:
    """Grade again every reply whose verdict is unscored (or missing), and report what changed."""
    from simulator import regrade as regrading
    from simulator.session import Services

    services = Services.from_settings(obj.settings(judge_model=judge_spec))
    if dry_run:
        rows = regrading.waiting(services, session_id)
        for row in rows:
            before = f"unscored: {row['reason']}" if row["status"] else "no verdict"
            click.echo(f"session {row['session_id']} reply {row['idx']}: {before}")
        click.echo(f"{len(rows)} replies would be graded again.")
        return
    results = regrading.regrade(services, session_id)
    for item in results:
        click.echo(regrading.report_line(item))
    scored = sum(item.changed for item in results)
    click.echo(f"{len(results)} graded again: {scored} now scored, {len(results) - scored} still unscored.")
    if results and scored < len(results):
        sys.exit(1)
