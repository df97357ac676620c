"""Dashboard figures over hand-built export rows: unscored replies are counted, never
averaged as zeros."""

from __future__ import annotations

import subprocess
import sys

import pytest

from simulator import dashboards


def row(trainee, session, started, turn=1, score=None, warmth=None, step=None, *, scenario="card",
        teams="", mode="assessment", reply="a reply", needs_review=False, source="judge"):
    return {
        "session_id": session, "trainee": trainee, "teams": teams, "scenario_id": scenario, "mode": mode,
        "turn": turn, "started_at": started, "reply": reply, "score": score, "score_source": source,
        "needs_review": needs_review, "level:warmth": warmth, "level:next_step": step,
    }


def session(trainee, session_id, started, *, mode="assessment", status="finished", teams="", scenario="card"):
    return {"session_id": session_id, "trainee": trainee, "teams": teams, "scenario_id": scenario,
            "mode": mode, "status": status, "started_at": started}


# ana: three sessions; warmth 0 -> 1.5 -> 1 ; next step 2 -> 1 -> 0 ; one unscored reply.
ANA = [
    row("ana", "s1", "2026-01-01T09:00", 1, 50.0, 0, 2, reply="Fix it yourself."),
    row("ana", "s2", "2026-01-05T09:00", 1, 75.0, 1, 2, reply="That sounds stressful."),
    row("ana", "s2", "2026-01-05T09:00", 2, 50.0, 2, 0, reply="I'm so sorry, that must have felt awful."),
    row("ana", "s2", "2026-01-05T09:00", 3, None, None, None, reply="ok"),
    row("ana", "s3", "2026-01-09T09:00", 1, 25.0, 1, 0, reply="Hmm."),
]


def by_criterion(found):
    return {c.criterion: c for c in found}


def test_progress_first_best_latest_and_trend_in_time_order():
    rows = list(reversed(ANA))  # input order does not matter: sessions are ordered by start
    found = by_criterion(dashboards.progress(rows, "ana"))
    assert list(found) == ["warmth", "next_step"]
    warmth, step = found["warmth"], found["next_step"]
    assert [p.level for p in warmth.points] == [0, 1.5, 1]
    assert [p.session for p in warmth.points] == [1, 2, 3]
    assert (warmth.first, warmth.best, warmth.latest, warmth.change) == (0, 1.5, 1, 1)
    assert warmth.trend == "up" and warmth.slope == 0.5
    assert [p.level for p in step.points] == [2, 1, 0]
    assert (step.first, step.best, step.latest, step.change, step.trend) == (2, 2, 0, -2, "down")
    assert warmth.unscored == step.unscored == 1, "the unscored reply is counted, not averaged as 0"


def test_progress_of_one_session_has_no_trend_and_ignores_other_people():
    rows = [*ANA, row("bea", "b1", "2026-01-02T09:00", 1, 100.0, 2, 2)]
    [warmth, _] = dashboards.progress(rows, "bea")
    assert (warmth.first, warmth.best, warmth.latest) == (2, 2, 2)
    assert warmth.change is None and warmth.trend is None
    assert dashboards.progress(rows, "nobody") == []


def test_a_session_with_only_unscored_replies_is_no_point():
    rows = [row("ana", "s1", "2026-01-01", 1, 50.0, 1, 1), row("ana", "s2", "2026-01-02", 1, None, None, None),
            row("ana", "s3", "2026-01-03", 1, 50.0, 1, 1)]
    warmth = by_criterion(dashboards.progress(rows, "ana"))["warmth"]
    assert [(p.session, p.level) for p in warmth.points] == [(1, 1), (3, 1)]
    assert warmth.trend == "flat" and warmth.unscored == 1


