"""HR exports: graded replies and sessions as CSV, XLSX or xAPI statements.

Scores are the scores of record: a trainer's label wins over the judge's level wherever
one exists (as on the app's pages). An unscored reply has no score (empty), never 0.
Trial sessions and sessions the trainee left early never count, so no export holds them.
Every text cell of a spreadsheet is neutralised against formula injection, and every
export is recorded in the audit log (who, when, which filter, how many rows). On request
(`include_tokens`) session rows carry the tokens of their model calls, per role, and the
estimated cost; empty, never 0, for sessions with no recorded calls.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, field_validator, model_validator
from sqlite_utils import Database

from simulator.content.schema import Rubric, Scenario
from simulator.store import assignments, audit, usage
from simulator.store import content as versions
from simulator.score_of_record import SessionScores
from simulator.store.database import fetch_rows
from simulator.store.records import SessionRecord, Turn, session_record
from simulator.store.repository import get_turns
from simulator.export_files import write_csv, write_xapi, write_xlsx
from simulator.xapi import xapi_statements

if TYPE_CHECKING:
    from simulator.catalog import Catalog

Format = Literal["csv", "xlsx", "xapi"]
Rows = Literal["replies", "sessions"]

class ExportFilter(BaseModel):
    """Which sessions go into an export. Empty fields do not filter.

    Dates are inclusive and compare with the UTC date the session started on. `team` means
    the team's current members (as set on the Assignments page).
    """

    model_config = ConfigDict(extra="forbid")

    date_from: date | None = None
    date_to: date | None = None
    team: str | None = None
    person: str | None = None
    scenario_id: str | None = None
    mode: Literal["practice", "assessment"] | None = None

    @field_validator("team", "person", "scenario_id", mode="before")
    @classmethod
    def _blank_is_none(cls, value: Any) -> Any:
        if isinstance(value, str):
            return value.strip() or None
        return value

    @model_validator(mode="after")
    def _dates_in_order(self) -> ExportFilter:
        if self.date_from and self.date_to and self.date_to < self.date_from:
            raise ValueError(f"the end date {self.date_to} is before the start date {self.date_from}")
        return self


# -- reading ------------------------------------------------------------------------


def sessions_matching(db: Database, filter: ExportFilter) -> list[SessionRecord]:
    """Session rows that pass the filter, oldest first; never trials or sessions left early."""
    where = ["coalesce(trial, 0) = 0", "coalesce(outcome, '') != 'left'"]
    params: list[Any] = []
    if filter.date_from:
        where.append("substr(started_at, 1, 10) >= ?")
        params.append(filter.date_from.isoformat())
    if filter.date_to:
        where.append("substr(started_at, 1, 10) <= ?")
        params.append(filter.date_to.isoformat())
    if filter.person:
        where.append("trainee = ?")
        params.append(filter.person)
    if filter.scenario_id:
        where.append("scenario_id = ?")
        params.append(filter.scenario_id)
    if filter.mode:
        where.append("mode = ?")
        params.append(filter.mode)
    if filter.team:
        members = assignments.teams(db).get(filter.team, [])
        if not members:
            return []
        where.append(f"trainee in ({', '.join('?' for _ in members)})")
        params.extend(members)
    found = fetch_rows(db, f"select * from sessions where {' and '.join(where)} order by started_at, id", params)
    return [session_record(row) for row in found]


class _Content:
    """The scenario and rubric each session was played with (by content hash), cached.

    With a Catalog the seed library is a fallback for sessions from before versions were
    stored; without one only the versions stored in the database are used.
    """

    def __init__(self, db: Database, catalog: Catalog | None):
        self.db, self.catalog = db, catalog
        self._cache: dict[tuple[str, str, str | None], Any] = {}

    def _get(self, kind: str, content_id: str | None, digest: str | None) -> Any:
        if not content_id:
            return None
        key = (kind, content_id, digest)
        if key not in self._cache:
            found = None
            try:
                if self.catalog is not None:
                    found = (self.catalog.scenario_at if kind == "scenario" else self.catalog.rubric_at)(
                        content_id, digest)
                elif digest:
                    row = versions.find(self.db, kind, content_id, digest)
                    found = versions.load(row) if row is not None else None
            except Exception:  # noqa: BLE001 - unknown content: scores fall back, never guessed
                found = None
            self._cache[key] = found
        return self._cache[key]

    def scenario(self, session: SessionRecord) -> Scenario | None:
        return self._get("scenario", session.scenario_id, session.scenario_hash)

    def rubric(self, session: SessionRecord) -> tuple[Rubric | None, bool]:
        """(the rubric with only the criteria graded in this scenario's channel, whether
        the channel is known)."""
        rubric = self._get("rubric", session.rubric_id, session.rubric_hash)
        scenario = self.scenario(session)
        if rubric is not None and scenario is not None:
            return rubric.for_channel(scenario.channel), True
        return rubric, False


def _judged_criteria(rubric: Rubric | None, turn: Turn) -> Rubric | None:
    """Without the scenario the channel is unknown: keep the criteria the judge graded
    (it grades every criterion of the channel, scored or not)."""
    verdict = turn.verdict
    judged = set(verdict.criteria) if verdict is not None else set()
    if rubric is None or not judged:
        return rubric
    kept = [c for c in rubric.criteria if c.id in judged]
    return rubric.model_copy(update={"criteria": kept}) if kept and len(kept) < len(rubric.criteria) else rubric


def _teams_of(db: Database) -> dict[str, str]:
    """trainee -> their teams, comma-joined."""
    found: dict[str, list[str]] = {}
    for team, people in assignments.teams(db).items():
        for person in people:
            found.setdefault(person, []).append(team)
    return {person: ", ".join(sorted(teams)) for person, teams in found.items()}


def _criterion_ids(rubric: Rubric | None, record: dict[str, Any]) -> list[str]:
    ids = [c.id for c in rubric.criteria] if rubric is not None else []
    return ids + [c for c in record if c not in ids]


#: The roles that always get their own token columns (others only when they occur).
TOKEN_ROLES = ("customer", "judge")


def _token_columns(totals: usage.SessionUsage | None, roles: list[str]) -> dict[str, Any]:
    """A session's token columns; all empty (never 0) when it has no recorded calls."""
    found = totals or usage.SessionUsage()
    row: dict[str, Any] = {"llm_calls": found.calls, "prompt_tokens": found.prompt_tokens,
                           "completion_tokens": found.completion_tokens, "tokens_estimated": found.estimated}
    for role in roles:
        part = found.by_role.get(role, usage.TokenTotals())
        row[f"prompt_tokens:{role}"] = part.prompt_tokens
        row[f"completion_tokens:{role}"] = part.completion_tokens
    row["estimated_cost_usd"] = None if found.cost_usd is None else round(found.cost_usd, 6)
    row["cost_covers_all_calls"] = found.cost_complete
    return row if totals is not None else dict.fromkeys(row)


