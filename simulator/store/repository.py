"""Reading and writing sessions, turns and verdicts. Plain functions over a Database."""

from __future__ import annotations

import json
import sqlite3
import threading
import uuid
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from simulator.judge.verdict import Verdict
from simulator.store.database import insert_rows, now, open_db, write_transaction
from simulator.store.records import (VERDICT_JSON, SessionRecord, Turn, load_session, load_turn,
                                      load_turns)


class DuplicateTurn(Exception):
    """A reply for this turn index is already stored (e.g. a double submit)."""


class Store:
    """A database path with one connection per live thread (SQLite connections are not
    shared between threads that run at the same time).

    Streamlit runs every rerun of a page in a new thread, so a connection is handed on
    from a thread that has ended to the next one that asks, instead of opening (and
    configuring) a new one for every rerun and every poll.
    """

    def __init__(self, path: Path | str):
        self.path = path
        self._lock = threading.Lock()
        self._owners: dict[int, tuple[threading.Thread, Database]] = {}
        self._memory: Database | None = None
        if str(path) == ":memory:":
            self._memory = open_db(path)  # one in-memory database for every thread (tests)
        else:
            open_db(path)  # create and migrate once, up front

    @property
    def db(self) -> Database:
        if self._memory is not None:
            return self._memory
        me = threading.current_thread()
        with self._lock:
            owned = self._owners.get(id(me))
            if owned is not None and owned[0] is me:
                return owned[1]
            db = self._take_over() or open_db(self.path, migrate=False)
            self._owners[id(me)] = (me, db)
            return db

    def _take_over(self) -> Database | None:
        """A connection whose thread has ended, rolled back if that thread left a
        transaction open (it died mid-write); None if every owner is alive."""
        for key, (thread, db) in list(self._owners.items()):
            if not thread.is_alive():
                del self._owners[key]
                if db.conn.in_transaction:
                    db.conn.rollback()
                return db
        return None


# -- sessions -------------------------------------------------------------------


def create_session(db: Database, **fields: Any) -> str:
    session_id = fields.pop("id", None) or uuid.uuid4().hex[:12]
    db["sessions"].insert({"id": session_id, "status": "active", "started_at": now(), **fields})
    return session_id


def finish_session(db: Database, session_id: str, outcome: str) -> None:
    db["sessions"].update(session_id, {"status": "finished", "outcome": outcome, "ended_at": now()})


def get_session(db: Database, session_id: str) -> SessionRecord | None:
    return load_session(db, session_id)


def list_sessions(db: Database, trainee: str | None = None, limit: int = 200,
                  people: set[str] | None = None) -> list[dict[str, Any]]:
    """Newest first. `people`: only these trainees' sessions (None: everyone's)."""
    conditions = ["s.trainee = :trainee"] if trainee else []
    if people is not None:
        conditions.append("s.trainee in (select value from json_each(:people))")
    where = f"where {' and '.join(conditions)}" if conditions else ""
    sql = f"""
        select s.*, count(distinct t.id) filter (where t.idx > 0) as replies,
               avg(v.score) filter (where v.status = 'scored') as avg_score,
               count(v.id) filter (where v.status = 'unscored') as unscored
        from sessions s
        left join turns t on t.session_id = s.id
        left join verdicts v on v.turn_id = t.id and v.id = (
            select max(id) from verdicts where turn_id = t.id)
        {where}
        group by s.id order by s.started_at desc limit :limit
    """
    return [dict(r) for r in db.query(sql, {"trainee": trainee, "limit": limit,
                                            "people": json.dumps(sorted(people or []))})]


