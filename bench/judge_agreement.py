"""Agreement of the judge with human labels, next to the human-human figures.

    python bench/judge_agreement.py [--epitome ../shared/eval/epitome_dev.csv] [--n 120]
                                    [--judge embedded] [--mode per_criterion|joint] [--gold-only]

Two measurements:
1. EPITOME (Sharma et al. 2020; Reddit mental-health replies with three human labels,
   0-2): a stratified sample of `--n` items, labels mapped to emotional_reaction,
   interpretation and exploration of the `empathy-core` rubric. The file is read from
   the shared eval folder and never copied into the repository.
2. The project's own gold set: every worked example of every rubric, graded on its own
   criterion. Examples the judge prompt shows (one per level) are reported apart from
   the held-out ones, since grading a prompt's own examples measures little.

Prints per-criterion lines, then one JSON object on its last line.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from simulator.config import load_settings  # noqa: E402
from simulator.content.library import default_content_dirs, load_library  # noqa: E402
from simulator.judge.calibration import GoldItem, calibrate, format_report  # noqa: E402
from simulator.judge.grader import Judge  # noqa: E402
from simulator.judge.prompt import pick_examples  # noqa: E402
from simulator.llm.registry import get_model  # noqa: E402

EPITOME_MAP = {
    "emotional_reactions": "emotional_reaction",
    "interpretations": "interpretation",
    "explorations": "exploration",
}
HUMAN_HUMAN = {"emotional_reaction": 0.74, "interpretation": 0.72, "exploration": 0.66}
DEFAULT_EPITOME = Path(__file__).resolve().parents[2] / "shared" / "eval" / "epitome_dev.csv"


def epitome_items(path: Path, n: int, seed: int = 7) -> list[GoldItem]:
    """A sample stratified on the rarer strong levels, so every level is represented."""
    with path.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    rng = random.Random(seed)
    rng.shuffle(rows)
    buckets: dict[tuple, list] = {}
    for row in rows:
        key = tuple(int(row[label]) for label in EPITOME_MAP)
        buckets.setdefault(key, []).append(row)
    chosen, keys = [], sorted(buckets)
    while len(chosen) < min(n, len(rows)):
        for key in keys:
            if buckets[key] and len(chosen) < n:
                chosen.append(buckets[key].pop())
    return [
        GoldItem(id=row["id"], context=row["context"], reply=row["reply"],
                 labels={label: int(row[label]) for label in EPITOME_MAP})
        for row in chosen
    ]


def gold_items(library) -> dict[str, dict[str, list[GoldItem]]]:
    """rubric id -> {"shown": [...], "held_out": [...]} built from the worked examples."""
    result = {}
    for rubric in library.rubrics.values():
        sets = {"shown": [], "held_out": []}
        for criterion in rubric.criteria:
            shown = pick_examples(criterion, 3)
            for i, example in enumerate(criterion.examples):
                item = GoldItem(id=f"{rubric.id}/{criterion.id}/{i}", context=example.context,
                                reply=example.reply, labels={criterion.id: example.level})
                sets["shown" if example in shown else "held_out"].append(item)
        result[rubric.id] = sets
    return result


class Progress:
    """Prints to stderr every `step` items, so a long run shows it is alive."""

    def __init__(self, total: int, label: str, step: int = 10):
        self.total, self.label, self.step, self.done = total, label, step, 0

    def __call__(self, n: int) -> None:
        self.done += n
        if self.done % self.step == 0 or self.done == self.total:
            print(f"  {self.label}: {self.done}/{self.total}", file=sys.stderr, flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--epitome", type=Path, default=DEFAULT_EPITOME)
    parser.add_argument("--n", type=int, default=120)
    parser.add_argument("--judge", default="embedded")
    parser.add_argument("--mode", default=None, choices=["per_criterion", "joint"])
    parser.add_argument("--samples", type=int, default=None)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--gold-only", action="store_true")
    parser.add_argument("--epitome-only", action="store_true")
    args = parser.parse_args()

    settings = load_settings(judge_model=args.judge, judge_mode=args.mode, judge_samples=args.samples)
    judge = Judge(get_model(settings.judge_model), mode=settings.judge_mode, samples=settings.judge_samples)
    library, _ = load_library(*default_content_dirs())
    summary: dict = {"judge": judge.model.spec, "mode": judge.mode, "samples": judge.samples}

    if not args.gold_only:
        items = epitome_items(args.epitome, args.n)
        report = calibrate(judge, library.rubric("empathy-core"), items, EPITOME_MAP, args.workers,
                           Progress(len(items), "epitome"))
        print(format_report(report), flush=True)
        summary["epitome"] = {
            cid: {"n": a.n, "unscored": a.unscored, "kappa": a.kappa, "exact": a.exact,
                  "within_one": a.within_one, "macro_f1": a.macro_f1, "human_human_kappa": HUMAN_HUMAN[cid]}
            for cid, a in report.criteria.items()
        }
        summary["epitome_seconds"] = report.seconds

    if not args.epitome_only:
        summary["gold"] = {}
        for rubric_id, sets in gold_items(library).items():
            for name, items in sets.items():
                if not items:
                    continue
                report = calibrate(judge, library.rubric(rubric_id), items, {}, args.workers,
                                   Progress(len(items), f"{rubric_id}/{name}"))
                print(f"[{rubric_id} · {name} examples]\n{format_report(report)}", flush=True)
                pooled_n = sum(a.n for a in report.criteria.values())
                exact = sum((a.exact or 0) * a.n for a in report.criteria.values())
                summary["gold"][f"{rubric_id}/{name}"] = {
                    "items": len(items), "graded": pooled_n,
                    "unscored": sum(a.unscored for a in report.criteria.values()),
                    "exact": round(exact / pooled_n, 3) if pooled_n else None,
                }
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
