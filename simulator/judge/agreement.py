"""Agreement between the judge's levels and human labels.

Quadratic-weighted kappa (the figure EPITOME reports for its annotators), exact and
within-one agreement, macro-F1 and the confusion matrix. Pairs where the judge gave no
level (unscored) are counted separately, never dropped silently and never scored as 0.
"""

from __future__ import annotations

from pydantic import BaseModel


class Agreement(BaseModel):
    n: int  # pairs with both a human label and a judge level
    unscored: int  # items the judge could not grade
    kappa: float | None  # quadratic-weighted; None when undefined (a single class)
    exact: float | None
    within_one: float | None
    macro_f1: float | None
    confusion: list[list[int]]  # rows: human level, columns: judge level
    levels: list[int]


def confusion_matrix(human: list[int], judge: list[int], levels: list[int]) -> list[list[int]]:
    index = {level: i for i, level in enumerate(levels)}
    matrix = [[0] * len(levels) for _ in levels]
    for h, j in zip(human, judge):
        matrix[index[h]][index[j]] += 1
    return matrix


def quadratic_kappa(matrix: list[list[int]]) -> float | None:
    k = len(matrix)
    total = sum(map(sum, matrix))
    if total == 0 or k < 2:
        return None
    rows = [sum(r) for r in matrix]
    cols = [sum(matrix[i][j] for i in range(k)) for j in range(k)]
    observed = expected = 0.0
    for i in range(k):
        for j in range(k):
            weight = (i - j) ** 2 / (k - 1) ** 2
            observed += weight * matrix[i][j]
            expected += weight * rows[i] * cols[j] / total
    if expected == 0:
        return None  # both raters used one and the same level throughout
    return 1 - observed / expected


def macro_f1(matrix: list[list[int]]) -> float | None:
    """Mean F1 over the levels that occur in either rater's answers."""
    k = len(matrix)
    scores = []
    for c in range(k):
        tp = matrix[c][c]
        predicted = sum(matrix[i][c] for i in range(k))
        actual = sum(matrix[c])
        if predicted == 0 and actual == 0:
            continue
        precision = tp / predicted if predicted else 0.0
        recall = tp / actual if actual else 0.0
        scores.append(0.0 if precision + recall == 0 else 2 * precision * recall / (precision + recall))
    return sum(scores) / len(scores) if scores else None


def agreement(human: list[int], judge: list[int | None], levels: list[int]) -> Agreement:
    pairs = [(h, j) for h, j in zip(human, judge) if j is not None]
    unscored = len(human) - len(pairs)
    hs, js = [p[0] for p in pairs], [p[1] for p in pairs]
    matrix = confusion_matrix(hs, js, levels)
    n = len(pairs)

    def share(ok) -> float | None:
        return round(sum(1 for h, j in pairs if ok(h, j)) / n, 3) if n else None

    kappa = quadratic_kappa(matrix)
    f1 = macro_f1(matrix)
    return Agreement(
        n=n,
        unscored=unscored,
        kappa=None if kappa is None else round(kappa, 3),
        exact=share(lambda h, j: h == j),
        within_one=share(lambda h, j: abs(h - j) <= 1),
        macro_f1=None if f1 is None else round(f1, 3),
        confusion=matrix,
        levels=levels,
    )