def practice_stats(db: Database, by: str = "scenario_id") -> dict[str, dict[str, Any]]:
    """Per scenario (or `by="rubric_id"`): sessions practised and the mean verdict score,
    leaving out trials and sessions the trainee left early (they never count)."""
    if by not in ("scenario_id", "rubric_id"):
        raise ValueError(f"cannot group by {by!r}")
    sql = f"""
        select s.{by} as key, count(distinct s.id) as sessions,
               avg(v.score) filter (where v.status = 'scored') as avg_score,
               max(s.started_at) as last_practised
        from sessions s
        left join turns t on t.session_id = s.id
        left join verdicts v on v.turn_id = t.id and v.id = (select max(id) from verdicts where turn_id = t.id)
        where coalesce(s.trial, 0) = 0 and coalesce(s.outcome, '') != 'left'
        group by s.{by}
    """
    return {r["key"]: dict(r) for r in db.query(sql)}


# -- turns ----------------------------------------------------------------------


def add_turn(db: Database, session_id: str, idx: int, trainee_text: str | None, **fields: Any) -> int:
    row = {
        "session_id": session_id,
        "idx": idx,
        "trainee_text": trainee_text,
        "customer_status": "pending",
        "created_at": now(),
        **fields,
    }
    try:
        with write_transaction(db):
            return insert_rows(db, "turns", [row])
    except sqlite3.IntegrityError as exc:
        raise DuplicateTurn(f"turn {idx} of session {session_id} is already stored") from exc


def claim_turn(db: Database, turn_id: int, status: str) -> bool:
    """Mark a turn's customer message pending again if it still has `status`: of two tabs
    asking to regenerate it, only one wins."""
    cursor = db.execute(
        "update turns set customer_status = 'pending', updated_at = ? where id = ? and customer_status = ?",
        [now(), turn_id, status],
    )
    db.conn.commit()
    return cursor.rowcount == 1


_JSON_COLUMNS = ("guard_events", "facts_earned", "fact_check", "customer_plan")
_OBJECT_COLUMNS = ("fact_check", "customer_plan")  # JSON objects (None when unset); the rest are lists


def update_turn(db: Database, turn_id: int, **fields: Any) -> None:
    for key in _JSON_COLUMNS:
        if key in fields and fields[key] is not None and not isinstance(fields[key], str):
            fields[key] = json.dumps(fields[key], ensure_ascii=False)
    fields = {**fields, "updated_at": now()}
    # Plain SQL: sqlite-utils' update() inspects the table on every call, and this runs
    # several times per turn.
    assignments = ", ".join(f"[{key}] = ?" for key in fields)
    db.execute(f"update turns set {assignments} where id = ?", [*fields.values(), turn_id])
    db.conn.commit()


def get_turn(db: Database, turn_id: int) -> Turn | None:
    """One turn with its latest verdict and labels."""
    return load_turn(db, turn_id)


def get_turns(db: Database, session_id: str) -> list[Turn]:
    """Turns in order, each with its latest verdict, the trainers' newest label per
    criterion and whether a live process is grading it right now (store/records.py)."""
    return load_turns(db, session_id)


# -- verdicts -------------------------------------------------------------------


def save_verdict(db: Database, turn_id: int, session_id: str, verdict: Verdict) -> int:
    fields = verdict.model_dump(exclude={"criteria"})
    for key in VERDICT_JSON:
        fields[key] = None if fields[key] is None else json.dumps(fields[key], ensure_ascii=False)
    with write_transaction(db):
        verdict_id = insert_rows(db, "verdicts", [{"turn_id": turn_id, "session_id": session_id,
                                                   "created_at": now(), **fields}])
        insert_rows(db, "criterion_levels", [
            {
                "verdict_id": verdict_id,
                "criterion": cid,
                **c.model_dump(exclude={"evidence", "probs"}),
                "evidence": json.dumps(c.evidence, ensure_ascii=False),
                "probs": None if c.probs is None else json.dumps(c.probs),
            }
            for cid, c in verdict.criteria.items()
        ])
    return verdict_id


def save_feedback(db: Database, verdict_id: int, tip: str, better_reply: str, state: str) -> None:
    """The written feedback of a verdict whose levels are stored already (it comes after them)."""
    with write_transaction(db):
        db.execute("update verdicts set tip = ?, better_reply = ?, feedback_state = ? where id = ?",
                   [tip, better_reply, state, verdict_id])
