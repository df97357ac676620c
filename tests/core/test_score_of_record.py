"""One rule for the score of record (simulator/score_of_record.py), used by the pages,
summaries, exports and dashboards: a trainer's label wins, an unscored level is no 0."""

from simulator.content.schema import Rubric
from simulator.judge.verdict import CriterionVerdict, Verdict
from simulator.score_of_record import combine_levels, turn_record
from tests.support.turns import labels, turn

RUBRIC = Rubric.model_validate({
    "id": "r", "version": 1, "title": "R",
    "criteria": [
        {"id": "warmth", "title": "Warmth", "description": "?", "weight": 1, "levels": {0: "a", 1: "b", 2: "c"}},
        {"id": "steps", "title": "Steps", "description": "?", "weight": 3, "levels": {0: "a", 1: "b", 2: "c"}},
    ],
})


def verdict(warmth, steps, score):
    def level(value):
        if value is None:
            return CriterionVerdict(level=None, max_level=2, status="unscored", reason="model failed")
        return CriterionVerdict(level=value, max_level=2)
    return Verdict(status="scored" if score is not None else "unscored", score=score,
                   criteria={"warmth": level(warmth), "steps": level(steps)})


def test_the_trainers_label_is_the_record_and_the_judges_level_stays_beside_it():
    record = combine_levels(verdict(2, 0, 25.0), labels(steps=2))
    assert record["steps"] == {"judge": 0, "human": 2, "record": 2, "source": "human"}
    assert record["warmth"] == {"judge": 2, "human": None, "record": 2, "source": "judge"}
    _, score = turn_record(turn(verdict=verdict(2, 0, 25.0), labels=labels(steps=2)), RUBRIC)
    assert score == 100.0  # both at the top once the trainer's 2 replaces the judge's 0


def test_without_labels_the_judges_score_stands_and_unscored_is_no_zero():
    assert turn_record(turn(verdict=verdict(1, 2, 87.5)), RUBRIC)[1] == 87.5
    record, score = turn_record(turn(verdict=verdict(None, 2, None)), RUBRIC)
    assert score is None and record["warmth"]["record"] is None
    # A label on one criterion cannot make up a score while the other has no level.
    assert turn_record(turn(verdict=verdict(None, 2, None), labels=labels(steps=1)), RUBRIC)[1] is None
    assert turn_record(turn(verdict=verdict(1, 1, 50.0), labels=labels(steps=2)), None)[1] is None
