"""Data protection: everything stored about one person, erasing a person, retention.

A person's data: their account (never the password hash), team memberships, assignments,
sessions with every turn, verdict, criterion level and label, the labels they wrote about
others' replies, and the audit entries of what they did. Erasure deletes their sessions
and everything under them and their account; labels they wrote about other people's
replies stay (they are part of those replies' score of record) but lose the name. The
audit log keeps that an erasure happened, with counts and a one-way hash of the name,
never the content.
"""

from __future__ import annotations

import base64
import hashlib
import json
from datetime import datetime, timedelta, timezone
from typing import Any

from sqlite_utils import Database

from simulator.store import audit
from simulator.store.database import write_transaction

ERASED = "(erased)"


def person_hash(username: str) -> str:
    """A stable pseudonym for the audit log: shows which request was carried out without
    keeping the name."""
    return hashlib.sha256(f"empathy-sim:{username}".encode()).hexdigest()[:16]


def _rows(db: Database, sql: str, params: list[Any]) -> list[dict[str, Any]]:
    cursor = db.execute(sql, params)
    names = [c[0] for c in cursor.description]
    return [dict(zip(names, row)) for row in cursor.fetchall()]


def person_data(db: Database, username: str) -> dict[str, Any]:
    """Everything stored about `username`, as plain JSON-ready data."""
    account = _rows(db, "select id, username, display_name, roles, language, created_at, last_login "
                        "from users where username = ?", [username])
    sessions = _rows(db, "select * from sessions where trainee = ? order by started_at", [username])
    for session in sessions:
        turns = _rows(db, "select * from turns where session_id = ? order by idx", [session["id"]])
        for turn in turns:
            turn["verdicts"] = _rows(db, "select * from verdicts where turn_id = ? order by id", [turn["id"]])
            for verdict in turn["verdicts"]:
                verdict["criteria"] = _rows(db, "select * from criterion_levels where verdict_id = ?", [verdict["id"]])
            turn["labels"] = _rows(db, "select * from labels where turn_id = ? order by id", [turn["id"]])
            # A spoken reply's recording, as base64 WAV: the person's own voice is theirs to have.
            turn["recording"] = next(iter(_rows(db, "select raw_transcript, engine, signals, created_at, "
                                                    "audio from recordings where turn_id = ?", [turn["id"]])), None)
            if turn["recording"] is not None:
                turn["recording"]["audio"] = base64.b64encode(turn["recording"]["audio"]).decode()
        session["turns"] = turns
    return {
        "person": username,
        "exported_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "account": account[0] if account else None,
        "teams": _rows(db, "select team, role from team_members where member = ?", [username]),
        "assignments": _rows(db, "select * from assignments where assignee_kind = 'person' and assignee = ?",
                             [username]),
        "sessions": sessions,
        "labels_written": _rows(db, "select * from labels where labeller = ?", [username]),
        "audit_entries": _rows(db, "select * from audit_log where actor = ?", [username]),
    }


def export_person(db: Database, username: str, actor: str) -> dict[str, Any]:
    data = person_data(db, username)
    audit.record(db, actor, "person-export", {"person": person_hash(username)}, rows=len(data["sessions"]))
    return data


def erase_person(db: Database, username: str, actor: str) -> dict[str, int]:
    """Delete the person's sessions (with turns, verdicts, levels, labels), memberships,
    assignments and account; anonymise the labels they wrote. Returns the counts."""
    with write_transaction(db):
        session_ids = [r[0] for r in db.execute("select id from sessions where trainee = ?", [username])]
        counts = _delete_sessions(db, session_ids)
        counts["labels_anonymised"] = db.execute(
            "update labels set labeller = ?, note = null where labeller = ?", [ERASED, username]).rowcount
        counts["memberships"] = db.execute("delete from team_members where member = ?", [username]).rowcount
        counts["assignments"] = db.execute(
            "delete from assignments where assignee_kind = 'person' and assignee = ?", [username]).rowcount
        counts["accounts"] = db.execute("delete from users where username = ?", [username]).rowcount
        db.execute("update audit_log set actor = ? where actor = ?", [ERASED, username])
    audit.record(db, actor, "erase", {"person": person_hash(username), **counts}, rows=counts["sessions"])
    return counts


def _delete_sessions(db: Database, session_ids: list[str]) -> dict[str, int]:
    counts = {"sessions": len(session_ids), "turns": 0, "verdicts": 0, "labels": 0, "recordings": 0}
    if not session_ids:
        return counts
    marks = ", ".join("?" for _ in session_ids)
    turns = f"select id from turns where session_id in ({marks})"
    verdicts = f"select id from verdicts where turn_id in ({turns})"
    db.execute(f"delete from criterion_levels where verdict_id in ({verdicts})", session_ids)
    counts["recordings"] = db.execute(f"delete from recordings where session_id in ({marks})", session_ids).rowcount
    counts["labels"] = db.execute(f"delete from labels where turn_id in ({turns})", session_ids).rowcount
    counts["verdicts"] = db.execute(f"delete from verdicts where turn_id in ({turns})", session_ids).rowcount
    counts["turns"] = db.execute(f"delete from turns where session_id in ({marks})", session_ids).rowcount
    db.execute(f"delete from sessions where id in ({marks})", session_ids)
    return counts


def apply_retention(db: Database, days: int, actor: str = "retention", now: datetime | None = None) -> int:
    """Delete practice sessions started more than `days` days ago (assessments stay: they
    are HR records with their own rules). Returns how many sessions went."""
    if days < 1:
        raise ValueError("retention needs at least 1 day")
    cutoff = ((now or datetime.now(timezone.utc)) - timedelta(days=days)).isoformat(timespec="seconds")
    with write_transaction(db):
        ids = [r[0] for r in db.execute(
            "select id from sessions where mode = 'practice' and started_at < ?", [cutoff])]
        counts = _delete_sessions(db, ids)
    if ids:
        audit.record(db, actor, "retention", {"days": days, "cutoff": cutoff, **counts}, rows=len(ids))
    return len(ids)


def to_json(data: dict[str, Any]) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2, default=str)
