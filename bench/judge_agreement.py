"""Agreement of the judge with human labels, next to the human-human figures.

    python bench/judge_agreement.py [--epitome ../shared/eval/epitome_dev.csv] [--n 120]
                                    [--maia ../shared/eval/maia_de_dev.csv] [--maia-n 120]
                                    [--judge embedded] [--mode per_criterion|joint]
                                    [--levels auto|constrained] [--no-fit] [--gold-only]

First, unless --no-fit, the judge's thresholds are fitted from the rubrics' own worked
examples (`empathy-sim calibrate --fit` without trainer labels), in memory: the evaluation
files are only ever graded, never fitted on. Then three measurements:
1. EPITOME (Sharma et al. 2020; Reddit mental-health replies with three human labels,
   0-2): a stratified sample of `--n` items, labels mapped to emotional_reaction,
   interpretation and exploration of the `empathy-core` rubric. The file is read from
   the shared eval folder and never copied into the repository.
2. MAIA-DQE (German agent turns of a real customer-service chat, labelled templated /
   empathic per sentence): templated detection F1 (authenticity level 0 vs
   `templated_any`) and empathy kappa (emotional reaction above 0 vs `empathy_any`).
3. The project's own gold set: every worked example of every rubric, graded on its own
   criterion. Examples the judge prompt shows (one per level) are reported apart from
   the held-out ones, since grading a prompt's own examples measures little.

Prints per-criterion lines, then one JSON object on its last line.
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import json
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from simulator.config import load_settings  # noqa: E402
from simulator.content.library import default_content_dirs, load_library  # noqa: E402
from simulator.judge.calibration import (  # noqa: E402
    GoldItem, calibrate, example_items, fit_levels, format_fit, format_report)
from simulator.judge.fit import LevelFit  # noqa: E402
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
DEFAULT_MAIA = Path(__file__).resolve().parents[2] / "shared" / "eval" / "maia_de_dev.csv"


class FixedFit:
    """A fit held in memory (the bench never writes to a database)."""

    def __init__(self, fit):
        self.fit = fit

    def current(self, rubric, model):
        return self.fit if self.fit is not None and rubric.id == self.fit.rubric_id else None


def split_context(context: str) -> tuple[str, list[tuple[str, str]]]:
    """MAIA's "Customer: ... / Agent: ..." lines as the last customer message and the turns before it."""
    turns: list[tuple[str, str]] = []
    for line in context.splitlines():
        speaker, sep, text = line.partition(":")
        if sep and speaker.strip() in ("Customer", "Agent"):
            turns.append((speaker.strip(), text.strip()))
        elif turns:
            turns[-1] = (turns[-1][0], f"{turns[-1][1]} {line.strip()}")
    last = max((i for i, (who, _) in enumerate(turns) if who == "Customer"), default=None)
    if last is None:
        return context.strip(), []
    return turns[last][1], turns[:last]


def stratified(path: Path, key, n: int, seed: int = 7) -> list[dict]:
    """`n` rows of a CSV file, taken in turn from each group of `key(row)`, so the rarer
    labels are represented (a fixed seed: the same sample every run)."""
    with path.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    rng = random.Random(seed)
    rng.shuffle(rows)
    buckets: dict[tuple, list] = {}
    for row in rows:
        buckets.setdefault(key(row), []).append(row)
    chosen, keys = [], sorted(buckets)
    while len(chosen) < min(n, len(rows)):
        for group in keys:
            if buckets[group] and len(chosen) < n:
                chosen.append(buckets[group].pop())
    return chosen


def maia_rows(path: Path, n: int) -> list[dict]:
    """Stratified on the two labels, so templated and empathic turns are represented."""
    return stratified(path, lambda row: (row["templated_any"], row["empathy_any"]), n)


def binary_f1(gold: list[bool], predicted: list[bool]) -> float | None:
    tp = sum(g and p for g, p in zip(gold, predicted))
    fp = sum(p and not g for g, p in zip(gold, predicted))
    fn = sum(g and not p for g, p in zip(gold, predicted))
    return round(2 * tp / (2 * tp + fp + fn), 3) if tp + fp + fn else None


def binary_kappa(gold: list[bool], predicted: list[bool]) -> float | None:
    n = len(gold)
    if not n:
        return None
    observed = sum(g == p for g, p in zip(gold, predicted)) / n
    pg, pp = sum(gold) / n, sum(predicted) / n
    expected = pg * pp + (1 - pg) * (1 - pp)
    return None if expected == 1 else round((observed - expected) / (1 - expected), 3)


