"""Which replies are being graded right now, so nobody calls them "unscored" meanwhile.

On a shared local model a verdict can take minutes (grading waits behind the customer and
runs one judge call at a time), so "no verdict yet" says nothing about whether one is
coming. A grading job therefore claims its turn in the `grading` table when it is queued
and releases it once its verdict is stored. Each process has a worker token, and while it
holds claims a heartbeat thread refreshes their `beat_at` every BEAT_SECONDS; a claim whose
beat is older than LIVE_SECONDS belongs to a process that died, and counts for nothing.

Pages read the live claims with the turns (`live_turns`); `empathy-sim regrade` and the
*Grade again* button leave claimed replies alone, so no reply is graded twice at once.
"""

from __future__ import annotations

import threading
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from sqlite_utils import Database

if TYPE_CHECKING:
    from simulator.store.repository import Store

#: How often a process refreshes its claims.
BEAT_SECONDS = 10.0
#: A claim not refreshed for this long belongs to a process that is gone.
LIVE_SECONDS = 45.0
#: This process's token in the `grading` table.
WORKER = f"{uuid.uuid4().hex[:12]}"


def _stamp(moment: datetime | None = None) -> str:
    return (moment or datetime.now(UTC)).isoformat(timespec="milliseconds")


def _cutoff() -> str:
    return _stamp(datetime.now(UTC) - timedelta(seconds=LIVE_SECONDS))


def live_turns(db: Database, session_id: str | None = None) -> set[int]:
    """The turns (of one session, or all) whose grading is queued or running in a live process."""
    sql = "select turn_id from grading where beat_at >= ?"
    params: list = [_cutoff()]
    if session_id is not None:
        sql += " and session_id = ?"
        params.append(session_id)
    return {row[0] for row in db.execute(sql, params).fetchall()}


def _claim_row(db: Database, turn_id: int, session_id: str) -> bool:
    """Take the turn's claim unless a live process holds it (this one included)."""
    stamp = _stamp()
    cursor = db.execute(
        """
        insert into grading (turn_id, session_id, worker, queued_at, beat_at) values (?, ?, ?, ?, ?)
        on conflict (turn_id) do update set worker = excluded.worker, queued_at = excluded.queued_at,
            beat_at = excluded.beat_at
        where grading.beat_at < ?
        """,
        [turn_id, session_id, WORKER, stamp, stamp, _cutoff()],
    )
    db.conn.commit()
    return cursor.rowcount == 1


class Claims:
    """This process's claims, counted per turn (a regeneration may grade a turn whose first
    grading is still queued here): the row goes when the last local job of a turn ends."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._held: dict[int, tuple[Store, Counter]] = {}
        self._beating = False

    def claim(self, store: Store, turn_id: int, session_id: str, exclusive: bool = False) -> bool:
        """Register a grading of `turn_id`. `exclusive`: only if nobody grades it now (a
        regrade); otherwise a turn this process grades already is counted twice. False
        when another (or, exclusive, this) grading holds the turn."""
        with self._lock:
            _, counts = self._held.setdefault(id(store), (store, Counter()))
            if counts[turn_id] and exclusive:
                return False
            if not counts[turn_id] and not _claim_row(store.db, turn_id, session_id):
                return False
            counts[turn_id] += 1
            self._start_beating()
            return True

    def release(self, store: Store, turn_id: int) -> None:
        with self._lock:
            entry = self._held.get(id(store))
            if entry is None or not entry[1][turn_id]:
                return
            counts = entry[1]
            counts[turn_id] -= 1
            if counts[turn_id]:
                return
            del counts[turn_id]
            if not counts:
                del self._held[id(store)]
        try:
            store.db.execute("delete from grading where turn_id = ? and worker = ?", [turn_id, WORKER])
            store.db.conn.commit()
        except Exception:  # noqa: BLE001 - no longer beaten, the claim lapses after LIVE_SECONDS
            pass

    def _start_beating(self) -> None:
        if not self._beating:
            self._beating = True
            threading.Thread(target=self._beat, name="grading-heartbeat", daemon=True).start()

    def _beat(self) -> None:
        """Refresh this process's claims until it holds none (then the thread ends)."""
        stop = threading.Event()
        while not stop.wait(BEAT_SECONDS):
            with self._lock:
                stores = [store for store, _ in self._held.values()]
                if not stores:
                    self._beating = False
                    return
            for store in stores:
                try:
                    store.db.execute("update grading set beat_at = ? where worker = ?", [_stamp(), WORKER])
                    store.db.conn.commit()
                except Exception:  # noqa: BLE001 - a missed beat is retried; LIVE_SECONDS allows several
                    pass


#: The claims of this process (one per process, as the worker token is).
claims = Claims()
