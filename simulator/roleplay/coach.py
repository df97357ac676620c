"""The live coach: what the customer seems to need now and one thing to try next.

Derived in code from the mood, the last verdict and the facts still hidden, so it is
instant (no model call between the customer's message and the trainee's reply) and never
contradicts the grade the trainee has just seen. It suggests; it never writes the reply.
"""

from __future__ import annotations

import re

from pydantic import BaseModel

from simulator.content.schema import CoachHint, Criterion, HiddenFact, Rubric, Scenario
from simulator.judge.verdict import Verdict
from simulator.roleplay.mood import MoodState

MOOD_NEEDS = {
    "angry": "is angry and wants to be taken seriously",
    "anxious": "is anxious and needs to know what will happen",
    "calm": "is calmer and ready to work on the problem with you",
    "relieved": "is relieved; make sure the next steps are clear",
}
CLOSING = "Sum up what you will do and by when, and check that it works for the customer."


class CoachNote(BaseModel):
    needs: str
    suggestion: str
    #: What the note rests on, for the trainer and the tests ("mood", "criterion:x", "fact:y").
    based_on: list[str]


def coach_note(
    scenario: Scenario,
    rubric: Rubric,
    mood: MoodState,
    last_verdict: Verdict | None,
    earned: list[str],
) -> CoachNote:
    """`earned`: ids of the facts uncovered so far, in the order they were uncovered."""
    needs, based_on = [MOOD_NEEDS[mood.label]], ["mood"]
    weak = weakest(rubric, last_verdict)
    if weak is not None:
        needs.append(hint_for(weak).need)
        based_on.append(f"criterion:{weak.id}")
    told = [f for f in scenario.hidden_facts if f.id in earned]
    if told:
        latest = max(told, key=lambda f: earned.index(f.id))
        needs.append(f"has told you: {first_sentence(latest.fact)}")
        based_on.append(f"told:{latest.id}")
    suggestion, source = next_step(scenario, rubric, last_verdict, weak, earned)
    based_on.append(source)
    return CoachNote(needs="The customer " + "; ".join(needs) + ".", suggestion=suggestion, based_on=based_on)


def next_step(scenario, rubric, verdict, weak, earned) -> tuple[str, str]:
    """A criterion at level 0 comes first (the customer has just been let down there);
    then the next hidden fact (the problem is not understood yet); then a weaker
    criterion; then closing."""
    if weak is not None and verdict.criteria[weak.id].level == 0:
        return hint_for(weak).do, f"criterion:{weak.id}"
    hidden = [f for f in scenario.hidden_facts if f.id not in earned]
    if hidden:
        return fact_hint(hidden[0]), f"fact:{hidden[0].id}"
    if weak is not None:
        return hint_for(weak).do, f"criterion:{weak.id}"
    return CLOSING, "closing"


def weakest(rubric: Rubric, verdict: Verdict | None) -> Criterion | None:
    """The scored criterion furthest below its top level (None if all are at the top)."""
    if verdict is None or verdict.status != "scored":
        return None
    scored = [(c, verdict.criteria[c.id]) for c in rubric.criteria
              if c.id in verdict.criteria and verdict.criteria[c.id].level is not None]
    below = [(c, v) for c, v in scored if v.level < c.max_level]
    if not below:
        return None
    # Ties go to the heavier criterion: it matters more to the customer and the score.
    return min(below, key=lambda cv: (cv[1].level / cv[0].max_level, -cv[0].weight))[0]


def hint_for(criterion: Criterion) -> CoachHint:
    if criterion.coach is not None:
        return criterion.coach
    top = criterion.levels[criterion.max_level].strip().rstrip(".")
    return CoachHint(need=f"is missing: {criterion.title.lower()}", do=f"Aim for this: {top}.")


def fact_hint(fact: HiddenFact) -> str:
    if fact.hint:
        return fact.hint.strip()
    return imperative(fact.earned_when.strip())


_AGENT = re.compile(r"^(?:the|an?) (?:agent|trainee|adviser|advisor)\s+(?:(?:first|also|then)\s+)?(\w+)\b", re.I)


def imperative(condition: str) -> str:
    """"The agent asks what ..." -> "Ask what ..."; other wording is kept as it is."""
    match = _AGENT.match(condition)
    if not match:
        return condition
    verb = match.group(1)
    if verb.endswith("ies"):
        verb = verb[:-3] + "y"
    elif re.search(r"(?:ss|sh|ch|x|o)es$", verb):
        verb = verb[:-2]
    elif verb.endswith("s") and not verb.endswith("ss"):
        verb = verb[:-1]
    rest = condition[match.end():]
    return verb[:1].upper() + verb[1:] + rest


def first_sentence(text: str, limit: int = 110) -> str:
    sentence = re.split(r"(?<=[.!?])\s", " ".join(text.split()), maxsplit=1)[0].rstrip(".")
    return sentence if len(sentence) <= limit else sentence[: limit - 1].rsplit(" ", 1)[0] + "…"


class Debrief(BaseModel):
    went_well: str
    try_next: str
    support: str


def debrief(summary: dict, rubric: Rubric, support: str) -> Debrief:
    """A short, kind debrief from the session's scores of record: the strongest criterion,
    the weakest one's coaching hint, and where to find support."""
    levels = [(rubric.criterion(cid), c["mean_level"]) for cid, c in summary["criteria"].items()
              if c["mean_level"] is not None]
    if not levels:
        return Debrief(
            went_well="You stayed with a difficult conversation; that takes something.",
            try_next="Next time, name what the customer is going through before any process.",
            support=support,
        )
    best = max(levels, key=lambda cl: cl[1] / cl[0].max_level)
    worst = min(levels, key=lambda cl: cl[1] / cl[0].max_level)
    went_well = f"{best[0].title}: your strongest part (on average {best[1]:g} of {best[0].max_level})."
    try_next = hint_for(worst[0]).do if worst[0] is not best[0] else CLOSING
    return Debrief(went_well=went_well, try_next=try_next, support=support)
