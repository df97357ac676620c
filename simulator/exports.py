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

import csv
import os
import tempfile
import uuid
from collections.abc import Iterable
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, field_validator, model_validator
from sqlite_utils import Database

from simulator.content.schema import Rubric, Scenario
from simulator.store import assignments, audit, usage
from simulator.store import content as versions
from simulator.score_of_record import SessionScores
from simulator.store.repository import get_turns

if TYPE_CHECKING:
    from simulator.catalog import Catalog

Format = Literal["csv", "xlsx", "xapi"]
Rows = Literal["replies", "sessions"]

#: Text starting with one of these is read as a formula by spreadsheet programs.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

XAPI_VERSION = "1.0.3"
VERB_COMPLETED = "http://adlnet.gov/expapi/verbs/completed"
VERB_ATTEMPTED = "http://adlnet.gov/expapi/verbs/attempted"
VERB_RESPONDED = "http://adlnet.gov/expapi/verbs/responded"
ACTIVITY_SIMULATION = "http://adlnet.gov/expapi/activities/simulation"
ACTIVITY_INTERACTION = "http://adlnet.gov/expapi/activities/interaction"
EXTENSION = "urn:empathy-sim:extension:"
# Statement ids are uuid5 names in this namespace: the same session or reply gets the
# same id in every export, so an LRS does not store a re-export twice.
STATEMENT_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "urn:empathy-sim:xapi-statement")


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


def sessions_matching(db: Database, filter: ExportFilter) -> list[dict[str, Any]]:
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
    return list(db["sessions"].rows_where(" and ".join(where), params, order_by="started_at, id"))


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

    def scenario(self, session: dict[str, Any]) -> Scenario | None:
        return self._get("scenario", session["scenario_id"], session.get("scenario_hash"))

    def rubric(self, session: dict[str, Any]) -> tuple[Rubric | None, bool]:
        """(the rubric with only the criteria graded in this scenario's channel, whether
        the channel is known)."""
        rubric = self._get("rubric", session["rubric_id"], session.get("rubric_hash"))
        scenario = self.scenario(session)
        if rubric is not None and scenario is not None:
            return rubric.for_channel(scenario.channel), True
        return rubric, False


def _judged_criteria(rubric: Rubric | None, turn: dict[str, Any]) -> Rubric | None:
    """Without the scenario the channel is unknown: keep the criteria the judge graded
    (it grades every criterion of the channel, scored or not)."""
    verdict = turn["verdict"]
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
        scenario = content.scenario(session)
        turns = get_turns(db, session["id"])
        common = {
            "session_id": session["id"],
            "trainee": session["trainee"],
            "teams": teams_of.get(session["trainee"], ""),
            "scenario_id": session["scenario_id"],
            "scenario_version": session["scenario_version"],
            "scenario_hash": session["scenario_hash"],
            "rubric_id": session["rubric_id"],
            "rubric_hash": session["rubric_hash"],
            "mode": session["mode"],
        }
        customer_before = {t["idx"]: t["customer_text"] or "" for t in turns}
        tally = SessionScores()
        for turn in turns:
            counted = tally.add(turn, rubric if channel_known else _judged_criteria(rubric, turn))
            if counted is None:
                continue  # the opening, or not graded (yet): neither a row nor a count
            record, score = counted
            verdict, labels = turn["verdict"], turn.get("labels") or {}
            if verdict is None:
                continue  # a label without a verdict counts for the session, but is no graded reply
            row = {
                **common,
                "turn": turn["idx"],
                "turn_id": turn["id"],
                "started_at": session["started_at"],
                "replied_at": turn["created_at"],
                "customer_message": customer_before.get(turn["idx"] - 1, ""),
                "reply": turn["trainee_text"],
                "verdict_status": verdict.status,
                "unscored_reason": verdict.reason if verdict.status == "unscored" else None,
                "judge_score": verdict.score if verdict.status == "scored" else None,
                "score": score,
                "score_source": "trainer" if labels else "judge",
                "needs_review": bool(verdict.needs_review),
                "judge_model": verdict.model or session["judge_model"],
                "prompt_hash": verdict.prompt_hash or None,
            }
            ids = _criterion_ids(rubric, record)
            for cid in ids:
                row[f"level:{cid}"] = record.get(cid, {}).get("record")
            for cid in ids:
                row[f"judge_level:{cid}"] = record.get(cid, {}).get("judge")
            replies.append(row)
        row = {
            **common,
            "scenario_title": scenario.title if scenario is not None else None,
            "status": session["status"],
            "outcome": session["outcome"],
            "started_at": session["started_at"],
            "ended_at": session["ended_at"],
            "replies": sum(1 for t in turns if t["idx"] > 0),
            "scored": len(tally.scores),
            "unscored": tally.unscored,
            "labelled_by_trainer": tally.labelled,
            "mean_score": tally.mean_score,
            "customer_model": session["customer_model"],
            "judge_model": session["judge_model"],
            "language": session["language"],
        }
        for cid in _criterion_ids(rubric, {}):
            row[f"mean_level:{cid}"] = tally.mean_level(cid)
        sessions.append(row)
    if include_tokens:
        _add_tokens(db, sessions)
    return replies, sessions


