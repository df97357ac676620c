"""Thresholds (and a signal weight) that turn the judge's expected level into a level,
fitted from labels.

The small model's probabilities rank replies better than its most likely digit places
them: it leans towards the middle of the scale, and differently per criterion. So a level
is decided from the expected level (judge/levels.py) with one threshold between each two
neighbouring levels, fitted per criterion to the labelled replies this product owns: the
rubric's worked examples and the labels trainers save on the Review page
(`empathy-sim calibrate --fit`). Without a fit the thresholds sit half-way between the
levels (plain rounding). Where a criterion has a signal computed in code (the share of the
reply's sentences with words of feeling, whether it asks an open question), the level is
decided on expected level + weight x signal, with the weight fitted too (0 when the signal
does not help).

A fit belongs to one rubric content (its hash), one judge model and one levels prompt;
any change asks for a new fit. The agreement it reports is measured leave-one-out (each
label predicted by thresholds fitted without it), so it is not flattered by its own data;
where that agreement is below plain rounding's, the criterion keeps rounding.
"""

from __future__ import annotations

import itertools
from datetime import UTC, datetime

from pydantic import BaseModel, Field

from simulator.judge.agreement import agreement, confusion_matrix, quadratic_kappa

#: Fewer labels than this for a criterion, and its thresholds would follow a handful of replies.
MIN_LABELS = 8
# Candidate cut points per threshold search (quantiles of the expected levels): enough to
# place a cut between any two groups of replies, few enough for leave-one-out on a laptop.
CANDIDATES = 24


# The least distance between two neighbouring thresholds. The model's expected level moves
# by a few hundredths between runs (llama.cpp batches differently) and with any change to
# the prompt; cuts closer than this made a middle level that noise alone moves replies in
# and out of (an emotional-reaction fit at 1.07 / 1.105 let an unchanged prompt score
# differently).
MIN_GAP = 0.15

# Weights tried for the criterion's signal computed in code (judge/requirements.criterion_signal).
WEIGHTS = (0.0, 0.25, 0.5, 0.75, 1.0)


class Labelled(BaseModel):
    """One labelled reply of one criterion, as graded: `expected` is None when code
    decided the level (no model reading), `decided` the level code gave; `signal` the
    criterion's signal computed in code (0..1)."""

    expected: float | None
    decided: int | None = None
    signal: float = 0.0
    # The levels code allows for this reply (judge/cues.bounds), whatever the thresholds say.
    floor: int = 0
    ceiling: int | None = None
    human: int
    source: str  # "rubric example" | "trainer label"


class CriterionFit(BaseModel):
    thresholds: list[float]
    # The level is decided on expected level + weight x signal (0: the model's reading alone).
    weight: float = 0.0
    n: int
    counts: dict[int, int]  # labels per level
    kappa: float | None  # quadratic kappa, leave-one-out, with fitted thresholds
    exact: float | None
    kappa_unfitted: float | None  # the same labels with plain rounding, for comparison


class LevelFit(BaseModel):
    rubric_id: str
    rubric_version: int
    rubric_hash: str
    model: str
    prompt_version: str
    created_at: str = Field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="seconds"))
    sources: dict[str, int] = Field(default_factory=dict)  # labelled replies per source
    criteria: dict[str, CriterionFit] = Field(default_factory=dict)
    refused: dict[str, str] = Field(default_factory=dict)  # criterion -> what is missing

    def thresholds(self, criterion_id: str) -> list[float] | None:
        fit = self.criteria.get(criterion_id)
        return fit.thresholds if fit else None

    def weight(self, criterion_id: str) -> float:
        fit = self.criteria.get(criterion_id)
        return fit.weight if fit else 0.0


def default_thresholds(levels: list[int]) -> list[float]:
    return [level + 0.5 for level in sorted(levels)[:-1]]


def decide(expected: float, thresholds: list[float] | None, levels: list[int]) -> int:
    """The level for an expected level: the number of thresholds it reaches."""
    cuts = thresholds or default_thresholds(levels)
    return sorted(levels)[sum(1 for cut in cuts if expected >= cut)]


