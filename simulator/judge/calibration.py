"""Measure the judge against human labels: `empathy-sim calibrate`.

Gold lines are the `grade` input plus `"labels": {"<criterion or label name>": level}`;
`--map label=criterion` renames labels (e.g. EPITOME's `emotional_reactions`).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor

from pydantic import BaseModel

from simulator.content.schema import Rubric
from simulator.judge.agreement import Agreement, agreement
from simulator.judge.grader import Judge


class GoldItem(BaseModel):
    id: str | int
    context: str
    reply: str
    labels: dict[str, int]


class CalibrationReport(BaseModel):
    rubric: str
    judge: str
    mode: str
    items: int
    seconds: float
    criteria: dict[str, Agreement]
    unscored_reasons: dict[str, int]


def parse_mapping(pairs: Iterable[str]) -> dict[str, str]:
    mapping = {}
    for pair in pairs:
        label, sep, criterion = pair.partition("=")
        if not sep or not label or not criterion:
            raise ValueError(f"--map takes label=criterion, got {pair!r}")
        mapping[label.strip()] = criterion.strip()
    return mapping


def relabel(item: GoldItem, mapping: dict[str, str]) -> dict[str, int]:
    return {mapping.get(label, label): level for label, level in item.labels.items()}


def channel_for(rubric: Rubric, labels: dict[str, int]) -> str:
    """The channel an item is graded in: chat, unless a labelled criterion applies only to
    other channels (an e-mail structure example is graded as an e-mail)."""
    for cid in labels:
        channels = next((c.channels for c in rubric.criteria if c.id == cid), None)
        if channels and "chat" not in channels:
            return channels[0]
    return "chat"


def calibrate(
    judge: Judge,
    rubric: Rubric,
    items: list[GoldItem],
    mapping: dict[str, str] | None = None,
    workers: int = 1,
    progress: Callable[[int], None] | None = None,
) -> CalibrationReport:
    mapping = mapping or {}
    known = {c.id for c in rubric.criteria}
    labelled = [relabel(item, mapping) for item in items]
    wanted = sorted({cid for labels in labelled for cid in labels} & known)
    unknown = sorted({cid for labels in labelled for cid in labels} - known)
    if unknown:
        raise ValueError(
            f"Labels {', '.join(unknown)} are not criteria of {rubric.id} "
            f"({', '.join(sorted(known))}); map them with --map label=criterion."
        )
    started = time.perf_counter()

    def grade(item: GoldItem):
        channel = channel_for(rubric, relabel(item, mapping))
        verdict = judge.grade(rubric, item.reply, item.context, only=set(wanted), feedback=False, channel=channel)
        if progress:
            progress(1)
        return verdict

    with ThreadPoolExecutor(max_workers=workers) as pool:
        verdicts = list(pool.map(grade, items))
    reasons: dict[str, int] = {}
    per_criterion = {}
    for cid in wanted:
        criterion = rubric.criterion(cid)
        human, machine = [], []
        for labels, verdict in zip(labelled, verdicts):
            if cid not in labels:
                continue
            human.append(labels[cid])
            found = verdict.criteria.get(cid)
            machine.append(found.level if found and found.status == "scored" else None)
            if machine[-1] is None:
                key = _reason_kind(found.reason if found else verdict.reason)
                reasons[key] = reasons.get(key, 0) + 1
        per_criterion[cid] = agreement(human, machine, sorted(criterion.levels))
    return CalibrationReport(
        rubric=rubric.id, judge=judge.model.spec, mode=judge.mode, items=len(items),
        seconds=round(time.perf_counter() - started, 1), criteria=per_criterion, unscored_reasons=reasons,
    )


def _reason_kind(reason: str | None) -> str:
    """Group reasons for the report ("evidence not found in the reply: 'x'" -> the part before ':')."""
    return (reason or "unknown").split(":")[0].strip()[:60]


def format_report(report: CalibrationReport) -> str:
    lines = [f"rubric {report.rubric} · judge {report.judge} ({report.mode}) · {report.items} items · {report.seconds} s",
             f"{'criterion':<22}{'n':>5}{'unscored':>10}{'kappa':>8}{'exact':>8}{'within1':>9}{'macroF1':>9}"]
    for cid, a in report.criteria.items():
        def f(x):
            return "-" if x is None else f"{x:.3f}"
        lines.append(f"{cid:<22}{a.n:>5}{a.unscored:>10}{f(a.kappa):>8}{f(a.exact):>8}{f(a.within_one):>9}{f(a.macro_f1):>9}")
        lines.append(f"  confusion (rows human {a.levels}, columns judge): {a.confusion}")
    if report.unscored_reasons:
        lines.append("unscored: " + ", ".join(f"{k} ×{v}" for k, v in report.unscored_reasons.items()))
    return "\n".join(lines)


# -- fitting the thresholds (`empathy-sim calibrate --fit`) ------------------------------


class FitRefused(ValueError):
    """No criterion could be fitted; the message says what is missing."""


def example_items(rubric: Rubric) -> list[GoldItem]:
    """The rubric's worked examples as labelled replies, each on its own criterion."""
    return [GoldItem(id=f"{c.id}/{i}", context=e.context, reply=e.reply, labels={c.id: e.level})
            for c in rubric.criteria for i, e in enumerate(c.examples)]