def reply_rows(db: Database, filter: ExportFilter | None = None, catalog: Catalog | None = None) -> list[dict[str, Any]]:
    """One row per trainee reply that has a verdict, with its levels and score of record."""
    return _collect(db, filter or ExportFilter(), catalog)[0]


def session_rows(db: Database, filter: ExportFilter | None = None, catalog: Catalog | None = None,
                 include_tokens: bool = False) -> list[dict[str, Any]]:
    """One row per session: counts, the mean score of record over scored replies, versions;
    with `include_tokens` also the tokens in and out (in total and per role) and the
    estimated cost in USD (empty when no call was recorded or none had a price)."""
    return _collect(db, filter or ExportFilter(), catalog, include_tokens)[1]


# -- spreadsheets -------------------------------------------------------------------


def neutralise_cell(value: Any) -> Any:
    """Text a spreadsheet would run as a formula gets a leading apostrophe; other values
    are returned as they are."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def columns(rows: Iterable[dict[str, Any]]) -> list[str]:
    """Every key of every row, in the order first seen (rows of different rubrics differ)."""
    return list(dict.fromkeys(key for row in rows for key in row))


@contextmanager
def _replacing(path: Path | str, suffix: str):
    """A temporary file next to `path` that replaces it once written completely."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=suffix, dir=path.parent)
    os.close(handle)
    try:
        yield Path(temporary)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def write_csv(rows: list[dict[str, Any]], path: Path | str) -> int:
    """UTF-8 with a byte-order mark (Excel reads the accents right); returns the row count."""
    header = columns(rows)
    with _replacing(path, ".csv") as temporary:
        with open(temporary, "w", newline="", encoding="utf-8-sig") as handle:
            writer = csv.writer(handle)
            writer.writerow([neutralise_cell(name) for name in header])
            for row in rows:
                writer.writerow(["" if row.get(k) is None else neutralise_cell(row.get(k)) for k in header])
    return len(rows)


def _xlsx_text(value: Any) -> Any:
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    if isinstance(value, str):
        return neutralise_cell(ILLEGAL_CHARACTERS_RE.sub("", value))
    return value


