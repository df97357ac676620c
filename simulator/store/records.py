"""The read model: a session and its turns as typed records, as pages, summaries, exports
and the session itself read them.

A session's turns load in a fixed number of queries however many replies it has (the
turns, their latest verdicts, those verdicts' levels, the newest labels, the live
grading claims), because the practice page reads them on every rerun and every poll.
"""

from __future__ import annotations

import json
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict
from sqlite_utils import Database

from simulator.judge.verdict import CriterionVerdict, Verdict
from simulator.roleplay.facts import FactCheck
from simulator.roleplay.mood import MoodState
from simulator.roleplay.plan import Plan
from simulator.store.database import fetch_rows as _all
from simulator.store.grading import live_turns

#: pending: the reply is stored and its customer message is on its way; complete;
#: incomplete: the stream was cut off; fallback: a scenario line replaced a failed
#: generation; failed: no message at all; interrupted: the page went away before any text.
CustomerStatus = Literal["pending", "complete", "incomplete", "fallback", "failed", "interrupted"]
#: Who wrote the customer's message: the model, the scenario's authored lines, a fallback line.
CustomerSource = Literal["model", "authored", "fallback"]
#: Which step of the turn last set its mood (each writes it once): the scenario's opening
#: mood, the reply as read in code (stored with the customer's message), or the verdict.
MoodStep = Literal["opening", "reaction", "verdict"]
SessionStatus = Literal["active", "finished"]


class GuardEvent(BaseModel):
    """A check in code that stopped one attempt at the customer's message."""

    attempt: int = 0
    kind: str
    detail: str = ""


class Label(BaseModel):
    """One trainer's level for one criterion of a reply (the newest one is the record)."""

    id: int
    turn_id: int
    verdict_id: int | None = None
    rubric_id: str | None = None
    criterion: str
    level: int
    labeller: str = ""
    note: str | None = None
    created_at: str | None = None


class Turn(BaseModel):
    """One turn: the trainee's reply (none for the customer's opening, idx 0), the
    customer's message to it, the mood after it, its latest verdict and labels."""

    model_config = ConfigDict(extra="ignore")

    id: int
    session_id: str
    idx: int
    trainee_text: str | None = None
    customer_text: str | None = None
    customer_status: CustomerStatus
    customer_source: CustomerSource | None = None
    customer_model: str | None = None
    customer_plan: Plan | None = None
    anger: int | None = None
    anxiety: int | None = None
    trust: int | None = None
    mood_step: MoodStep | None = None
    guard_events: list[GuardEvent] = []
    facts_earned: list[str] = []
    fact_check: FactCheck | None = None
    customer_prompt_hash: str | None = None
    customer_prompt_tokens: int | None = None
    customer_completion_tokens: int | None = None
    tokens_counted_by: str | None = None
    first_token_ms: float | None = None
    created_at: str
    updated_at: str | None = None
    #: The latest verdict (None: not graded yet, or never).
    verdict: Verdict | None = None
    #: Trainers' newest label per criterion: the score of record where present.
    labels: dict[str, Label] = {}
    #: A live process is grading this reply right now (store/grading.py).
    grading: bool = False

    @property
    def mood(self) -> MoodState | None:
        """The mood after this turn (None: the customer never answered it)."""
        if self.anger is None:
            return None
        return MoodState(anger=self.anger, anxiety=self.anxiety, trust=self.trust)


class SessionRecord(BaseModel):
    """One session's row: who practised what, with which content versions and models."""

    model_config = ConfigDict(extra="ignore")

    id: str
    trainee: str
    scenario_id: str
    scenario_version: int | None = None
    scenario_hash: str | None = None
    rubric_id: str
    rubric_hash: str | None = None
    language: str | None = None
    mode: str | None = None
    status: SessionStatus
    outcome: str | None = None
    customer_model: str | None = None
    judge_model: str | None = None
    started_at: str
    ended_at: str | None = None
    trial: bool = False
    assignment_id: int | None = None


# -- loading ------------------------------------------------------------------------

_TURN_JSON = ("guard_events", "facts_earned", "fact_check", "customer_plan")
_EMPTY = {"guard_events": [], "facts_earned": [], "fact_check": None, "customer_plan": None}
#: Verdict fields stored as JSON text.
VERDICT_JSON = ("signals", "review_reasons", "fit", "stock")

# The newest label per turn and criterion (ids grow with time; timestamps can tie).
NEWEST_LABELS = """
    select l.* from labels l
    where l.id = (select max(id) from labels where turn_id = l.turn_id and criterion = l.criterion)
"""


