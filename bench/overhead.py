"""The time the app itself adds to a turn: prompt building, checks, SQLite writes, state.

    python bench/overhead.py [--sessions 3] [--turns 12]

Plays the fixed script of bench/turn_latency.py through the real session code on a real
SQLite file, with the scripted backend (instant answers), and subtracts the time spent
inside model calls. Prints one line per session, then one JSON object on its last line
with `median_ms` and `p95_ms` per turn (goal: median under 10 ms).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.recording import Recording  # noqa: E402
from bench.library import endless_library  # noqa: E402
from bench.turn_latency import SCRIPTS  # noqa: E402
from simulator.judge.grader import Judge  # noqa: E402
from simulator.llm.scripted import ScriptedModel  # noqa: E402
from simulator.session import Services, TrainingSession  # noqa: E402
from simulator.store.repository import Store  # noqa: E402

SCENARIOS = ["frozen-account-en", "zahlungsschwierigkeiten-de"]


def model_seconds(calls, since: float) -> float:
    """Time inside model calls that started at or after `since` (overlaps merged)."""
    spans = sorted((c.started, c.ended) for c in calls if c.started >= since)
    total, end = 0.0, None
    for start, stop in spans:
        if end is None or start > end:
            total += stop - start
            end = stop
        elif stop > end:
            total += stop - end
            end = stop
    return total


def play(services: Services, calls, scenario_id: str, turns: int) -> list[float]:
    session = TrainingSession.start(services, scenario_id, trainee="bench")
    language = services.library.scenario(scenario_id).language
    added = []
    for reply in (SCRIPTS[language] * 3)[:turns]:
        started = time.perf_counter()
        pending = session.submit(reply)
        for _ in pending.stream_customer():
            pass
        pending.result()
        wall = time.perf_counter() - started
        added.append((wall - model_seconds(calls(), started)) * 1000)
    return added


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sessions", type=int, default=3)
    parser.add_argument("--turns", type=int, default=12)
    args = parser.parse_args()
    library = endless_library(SCENARIOS, args.turns)
    customer, judge = Recording(ScriptedModel()), Recording(ScriptedModel())
    added: list[float] = []
    with tempfile.TemporaryDirectory() as tmp:
        services = Services(Store(Path(tmp) / "bench.db"), library, customer, Judge(judge))
        for n in range(args.sessions):
            scenario = SCENARIOS[n % len(SCENARIOS)]
            figures = play(services, lambda: customer.calls + judge.calls, scenario, args.turns)
            print(json.dumps({"session": n, "scenario": scenario,
                              "median_ms": round(statistics.median(figures), 2)}), flush=True)
            added += figures
    added.sort()
    print(json.dumps({
        "turns": len(added),
        "median_ms": round(statistics.median(added), 2),
        "p95_ms": round(added[int(0.95 * (len(added) - 1))], 2),
        "max_ms": round(added[-1], 2),
        "model_calls": len(customer.calls) + len(judge.calls),
    }))


if __name__ == "__main__":
    main()