def write_xlsx(replies: list[dict[str, Any]], sessions: list[dict[str, Any]], path: Path | str) -> int:
    """Two sheets, "replies" and "sessions"; returns the number of data rows written."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    for title, rows in (("replies", replies), ("sessions", sessions)):
        sheet = book.create_sheet(title)
        header = columns(rows)
        sheet.append([_xlsx_text(name) for name in header])
        for row in rows:
            sheet.append([_xlsx_text(row.get(key)) for key in header])
    with _replacing(path, ".xlsx") as temporary:
        book.save(temporary)
    return len(replies) + len(sessions)


# -- xAPI ---------------------------------------------------------------------------


def statement_id(kind: str, *parts: Any) -> str:
    return str(uuid.uuid5(STATEMENT_NAMESPACE, ":".join([kind, *map(str, parts)])))


def scenario_activity_id(scenario_id: str, version: Any) -> str:
    return f"urn:empathy-sim:scenario:{scenario_id}:v{version}"


def _score(value: float) -> dict[str, float]:
    return {"scaled": round(max(0.0, min(100.0, value)) / 100, 4), "raw": value, "min": 0, "max": 100}


def _language(row: dict[str, Any]) -> str:
    return row.get("language") or "en"


def xapi_statements(
    sessions: list[dict[str, Any]], replies: list[dict[str, Any]], homepage: str = "urn:empathy-sim"
) -> list[dict[str, Any]]:
    """xAPI 1.0.3 statements: one per session (completed when finished, else attempted,
    scaled to the mean score of record) and one "responded" per scored reply. A session
    or reply without a score has no `score` in its result, never 0."""
    statements: list[dict[str, Any]] = []
    by_session = {s["session_id"]: s for s in sessions}
    for session in sessions:
        finished = session["status"] == "finished"
        activity = scenario_activity_id(session["scenario_id"], session["scenario_version"])
        result: dict[str, Any] = {"completion": finished}
        if session["mean_score"] is not None:
            result["score"] = _score(session["mean_score"])
        statements.append({
            "id": statement_id("session", session["session_id"]),
            "version": XAPI_VERSION,
            "actor": _actor(session["trainee"], homepage),
            "verb": _verb(VERB_COMPLETED if finished else VERB_ATTEMPTED),
            "object": {
                "objectType": "Activity",
                "id": activity,
                "definition": {
                    "name": {_language(session): session.get("scenario_title") or session["scenario_id"]},
                    "type": ACTIVITY_SIMULATION,
                },
            },
            "result": result,
            "timestamp": session["ended_at"] or session["started_at"],
            "context": _context(session, session["session_id"]),
        })
    for reply in replies:
        if reply["score"] is None:
            continue  # unscored: no grade to report
        session = by_session.get(reply["session_id"], {})
        activity = scenario_activity_id(reply["scenario_id"], reply["scenario_version"])
        name = session.get("scenario_title") or reply["scenario_id"]
        context = _context({**session, **reply}, reply["session_id"])
        context["contextActivities"] = {"parent": [{"objectType": "Activity", "id": activity}]}
        statements.append({
            "id": statement_id("reply", reply["session_id"], reply["turn"]),
            "version": XAPI_VERSION,
            "actor": _actor(reply["trainee"], homepage),
            "verb": _verb(VERB_RESPONDED),
            "object": {
                "objectType": "Activity",
                "id": f"{activity}:turn:{reply['turn']}",
                "definition": {
                    "name": {_language(session): f"{name}: reply {reply['turn']}"},
                    "type": ACTIVITY_INTERACTION,
                },
            },
            "result": {"score": _score(reply["score"]), "completion": True},
            "timestamp": reply.get("replied_at") or reply["started_at"],
            "context": context,
        })
    return statements


def _actor(trainee: str, homepage: str) -> dict[str, Any]:
    return {"objectType": "Agent", "account": {"homePage": homepage, "name": trainee}}


def _verb(verb_id: str) -> dict[str, Any]:
    return {"id": verb_id, "display": {"en-US": verb_id.rsplit("/", 1)[1]}}


def _context(row: dict[str, Any], session_id: str) -> dict[str, Any]:
    extensions = {
        f"{EXTENSION}session-id": session_id,
        f"{EXTENSION}mode": row.get("mode"),
        f"{EXTENSION}scenario-hash": row.get("scenario_hash"),
        f"{EXTENSION}rubric-id": row.get("rubric_id"),
        f"{EXTENSION}rubric-hash": row.get("rubric_hash"),
        f"{EXTENSION}customer-model": row.get("customer_model"),
        f"{EXTENSION}judge-model": row.get("judge_model"),
    }
    if "turn" in row:
        extensions[f"{EXTENSION}prompt-hash"] = row.get("prompt_hash")
        extensions[f"{EXTENSION}score-source"] = row.get("score_source")
    return {
        # One registration per session ties its replies to it in the LRS.
        "registration": statement_id("registration", session_id),
        "platform": "empathy-sim",
        "language": _language(row),
        "extensions": {key: value for key, value in extensions.items() if value is not None},
    }


def write_xapi(statements: list[dict[str, Any]], path: Path | str) -> int:
    import json

    with _replacing(path, ".json") as temporary:
        temporary.write_text(json.dumps(statements, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return len(statements)


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
