"""The live coach: what the customer seems to need now and one thing to try next.

Derived in code from the mood, the last verdict and the facts still hidden, so it is
instant (no model call between the customer's message and the trainee's reply) and never
contradicts the grade the trainee has just seen. It suggests; it never writes the reply.

The coach's own sentences are in the interface `language` (English msgids, German from
the catalog in simulator/locale); what a scenario or rubric author wrote (hints, coaching
needs, anchors, fact texts) stays in the content's own language.
"""

from __future__ import annotations

import re

from pydantic import BaseModel

from simulator.content.schema import CoachHint, Criterion, HiddenFact, Rubric, Scenario
from simulator.i18n import DEFAULT_LANGUAGE, N_, translate
from simulator.judge.verdict import Verdict
from simulator.roleplay.mood import MoodState

# English msgids, translated where they are used (`translate(..., language)`).
MOOD_NEEDS = {
    "angry": N_("is angry and wants to be taken seriously"),
    "anxious": N_("is anxious and needs to know what will happen"),
    "calm": N_("is calmer and ready to work on the problem with you"),
    "relieved": N_("is relieved; make sure the next steps are clear"),
}
CLOSING = N_("Sum up what you will do and by when, and check that it works for the customer.")


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
    language: str = DEFAULT_LANGUAGE,
    told: set[str] | None = None,
) -> CoachNote:
    """`earned`: ids of the facts the trainee's replies earned, in the order earned;
    `told`: those the customer has told (None: all earned ones).
    `language`: the interface language of the coach's own words ("en" or "de").
    The coach never prints a hidden fact: the trainee hears it from the customer."""
    needs, based_on = [translate(MOOD_NEEDS[mood.label], language)], ["mood"]
    weak = weakest(rubric, last_verdict)
    if weak is not None:
        needs.append(hint_for(weak, language).need)
        based_on.append(f"criterion:{weak.id}")
    waiting = [fid for fid in earned if told is not None and fid not in told]
    if waiting:
        needs.append(translate("has more to tell: your last question opened something", language))
        based_on.append(f"opened:{waiting[-1]}")
    suggestion, source = next_step(scenario, rubric, last_verdict, weak, earned, language)
    based_on.append(source)
    return CoachNote(needs=translate("The customer {needs}.", language).format(needs="; ".join(needs)),
                     suggestion=suggestion, based_on=based_on)


def next_step(scenario, rubric, verdict, weak, earned, language: str = DEFAULT_LANGUAGE) -> tuple[str, str]:
    """A criterion at level 0 comes first (the customer has just been let down there);
    then the next hidden fact (the problem is not understood yet); then a weaker
    criterion; then closing."""
    if weak is not None and verdict.criteria[weak.id].level == 0:
        return hint_for(weak, language).do, f"criterion:{weak.id}"
    hidden = [f for f in scenario.hidden_facts if f.id not in earned]
    if hidden:
        return fact_hint(hidden[0]), f"fact:{hidden[0].id}"
    if weak is not None:
        return hint_for(weak, language).do, f"criterion:{weak.id}"
    return translate(CLOSING, language), "closing"


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


def hint_for(criterion: Criterion, language: str = DEFAULT_LANGUAGE) -> CoachHint:
    """The rubric's own coaching hint (in the rubric's language), else one built from the
    criterion's title and top anchor with the coach's words in `language`."""
    if criterion.coach is not None:
        return criterion.coach
    top = criterion.levels[criterion.max_level].strip().rstrip(".")
    return CoachHint(need=translate("is missing: {criterion}", language).format(criterion=criterion.title.lower()),
                     do=translate("Aim for this: {anchor}.", language).format(anchor=top))


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


class Debrief(BaseModel):
    went_well: str
    try_next: str
    support: str


def debrief(summary: dict, rubric: Rubric, support: str, language: str = DEFAULT_LANGUAGE) -> Debrief:
    """A short, kind debrief from the session's scores of record: the strongest criterion,
    the weakest one's coaching hint, and where to find support, in the interface
    `language`. The default support note is translated; one set in the configuration is
    shown as it was written."""
    support = translate(support, language)
    levels = [(rubric.criterion(cid), c["mean_level"]) for cid, c in summary["criteria"].items()
              if c["mean_level"] is not None]
    if not levels:
        return Debrief(
            went_well=translate("You stayed with a difficult conversation; that takes something.", language),
            try_next=translate("Next time, name what the customer is going through before any process.", language),
            support=support,
        )
    best = max(levels, key=lambda cl: cl[1] / cl[0].max_level)
    worst = min(levels, key=lambda cl: cl[1] / cl[0].max_level)
    went_well = translate("{criterion}: your strongest part (on average {level} of {top}).", language).format(
        criterion=best[0].title, level=f"{best[1]:g}", top=best[0].max_level)
    try_next = hint_for(worst[0], language).do if worst[0] is not best[0] else translate(CLOSING, language)
    return Debrief(went_well=went_well, try_next=try_next, support=support)
