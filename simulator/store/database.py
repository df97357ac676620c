"""Opening the SQLite file: WAL, a busy timeout, migrations applied.

Open one `Database` per thread or script run; never share a connection across threads.
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlite_utils import Database

from simulator.store import migrations


def now() -> str:
    """The time stored in every `created_at` column: UTC, milliseconds."""
    return datetime.now(UTC).isoformat(timespec="milliseconds")

# Long enough for 50 sessions writing at once on a busy machine (bench/load.py saw 2 s waits).
BUSY_TIMEOUT_MS = 10000


class StoreError(Exception):
    """The database cannot be used; the message says what to do."""


def describe(exc: sqlite3.Error, path: Path | str) -> str:
    """What a database failure means for the user, and what to do next."""
    text = str(exc).casefold()
    if "locked" in text or "busy" in text:
        return (f"The database {path} is busy: another program has held its lock for more than "
                f"{BUSY_TIMEOUT_MS // 1000} s. Nothing you wrote is lost; try again in a moment.")
    if "readonly" in text or "read-only" in text:
        return (f"The database {path} is read-only, so nothing can be saved. An administrator must make "
                "the file and its folder writable (or set EMPATHY_SIM_DB to a writable path).")
    if "disk" in text or "full" in text:
        return f"The database {path} cannot be written ({exc}). Free disk space or check the disk, then try again."
    return f"The database {path} failed: {exc}. Try again; if it keeps failing, tell an administrator."


@contextmanager
def db_errors(path: Path | str) -> Iterator[None]:
    """Turn SQLite's operational errors (locked, read-only, disk full) into a StoreError
    whose message tells the user what happened and what to do."""
    try:
        yield
    except sqlite3.OperationalError as exc:
        raise StoreError(describe(exc, path)) from exc


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
            # SQLite's advice for WAL: no fsync per commit, still never corrupt, and an app
            # crash loses nothing committed; only a power cut can lose the last commits.
            # An fsync per turn update cost ~10 ms of the app's own time per write.
            db.execute("PRAGMA synchronous = NORMAL")
        if migrate:
            migrations.apply(db)
    except sqlite3.Error as exc:
        raise StoreError(f"Cannot open the database {path}: {exc}. Check the path and its permissions (--db or EMPATHY_SIM_DB).") from exc
    return db


def fetch_rows(db: Database, sql: str, params: list | dict = ()) -> list[dict]:
    """The rows of one query as dicts. Plain SQL: sqlite-utils' table helpers look the
    table up in sqlite_master on every call, which tripled the statements of a page rerun."""
    cursor = db.execute(sql, params)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, values)) for values in cursor.fetchall()]


def insert_rows(db: Database, table: str, rows: list[dict]) -> int | None:
    """Insert rows that share their keys; returns the last row's id. Plain SQL for the
    writes of every turn: sqlite-utils' `insert` reads the table's schema each time."""
    if not rows:
        return None
    columns = list(rows[0])
    sql = (f"insert into [{table}] ({', '.join(f'[{c}]' for c in columns)}) "
           f"values ({', '.join('?' for _ in columns)})")
    cursor = None
    for row in rows:
        cursor = db.execute(sql, [row[c] for c in columns])
    return cursor.lastrowid


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