def _add_tokens(db: Database, sessions: list[dict[str, Any]]) -> None:
    found = usage.totals_for_sessions(db, [s["session_id"] for s in sessions])
    roles = usage.sorted_roles({*TOKEN_ROLES, *(r for t in found.values() for r in t.by_role)})
    for row in sessions:
        row.update(_token_columns(found.get(row["session_id"]), roles))


def _collect(db: Database, filter: ExportFilter, catalog: Catalog | None, include_tokens: bool = False
             ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(reply rows, session rows) for the sessions that pass the filter; with
    `include_tokens` the session rows carry token counts and the estimated cost."""
    content = _Content(db, catalog)
    teams_of = _teams_of(db)
    replies: list[dict[str, Any]] = []
    sessions: list[dict[str, Any]] = []
    for session in sessions_matching(db, filter):
        rubric, channel_known = content.rubric(session)
        turns = get_turns(db, session.id)
        common = _common_columns(session, teams_of)
        customer_before = {t.idx: t.customer_text or "" for t in turns}
        tally = SessionScores()
        for turn in turns:
            counted = tally.add(turn, rubric if channel_known else _judged_criteria(rubric, turn))
            if counted is not None and turn.verdict is not None:
                # (a label without a verdict counts for the session, but is no graded reply)
                replies.append(_reply_row(common, session, turn, *counted, rubric,
                                          customer_before.get(turn.idx - 1, "")))
        sessions.append(_session_row(common, session, content.scenario(session), turns, tally, rubric))
    if include_tokens:
        _add_tokens(db, sessions)
    return replies, sessions


def _common_columns(session: SessionRecord, teams_of: dict[str, str]) -> dict[str, Any]:
    """The columns every reply row and the session row share."""
    return {
        "session_id": session.id,
        "trainee": session.trainee,
        "teams": teams_of.get(session.trainee, ""),
        "scenario_id": session.scenario_id,
        "scenario_version": session.scenario_version,
        "scenario_hash": session.scenario_hash,
        "rubric_id": session.rubric_id,
        "rubric_hash": session.rubric_hash,
        "mode": session.mode,
    }


def _reply_row(common: dict[str, Any], session: SessionRecord, turn: Turn, record: dict[str, dict[str, Any]],
               score: float | None, rubric: Rubric | None, customer_message: str) -> dict[str, Any]:
    """One graded reply with its verdict, its score of record and its levels."""
    verdict = turn.verdict
    row = {
        **common,
        "turn": turn.idx,
        "turn_id": turn.id,
        "started_at": session.started_at,
        "replied_at": turn.created_at,
        "customer_message": customer_message,
        "reply": turn.trainee_text,
        "verdict_status": verdict.status,
        "unscored_reason": verdict.reason if verdict.status == "unscored" else None,
        "judge_score": verdict.score if verdict.status == "scored" else None,
        "score": score,
        "score_source": "trainer" if turn.labels else "judge",
        "needs_review": bool(verdict.needs_review),
        "judge_model": verdict.model or session.judge_model,
        "prompt_hash": verdict.prompt_hash or None,
    }
    ids = _criterion_ids(rubric, record)
    for cid in ids:
        row[f"level:{cid}"] = record.get(cid, {}).get("record")
    for cid in ids:
        row[f"judge_level:{cid}"] = record.get(cid, {}).get("judge")
    return row


def _session_row(common: dict[str, Any], session: SessionRecord, scenario: Scenario | None, turns: list[Turn],
                 tally: SessionScores, rubric: Rubric | None) -> dict[str, Any]:
    """One session: how it ended and its scores of record."""
    row = {
        **common,
        "scenario_title": scenario.title if scenario is not None else None,
        "status": session.status,
        "outcome": session.outcome,
        "started_at": session.started_at,
        "ended_at": session.ended_at,
        "replies": sum(1 for t in turns if t.idx > 0),
        "scored": len(tally.scores),
        "unscored": tally.unscored,
        "labelled_by_trainer": tally.labelled,
        "mean_score": tally.mean_score,
        "customer_model": session.customer_model,
        "judge_model": session.judge_model,
        "language": session.language,
    }
    for cid in _criterion_ids(rubric, {}):
        row[f"mean_level:{cid}"] = tally.mean_level(cid)
    return row


def reply_rows(db: Database, filter: ExportFilter | None = None, catalog: Catalog | None = None) -> list[dict[str, Any]]:
    """One row per trainee reply that has a verdict, with its levels and score of record."""
    return _collect(db, filter or ExportFilter(), catalog)[0]


def session_rows(db: Database, filter: ExportFilter | None = None, catalog: Catalog | None = None,
                 include_tokens: bool = False) -> list[dict[str, Any]]:
    """One row per session: counts, the mean score of record over scored replies, versions;
    with `include_tokens` also the tokens in and out (in total and per role) and the
    estimated cost in USD (empty when no call was recorded or none had a price)."""
    return _collect(db, filter or ExportFilter(), catalog, include_tokens)[1]


# -- one export, recorded ------------------------------------------------------------


def export(
    db: Database,
    format: Format,
    out: Path | str,
    filter: ExportFilter | None = None,
    actor: str = "unknown",
    rows: Rows = "replies",
    catalog: Catalog | None = None,
    homepage: str = "urn:empathy-sim",
    include_tokens: bool = False,
) -> int:
    """Write one export and record it in the audit log; returns the rows written (CSV:
    rows of the chosen table; XLSX: replies plus sessions; xAPI: statements).
    `include_tokens`: session rows (CSV sessions, the XLSX sessions sheet) get token
    counts and the estimated cost; xAPI statements never carry them."""
    filter = filter or ExportFilter()
    if format not in ("csv", "xlsx", "xapi"):
        raise ValueError(f"unknown export format {format!r}: csv, xlsx or xapi")
    if rows not in ("replies", "sessions"):
        raise ValueError(f"unknown rows {rows!r}: replies or sessions")
    tokens = include_tokens and (format == "xlsx" or (format == "csv" and rows == "sessions"))
    replies, sessions = _collect(db, filter, catalog, tokens)
    detail: dict[str, Any] = {"filter": filter.model_dump(mode="json"), "format": format,
                              "file": str(Path(out).resolve())}
    if tokens:
        detail["tokens"] = True
    if format == "csv":
        written = write_csv(replies if rows == "replies" else sessions, out)
        detail["rows"] = rows
    elif format == "xlsx":
        written = write_xlsx(replies, sessions, out)
        detail.update(replies=len(replies), sessions=len(sessions))
    else:
        written = write_xapi(xapi_statements(sessions, replies, homepage), out)
        detail["homepage"] = homepage
    audit.record(db, actor, "export", detail, written)
    return written