def test_strength_and_two_to_work_on_with_the_replies_that_show_them():
    rows = [
        {**r, "level:empathy": lvl}
        for r, lvl in zip(ANA, [2, 2, 2, None, 1])
    ]
    found = dashboards.strengths_and_focus(rows, "ana", {"warmth": 2, "next_step": 2, "empathy": 2})
    assert found.strength.criterion == "empathy" and found.strength.mean_level == 1.75
    assert [s.criterion for s in found.focus] == ["warmth", "next_step"]  # weakest first
    warmth, step = found.focus
    assert (warmth.mean_level, warmth.share, warmth.replies) == (1.0, 0.5, 4)
    # The lowest levels for a focus (the most recent first among equals) ...
    assert [(e.text, e.level) for e in warmth.examples] == [("Fix it yourself.", 0), ("Hmm.", 1)]
    assert [(e.text, e.level) for e in step.examples] == [("Hmm.", 0), ("I'm so sorry, that must have felt awful.", 0)]
    # ... the highest for the strength; never an unscored reply.
    assert [e.level for e in found.strength.examples] == [2, 2]
    assert all(e.text != "ok" for s in [found.strength, *found.focus] for e in s.examples)


def test_a_criterion_at_its_top_level_is_no_focus_and_nobody_has_none():
    rows = [row("ana", "s1", "2026-01-01", 1, 100.0, 2, 2)]
    found = dashboards.strengths_and_focus(rows, "ana", {"warmth": 2, "next_step": 2})
    assert found.strength.criterion == "warmth" and found.focus == []
    assert dashboards.strengths_and_focus(rows, "bea") == dashboards.StrengthsAndFocus(None, [])


def test_overview_means_exclude_unscored_which_are_counted():
    [ana] = dashboards.overview(ANA, by="person")
    assert ana["mean_score"] == 50.0, "(50 + 75 + 50 + 25) / 4, the unscored reply is no 0"
    assert (ana["replies"], ana["scored"], ana["unscored"], ana["share_unscored"]) == (5, 4, 1, 0.2)
    assert ana["sessions"] == 3


def test_overview_of_only_unscored_replies_has_no_mean():
    [only] = dashboards.overview([row("ana", "s1", "2026-01-01")], by="person")
    assert only["mean_score"] is None and only["unscored"] == 1 and only["share_unscored"] == 1.0


def test_overview_shares_of_review_flags_and_trainer_labels():
    rows = [row("ana", "s1", "d", 1, 50.0, needs_review=True), row("ana", "s1", "d", 2, 60.0, source="trainer"),
            row("ana", "s1", "d", 3, 70.0), row("ana", "s1", "d", 4, 80.0)]
    [found] = dashboards.overview(rows)
    assert (found["share_needs_review"], found["share_trainer_reviewed"]) == (0.25, 0.25)


def test_overview_per_team_counts_a_person_in_each_of_their_teams():
    rows = [
        row("ana", "a1", "2026-01-01", 1, 40.0, teams="north, south"),
        row("bea", "b1", "2026-01-01", 1, 80.0, teams="north"),
        row("bea", "b1", "2026-01-01", 2, None, teams="north"),
        row("carl", "c1", "2026-01-01", 1, 10.0),
    ]
    found = {r["group"]: r for r in dashboards.overview(rows, by="team")}
    assert list(found) == ["north", "south", dashboards.NO_TEAM]
    assert (found["north"]["mean_score"], found["north"]["unscored"], found["north"]["sessions"]) == (60.0, 1, 2)
    assert found["south"]["mean_score"] == 40.0
    assert found[dashboards.NO_TEAM]["mean_score"] == 10.0
    # Exact membership (team names may hold commas) from assignments.teams(db):
    exact = dashboards.overview(rows, by="team", teams={"north, east": ["ana", "bea"]})
    assert [(r["group"], r["mean_score"]) for r in exact] == [("north, east", 60.0), (dashboards.NO_TEAM, 10.0)]


