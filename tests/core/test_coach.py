"""The live coach and the debrief are derived in code from mood, verdict and facts."""

from simulator.content.schema import Scenario
from simulator.judge.verdict import CriterionVerdict, Verdict
from simulator.roleplay.coach import CLOSING, coach_note, debrief, imperative
from simulator.roleplay.mood import MoodState
from tests.support.scenarios import WITH_FACTS

ANGRY = MoodState(anger=8, anxiety=4, trust=2)


def verdict(**levels) -> Verdict:
    criteria = {cid: CriterionVerdict(level=level, max_level=2) for cid, level in levels.items()}
    return Verdict(status="scored", score=50.0, criteria=criteria)


def scenario() -> Scenario:
    return Scenario.model_validate(WITH_FACTS)


def test_before_any_grade_the_coach_reads_the_mood_and_points_at_a_hidden_fact(rubric):
    note = coach_note(scenario(), rubric, ANGRY, None, [])
    assert note.needs == "The customer is angry and wants to be taken seriously."
    assert note.suggestion == "Ask which payments are coming up."
    assert note.based_on == ["mood", "fact:rent-due"]


def test_a_criterion_at_level_zero_comes_first(rubric):
    note = coach_note(scenario(), rubric, ANGRY, verdict(emotional_reaction=0, ownership_next_step=2), [])
    assert "is missing: emotional reaction" in note.needs
    assert note.suggestion == "Aim for this: names the feeling."
    assert "criterion:emotional_reaction" in note.based_on


def test_an_earned_fact_not_yet_told_is_announced_never_printed(rubric):
    note = coach_note(scenario(), rubric, ANGRY, verdict(emotional_reaction=1, ownership_next_step=2), ["rent-due"],
                      told=set())
    assert "has more to tell: your last question opened something" in note.needs
    assert "850" not in note.needs + note.suggestion and "landlord" not in note.needs + note.suggestion
    assert "opened:rent-due" in note.based_on
    assert note.suggestion == "Ask about recent payments without accusing."


def test_a_told_fact_needs_no_word_from_the_coach(rubric):
    note = coach_note(scenario(), rubric, ANGRY, verdict(emotional_reaction=1, ownership_next_step=2), ["rent-due"],
                      told={"rent-due"})
    assert "more to tell" not in note.needs and "850" not in note.needs


def test_everything_found_and_graded_top_means_closing(rubric):
    full = verdict(emotional_reaction=2, ownership_next_step=2)
    note = coach_note(scenario(), rubric, MoodState(anger=1, anxiety=1, trust=8), full, ["rent-due", "sister"])
    assert note.suggestion == CLOSING and "relieved" in note.needs


def test_conditions_become_suggestions():
    assert imperative("The agent asks what the freeze is affecting.") == "Ask what the freeze is affecting."
    assert imperative("The agent acknowledges the two calls.") == "Acknowledge the two calls."
    assert imperative("The agent first explains the check.") == "Explain the check."
    assert imperative("The agent tries again.") == "Try again."
    assert imperative("Der Berater fragt nach.") == "Der Berater fragt nach."


def test_debrief_names_the_strongest_part_and_one_thing_to_try(rubric):
    summary = {"criteria": {"emotional_reaction": {"mean_level": 2.0}, "ownership_next_step": {"mean_level": 0.5}}}
    result = debrief(summary, rubric, "Talk to your team lead.")
    assert result.went_well.startswith("Emotional reaction: your strongest part")
    assert result.try_next == "Aim for this: concrete with a time."
    assert result.support == "Talk to your team lead."
    nothing = debrief({"criteria": {"emotional_reaction": {"mean_level": None}}}, rubric, "x")
    assert "difficult conversation" in nothing.went_well
