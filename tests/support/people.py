"""Teams for tests whose subject is not the team form: the accounts a team needs
(`assignments.set_team` refuses names without one) are created first."""

from __future__ import annotations

from sqlite_utils import Database

from simulator import accounts
from simulator.store import assignments

PASSWORD = "a long test password"


def ensure_accounts(db: Database, names: list[str], roles: list[str]) -> None:
    for name in names:
        if accounts.find_user(db, name) is None:
            accounts.create_user(db, name, PASSWORD, roles)


def set_team(db: Database, team: str, members: list[str], trainers: list[str] = ()) -> None:
    ensure_accounts(db, list(members), ["trainee"])
    ensure_accounts(db, list(trainers), ["trainer"])
    assignments.set_team(db, team, members, trainers)
