"""The customer's mood: anger, anxiety and trust (0..10), moved by each reply.

Two inputs move it: the scenario's trigger phrases found in the reply (checked in code,
instantly, before the customer answers) and the judge's verdict on the reply (applied
when the verdict arrives, so it shapes the next customer message and the end check).
"""

from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict, Field

from simulator.content.schema import Mood, Scenario, Trigger
from simulator.judge.verdict import Verdict
from simulator.roleplay.guards import gives_up, shows_relief


#: Thresholds of the mood label (MoodState.label): a feeling this strong always shows, a
#: moderate one only while trust is this low.
STRONG, MODERATE, WARY = 5, 4, 4


class MoodState(BaseModel):
    model_config = ConfigDict(frozen=True)
    anger: int = Field(ge=0, le=10)
    anxiety: int = Field(ge=0, le=10)
    trust: int = Field(ge=0, le=10)

    @classmethod
    def from_scenario(cls, mood: Mood) -> MoodState:
        return cls(anger=mood.anger, anxiety=mood.anxiety, trust=mood.trust)

    def moved(self, anger: float = 0, anxiety: float = 0, trust: float = 0) -> MoodState:
        def clamp(value: float) -> int:
            return max(0, min(10, round(value)))

        return MoodState(
            anger=clamp(self.anger + anger), anxiety=clamp(self.anxiety + anxiety), trust=clamp(self.trust + trust)
        )

    @property
    def label(self) -> str:
        """calm | anxious | angry | relieved: the one word for the three meters, shown as the
        mood and the face, and picking the voice samples. One rule (README, "Mood"):

        1. The stronger of anger and anxiety (anger on a tie) names the mood when it is at
           least STRONG (5), or at least MODERATE (4) while trust is at most WARY (4): a
           customer who does not trust you yet shows a moderate feeling.
        2. Otherwise relieved when trust is at least 7, anger at most 2 and anxiety at most 3.
        3. Otherwise calm.

        So anger 4 with trust 6 is calm (the meters show moderate anger held in check by
        trust), and anger 4 with trust 4 is angry.
        """
        feeling, level = ("angry", self.anger) if self.anger >= self.anxiety else ("anxious", self.anxiety)
        if level >= STRONG or (level >= MODERATE and self.trust <= WARY):
            return feeling
        if self.trust >= 7 and self.anger <= 2 and self.anxiety <= 3:
            return "relieved"
        return "calm"


def matched_triggers(triggers: list[Trigger], reply: str) -> list[Trigger]:
    text = reply.casefold()
    return [t for t in triggers if any(_contains_phrase(text, p.casefold()) for p in t.phrases)]


def _contains_phrase(text: str, phrase: str) -> bool:
    return re.search(r"(?<!\w)" + re.escape(phrase) + r"(?!\w)", text) is not None


def after_triggers(state: MoodState, scenario: Scenario, reply: str) -> tuple[MoodState, list[str]]:
    drift = scenario.mood_drift
    notes = []
    for trigger in matched_triggers(scenario.triggers.escalate, reply):
        state = state.moved(anger=2 * drift, trust=-1 * drift)
        notes.append(f"escalate: {trigger.when}")
    for trigger in matched_triggers(scenario.triggers.deescalate, reply):
        state = state.moved(anger=-1 * drift, anxiety=-1 * drift, trust=1 * drift)
        notes.append(f"deescalate: {trigger.when}")
    return state, notes


# Score bands -> mood steps (anger, anxiety, trust). Dismissive replies make the customer
# angrier and less trusting; acknowledgement plus a concrete step calms them.
_BANDS = [
    (80, (-2, -2, 2)),
    (60, (-1, -1, 1)),
    (40, (0, 0, 0)),
    (20, (1, 1, -1)),
    (0, (2, 1, -2)),
]


def after_verdict(state: MoodState, scenario: Scenario, verdict: Verdict | None) -> MoodState:
    """An unscored verdict says nothing about the reply, so it leaves the mood alone."""
    if verdict is None or verdict.status != "scored" or verdict.score is None:
        return state
    for floor, (anger, anxiety, trust) in _BANDS:
        if verdict.score >= floor:
            drift = scenario.mood_drift
            return state.moved(anger=anger * drift, anxiety=anxiety * drift, trust=trust * drift)
    return state


# An angry customer who asks for a manager or gives up has abandoned the conversation;
# a calmer one saying "or I'll ask for a manager" has not.
GIVE_UP_MIN_ANGER = 7


def outcome(state: MoodState, scenario: Scenario, replies: int, earned: set[str] = frozenset(),
            customer_text: str = "", still_open: bool = False) -> str | None:
    """resolved | abandoned | turn_limit, or None while the conversation goes on.
    Resolved needs the customer calm enough, the scenario's key facts uncovered (`earned`:
    the facts the customer has told; a customer soothed by warm words whose real problem
    nobody found is not helped), and a last customer message that shows relief and asks
    nothing more; `still_open`: that message's plan (roleplay/plan.py) kept the
    conversation open (the problem not found yet, or the customer just threatened or
    brushed off)."""
    end = scenario.end
    if state.anger >= end.abandon_when.min_anger or state.trust <= end.abandon_when.max_trust:
        return "abandoned"
    if state.anger >= GIVE_UP_MIN_ANGER and gives_up(customer_text):
        return "abandoned"
    resolved = end.resolved_when
    calm = state.anger <= resolved.max_anger and state.trust >= resolved.min_trust
    relieved = not still_open and shows_relief(customer_text)
    if replies >= resolved.min_turns and calm and set(resolved.facts) <= set(earned) and relieved:
        return "resolved"
    if replies >= end.max_turns:
        return "turn_limit"
    return None
