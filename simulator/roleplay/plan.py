"""What the customer's next message must do, decided in code before any word is written.

A 1.5B model asked to "play the customer" repeats itself, ignores questions and thanks a
trainee who has just threatened it. So code decides the message's job from what the
trainee wrote (a threat, a dismissal or a script; a named feeling or a concrete step),
the mood, the question asked and the facts earned; then either authored lines carry it
(no model call) or the model writes one or two sentences to it, and code checks them.

The reading of the reply is instant and made in code (phrase lists in both languages,
the scenario's own triggers, the judge's stock-phrase bank without the encoder), so the
customer reacts before the verdict exists.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

from simulator.content.schema import Scenario
from simulator.judge.sanitise import split_sentences
from simulator.judge.conduct import PATTERNS, concrete_step, first_match
from simulator.judge.signals import asking_sentences, feeling_sentences
from simulator.judge.stock import find_stock
from simulator.roleplay.mood import MoodState, matched_triggers

Move = Literal["threatened", "unheard", "heard", "neutral"]
Beat = Literal["threatened", "unheard", "heard", "pressing", "relieved"]

MAX_TELL = 2  # facts told in one message; more wait for the next one


class Plan(BaseModel):
    """The job of one customer message, stored with it (turns.customer_plan)."""

    model_config = ConfigDict(frozen=True)
    move: Move
    #: What the move rests on: "threat: ...", "stock", "trigger: ...", "feeling", "step".
    why: list[str] = []
    beat: Beat
    #: The trainee's question this message answers (the last one asked), if any.
    question: str | None = None
    #: Facts earned and not told yet, to tell now (ids, in the order earned).
    tell: list[str] = []
    #: The customer's problem is still open (not every resolution fact earned).
    concern_open: bool = True

    @property
    def still_open(self) -> bool:
        """The message this plan makes cannot end the conversation as resolved: the
        problem is open, or the customer was just pressed or brushed off (whether the
        message itself sounds relieved is checked on its text, guards.shows_relief)."""
        return self.concern_open or self.beat in ("threatened", "unheard")


def read_move(scenario: Scenario, reply: str) -> tuple[Move, list[str]]:
    """What the trainee's reply did to the customer, read in code: a threat, a dismissal,
    a script (unheard), a named feeling or a concrete step (heard), else neutral."""
    escalate = matched_triggers(scenario.triggers.escalate, reply)
    threat = first_match(PATTERNS["threat"], reply)
    if threat:
        return "threatened", [f"threat: {threat}"] + [f"trigger: {t.when}" for t in escalate]
    stock = find_stock(reply, scenario.language, similar=None)
    own = " ".join(s for s in split_sentences(reply) if s not in stock.sentences)
    felt = feeling_sentences(own)
    step = concrete_step(reply)
    dismissal = first_match(PATTERNS["dismissal"], reply)
    if dismissal or escalate or (stock.mostly and not felt and not step):
        why = [f"dismissal: {dismissal}"] if dismissal else []
        why += [f"trigger: {t.when}" for t in escalate] + (["stock"] if stock.mostly else [])
        return "unheard", why
    deescalate = matched_triggers(scenario.triggers.deescalate, reply)
    if felt or step or deescalate:
        why = (["feeling"] if felt else []) + (["step"] if step else []) + [f"trigger: {t.when}" for t in deescalate]
        return "heard", why
    return "neutral", []


# Mood steps (anger, anxiety, trust) for a move no scenario trigger already answered:
# a threat hits hardest; being heard loosens a little. The verdict moves it again later.
MOVE_STEPS = {"threatened": (2, 1, -2), "unheard": (1, 0, -1), "heard": (-1, -1, 1), "neutral": (0, 0, 0)}


def mood_after_move(mood: MoodState, scenario: Scenario, move: Move, why: list[str]) -> MoodState:
    if any(w.startswith("trigger:") for w in why):
        return mood  # the author's trigger has moved the mood already (mood.after_triggers)
    anger, anxiety, trust = MOVE_STEPS[move]
    drift = scenario.mood_drift
    return mood.moved(anger=anger * drift, anxiety=anxiety * drift, trust=trust * drift)


def react(scenario: Scenario, reply: str, mood: MoodState) -> tuple[Move, list[str], MoodState]:
    """The reply's move and the mood the customer answers in. `mood`: after the
    scenario's triggers (mood.after_triggers)."""
    move, why = read_move(scenario, reply)
    return move, why, mood_after_move(mood, scenario, move, why)


def make_plan(scenario: Scenario, reply: str, move: Move, why: list[str], mood: MoodState,
              earned: list[str], told: set[str]) -> Plan:
    """The plan of the customer's answer to `reply`. `mood`: after the move (react);
    `earned`: fact ids earned so far, in order (this reply's included); `told`: fact ids
    the customer has already told."""
    tell = [f for f in earned if f not in told][:MAX_TELL]
    concern_open = not set(scenario.end.resolved_when.facts) <= set(earned)
    asked = asking_sentences(reply)
    return Plan(move=move, why=why, beat=_beat(scenario, move, why, mood, concern_open),
                question=asked[-1] if asked else None, tell=tell, concern_open=concern_open)


def _beat(scenario: Scenario, move: Move, why: list[str], mood: MoodState, concern_open: bool) -> Beat:
    if move in ("threatened", "unheard"):
        return move
    resolved = scenario.end.resolved_when
    settled = not concern_open and mood.anger <= resolved.max_anger and mood.trust >= resolved.min_trust - 1
    # Relief comes from something done: warm words alone soften (heard), a concrete step
    # on a problem whose core is known relieves.
    if mood.label == "relieved" or (move == "heard" and settled and "step" in why):
        return "relieved"
    return "heard" if move == "heard" else "pressing"
