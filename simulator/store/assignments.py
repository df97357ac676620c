"""Assignments: a scenario for a person or a team, with a due date and a mode.

Completion is read from the sessions started from an assignment: a person has completed
it with a finished session that was not left early and not a trial.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, Field, field_validator
from sqlite_utils import Database

from simulator.i18n import N_, Translatable
from simulator.store.database import write_transaction
from simulator.store.database import now

# Outcomes that count as having done the exercise; "left" never counts against anyone.
DONE = ("resolved", "abandoned", "turn_limit", "ended")


class NewAssignment(BaseModel):
    scenario_id: str = Field(min_length=1)
    assignee_kind: Literal["person", "team"]
    assignee: str = Field(min_length=1, max_length=80)
    due: date | None = None
    mode: Literal["practice", "assessment"] = "practice"
    note: str = Field(default="", max_length=500)

    @field_validator("assignee")
    @classmethod
    def _trimmed(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("name the person or team")
        return value.strip()


class UnknownAssignee(Translatable, ValueError):
    """An assignment or a team names someone who has no account, or a team that does not
    exist; the message names them and says what to do."""


def account_names(db: Database) -> list[str]:
    """User names of every account, sorted: who can be given work or put in a team."""
    return [row["username"] for row in db.query("select username from users order by username")]


def unknown_people(db: Database, names: list[str]) -> list[str]:
    known = set(account_names(db))
    return [name for name in dict.fromkeys(n.strip() for n in names if n.strip()) if name.casefold() not in known]


def check(db: Database, new: NewAssignment) -> None:
    """Raise UnknownAssignee unless the assignment's person has an account or its team exists."""
    if new.assignee_kind == "team" and new.assignee not in teams(db):
        raise UnknownAssignee(N_("There is no team '{team}'. Pick one of the teams, or create it first."),
                              team=new.assignee)
    if new.assignee_kind == "person" and unknown_people(db, [new.assignee]):
        raise UnknownAssignee(N_("There is no account '{name}'. Pick a person who has an account, "
                                 "or ask an admin to create one first."), name=new.assignee)


def create(db: Database, new: NewAssignment, created_by: str) -> int:
    row = new.model_dump(mode="json") | {"created_by": created_by, "created_at": now(), "archived": 0}
    return db["assignments"].insert(row).last_pk


def set_team(db: Database, team: str, members: list[str], trainers: list[str] = ()) -> None:
    """Replace a team's members and trainers (user names). A trainer sees the members'
    sessions and assigns them work. Raises UnknownAssignee when a name has no account
    (nothing is changed then)."""
    unknown = unknown_people(db, [*members, *trainers])
    if unknown:
        raise UnknownAssignee(N_("No account for {names}: a team holds only people who have an account. "
                                 "Ask an admin to create theirs first."), names=", ".join(unknown))
    team = team.strip()
    rows = {m.strip(): "member" for m in members if m.strip()}
    rows |= {t.strip(): "trainer" for t in trainers if t.strip()}
    with write_transaction(db):
        db.execute("delete from team_members where team = ?", [team])
        db["team_members"].insert_all(
            [{"team": team, "member": name, "role": role, "added_at": now()} for name, role in rows.items()],
            pk=("team", "member"),
        )


def teams(db: Database) -> dict[str, list[str]]:
    """Team -> its members (trainers not included)."""
    result: dict[str, list[str]] = {}
    for row in db["team_members"].rows_where(order_by="team, member"):
        if (row.get("role") or "member") == "member":
            result.setdefault(row["team"], []).append(row["member"])
    return result


def trainers(db: Database) -> dict[str, list[str]]:
    result: dict[str, list[str]] = {}
    for row in db["team_members"].rows_where("role = 'trainer'", order_by="team, member"):
        result.setdefault(row["team"], []).append(row["member"])
    return result


def members(db: Database, assignment: dict[str, Any]) -> list[str]:
    if assignment["assignee_kind"] == "person":
        return [assignment["assignee"]]
    return teams(db).get(assignment["assignee"], [])


def for_person(db: Database, person: str) -> list[dict[str, Any]]:
    """Open assignments of a person (direct or through a team), due soonest first, each
    with `done` (a finished, counted session exists)."""
    mine = [t for t, people in teams(db).items() if person in people]
    rows = db.execute(
        "select * from assignments where archived = 0 and ((assignee_kind = 'person' and assignee = ?) "
        f"or (assignee_kind = 'team' and assignee in ({', '.join('?' for _ in mine) or 'null'})))",
        [person, *mine],
    ).fetchall()
    columns = [c.name for c in db["assignments"].columns]
    found = [dict(zip(columns, r)) for r in rows]
    for row in found:
        row["done"] = completed_by(db, row["id"], person)
    return sorted(found, key=lambda a: (a["done"], a["due"] or "9999-12-31", a["id"]))


def completed_by(db: Database, assignment_id: int, person: str) -> bool:
    placeholders = ", ".join("?" for _ in DONE)
    row = db.execute(
        f"select count(*) from sessions where assignment_id = ? and trainee = ? and status = 'finished' "
        f"and coalesce(trial, 0) = 0 and outcome in ({placeholders})",
        [assignment_id, person, *DONE],
    ).fetchone()
    return row[0] > 0


def completion(db: Database) -> list[dict[str, Any]]:
    """Every open assignment with who has completed it and who has not."""
    result = []
    for row in db["assignments"].rows_where("archived = 0", order_by="due, id"):
        people = members(db, row)
        done = [p for p in people if completed_by(db, row["id"], p)]
        overdue = bool(row["due"]) and row["due"] < date.today().isoformat()
        result.append(row | {"members": people, "done": done,
                             "open": [p for p in people if p not in done], "overdue": overdue})
    return result


def archive(db: Database, assignment_id: int) -> None:
    db["assignments"].update(assignment_id, {"archived": 1})


def get(db: Database, assignment_id: int) -> dict[str, Any] | None:
    rows = list(db["assignments"].rows_where("id = ?", [assignment_id]))
    return rows[0] if rows else None
