"""Many trainees at once: lost replies, database errors, and the time the app adds to a turn.

    python bench/load.py [--sessions 50] [--latency-ms 500] [--turns 10] [--in-process]

Starts the OpenAI-compatible test server (tests/support/openai_test_server.py, in its own
process unless --in-process) with the given latency per call, points the customer and the
judge at it, and plays N sessions at once in threads (as Streamlit runs one script thread
per browser tab) on a real SQLite file in a temp folder, each with --turns replies from
bench/turn_latency.py's script (end conditions off, so no session ends early).

Per turn it measures the wall time from `submit` to the settled result (customer stream
read, then `result()`), and the model calls of that turn as [start, end] intervals, with
their role (a ChatModel that wraps the real backend). "Added" time is the wall time minus
the union of those intervals: time in which the turn waited on nothing but the app itself
(SQLite, thread pools, code). SQLite time is taken from the connections themselves (every
connection is opened with a timing `sqlite3.Connection` subclass). Nothing of the app is
patched: the turn is carried into worker threads by a context variable, which
ThreadPoolExecutor is made to copy (the standard library's pools drop it).
Then it checks the database: every reply stored, every turn with a verdict row. One
untimed turn runs first (the client, lazy imports and tokenizer tables are a one-off
cost of a long-running app process, not of every turn).

One line per phase, then one JSON object as the last line with turns, lost, db_errors,
p50_added_ms, p95_added_ms, sessions, latency_ms, model_calls, wall_s, journal_mode (and
a breakdown of the added time). Goal at 50 sessions and 500 ms: 0 lost, 0 errors, p95
added < 50 ms.
"""

from __future__ import annotations

import argparse
import contextvars
import json
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import urllib.request
from collections import defaultdict
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench.library import endless_library  # noqa: E402
from simulator.judge.grader import Judge  # noqa: E402
from simulator.llm.base import ChatModel, ChatRequest, Delta  # noqa: E402
from simulator.llm.registry import build_model  # noqa: E402
from simulator.store.database import StoreError  # noqa: E402
from simulator.store.repository import Store  # noqa: E402
from tests.support.openai_test_server import OpenAITestServer, closed_port  # noqa: E402
from turn_latency import SCRIPTS  # noqa: E402

from simulator.session import Services, TrainingSession  # noqa: E402

SCENARIOS = ("frozen-account-en", "zahlungsschwierigkeiten-de")

#: The turn a piece of work belongs to: (session number, turn number).
TURN: contextvars.ContextVar[tuple[int, int] | None] = contextvars.ContextVar("turn", default=None)


# -- instrumentation ------------------------------------------------------------------


def carry_context_into_pools() -> None:
    """Make every ThreadPoolExecutor run its jobs in the submitter's context, so the turn
    tag follows the work into the session package's judge pool and the Judge's own pool."""
    original = ThreadPoolExecutor.submit
    if getattr(original, "_carries_context", False):
        return

    def submit(self, fn, /, *args, **kwargs):
        return original(self, contextvars.copy_context().run, fn, *args, **kwargs)

    submit._carries_context = True
    ThreadPoolExecutor.submit = submit


class Recorder:
    """Per-turn intervals of model calls (with their role) and SQLite time."""

    def __init__(self):
        self.lock = threading.Lock()
        self.calls: dict[tuple, list[tuple[float, float]]] = defaultdict(list)
        self.judge_starts: dict[tuple, float] = {}
        self.db: dict[tuple, float] = defaultdict(float)
        self.db_by_statement: dict[str, list[float]] = defaultdict(list)
        self.model_calls = 0

    def reset(self) -> None:
        with self.lock:
            self.calls.clear()
            self.judge_starts.clear()
            self.db.clear()
            self.db_by_statement.clear()
            self.model_calls = 0

    def call(self, tag, role: str, start: float, end: float) -> None:
        with self.lock:
            self.calls[tag].append((start, end))
            if role == "judge":
                self.judge_starts[tag] = min(start, self.judge_starts.get(tag, start))
            self.model_calls += 1

    def db_time(self, tag, statement: str, seconds: float) -> None:
        with self.lock:
            self.db[tag] += seconds
            self.db_by_statement[statement].append(seconds)


