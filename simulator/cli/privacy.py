"""`privacy`: a person's data, erasing a person, retention."""

from __future__ import annotations

from pathlib import Path

import click

from simulator.cli.context import Context, _users_db


@click.group()
def privacy() -> None:
    """Data protection: a person's data, erasing a person, retention."""


@privacy.command("export-person")
@click.argument("username")
@click.option("--out", "out", type=click.Path(dir_okay=False), required=True)
@click.option("--by", default=None, help="Who asks (for the audit log; default: your login name).")
@click.pass_obj
def privacy_export(obj: Context, username: str, out: str, by: str | None) -> None:
    """Write everything stored about one person as JSON."""
    from simulator.store.privacy import export_person, to_json

    data = export_person(_users_db(obj), username, by or _login_name())
    Path(out).write_text(to_json(data), encoding="utf-8")
    click.echo(f"wrote {len(data['sessions'])} session(s) of {username} to {out}")


@privacy.command("erase")
@click.argument("username")
@click.option("--yes", is_flag=True, help="Confirm: this cannot be undone.")
@click.option("--by", default=None)
@click.pass_obj
def privacy_erase(obj: Context, username: str, yes: bool, by: str | None) -> None:
    """Delete a person's sessions, turns, verdicts, labels and account."""
    from simulator.store.privacy import erase_person

    if not yes:
        raise click.ClickException(f"Erasing {username} cannot be undone; pass --yes to confirm.")
    counts = erase_person(_users_db(obj), username, by or _login_name())
    click.echo("erased " + ", ".join(f"{n} {what}" for what, n in counts.items()))


@privacy.command("retention")
@click.option("--days", type=click.IntRange(min=1), default=None,
              help="Default: EMPATHY_SIM_RETENTION_DAYS / retention_days in the config.")
@click.pass_obj
def privacy_retention(obj: Context, days: int | None) -> None:
    """Delete practice sessions older than the retention period."""
    from simulator.store.privacy import apply_retention

    days = days or obj.settings().retention_days
    if not days:
        raise click.ClickException("No retention period: pass --days N or set EMPATHY_SIM_RETENTION_DAYS.")
    click.echo(f"deleted {apply_retention(_users_db(obj), days)} practice session(s) older than {days} days")


def _login_name() -> str:
    import getpass

    try:
        return getpass.getuser()
    except Exception:  # no login name in some containers
        return "cli"
