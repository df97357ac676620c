"""SQL queries one rerun of the practice page makes for a session of N replies.

    python bench/page_queries.py [--turns 12]

Plays N replies on the practice page (Streamlit's AppTest, the test content, scripted
models: no model cost in the figure), then reruns the page once, as its 2-second poll and
every click do, and counts the SQL statements SQLite ran during that rerun (every
connection the app opens gets a trace callback; nothing in the app is patched). Prints
one line per kind of statement, then one JSON object on its last line. Goal of issue 17:
at most 10 queries per rerun of a 12-turn session.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sqlite3
import sys
import tempfile
import threading
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

FIXTURES = ROOT / "tests" / "app" / "fixtures"


class StatementCounter:
    """Counts the statements of every SQLite connection opened after `install`."""

    def __init__(self):
        self.counts: Counter = Counter()
        self.on = False
        self.lock = threading.Lock()

    def install(self) -> None:
        connect = sqlite3.connect

        def traced(*args, **kwargs):
            conn = connect(*args, **kwargs)
            conn.set_trace_callback(self.record)
            return conn

        sqlite3.connect = traced

    def record(self, statement: str) -> None:
        if self.on:
            with self.lock:
                self.counts[statement.strip().split(None, 1)[0].upper()] += 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--turns", type=int, default=12)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="page-queries-"))
    os.chdir(folder)
    scenarios = folder / "scenarios"
    scenarios.mkdir()
    for path in (FIXTURES / "scenarios").glob("*.yaml"):  # long enough for every reply, never resolved early
        text = re.sub(r"max_turns: \d+", f"max_turns: {args.turns + 2}\n  resolved_when:\n    min_turns: 50",
                      path.read_text(encoding="utf-8"))
        (scenarios / path.name).write_text(text, encoding="utf-8")
    os.environ.update({
        "EMPATHY_SIM_DB": str(folder / "sim.db"), "EMPATHY_SIM_CUSTOMER_MODEL": "scripted",
        "EMPATHY_SIM_JUDGE_MODEL": "scripted", "EMPATHY_SIM_DRAFTING_MODEL": "scripted",
        "EMPATHY_SIM_SCENARIOS": str(scenarios), "EMPATHY_SIM_RUBRICS": str(FIXTURES / "rubrics"),
    })
    os.environ.pop("EMPATHY_SIM_CONFIG", None)
    counter = StatementCounter()
    counter.install()
    from tests.support.pages import app, ok, reply, start  # the page tests' own way in

    at = start(app())
    for n in range(args.turns):
        reply(at, f"I'm sorry, that sounds stressful. I will lift the block now, step {n + 1}. What happened?")
    ok(at.run())  # settle: every verdict stored
    counter.counts.clear()
    counter.on = True
    ok(at.run())
    counter.on = False
    counts = dict(counter.counts)
    for kind, n in sorted(counts.items(), key=lambda kv: -kv[1]):
        print(f"{kind:10s} {n}")
    queries = counts.get("SELECT", 0)
    print(json.dumps({"turns": args.turns, "queries_per_rerun": queries,
                      "statements_per_rerun": sum(counts.values()), "by_kind": counts, "goal_queries": 10}))


if __name__ == "__main__":
    main()