def fit_levels(judge: Judge, rubric: Rubric, sources: dict[str, list[GoldItem]], previous=None,
               workers: int = 1, progress: Callable[[int], None] | None = None):
    """Grade every labelled reply, read its expected level and fit each criterion's
    thresholds (judge/fit.py). `sources`: name -> items ("rubric examples", "trainer
    labels"). Criteria without enough labels keep the thresholds of `previous` (the
    current fit) and are listed as refused. Raises FitRefused when nothing can be fitted."""
    from simulator.judge.caps import stock_ceiling
    from simulator.judge.fit import Labelled, LevelFit, fit_criterion, missing
    from simulator.judge.levels import LEVELS_VERSION
    from simulator.judge.requirements import level_bounds
    from simulator.judge.stock import StockFinding
    from simulator.store.fits import rubric_key

    tagged = [(name, item) for name, items in sources.items() for item in items]
    known = {c.id for c in rubric.criteria}

    def grade(pair):
        name, item = pair
        labels = {cid: level for cid, level in item.labels.items() if cid in known}
        verdict = judge.grade(rubric, item.reply, item.context, only=set(labels), feedback=False,
                              channel=channel_for(rubric, labels))
        if progress:
            progress(1)
        return name, labels, verdict

    with ThreadPoolExecutor(max_workers=workers) as pool:
        graded = list(pool.map(grade, tagged))
    if any(c.method == "constrained" for _, _, v in graded for c in v.criteria.values()):
        raise FitRefused(f"{judge.model.spec} returns no log-probabilities, so there is no expected level to "
                         "fit thresholds on; its levels come from constrained answers. Use a backend that "
                         "returns logprobs (the embedded model, llama.cpp, vLLM, OpenAI).")
    labelled: dict[str, list[Labelled]] = {c.id: [] for c in rubric.criteria}
    for name, labels, verdict in graded:
        for cid, human in labels.items():
            found = verdict.criteria.get(cid)
            if found is None or found.status != "scored":
                continue  # an unscored reading is no evidence either way
            read = found.method == "logprobs"
            floor, ceiling = level_bounds(rubric.criterion(cid), found.signal or 0.0)
            # The stock cap holds whatever the thresholds decide (judge/caps.py), so the
            # fit decides a capped reply as every grade will.
            stocked = StockFinding(sentences=verdict.stock, share=verdict.stock_share)
            cap = stock_ceiling(rubric.criterion(cid), stocked)
            if cap is not None:
                floor, ceiling = min(floor, cap), min(ceiling, cap)
            labelled[cid].append(Labelled(expected=found.expected if read else None,
                                          decided=None if read else found.level, signal=found.signal or 0.0,
                                          floor=floor, ceiling=ceiling, human=human, source=name))
    fit = LevelFit(rubric_id=rubric.id, rubric_version=rubric.version, rubric_hash=rubric_key(rubric),
                   model=judge.model.spec, prompt_version=LEVELS_VERSION,
                   sources={name: len(items) for name, items in sources.items()})
    for criterion in rubric.criteria:
        items, levels = labelled[criterion.id], sorted(criterion.levels)
        lack = missing(items, levels)
        if lack:
            fit.refused[criterion.id] = lack
            if previous is not None and criterion.id in previous.criteria:
                fit.criteria[criterion.id] = previous.criteria[criterion.id]
            continue
        fit.criteria[criterion.id] = fit_criterion(items, levels)
    if len(fit.refused) == len(rubric.criteria):
        raise FitRefused("Nothing to fit; the previous fit stays. " + "; ".join(
            f"{cid}: {why}" for cid, why in fit.refused.items()))
    return fit


def format_fit(fit) -> str:
    lines = [f"fit of {fit.rubric_id} v{fit.rubric_version} for {fit.model} · {fit.created_at} · "
             + ", ".join(f"{n} {name}" for name, n in fit.sources.items()),
             f"{'criterion':<22}{'n':>5}{'thresholds':>18}{'signal':>8}{'kappa':>8}{'exact':>8}{'rounding':>10}"
             "  labels per level"]
    for cid, c in fit.criteria.items():
        def f(x):
            return "-" if x is None else f"{x:.3f}"
        kept = "  (kept from the previous fit)" if cid in fit.refused else ""
        lines.append(f"{cid:<22}{c.n:>5}{' / '.join(f'{t:.2f}' for t in c.thresholds):>18}{c.weight:>8.2f}{f(c.kappa):>8}"
                     f"{f(c.exact):>8}{f(c.kappa_unfitted):>10}  {c.counts}{kept}")
    for cid, why in fit.refused.items():
        lines.append(f"not fitted: {cid}: {why}")
    lines.append("signal: the weight of the criterion's signal computed in code; kappa and exact: leave-one-out "
                 "on these labels; rounding: the same labels without a fit.")
    return "\n".join(lines)
