"""Assignments: to a person or a team, completion from real sessions, trials and
sessions left early never count."""

from datetime import date, timedelta

import pytest
from pydantic import ValidationError

from tests.support import people
from simulator.session import TrainingSession
from simulator.store import assignments as work


def test_a_person_sees_direct_and_team_assignments_due_first(services):
    db = services.store.db
    people.set_team(db, "Team North", ["ana", "ben"])
    later = work.create(db, work.NewAssignment(scenario_id="mini-en", assignee_kind="person", assignee="ana",
                                               due=date.today() + timedelta(days=9)), created_by="tess")
    sooner = work.create(db, work.NewAssignment(scenario_id="mini-en", assignee_kind="team", assignee="Team North",
                                                due=date.today() + timedelta(days=2), mode="assessment"),
                         created_by="tess")
    assert [a["id"] for a in work.for_person(db, "ana")] == [sooner, later]
    assert [a["id"] for a in work.for_person(db, "ben")] == [sooner]
    assert work.for_person(db, "carl") == []


def test_completion_counts_finished_sessions_only(services):
    db = services.store.db
    people.set_team(db, "Team North", ["ana", "ben"])
    assignment = work.create(db, work.NewAssignment(scenario_id="mini-en", assignee_kind="team",
                                                    assignee="Team North"), created_by="tess")
    left = TrainingSession.start(services, "mini-en", trainee="ben", assignment_id=assignment)
    left.end("left")  # leaving early never counts, for or against
    done = TrainingSession.start(services, "mini-en", trainee="ana", assignment_id=assignment)
    done.end("ended")
    [row] = work.completion(db)
    assert row["done"] == ["ana"] and row["open"] == ["ben"]
    assert work.for_person(db, "ana")[0]["done"] is True


def test_a_blank_assignee_is_refused():
    with pytest.raises(ValidationError, match="name the person or team"):
        work.NewAssignment(scenario_id="mini-en", assignee_kind="person", assignee="   ")


def test_practice_stats_leave_out_trials_and_sessions_left_early(services, scenario):
    from simulator.store.repository import practice_stats

    TrainingSession.start(services, "mini-en", trainee="ana").end("ended")
    TrainingSession.start(services, "mini-en", trainee="ben").end("left")
    TrainingSession.start(services, "draft", scenario=scenario.model_copy(update={"id": "draft"}))
    stats = practice_stats(services.store.db)
    assert stats["mini-en"]["sessions"] == 1 and "draft" not in stats
    assert practice_stats(services.store.db, by="rubric_id")["mini"]["sessions"] == 1
