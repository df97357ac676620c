"""`export`: graded replies and sessions for HR."""

from __future__ import annotations

from pathlib import Path

import click

from simulator.cli.context import Context, _catalog, _fail


@click.command()
@click.option("--format", "fmt", type=click.Choice(["csv", "xlsx", "xapi"]), required=True,
              help="csv: one table; xlsx: sheets 'replies' and 'sessions'; xapi: JSON statements for an LRS.")
@click.option("--out", "out", type=click.Path(dir_okay=False, path_type=Path), required=True, help="File to write.")
@click.option("--rows", type=click.Choice(["replies", "sessions"]), default="replies", show_default=True,
              help="CSV only: one row per graded reply or one per session.")
@click.option("--from", "date_from", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="Sessions started on or after this date (YYYY-MM-DD, UTC).")
@click.option("--to", "date_to", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="Sessions started on or before this date (YYYY-MM-DD, UTC).")
@click.option("--team", default=None, help="Only the team's current members.")
@click.option("--person", default=None, help="Only this trainee.")
@click.option("--scenario", "scenario_id", default=None, help="Only this scenario id.")
@click.option("--mode", type=click.Choice(["practice", "assessment"]), default=None, help="Only this mode (default: both).")
@click.option("--by", "actor", default=None, help="Your name for the audit log (default: your login name).")
@click.option("--homepage", default="urn:empathy-sim", show_default=True,
              help="xAPI only: the actor accounts' homePage (your LMS's address).")
@click.option("--tokens", "include_tokens", is_flag=True, default=False,
              help="Session rows (CSV --rows sessions, the XLSX sessions sheet) get the tokens in and out of "
                   "their model calls, per role, and the estimated cost in USD of priced (OpenAI) models.")
@click.pass_obj
def export(obj: Context, fmt: str, out: Path, rows: str, date_from, date_to, team, person, scenario_id, mode,
           actor: str | None, homepage: str, include_tokens: bool) -> None:
    """Export graded replies and sessions for HR: CSV, XLSX or xAPI statements.

    Scores are the scores of record (a trainer's label wins over the judge); unscored
    replies have no score, never 0. Trial sessions and sessions left early are never
    exported. Every export is recorded in the audit log.
    """
    import getpass

    from pydantic import ValidationError

    from simulator.exports import ExportFilter, export as run_export
    from simulator.store.assignments import teams

    try:
        export_filter = ExportFilter(
            date_from=date_from.date() if date_from else None, date_to=date_to.date() if date_to else None,
            team=team, person=person, scenario_id=scenario_id, mode=mode,
        )
    except ValidationError as exc:
        _fail("; ".join(error["msg"].removeprefix("Value error, ") for error in exc.errors()))
    if actor is None:
        try:
            actor = getpass.getuser()
        except Exception:  # noqa: BLE001 - no login name in some containers
            actor = "unknown"
    if rows != "replies" and fmt != "csv":
        click.echo("note: --rows applies to CSV only; XLSX holds both tables, xAPI both kinds of statement.", err=True)
    if include_tokens and (fmt == "xapi" or (fmt == "csv" and rows == "replies")):
        click.echo("note: --tokens adds columns to session rows only: use --rows sessions (CSV) or --format xlsx.",
                   err=True)
    catalog = _catalog(obj)
    db = catalog.store.db
    if export_filter.team and export_filter.team not in teams(db):
        click.echo(f"warning: no team named {export_filter.team!r} (known: {', '.join(sorted(teams(db))) or 'none'}).",
                   err=True)
    try:
        written = run_export(db, fmt, out, export_filter, actor=actor, rows=rows, catalog=catalog, homepage=homepage,
                             include_tokens=include_tokens)
    except OSError as exc:
        _fail(f"Cannot write {out}: {exc.strerror or exc}. Pass --out with a file you can write to.")
    click.echo(f"wrote {written} rows to {out}")
