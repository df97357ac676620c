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
