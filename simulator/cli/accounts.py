"""`user`: local accounts, for admins with shell access."""

from __future__ import annotations

import click

from simulator.cli.context import Context, _users_db


@click.group()
def user() -> None:
    """Local accounts: add, list, reset a password (for admins with shell access)."""


@user.command("add")
@click.argument("username")
@click.option("--role", "roles", multiple=True, type=click.Choice(["trainee", "trainer", "hr", "admin"]),
              required=True, help="Repeat for several roles.")
@click.option("--name", default="", help="The name shown to others.")
@click.option("--language", type=click.Choice(["en", "de"]), default=None,
              help="Interface language of the account; default: the configured one (EMPATHY_SIM_LANGUAGE).")
@click.password_option(help="Asked for when not given (never echoed).")
@click.pass_obj
def user_add(obj: Context, username: str, roles: tuple[str, ...], name: str, language: str | None,
             password: str) -> None:
    from simulator import accounts

    try:
        created = accounts.create_user(_users_db(obj), username, password, list(roles), name,
                                       language=language or obj.settings().language)
    except accounts.AccountError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"created {created.username} ({', '.join(created.roles)})")


@user.command("list")
@click.pass_obj
def user_list(obj: Context) -> None:
    from simulator import accounts

    for account in accounts.list_users(_users_db(obj)):
        click.echo(f"{account.username}\t{', '.join(account.roles)}\t{account.display_name}")


@user.command("reset-password")
@click.argument("username")
@click.password_option(help="The new password (asked for when not given).")
@click.pass_obj
def user_reset(obj: Context, username: str, password: str) -> None:
    """Set a new password and unlock the account (e.g. a locked-out admin)."""
    from simulator import accounts

    try:
        accounts.reset_password(_users_db(obj), username, password)
    except accounts.AccountError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"new password set for {username}; the account is unlocked")
