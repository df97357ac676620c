"""`empathy-sim`: validate content, grade replies in batch, simulate sessions, run the app."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import click

from simulator.config import load_settings


class Context:
    def __init__(self, db: str | None):
        self.db = db

    def settings(self, **overrides):
        return load_settings(db=self.db, **overrides)


@click.group()
@click.option("--db", type=click.Path(dir_okay=False), default=None,
              help="SQLite file for every command (default: EMPATHY_SIM_DB, the config file, or data/empathy-sim.db).")
@click.version_option(package_name="empathy-sim")
@click.pass_context
def cli(ctx: click.Context, db: str | None) -> None:
    """Practise hard customer conversations with an LLM customer and an empathy judge."""
    ctx.obj = Context(db)


def _library():
    from simulator.content.library import default_content_dirs, load_library

    return load_library(*default_content_dirs())


def _fail(message: str) -> None:
    click.echo(f"Error: {message}", err=True)
    sys.exit(1)


@cli.command()
@click.option("--scenarios", type=click.Path(file_okay=False, exists=True), default=None)
@click.option("--rubrics", type=click.Path(file_okay=False, exists=True), default=None)
def validate(scenarios: str | None, rubrics: str | None) -> None:
    """Check every scenario and rubric; print file:line: field: message per problem."""
    from simulator.content.library import default_content_dirs, load_library

    default_scenarios, default_rubrics = default_content_dirs()
    library, problems = load_library(Path(scenarios or default_scenarios), Path(rubrics or default_rubrics))
    for problem in problems:
        click.echo(str(problem))
    if problems:
        click.echo(f"{len(problems)} problem(s) found.", err=True)
        sys.exit(1)
    click.echo(f"OK: {len(library.scenarios)} scenario(s), {len(library.rubrics)} rubric(s).")


@cli.command()
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


@cli.command()
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


@cli.command()
@click.option("--rubric", "rubric_id", required=True)
@click.option("--gold", "gold_path", type=click.Path(dir_okay=False, exists=True), default=None,
              help='JSONL: the grade input plus "labels": {"<criterion or label>": level}.')
@click.option("--from-db", "from_db", is_flag=True,
              help="Use the trainers' labels stored in the database (--db) instead of a --gold file.")
@click.option("--judge", "judge_spec", default=None, help="Judge model spec.")
@click.option("--map", "maps", multiple=True, metavar="LABEL=CRITERION", help="Rename a label to a criterion id.")
@click.option("--json", "json_path", type=click.Path(dir_okay=False), default=None, help="Also write the report as JSON.")
@click.option("--limit", type=int, default=None, help="Only the first N gold items.")
@click.option("--workers", type=int, default=1, show_default=True, help="Items graded at once.")
@click.pass_obj
def calibrate(obj: Context, rubric_id, gold_path, from_db, judge_spec, maps, json_path, limit, workers) -> None:
    """Agreement of the judge with human labels: kappa, exact, within-one, macro-F1, confusion.

    The labels come from a --gold file or, with --from-db, from the labels trainers saved
    on the app's Review page (the newest label per reply and criterion).
    """
    from simulator.batch import make_judge, read_items
    from simulator.judge.calibration import GoldItem, calibrate as run_calibration, format_report, parse_mapping

    if bool(gold_path) == bool(from_db):
        _fail("Give exactly one source of labels: --gold FILE or --from-db.")
    library, _ = _library()
    if rubric_id not in library.rubrics:
        _fail(f"No rubric {rubric_id!r}; known: {', '.join(sorted(library.rubrics)) or 'none'}.")
    if from_db:
        from simulator.store.database import open_db
        from simulator.store.labels import gold_from_labels

        settings = obj.settings()
        items = gold_from_labels(open_db(settings.db), rubric_id)
        if not items:
            _fail(f"No labels for rubric {rubric_id!r} in {settings.db}. Label replies on the app's Review "
                  "page first, or pass --db with the database that holds them.")
    else:
        parsed, problems = read_items(Path(gold_path), GoldItem)
        for problem in problems:
            click.echo(problem, err=True)
        items = [item for _, item in parsed]
    items = items[:limit]
    try:
        mapping = parse_mapping(maps)
        judge = make_judge(obj.settings(judge_model=judge_spec))
        with click.progressbar(length=len(items), label="grading", file=sys.stderr, show_pos=True) as bar:
            report = run_calibration(judge, library.rubric(rubric_id), items, mapping, workers, bar.update)
    except ValueError as exc:
        _fail(str(exc))
    click.echo(format_report(report))
    if json_path:
        Path(json_path).write_text(report.model_dump_json(indent=2), encoding="utf-8")


@cli.command()
@click.pass_obj
def migrate(obj: Context) -> None:
    """Create or upgrade the database schema (also done on every open)."""
    from simulator.store.database import open_db
    from simulator.store.migrations import migrations

    settings = obj.settings()
    db = open_db(settings.db)
    for applied in migrations.applied(db):
        click.echo(f"{applied.name}  {applied.applied_at}")


@cli.command(context_settings={"ignore_unknown_options": True, "allow_extra_args": True})
@click.option("--port", default=8501, show_default=True)
@click.pass_context
def app(ctx: click.Context, port: int) -> None:
    """Start the Streamlit app (extra options go to `streamlit run`)."""
    settings = ctx.obj.settings()
    entry = Path(__file__).parent / "app" / "main.py"
    env = {**os.environ, "EMPATHY_SIM_DB": str(Path(settings.db).resolve())}
    command = [sys.executable, "-m", "streamlit", "run", str(entry), "--server.port", str(port), *ctx.args]
    sys.exit(subprocess.call(command, env=env))


def main() -> None:
    from simulator.llm.base import LLMError
    from simulator.llm.registry import SpecError
    from simulator.store.database import StoreError

    try:
        cli(prog_name="empathy-sim")
    except (LLMError, SpecError, StoreError) as exc:
        _fail(str(exc))


if __name__ == "__main__":
    main()
