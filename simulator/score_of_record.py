"""The score of record: a trainer's label wins over the judge's level, criterion by criterion.

One rule for every place a score is shown or counted: the practice page, the review page,
session summaries, HR exports and dashboards. Where a trainer labelled a criterion, the
label is the record ("source": "human") and the judge's level stays next to it, so a
disagreement is visible; otherwise the judge's level is the record (None when the judge
left the criterion unscored, never 0).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from simulator.content.schema import Rubric
from simulator.judge.verdict import CriterionVerdict, Verdict, weighted_score

if TYPE_CHECKING:  # the rule needs no store: it reads what the store loaded
    from simulator.store.records import Label, Turn


def combine_levels(verdict: Verdict | None, labels: dict[str, Label]) -> dict[str, dict[str, Any]]:
    """Per criterion the judge's level, the human label and the record, from a verdict and
    the newest label per criterion (`Turn.labels`)."""
    judged = verdict.criteria if verdict is not None else {}
    result = {}
    for criterion in [*judged, *(c for c in labels if c not in judged)]:
        found = judged.get(criterion)
        judge_level = found.level if found is not None and found.status == "scored" else None
        label = labels.get(criterion)
        human_level = label.level if label else None
        result[criterion] = {
            "judge": judge_level,
            "human": human_level,
            "record": human_level if label else judge_level,
            "source": "human" if label else "judge",
        }
    return result


def record_score(rubric: Rubric, record: dict[str, dict[str, Any]]) -> float | None:
    """The 0-100 score from the record levels (human where labelled); None if any is missing."""
    criteria = {
        c.id: CriterionVerdict(
            level=record[c.id]["record"], max_level=c.max_level,
            status="scored" if record[c.id]["record"] is not None else "unscored",
        )
        for c in rubric.criteria
        if c.id in record
    }
    return weighted_score(rubric, criteria)


def turn_record(turn: Turn, rubric: Rubric | None) -> tuple[dict[str, dict[str, Any]], float | None]:
    """(levels of record per criterion, the 0-100 score of record or None) of one turn:
    with trainers' labels the score comes from the record levels and
    the rubric's weights (no rubric: no score rather than a guessed one); otherwise it is
    the judge's score, and an unscored verdict has none (never 0)."""
    verdict, labels = turn.verdict, turn.labels
    record = combine_levels(verdict, labels)
    if labels:
        return record, record_score(rubric, record) if rubric is not None else None
    return record, verdict.score if verdict is not None and verdict.status == "scored" else None


@dataclass
class SessionScores:
    """A session's scores of record, reply by reply (`add`): summaries and exports count
    the same way. A reply with neither a verdict nor a label is not counted at all."""

    records: list[dict[str, dict[str, Any]]] = field(default_factory=list)
    scores: list[float] = field(default_factory=list)
    unscored: int = 0
    labelled: int = 0

    def add(self, turn: Turn, rubric: Rubric | None) -> tuple[dict[str, dict[str, Any]], float | None] | None:
        """Count one turn; its (record, score), or None if it is not counted."""
        labels = turn.labels
        if turn.idx <= 0 or (turn.verdict is None and not labels):
            return None  # the opening, or not graded (yet)
        record, score = turn_record(turn, rubric)
        self.labelled += bool(labels)
        if score is None:
            self.unscored += 1
        else:
            self.scores.append(score)
            self.records.append(record)
        return record, score

    @property
    def mean_score(self) -> float | None:
        return round(sum(self.scores) / len(self.scores), 1) if self.scores else None

    def mean_level(self, criterion_id: str) -> float | None:
        levels = [r[criterion_id]["record"] for r in self.records if r.get(criterion_id, {}).get("record") is not None]
        return round(sum(levels) / len(levels), 2) if levels else None