def missing(labelled: list[Labelled], levels: list[int]) -> str:
    """What a fit of this criterion lacks, or '' when it can be fitted."""
    problems = []
    if len(labelled) < MIN_LABELS:
        problems.append(f"{len(labelled)} labelled replies, at least {MIN_LABELS} needed")
    unseen = [str(level) for level in levels if not any(item.human == level for item in labelled)]
    if unseen:
        problems.append(f"no labelled reply at level {', '.join(unseen)}")
    if not any(item.expected is not None for item in labelled):
        problems.append("every label was decided in code, so there is nothing to fit")
    return "; ".join(problems)


def fit_criterion(labelled: list[Labelled], levels: list[int]) -> CriterionFit:
    """Fit one criterion's signal weight and thresholds; call `missing` first. The weight
    is the one whose thresholds agree best with labels they were not fitted on."""
    human = [item.human for item in labelled]
    plain = agreement(human, [_level(item, None, levels) for item in labelled], levels)
    best = None
    for weight in WEIGHTS if any(item.signal for item in labelled) else (0.0,):
        scored = [_combined(item, weight) for item in labelled]
        predicted = [_level(scored[i], search(scored[:i] + scored[i + 1:], levels), levels)
                     for i in range(len(scored))]
        result = agreement(human, predicted, levels)
        key = result.kappa if result.kappa is not None else -2.0
        if best is None or key > best[0] + 1e-9:
            best = (key, weight, search(scored, levels), result)
    _, weight, thresholds, fitted = best
    if (fitted.kappa if fitted.kappa is not None else -2.0) < (plain.kappa if plain.kappa is not None else -2.0):
        # Thresholds that do worse on labels they did not see than plain rounding follow
        # noise: rounding stays.
        weight, thresholds, fitted = 0.0, default_thresholds(levels), plain
    return CriterionFit(thresholds=[round(t, 4) for t in thresholds], weight=weight, n=len(labelled),
                        counts={level: human.count(level) for level in levels},
                        kappa=fitted.kappa, exact=fitted.exact, kappa_unfitted=plain.kappa)


def _combined(item: Labelled, weight: float) -> Labelled:
    if item.expected is None or not weight:
        return item
    return item.model_copy(update={"expected": item.expected + weight * item.signal})


def search(labelled: list[Labelled], levels: list[int]) -> list[float]:
    """The increasing thresholds, at least MIN_GAP apart, with the best quadratic kappa on
    `labelled`; among equals the ones closest to plain rounding (so thin data moves them as
    little as possible)."""
    read = [item for item in labelled if item.expected is not None]
    default = default_thresholds(levels)
    if not read:
        return default
    values = sorted({item.expected for item in read})
    cuts = sorted({(a + b) / 2 for a, b in zip(values, values[1:])} | set(default))
    if len(cuts) > CANDIDATES:
        step = (len(cuts) - 1) / (CANDIDATES - 1)
        cuts = sorted({cuts[round(i * step)] for i in range(CANDIDATES)} | set(default))
    human = [item.human for item in labelled]
    best, best_key = default, None
    for candidate in itertools.combinations(cuts, len(levels) - 1):
        if any(b - a < MIN_GAP for a, b in zip(candidate, candidate[1:])):
            continue
        predicted = [_level(item, list(candidate), levels) for item in labelled]
        kappa = quadratic_kappa(confusion_matrix(human, predicted, levels))
        distance = sum(abs(a - b) for a, b in zip(candidate, default))
        key = (kappa if kappa is not None else -2.0, -distance)
        if best_key is None or key > best_key:
            best, best_key = list(candidate), key
    return best


def _level(item: Labelled, thresholds: list[float] | None, levels: list[int]) -> int:
    if item.expected is None:
        return item.decided if item.decided is not None else 0
    level = max(decide(item.expected, thresholds, levels), item.floor)
    return level if item.ceiling is None else min(level, item.ceiling)
