"""The store's connections: one per running thread, handed on once its thread has ended
(Streamlit runs every rerun in a new thread)."""

from __future__ import annotations

import threading

from simulator.store.repository import Store


def in_thread(store: Store, hold: threading.Event | None = None) -> tuple[threading.Thread, list]:
    got: list = []
    ready = threading.Event()

    def run():
        got.append(store.db)
        ready.set()
        if hold is not None:
            hold.wait(5)

    thread = threading.Thread(target=run)
    thread.start()
    ready.wait(5)
    return thread, got


def test_a_connection_is_handed_on_only_after_its_thread_ended(tmp_path):
    store = Store(tmp_path / "threads.db")
    hold = threading.Event()
    running, first = in_thread(store, hold)
    _, second = in_thread(store)
    assert first[0] is not second[0], "two running threads never share a connection"
    hold.set()
    running.join(5)
    _, third = in_thread(store)
    assert third[0] in (first[0], second[0]), "an ended thread's connection is used again"
    assert store.db is store.db  # the same thread keeps its own


def test_a_transaction_left_open_by_a_dead_thread_is_rolled_back(tmp_path):
    store = Store(tmp_path / "threads.db")

    def die_mid_write():
        db = store.db
        db.conn.execute("BEGIN IMMEDIATE")
        db.conn.execute("insert into audit_log (at, actor, action) values ('now', 'x', 'y')")

    thread = threading.Thread(target=die_mid_write)
    thread.start()
    thread.join(5)
    _, got = in_thread(store)
    assert not got[0].conn.in_transaction
    assert got[0].execute("select count(*) from audit_log").fetchone()[0] == 0
