"""Opening the SQLite file: WAL, a busy timeout, migrations applied.

Open one `Database` per thread or script run; never share a connection across threads.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlite_utils import Database

from simulator.store import migrations

BUSY_TIMEOUT_MS = 5000


class StoreError(Exception):
    """The database cannot be used; the message says what to do."""


def open_db(path: Path | str, migrate: bool = True) -> Database:
    if str(path) != ":memory:":
        path = Path(path)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(f"Cannot create the folder for the database {path}: {exc}. Choose another path with --db or EMPATHY_SIM_DB.") from exc
    try:
        conn = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_MS / 1000, check_same_thread=False)
        db = Database(conn)
        db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        db.execute("PRAGMA foreign_keys = ON")
        if str(path) != ":memory:":
            db.enable_wal()
        if migrate:
            migrations.apply(db)
    except sqlite3.Error as exc:
        raise StoreError(f"Cannot open the database {path}: {exc}. Check the path and its permissions (--db or EMPATHY_SIM_DB).") from exc
    return db


@contextmanager
def write_transaction(db: Database) -> Iterator[Database]:
    """A transaction that takes the write lock up front.

    sqlite-utils' `atomic()` issues a deferred BEGIN; in WAL mode a deferred transaction
    that reads first and writes later fails at once with "database is locked" when
    another connection wrote in between (the busy timeout does not apply to that case).
    BEGIN IMMEDIATE waits for the lock instead.
    """
    db.conn.execute("BEGIN IMMEDIATE")
    try:
        yield db
    except BaseException:
        if db.conn.in_transaction:
            db.conn.execute("ROLLBACK")
        raise
    else:
        db.conn.execute("COMMIT")
