"""Grading alongside the customer vs after it, with every model call taking a second.

    python bench/concurrency.py [--latency-ms 1000] [--turns 4] [--scenarios frozen-account-en,zahlungsschwierigkeiten-de]

Starts the OpenAI-compatible test server (tests/support/openai_test_server.py, its own
process) with the given latency per call and plays the same short script of replies
(bench/turn_latency.py's, end conditions off) twice through the real session code: once
as the app runs a remote backend (`Services.grade_alongside` is True: the judge starts
when the reply is stored, while the fact check and the customer run), once with the
judge forced to start after the customer's message (a `Services` whose
`grade_alongside` is False, as for a local model sharing the CPU; the fact check kept
before the customer in both runs). A turn's time runs
from `submit` to the settled result (the customer stream read, then `result()`).

One line per turn, then one JSON object as the last line: concurrent_s and sequential_s
(median seconds per turn), ratio (concurrent / sequential; goal <= 0.6) and
calls_per_turn (model calls the server saw per turn).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from load import ServerProcess  # noqa: E402
from bench.library import endless_library  # noqa: E402
from simulator.judge.grader import Judge  # noqa: E402
from simulator.llm.registry import build_model  # noqa: E402
from simulator.session import Services, TrainingSession  # noqa: E402
from simulator.store.repository import Store  # noqa: E402
from turn_latency import SCRIPTS  # noqa: E402


class SequentialServices(Services):
    """The judge starts only once the customer's message is stored. The fact check stays
    before the customer, as in the concurrent run (simulator/session moves it after the customer
    whenever `grade_alongside` is False, via `facts_first`), so that the two runs do the
    same work and differ only in when the judge starts."""

    @property
    def grade_alongside(self) -> bool:
        return False

    @property
    def facts_first(self) -> bool:
        return True


def play(services: Services, scenario_id: str, turns: int, mode: str, server: ServerProcess) -> list[dict]:
    session = TrainingSession.start(services, scenario_id, trainee=f"bench-{mode}")
    rows = []
    for index, reply in enumerate(SCRIPTS[session.scenario.language][:turns], start=1):
        calls_before = server.stats()["requests"]
        started = time.perf_counter()
        pending = session.submit(reply)
        for _ in pending.stream_customer():
            pass
        customer_done = time.perf_counter() - started
        result = pending.result()
        seconds = time.perf_counter() - started
        row = {"mode": mode, "scenario": scenario_id, "turn": index, "turn_s": round(seconds, 3),
               "customer_s": round(customer_done, 3), "calls": server.stats()["requests"] - calls_before,
               "customer": result.customer.status, "verdict": result.verdict.status}
        print(json.dumps(row), flush=True)
        rows.append(row)
        if result.outcome:
            break
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--latency-ms", type=float, default=1000.0)
    parser.add_argument("--turns", type=int, default=4)
    parser.add_argument("--scenarios", default="frozen-account-en,zahlungsschwierigkeiten-de")
    args = parser.parse_args()

    ids = args.scenarios.split(",")
    library = endless_library(ids, args.turns)

    server = ServerProcess(args.latency_ms)
    print(f"server: {server.base_url}, {args.latency_ms:g} ms per call", flush=True)
    rows: list[dict] = []
    try:
        with tempfile.TemporaryDirectory() as tmp:
            model = build_model(server.spec())
            for mode, kind in (("concurrent", Services), ("sequential", SequentialServices)):
                services = kind(Store(Path(tmp) / f"{mode}.db"), library, model, Judge(model))
                print(f"{mode}: grade_alongside={services.grade_alongside}, "
                      f"facts_first={getattr(services, 'facts_first', True)}", flush=True)
                for scenario_id in ids:
                    rows += play(services, scenario_id, args.turns, mode, server)
    finally:
        server.stop()

    def median(mode: str, key: str) -> float:
        return round(statistics.median(r[key] for r in rows if r["mode"] == mode), 3)

    concurrent, sequential = median("concurrent", "turn_s"), median("sequential", "turn_s")
    print(json.dumps({
        "concurrent_s": concurrent, "sequential_s": sequential, "ratio": round(concurrent / sequential, 3),
        "calls_per_turn": round(statistics.mean(r["calls"] for r in rows), 2),
        "latency_ms": args.latency_ms, "turns_per_mode": sum(r["mode"] == "concurrent" for r in rows),
        "concurrent_customer_s": median("concurrent", "customer_s"),
        "sequential_customer_s": median("sequential", "customer_s"),
    }))


if __name__ == "__main__":
    main()
