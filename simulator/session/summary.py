"""A session's summary for the debrief, the history page and HR: scores of record,
levels per criterion, the mood over the turns and the facts left uncovered."""

from __future__ import annotations

from typing import Any

from simulator.content.schema import Rubric, Scenario
from simulator.roleplay.facts import told_turns
from simulator.score_of_record import SessionScores
from simulator.store.records import SessionRecord, Turn


def uncovered_facts(scenario: Scenario, turns: list[Turn]) -> list[dict[str, Any]]:
    """Each hidden fact with the turn whose customer message told it (None: not told, even
    if a reply earned it: the trainee has not heard it yet)."""
    told = told_turns(scenario, turns)
    return [{"id": f.id, "fact": f.fact.strip(), "turn": told.get(f.id)} for f in scenario.hidden_facts]


def summarise(row: SessionRecord, turns: list[Turn], rubric: Rubric,
              scenario: Scenario | None = None) -> dict[str, Any]:
    """Scores of record (a trainer's label where one exists, else the judge's level),
    averaged over graded replies only; unscored ones are counted, never zeros."""
    replies = [t for t in turns if t.idx > 0]
    tally = SessionScores()
    for turn in replies:
        tally.add(turn, rubric)
    per_criterion = {
        c.id: {"title": c.title, "mean_level": tally.mean_level(c.id), "max_level": c.max_level}
        for c in rubric.criteria
    }
    return {
        "session_id": row.id,
        "scenario": row.scenario_id,
        "status": row.status,
        "outcome": row.outcome,
        "replies": len(replies),
        "scored": len(tally.scores),
        "unscored": tally.unscored,
        "labelled_by_trainer": tally.labelled,
        "mean_score": tally.mean_score,
        "criteria": per_criterion,
        "mood": [{"turn": t.idx, "anger": t.anger, "anxiety": t.anxiety, "trust": t.trust} for t in turns],
        "facts": uncovered_facts(scenario, turns) if scenario else [],
    }