class TimedModel(ChatModel):
    """The real backend, with each call's [start, end] and role recorded under the current turn."""

    def __init__(self, inner: ChatModel, recorder: Recorder):
        self.inner = inner
        self.spec = inner.spec
        self.recorder = recorder

    def count_tokens(self, text: str) -> tuple[int, str]:
        return self.inner.count_tokens(text)

    def _execute(self, request: ChatRequest) -> Iterator[Delta]:
        tag = TURN.get()
        start = time.perf_counter()
        try:
            yield from self.inner._execute(request)
        finally:
            self.recorder.call(tag, request.role or "unknown", start, time.perf_counter())


def time_connections(recorder: Recorder) -> None:
    """Open every SQLite connection with a subclass that times its statements and commits
    (the app opens its connections with `sqlite3.connect`, and keeps them per thread)."""

    class TimedConnection(sqlite3.Connection):
        def _timed(self, statement: str, call, *args):
            start = time.perf_counter()
            try:
                return call(*args)
            finally:
                words = statement.split()
                recorder.db_time(TURN.get(), " ".join(words[:3]).lower(), time.perf_counter() - start)

        def execute(self, sql, *args):
            return self._timed(sql, super().execute, sql, *args)

        def executemany(self, sql, *args):
            return self._timed(sql, super().executemany, sql, *args)

        def commit(self):
            return self._timed("commit", super().commit)

    connect = sqlite3.connect

    def timed_connect(*args, **kwargs):
        return connect(*args, factory=TimedConnection, **kwargs)

    sqlite3.connect = timed_connect


def union_length(intervals: list[tuple[float, float]], low: float, high: float) -> float:
    total, end = 0.0, low
    for start, stop in sorted(intervals):
        start, stop = max(start, end, low), min(stop, high)
        if stop > start:
            total += stop - start
            end = stop
    return total


# -- the server -----------------------------------------------------------------------


class ServerProcess:
    """The test server in its own process: its threads do not compete for our GIL."""

    def __init__(self, latency_ms: float):
        self.port = closed_port()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.support.openai_test_server", "--latency-ms", str(latency_ms),
             "--port", str(self.port), "--no-bodies"],
            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        )
        self.base_url = f"http://127.0.0.1:{self.port}/v1"
        deadline = time.time() + 30
        while True:
            try:
                urllib.request.urlopen(self.base_url + "/models", timeout=1).read()
                break
            except OSError:
                if self.process.poll() is not None or time.time() > deadline:
                    raise SystemExit(f"the test server did not start: {self.process.stderr.read().decode()}")
                time.sleep(0.1)

    def spec(self) -> str:
        return f"openai-compatible:test@{self.base_url}"

    def stats(self) -> dict:
        with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/_test/stats", timeout=10) as response:
            return json.load(response)

    def reset(self) -> None:
        request = urllib.request.Request(f"http://127.0.0.1:{self.port}/_test/reset", data=b"{}", method="POST")
        urllib.request.urlopen(request, timeout=10).read()

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()


class ServerThread:
    def __init__(self, latency_ms: float):
        self.server = OpenAITestServer(latency_ms=latency_ms, record_bodies=False).start()
        self.base_url = self.server.base_url

    def spec(self) -> str:
        return self.server.spec()

    def stats(self) -> dict:
        return self.server.stats()

    def reset(self) -> None:
        self.server.reset_stats()

    def stop(self) -> None:
        self.server.stop()


# -- the run --------------------------------------------------------------------------


def is_db_error(exc: BaseException) -> bool:
    while exc is not None:
        if isinstance(exc, (sqlite3.OperationalError, StoreError)):
            return True
        exc = exc.__cause__ or exc.__context__
    return False