def test_overview_counts_sessions_without_graded_replies_when_given():
    sessions = [session("ana", "s1", "2026-01-01"), session("ana", "s9", "2026-01-02"), session("dan", "d1", "x")]
    found = {r["group"]: r for r in dashboards.overview(ANA[:1], sessions, by="person")}
    assert found["ana"]["sessions"] == 2
    assert found["dan"] == {"group": "dan", "sessions": 1, "replies": 0, "scored": 0, "unscored": 0,
                            "mean_score": None, "share_unscored": None, "share_needs_review": None,
                            "share_trainer_reviewed": None}


def test_overview_per_scenario_and_per_criterion():
    rows = [*ANA, row("bea", "b1", "2026-01-02", 1, 100.0, 2, 2, scenario="widow")]
    by_scenario = {r["group"]: r["mean_score"] for r in dashboards.overview(rows, by="scenario")}
    assert by_scenario == {"card": 50.0, "widow": 100.0}
    warmth, step = dashboards.overview(rows, by="criterion")
    assert warmth["group"] == "warmth" and "mean_score" not in warmth
    assert (warmth["mean_level"], warmth["scored"], warmth["unscored"]) == (1.2, 5, 1)  # (0+1+2+1+2)/5
    assert step["mean_level"] == 1.2 and step["share_unscored"] == round(1 / 6, 3)


def test_overview_refuses_an_unknown_grouping():
    with pytest.raises(ValueError, match="unknown grouping"):
        dashboards.overview(ANA, by="colour")


def test_first_vs_latest_per_person_and_per_team():
    rows = [
        *[{**r, "teams": "north"} for r in ANA],  # session means 50, 62.5 (unscored left out), 25
        row("bea", "b1", "2026-01-01", 1, 40.0, teams="north"),
        row("bea", "b2", "2026-01-03", 1, 90.0, teams="north"),
        row("carl", "c1", "2026-01-01", 1, 70.0, teams="north"),  # one session: nothing to compare
        row("carl", "c2", "2026-01-02", 1, None, teams="north"),  # unscored: left out, never 0
    ]
    people = {r["group"]: r for r in dashboards.first_vs_latest(rows)}
    assert (people["ana"]["first"], people["ana"]["latest"], people["ana"]["change"]) == (50.0, 25.0, -25.0)
    assert people["ana"]["sessions"] == 3
    assert (people["bea"]["change"], people["carl"]["compared"], people["carl"]["change"]) == (50.0, 0, None)
    assert people["carl"]["first"] is None and people["carl"]["sessions"] == 1
    [north] = dashboards.first_vs_latest(rows, by="team")
    assert (north["people"], north["compared"]) == (3, 2)
    assert (north["first"], north["latest"], north["change"]) == (45.0, 57.5, 12.5)


def test_first_vs_latest_does_not_group_by_criterion():
    with pytest.raises(ValueError):
        dashboards.first_vs_latest(ANA, by="criterion")


def test_score_distribution_in_bins_of_ten():
    rows = [row("ana", "s", "d", i, score) for i, score in enumerate([0.0, 9.9, 10.0, 55.0, 99.5, 100.0, None])]
    bins = dashboards.score_distribution(rows)
    assert [b["bin"] for b in bins] == ["0–9", "10–19", "20–29", "30–39", "40–49", "50–59", "60–69", "70–79",
                                        "80–89", "90–100"]
    assert [b["replies"] for b in bins] == [2, 1, 0, 0, 0, 1, 0, 0, 0, 2]
    assert sum(b["replies"] for b in bins) == 6, "the unscored reply is in no bin"
    assert dashboards.totals(rows)["unscored"] == 1


def test_running_assessments_are_left_out_of_a_trainees_own_view():
    rows = [row("ana", "p1", "d", mode="practice"), row("ana", "a1", "d"), row("ana", "a2", "d")]
    sessions = [session("ana", "p1", "d", mode="practice", status="active"), session("ana", "a1", "d"),
                session("ana", "a2", "d", status="active")]
    assert [r["session_id"] for r in dashboards.without_running_assessments(rows, sessions)] == ["p1", "a1"]


def test_the_figures_never_import_streamlit():
    code = "import sys, simulator.dashboards; print('streamlit' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"
