"""Grading again every reply whose verdict is unscored (`empathy-sim regrade`).

A judge that was down, rate limited or answered nonsense leaves an `unscored` verdict with
its reason; a process that died mid-grade leaves none. Either is picked up here once the
judge works again, graded with the session's own rubric version, and stored as a new
verdict (the old one stays in the table as history). A reply that a live process is
grading right now (store/grading.py) is left alone: its verdict is on its way. The mood and the course of the
conversation are not replayed: they happened as they happened.
"""

from __future__ import annotations

from pydantic import BaseModel

from datetime import UTC, datetime, timedelta

from simulator.session import UNCLAIMED_GRACE_SECONDS, GradingBusy, Services, TrainingSession
from simulator.store.grading import LIVE_SECONDS
from simulator.store.database import now

QUERY = """
    select t.id as turn_id, t.session_id, t.idx, v.status, v.reason
    from turns t
    left join verdicts v on v.id = (select max(id) from verdicts where turn_id = t.id)
    where t.trainee_text is not null
      and (v.status = 'unscored'
           or (v.id is null and (julianday(:now) - julianday(coalesce(t.updated_at, t.created_at))) * 86400 > :grace))
      and t.id not in (select turn_id from grading where beat_at >= :live)
      {session}
    order by t.session_id, t.idx
"""


class Regraded(BaseModel):
    session_id: str
    turn_id: int
    turn: int
    before: str  # "unscored: <reason>" or "no verdict"
    status: str
    score: float | None = None
    reason: str | None = None

    @property
    def changed(self) -> bool:
        return self.status == "scored"


def waiting(services: Services, session_id: str | None = None) -> list[dict]:
    """Replies whose latest verdict is unscored, or that have none while nobody grades them."""
    sql = QUERY.format(session="and t.session_id = :session" if session_id else "")
    live = (datetime.now(UTC) - timedelta(seconds=LIVE_SECONDS)).isoformat(timespec="milliseconds")
    params = {"now": now(), "grace": UNCLAIMED_GRACE_SECONDS, "live": live, "session": session_id}
    return [dict(r) for r in services.store.db.query(sql, params)]


def regrade(services: Services, session_id: str | None = None) -> list[Regraded]:
    """Grade each waiting reply again; return what each one became."""
    results, sessions = [], {}
    for row in waiting(services, session_id):
        session = sessions.get(row["session_id"]) or TrainingSession.resume(services, row["session_id"])
        sessions[row["session_id"]] = session
        try:
            verdict = session.regrade(row["turn_id"])
        except GradingBusy:  # another process started grading it after the query
            continue
        before = f"unscored: {row['reason']}" if row["status"] else "no verdict"
        results.append(Regraded(session_id=row["session_id"], turn_id=row["turn_id"], turn=row["idx"],
                                before=before, status=verdict.status, score=verdict.score,
                                reason=verdict.reason))
    return results


def report_line(item: Regraded) -> str:
    after = f"scored {item.score:.0f}" if item.score is not None else f"{item.status}: {item.reason}"
    return f"session {item.session_id} reply {item.turn}: {item.before} -> {after}"