def play(number: int, services: Services, scenario_id: str, turns: int, start: threading.Barrier,
         rows: list, errors: list, recorder: Recorder) -> None:
    sent = attempted = 0
    session = None
    try:
        start.wait()
        session = TrainingSession.start(services, scenario_id, trainee=f"load-{number}")
        script = SCRIPTS[session.scenario.language]
        for turn in range(1, turns + 1):
            reply = script[(turn - 1) % len(script)]
            if turn > len(script):
                reply += f" ({turn})"
            TURN.set((number, turn))
            started = time.perf_counter()
            attempted += 1
            pending = session.submit(reply)
            sent += 1  # accepted: from here the reply must be in the database
            for _ in pending.stream_customer():
                pass
            result = pending.result()
            ended = time.perf_counter()
            rows.append({"session": number, "turn": turn, "started": started, "ended": ended,
                         "customer": result.customer.status, "verdict": result.verdict.status,
                         "session_id": session.id})
            if result.outcome:
                break
    except Exception as exc:  # counted, never fatal for the other sessions
        errors.append((number, exc, traceback.format_exc(limit=6)))
    finally:
        rows.append({"session": number, "sent": sent, "attempted": attempted,
                     "session_id": session.id if session else None})


def percentile(values: list[float], share: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def ms(value: float | None) -> float | None:
    return None if value is None else round(value * 1000, 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sessions", type=int, default=50)
    parser.add_argument("--latency-ms", type=float, default=500.0)
    parser.add_argument("--turns", type=int, default=10)
    parser.add_argument("--in-process", action="store_true", help="run the test server in this process")
    args = parser.parse_args()

    library = endless_library(SCENARIOS, args.turns)

    recorder = Recorder()
    carry_context_into_pools()
    time_connections(recorder)

    server = (ServerThread if args.in_process else ServerProcess)(args.latency_ms)
    print(f"server: {server.base_url}, {args.latency_ms:g} ms per call, "
          f"{'in this process' if args.in_process else 'own process'}", flush=True)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "load.db"
            model = TimedModel(build_model(server.spec()), recorder)  # one client, shared, as get_model does
            services = Services(Store(path), library, model, Judge(model))
            journal = services.store.db.execute("PRAGMA journal_mode").fetchone()[0]
            synchronous = services.store.db.execute("PRAGMA synchronous").fetchone()[0]
            busy = services.store.db.execute("PRAGMA busy_timeout").fetchone()[0]
            print(f"database: {path} journal_mode={journal} synchronous={synchronous} busy_timeout={busy} ms; "
                  f"grade_alongside={services.grade_alongside}", flush=True)

            # One turn first, untimed: the process's one-off costs (the client, lazy imports,
            # tokenizer tables) are paid once by a long-running app, not by every turn.
            warm = TrainingSession.start(services, SCENARIOS[0], trainee="warmup")
            warm.submit(SCRIPTS["en"][0]).result()
            recorder.reset()
            server.reset()

            rows, errors = [], []
            barrier = threading.Barrier(args.sessions)
            threads = [threading.Thread(target=play, name=f"session-{n}",
                                        args=(n, services, SCENARIOS[n % len(SCENARIOS)], args.turns, barrier,
                                              rows, errors, recorder))
                       for n in range(args.sessions)]
            began = time.perf_counter()
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            wall = time.perf_counter() - began
            stats = server.stats()
            turns = [r for r in rows if "turn" in r]
            sent = sum(r["sent"] for r in rows if "sent" in r)
            attempted = sum(r["attempted"] for r in rows if "attempted" in r)
            print(f"run: {args.sessions} sessions x {args.turns} turns in {wall:.1f} s; {len(turns)} turns "
                  f"settled; {recorder.model_calls} model calls ({stats['requests']} requests at the server, "
                  f"peak {stats['peak_in_flight']} in flight)", flush=True)

            added, judge_start, db_time, walls, before, after = [], [], [], [], [], []
            for row in turns:
                tag = (row["session"], row["turn"])
                calls = recorder.calls.get(tag, [])
                busy = union_length(calls, row["started"], row["ended"])
                wall_turn = row["ended"] - row["started"]
                walls.append(wall_turn)
                added.append(max(wall_turn - busy, 0.0))
                if calls:
                    before.append(min(start for start, _ in calls) - row["started"])
                    after.append(row["ended"] - max(end for _, end in calls))
                db_time.append(recorder.db.get(tag, 0.0))
                if tag in recorder.judge_starts:
                    judge_start.append(recorder.judge_starts[tag] - row["started"])
            print(f"turns: wall p50 {ms(percentile(walls, .5))} ms, p95 {ms(percentile(walls, .95))} ms; "
                  f"added p50 {ms(percentile(added, .5))} ms, p95 {ms(percentile(added, .95))} ms, "
                  f"max {ms(max(added, default=None))} ms", flush=True)
            durations = [end - start for calls in recorder.calls.values() for start, end in calls]
            overhead = [d - args.latency_ms / 1000 for d in durations]
            print(f"model calls: duration p50 {ms(percentile(durations, .5))} ms, p95 {ms(percentile(durations, .95))} ms "
                  f"(client-side overhead over the server's latency p50 {ms(percentile(overhead, .5))} ms, "
                  f"p95 {ms(percentile(overhead, .95))} ms)", flush=True)
            print(f"added, split: before the first call p50 {ms(percentile(before, .5))} ms, p95 "
                  f"{ms(percentile(before, .95))} ms; after the last call p50 {ms(percentile(after, .5))} ms, "
                  f"p95 {ms(percentile(after, .95))} ms; the rest is gaps between calls", flush=True)
            print(f"where: first judge call after the reply p50 {ms(percentile(judge_start, .5))} ms, "
                  f"p95 {ms(percentile(judge_start, .95))} ms; "
                  f"SQLite per turn p50 {ms(percentile(db_time, .5))} ms, p95 {ms(percentile(db_time, .95))} ms",
                  flush=True)

            slowest = sorted(recorder.db_by_statement.items(), key=lambda kv: -sum(kv[1]))[:4]
            print("sqlite: " + "; ".join(f"{name} x{len(v)} p50 {ms(percentile(v, .5))} ms p95 {ms(percentile(v, .95))} ms"
                                         for name, v in slowest), flush=True)
            by_turn = defaultdict(list)
            for row, extra in zip(turns, added):
                by_turn[row["turn"]].append(extra)
            print("added by turn number (p50/max ms): " + ", ".join(
                f"{t}: {ms(percentile(v, .5))}/{ms(max(v))}" for t, v in sorted(by_turn.items())), flush=True)

            db_errors = sum(is_db_error(exc) for _, exc, _ in errors)
            for number, exc, trace in errors[:5]:
                print(f"error in session {number}: {type(exc).__name__}: {exc}\n{trace}", file=sys.stderr)
            db = services.store.db
            stored = db.execute(
                "select count(*) from turns where idx > 0 and trainee_text is not null and trainee_text != '' "
                "and session_id in (select id from sessions where trainee like 'load-%')").fetchone()[0]
            ours = "session_id in (select id from sessions where trainee like 'load-%')"
            without_verdict = db.execute(
                f"select count(*) from turns t where t.idx > 0 and {ours} and not exists "
                "(select 1 from verdicts v where v.turn_id = t.id)").fetchone()[0]
            statuses = dict(db.execute(
                f"select customer_status, count(*) from turns where idx > 0 and {ours} "
                "group by customer_status").fetchall())
            verdicts = dict(db.execute(
                f"select status, count(*) from verdicts where {ours} group by status").fetchall())
            lost = sent - stored
            print(f"verify: replies sent {attempted}, accepted {sent}, stored {stored}, lost {lost}; turns without a verdict "
                  f"{without_verdict}; db errors {db_errors}, other errors {len(errors) - db_errors}; "
                  f"customer {statuses}; verdicts {verdicts}", flush=True)
    finally:
        server.stop()

    print(json.dumps({
        "turns": len(turns), "lost": lost, "db_errors": db_errors,
        "p50_added_ms": ms(percentile(added, .5)), "p95_added_ms": ms(percentile(added, .95)),
        "sessions": args.sessions, "latency_ms": args.latency_ms, "model_calls": recorder.model_calls,
        "wall_s": round(wall, 1), "journal_mode": journal,
        "other_errors": len(errors) - db_errors, "no_verdict": without_verdict, "replies_attempted": attempted,
        "max_added_ms": ms(max(added, default=None)),
        "p50_turn_ms": ms(percentile(walls, .5)), "p95_turn_ms": ms(percentile(walls, .95)),
        "p95_judge_start_ms": ms(percentile(judge_start, .95)), "p95_db_ms": ms(percentile(db_time, .95)),
        "peak_in_flight": stats["peak_in_flight"], "p95_call_overhead_ms": ms(percentile(overhead, .95)),
    }))


if __name__ == "__main__":
    main()