def measure_maia(judge, rubric, path: Path, n: int, workers: int) -> dict:
    import statistics
    import time
    from concurrent.futures import ThreadPoolExecutor

    rows = maia_rows(path, n)
    progress = Progress(len(rows), "maia")

    def grade(row):
        customer, context = split_context(row["context_de"])
        started = time.perf_counter()
        verdict = judge.grade(rubric, row["response_de"], customer, context, language="de",
                              only={"authenticity", "emotional_reaction"}, feedback=False)
        progress(1)
        return verdict, time.perf_counter() - started

    with ThreadPoolExecutor(max_workers=workers) as pool:
        graded = list(pool.map(grade, rows))
    scored = [(row, v) for row, (v, _) in zip(rows, graded) if v.status == "scored"]
    templated = [row["templated_any"] == "1" for row, _ in scored]
    empathic = [row["empathy_any"] == "1" for row, _ in scored]
    level_0 = [v.criteria["authenticity"].level == 0 for _, v in scored]
    reacts = [v.criteria["emotional_reaction"].level > 0 for _, v in scored]
    # Beside the measure: the stock sentences the verdict names (a reply that only
    # leans on one is capped at authenticity 1, not 0, as the rubric's level 1 says).
    named = [bool(v.stock) for _, v in scored]
    below_top = [v.criteria["authenticity"].level <= 1 for _, v in scored]
    return {"n": len(rows), "unscored": len(rows) - len(scored),
            "templated_f1": binary_f1(templated, level_0), "empathy_kappa": binary_kappa(empathic, reacts),
            "templated_f1_stock_named": binary_f1(templated, named),
            "templated_f1_authenticity_below_2": binary_f1(templated, below_top),
            "empathy_f1": binary_f1(empathic, reacts),
            "templated_share": round(sum(templated) / max(1, len(templated)), 3),
            "flagged_share": round(sum(level_0) / max(1, len(level_0)), 3),
            "seconds_per_reply": round(statistics.median(s for _, s in graded), 2)}


def epitome_items(path: Path, n: int, seed: int = 7) -> list[GoldItem]:
    """A sample stratified on the rarer strong levels, so every level is represented."""
    chosen = stratified(path, lambda row: tuple(int(row[label]) for label in EPITOME_MAP), n, seed)
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
    parser.add_argument("--maia", type=Path, default=DEFAULT_MAIA)
    parser.add_argument("--maia-n", type=int, default=120)
    parser.add_argument("--levels", default="auto", choices=["auto", "constrained"])
    parser.add_argument("--no-fit", action="store_true", help="Round the expected level instead of fitting.")
    parser.add_argument("--fit-file", type=Path, default=None,
                        help="Read the fit from this JSON file if it exists, else fit and write it there.")
    parser.add_argument("--gold-only", action="store_true")
    parser.add_argument("--epitome-only", action="store_true")
    parser.add_argument("--skip-gold", action="store_true")
    parser.add_argument("--skip-maia", action="store_true")
    parser.add_argument("--maia-only", action="store_true")
    args = parser.parse_args()

    settings = load_settings(judge_model=args.judge, judge_mode=args.mode, judge_samples=args.samples)
    judge = Judge(get_model(settings.judge_model), mode=settings.judge_mode, samples=settings.judge_samples,
                  levels=args.levels)
    library, _ = load_library(*default_content_dirs())
    core = library.rubric("empathy-core")
    summary: dict = {"judge": judge.model.spec, "mode": judge.mode, "samples": judge.samples, "levels": args.levels}
    if args.levels == "auto" and not args.no_fit:
        if args.fit_file and args.fit_file.exists():
            fit = LevelFit.model_validate_json(args.fit_file.read_text(encoding="utf-8"))
        else:
            examples = example_items(core)
            fit = fit_levels(judge, core, {"rubric examples": examples}, workers=args.workers,
                             progress=Progress(len(examples), "fit"))
            if args.fit_file:
                args.fit_file.write_text(fit.model_dump_json(indent=2), encoding="utf-8")
        print(format_fit(fit), flush=True)
        judge = dataclasses.replace(judge, fits=FixedFit(fit))
        summary["fit"] = {cid: {"n": c.n, "thresholds": c.thresholds, "loo_kappa": c.kappa}
                          for cid, c in fit.criteria.items()}
        summary["fit_refused"] = fit.refused

    if not args.gold_only and not args.maia_only:
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
        summary["epitome_seconds_per_reply"] = round(report.seconds * args.workers / max(1, report.items), 2)

    if not args.gold_only and not args.epitome_only and not args.skip_maia:
        summary["maia"] = measure_maia(judge, core, args.maia, args.maia_n, args.workers)
        print(f"MAIA (German): {summary['maia']}", flush=True)

    if not args.epitome_only and not args.skip_gold and not args.maia_only:
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