def load_session(db: Database, session_id: str) -> SessionRecord | None:
    row = _one(db, "select * from sessions where id = ?", [session_id])
    return None if row is None else session_record(row)


def session_record(row: dict[str, Any]) -> SessionRecord:
    """A `sessions` row as a record (a missing trial flag is no trial)."""
    return SessionRecord(**{**row, "trial": bool(row.get("trial"))})


def load_turns(db: Database, session_id: str) -> list[Turn]:
    """The session's turns in order, each with its latest verdict, newest labels and
    grading flag: five queries for any number of turns."""
    rows = _all(db, "select * from turns where session_id = ? order by idx", [session_id])
    verdicts = _latest_verdicts(db, "v.session_id = ?", [session_id])
    labels = labels_by_turn(db, "l.turn_id in (select id from turns where session_id = ?)", [session_id])
    grading = live_turns(db, session_id)
    return [_turn(row, verdicts.get(row["id"]), labels.get(row["id"], {}), row["id"] in grading) for row in rows]


def load_turn(db: Database, turn_id: int) -> Turn | None:
    """One turn with its latest verdict and labels (the review page's reply)."""
    row = _one(db, "select * from turns where id = ?", [turn_id])
    if row is None:
        return None
    verdict = _latest_verdicts(db, "v.turn_id = ?", [turn_id]).get(turn_id)
    labels = labels_by_turn(db, "l.turn_id = ?", [turn_id]).get(turn_id, {})
    return _turn(row, verdict, labels, turn_id in live_turns(db))


def labels_by_turn(db: Database, where: str, params: list) -> dict[int, dict[str, Label]]:
    """turn id -> criterion -> the newest label, for the labels matching `where` (on `l`)."""
    found: dict[int, dict[str, Label]] = {}
    for row in _all(db, f"{NEWEST_LABELS} and {where} order by l.id", params):
        found.setdefault(row["turn_id"], {})[row["criterion"]] = Label(**row)
    return found


def latest_verdict(db: Database, turn_id: int) -> Verdict | None:
    return _latest_verdicts(db, "v.turn_id = ?", [turn_id]).get(turn_id)


def _latest_verdicts(db: Database, where: str, params: list) -> dict[int, Verdict]:
    """turn id -> its latest verdict with its levels, for the verdicts matching `where` (on `v`)."""
    rows = _all(db, f"""select v.* from verdicts v where {where}
                        and v.id = (select max(id) from verdicts where turn_id = v.turn_id)""", params)
    if not rows:
        return {}
    levels: dict[int, dict[str, CriterionVerdict]] = {}
    marks = ", ".join("?" for _ in rows)
    for c in _all(db, f"select * from criterion_levels where verdict_id in ({marks}) order by id",
                  [r["id"] for r in rows]):
        levels.setdefault(c["verdict_id"], {})[c["criterion"]] = _criterion(c)
    return {r["turn_id"]: _verdict(r, levels.get(r["id"], {})) for r in rows}


def _verdict(row: dict[str, Any], criteria: dict[str, CriterionVerdict]) -> Verdict:
    fields = {k: v for k, v in row.items() if k in Verdict.model_fields and v is not None}
    for key in VERDICT_JSON:
        if key in fields:
            fields[key] = json.loads(fields[key])
    return Verdict(**fields, criteria=criteria)


def _criterion(row: dict[str, Any]) -> CriterionVerdict:
    return CriterionVerdict(
        level=row["level"],
        max_level=row["max_level"],
        rationale=row["rationale"] or "",
        evidence=json.loads(row["evidence"] or "[]"),
        confidence=row["confidence"] if row["confidence"] is not None else 1.0,
        status=row["status"],
        reason=row["reason"],
        method=row.get("method") or "constrained",
        expected=row.get("expected"),
        signal=row.get("signal"),
        probs=json.loads(row["probs"]) if row.get("probs") else None,
    )


def _turn(row: dict[str, Any], verdict: Verdict | None, labels: dict[str, Label], grading: bool) -> Turn:
    decoded = {key: json.loads(row[key]) if row.get(key) else _EMPTY[key] for key in _TURN_JSON}
    return Turn(**{**row, **decoded}, verdict=verdict, labels=labels, grading=grading)


def _one(db: Database, sql: str, params: list) -> dict[str, Any] | None:
    found = _all(db, sql, params)
    return found[0] if found else None
