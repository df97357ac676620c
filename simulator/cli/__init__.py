"""`empathy-sim`: validate content, grade replies in batch, simulate sessions, run the app.

The commands live in modules named after what they work on; each is added to `cli` here,
in one place, rather than by importing a module for its side effect."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import click

from simulator.cli.accounts import user
from simulator.cli.calibration import calibrate
from simulator.cli.content import export_content, import_content, validate
from simulator.cli.context import Context, _fail
from simulator.cli.exports import export
from simulator.cli.grading import grade, regrade, simulate
from simulator.cli.privacy import privacy


@click.group()
@click.option("--db", type=click.Path(dir_okay=False), default=None,
              help="SQLite file for every command (default: EMPATHY_SIM_DB, the config file, or data/empathy-sim.db).")
@click.version_option(package_name="empathy-sim")
@click.pass_context
def cli(ctx: click.Context, db: str | None) -> None:
    """Practise hard customer conversations with an LLM customer and an empathy judge."""
    ctx.obj = Context(db)


@click.command()
@click.pass_obj
def migrate(obj: Context) -> None:
    """Create or upgrade the database schema (also done on every open)."""
    from simulator.store.database import open_db
    from simulator.store.migrations import migrations

    settings = obj.settings()
    db = open_db(settings.db)
    for applied in migrations.applied(db):
        click.echo(f"{applied.name}  {applied.applied_at}")


@click.command(context_settings={"ignore_unknown_options": True, "allow_extra_args": True})
@click.option("--port", default=8501, show_default=True)
@click.pass_context
def app(ctx: click.Context, port: int) -> None:
    """Start the Streamlit app (extra options go to `streamlit run`)."""
    settings = ctx.obj.settings()
    entry = Path(__file__).parent.parent / "app" / "server.py"
    env = {**os.environ, "EMPATHY_SIM_DB": str(Path(settings.db).resolve())}
    command = [sys.executable, "-m", "streamlit", "run", str(entry), "--server.port", str(port), *ctx.args]
    sys.exit(subprocess.call(command, env=env))


for command in (validate, grade, simulate, calibrate, regrade, migrate, export_content, import_content, app,
                export, user, privacy):
    cli.add_command(command)


def main() -> None:
    from simulator.llm.base import LLMError
    from simulator.llm.registry import SpecError
    from simulator.store.database import StoreError

    try:
        cli(prog_name="empathy-sim")
    except (LLMError, SpecError, StoreError) as exc:
        _fail(str(exc))
