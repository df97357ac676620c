"""How fast one verdict stands: its levels, then its written feedback.

    python bench/verdict_speed.py [--judge embedded] [--n 10] [--db PATH]

Grades the base replies of bench/judge_robustness.py (English and German, mixed quality)
on `empathy-core`, one at a time on an otherwise idle judge, with feedback on, and
measures per reply: `levels_s`, from the start of the grade to the moment its levels
stand (the page can show them); `feedback_first_token_s`, from then to the first token of
the feedback answer; `feedback_s`, from the levels to the stored tip and better reply.
Prints one line per reply, then one JSON object with the medians on its last line.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.judge_robustness import BASES, RUBRIC  # noqa: E402
from simulator.config import load_settings  # noqa: E402
from simulator.content.library import default_content_dirs, load_library  # noqa: E402
from simulator.judge.grader import Judge  # noqa: E402
from simulator.llm.base import recording_calls  # noqa: E402
from simulator.llm.registry import get_model  # noqa: E402
from simulator.store.fits import StoredFits  # noqa: E402
from simulator.store.repository import Store  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--judge", default=None)
    parser.add_argument("--n", type=int, default=len(BASES))
    parser.add_argument("--db", default=None, help="database with the stored fits (default: the configured one)")
    args = parser.parse_args()
    settings = load_settings(judge_model=args.judge)
    judge = Judge(get_model(settings.judge_model), fits=StoredFits(Store(args.db or settings.db)))
    rubric = load_library(*default_content_dirs())[0].rubric(RUBRIC)
    judge.grade(rubric, BASES[0][3], BASES[0][2], language=BASES[0][1], feedback=False)  # load, cache the prefix
    rows = []
    for base_id, language, customer, reply in BASES[: args.n]:
        rows.append(measure(judge, rubric, base_id, language, customer, reply))
        print(json.dumps(rows[-1], ensure_ascii=False), flush=True)

    def median(key):
        values = [r[key] for r in rows if r[key] is not None]
        return round(statistics.median(values), 2) if values else None

    print(json.dumps({"judge": judge.model.spec, "replies": len(rows), "levels_s": median("levels_s"),
                      "feedback_first_token_s": median("feedback_first_token_s"), "feedback_s": median("feedback_s"),
                      "methods": sorted({r["method"] for r in rows}),
                      "feedback_done": sum(r["feedback_state"] == "done" for r in rows)}))


def measure(judge, rubric, base_id, language, customer, reply) -> dict:
    marks: dict[str, float] = {}
    calls: list = []
    started = time.perf_counter()
    with recording_calls(calls):
        verdict = judge.grade(rubric, reply, customer, language=language,
                              on_levels=lambda _: marks.setdefault("levels", time.perf_counter()))
    ended = time.perf_counter()
    levels_at = marks.get("levels", ended)
    feedback = [c for r, c in calls if r.schema_name == "feedback"]
    first = None
    if feedback and feedback[0].first_token_seconds is not None:
        # The feedback call is the first model call after the levels stood.
        first = feedback[0].first_token_seconds
    return {"id": base_id, "score": verdict.score, "method": verdict.method,
            "levels_s": round(levels_at - started, 2),
            "feedback_first_token_s": None if first is None else round(first, 2),
            "feedback_s": round(ended - levels_at, 2), "feedback_state": verdict.feedback_state}


if __name__ == "__main__":
    main()
