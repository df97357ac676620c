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

import re
from difflib import SequenceMatcher
from typing import Literal

from pydantic import BaseModel, ConfigDict

from simulator.content.schema import HiddenFact, Scenario
from simulator.judge.sanitise import split_sentences
from simulator.judge.signals import asking_sentences, feeling_sentences, is_open
from simulator.judge.stock import find_stock
from simulator.roleplay.facts import contains_phrase, revealed
from simulator.roleplay.mood import MoodState, matched_triggers

Move = Literal["threatened", "unheard", "heard", "neutral"]
Beat = Literal["threatened", "unheard", "heard", "pressing", "relieved"]

# Pressure and consequences: a reminder of a debt with a deadline, a cut-off "as
# announced", collectors and courts. Written from the issue's examples and contact-centre
# practice, not fitted to any data.
THREATS = [
    r"\b(?:otherwise|or else|failing (?:that|which|payment))\b",
    r"\bif (?:you|the (?:amount|balance|payment)) (?:don'?t|do not|doesn'?t|does not|can'?t|cannot|isn'?t|is not) "
    r"(?:pay|paid|settle|received|arrive)",
    r"\bwe (?:will|'ll|shall|may) (?:have (?:no choice but )?to |be forced to )?(?:cut (?:you )?off|disconnect|"
    r"close your|cancel your|terminate|suspend|pass (?:this|your \w+) (?:on|to)|refer (?:this|you)|take (?:legal )?action)",
    r"\b(?:legal action|debt collect\w*|collection agenc\w*|bailiffs?|court order|final (?:notice|warning|demand))\b",
    r"\bas (?:announced|stated in (?:our|the) letter)\b",
    r"\b(?:you (?:must|have to|need to) pay|pay (?:the (?:full|outstanding) )?(?:amount|balance) by)\b",
    r"\b(?:andernfalls|ansonsten|sonst (?:müssen|werden) wir)\b",
    r"\b(?:inkasso\w*|mahnverfahren\w*|gerichtlich\w*|rechtliche schritte|rechtsanwalt|gerichtsvollzieher|"
    r"letzte mahnung)\b",
    r"\bwie (?:angekündigt|angedroht|in unserem schreiben)\b",
    r"\b(?:müssen|werden) wir (?:\w+ ){0,4}(?:sperren|abstellen|kündigen|einstellen|durchführen|abschalten|"
    r"weitergeben|übergeben)\b",
    r"\bbitte (?:begleichen|zahlen|überweisen) sie (?:\w+ ){0,4}bis\b",
]
# Dismissal, blame and brush-offs.
DISMISSALS = [
    r"\bnot (?:our|my) (?:problem|responsibility|fault|department|job)\b",
    r"\b(?:there(?:'s| is) )?nothing (?:i|we) can do\b",
    r"\b(?:that(?:'s| is)|it(?:'s| is)) (?:just )?(?:the|our|company) (?:policy|procedure|rules?)\b",
    r"\bcalm down\b",
    r"\byou should have\b",
    r"\byour own fault\b",
    r"\bas i (?:already )?(?:said|told you|explained)\b",
    r"\bi can(?:'t|not) help you\b",
    r"\b(?:wait|queue) like every(?:one|body) else\b",
    r"\b(?:it(?:'s| is)|that(?:'s| is)) (?:only|just) a (?:small|minor|little) (?:problem|issue|thing)\b",
    r"\bwarten wie alle anderen\b",
    r"\b(?:das sind|so sind) (?:nun mal |eben )?unsere (?:richtlinien|regeln|vorgaben)\b",
    r"\b(?:das ist )?(?:doch )?nur eine kleinigkeit\b",
    r"\b(?:nicht (?:zuständig|unser problem|unsere schuld)|selbst schuld)\b",
    r"\bda (?:kann|können) (?:man|ich|wir) nichts (?:machen|tun)\b",
    r"\bberuhigen sie sich\b",
    r"\bhätten sie (?:\w+ ){0,4}(?:müssen|sollen)\b",
    r"\bwie (?:bereits |schon )?gesagt\b",
    r"\b(?:das ist|so sind) (?:nun mal |eben )?(?:die )?(?:vorschrift|richtlinie|regeln)\b",
    r"\bich kann ihnen (?:da )?nicht helfen\b",
    r"\bwenden sie sich (?:bitte )?an\b",
    r"\b(?:please )?contact (?:the|your) (?:courier|bank|carrier|provider|other)\b",
]
# A concrete step the agent takes or has taken: first person, a commitment, an action or
# a time. "I'll look into it" is no step; "I have lifted the block" and "I'll call you
# back by 5 pm today" are.
_FIRST = r"\b(?:i|we|ich|wir)\b"
_COMMIT = (r"(?:'ve|'ll|'m| have| will| am| can| habe| hab| werde| kann| können| haben| werden|"
           r" buche| storniere| setze| schicke| sende| rufe| veranlasse| erstatte| hebe| verschiebe| trage| stoppe| melde|"
           r" schreibe| kläre| gebe)")
_ACTION = (r"\b(?:lift\w*|remov\w*|cancel\w*|refund\w*|book\w*|arrang\w*|paus\w*|set up|sent|send|rais\w*|"
           r"escalat\w*|fix\w*|reset|revers\w*|credit\w*|extend\w*|mov\w*|unblock\w*|reactivat\w*|restor\w*|"
           r"waiv\w*|stop\w*|call you|ring you|freez\w*|postpon\w*|deferr?\w*|aufgehoben|aufheben|storniert|"
           r"erstattet|gutgeschrieben|verschoben|verschieben|ausgesetzt|aussetzen|gestoppt|stoppen|zurückrufen|"
           r"rufe sie|gebucht|veranlasst|eingetragen|geschickt|gesendet|freigegeben|freigeben|gesperrt|entsperrt|"
           r"vereinbar\w*|ratenzahlung|stunden|gestundet)\b")
_TIME = (r"\b(?:today|now|right away|straight away|immediately|tomorrow|tonight|this (?:morning|afternoon|evening)|"
         r"by \d|within \d+|before \d|at \d|heute|jetzt|sofort|gleich|morgen|bis \d|bis morgen|bis heute|"
         r"innerhalb von|um \d|noch heute)\b")
_PATTERNS = {name: [re.compile(p, re.I) for p in group] for name, group in
             {"threat": THREATS, "dismissal": DISMISSALS}.items()}

REPEAT_SIMILARITY = 0.8
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
    threat = _first(_PATTERNS["threat"], reply)
    if threat:
        return "threatened", [f"threat: {threat}"] + [f"trigger: {t.when}" for t in escalate]
    stock = find_stock(reply, scenario.language, similar=None)
    own = " ".join(s for s in split_sentences(reply) if s not in stock.sentences)
    felt = feeling_sentences(own)
    step = concrete_step(reply)
    dismissal = _first(_PATTERNS["dismissal"], reply)
    if dismissal or escalate or (stock.mostly and not felt and not step):
        why = [f"dismissal: {dismissal}"] if dismissal else []
        why += [f"trigger: {t.when}" for t in escalate] + (["stock"] if stock.mostly else [])
        return "unheard", why
    deescalate = matched_triggers(scenario.triggers.deescalate, reply)
    if felt or step or deescalate:
        why = (["feeling"] if felt else []) + (["step"] if step else []) + [f"trigger: {t.when}" for t in deescalate]
        return "heard", why
    return "neutral", []


def concrete_step(reply: str) -> str | None:
    """The first sentence in which the agent commits to an action or a time."""
    for sentence in split_sentences(reply):
        if re.search(_FIRST + _COMMIT, sentence, re.I) and (re.search(_ACTION, sentence, re.I)
                                                          or re.search(_TIME, sentence, re.I)):
            return sentence
    return None


def _first(patterns: list[re.Pattern], text: str) -> str | None:
    for pattern in patterns:
        match = pattern.search(text)
        if match:
            return match.group(0)
    return None


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


# -- authored lines ------------------------------------------------------------------


def authored_text(plan: Plan, scenario: Scenario, said: list[str], reply: str = "") -> str | None:
    """The message made of authored lines, or None when a line the plan needs is missing.
    `said`: the customer's earlier messages (a line said before is used last); `reply`:
    the trainee's reply (a line aimed at a phrase the reply does not hold comes last)."""
    facts = [_fact(scenario, fid) for fid in plan.tell]
    fact_lines = [pick(f.tell, said) for f in facts]
    if any(line is None for line in fact_lines):
        return None
    beat = "" if fact_lines and plan.beat == "pressing" else beat_line(plan, scenario, said, reply)
    if beat is None:
        return None
    parts = [*fact_lines, beat] if plan.beat == "relieved" else [beat, *fact_lines]
    if plan.question and plan.beat in ("heard", "relieved") and not is_open(plan.question, scenario.language):
        parts.insert(0, YES[scenario.language])  # "Does that work for you?" gets its answer
    return joined(parts)


#: The answer to a closed question ("Passt das für Sie?") from a customer who feels heard.
YES = {"en": "Yes.", "de": "Ja."}
#: Before a complaint said once already in the session.
AGAIN = {"en": "Like I said: ", "de": "Wie gesagt: "}
COMPLAINTS = ("threatened", "unheard", "pressing")


def beat_line(plan: Plan, scenario: Scenario, said: list[str], reply: str = "") -> str | None:
    """The beat's authored line for this reply (None: the beat has no lines). A line not
    said yet that fits the reply comes first. Failing that, a complaint or a softening
    presses the open concern with a pressing line not said yet; a complaint said once
    already is said again and marked so ("Like I said:"); anything else is said again
    as it is (`repeats` tells hybrid mode to let the model word it instead)."""
    folded = [_fold(s) for s in said]
    line = pick(getattr(scenario.lines, plan.beat), said, reply, scenario)
    if line is None:
        return None
    fresh = _last_said(line, folded) < 0
    if fresh and _fits(line, reply, scenario):
        return line
    if plan.beat in ("threatened", "unheard", "heard"):
        pressing = pick(scenario.lines.pressing, said, reply, scenario)
        if pressing is not None and _last_said(pressing, folded) < 0 and _fits(pressing, reply, scenario):
            return pressing
    if fresh:
        return line  # aimed at a phrase the reply lacks, but nothing better is left
    if plan.beat in COMPLAINTS:
        return AGAIN[scenario.language] + line[:1].lower() + line[1:]
    return line


def repeats(plan: Plan, scenario: Scenario, said: list[str], reply: str = "") -> bool:
    """The beat's authored line for this reply was said already in this session."""
    line = beat_line(plan, scenario, said, reply)
    return line is not None and _last_said(line, [_fold(s) for s in said]) >= 0


def authored_in_hybrid(plan: Plan, language: str) -> bool:
    """Hybrid mode: authored lines tell facts and carry the mood turns (pressed, brushed
    off, heard, relieved), where a small model slips most; the model answers a question
    that no fact answers, and presses the open concern in its own words."""
    if plan.tell or plan.beat in ("threatened", "unheard"):
        return True  # said again, marked as such, once every line was said
    open_question = plan.question is not None and is_open(plan.question, language)
    return not open_question and plan.beat in ("heard", "relieved")


def joined(parts: list[str]) -> str:
    """Lines joined into one message; a line without closing punctuation (a customer who
    writes "ok. das tut gut dass sie das so sagen") ends its own line."""
    text = ""
    for part in (p.strip() for p in parts if p and p.strip()):
        if text:
            text += " " if text[-1] in ".!?…\"'»“”)" else "\n"
        text += part
    return text


def stump(text: str) -> bool:
    """Fewer than four words: what a guard cut can leave of a message."""
    return len(re.findall(r"\w+", text)) < 4


def pick(lines: list[str], said: list[str], reply: str = "", scenario: Scenario | None = None) -> str | None:
    """The line to say: first one not said yet in this session (else one said before, the
    longest ago); among those, one that fits the reply: a line aimed at a phrase (a scenario
    trigger, a threat or a brush-off: "Don't tell me to calm down") only when the reply
    holds it, and a line sharing words with the reply before one that shares none."""
    if not lines:
        return None
    folded = [_fold(s) for s in said]
    words = _content_words(reply)

    def rank(line: str) -> tuple:
        misfit = scenario is not None and not _fits(line, reply, scenario)
        last = _last_said(line, folded)
        return last >= 0, misfit, last, -len(_content_words(line) & words), lines.index(line)

    return min(lines, key=rank)


def _last_said(line: str, folded_said: list[str]) -> int:
    key = _fold(line)
    return max((i for i, s in enumerate(folded_said) if key in s), default=-1)


def _fits(line: str, reply: str, scenario: Scenario) -> bool:
    """False when the line answers a phrase (trigger, threat, brush-off) the reply lacks."""
    phrases = [p for t in [*scenario.triggers.escalate, *scenario.triggers.deescalate] for p in t.phrases]
    aimed = [p for p in phrases if contains_phrase(line, p)]
    aimed += [m.group(0) for group in _PATTERNS.values() for pattern in group for m in [pattern.search(line)] if m]
    return not aimed or any(contains_phrase(reply, a) for a in aimed)


def _content_words(text: str) -> set[str]:
    return {w[:5] for w in re.findall(r"\w+", text.casefold()) if len(w) >= 5}


def _fact(scenario: Scenario, fact_id: str) -> HiddenFact:
    return next(f for f in scenario.hidden_facts if f.id == fact_id)


def _fold(text: str) -> str:
    return " ".join(re.findall(r"\w+", text.casefold()))


# -- checks on a message -----------------------------------------------------------------


def repeated_sentence(text: str, said: list[str]) -> str | None:
    """A sentence of `text` (of four words or more) that the customer said before, or
    nearly (similarity >= REPEAT_SIMILARITY)."""
    before = [_fold(s) for message in said for s in split_sentences(message)]
    for sentence in split_sentences(text):
        key = _fold(sentence)
        if len(key.split()) < 4:
            continue
        if any(key == b or SequenceMatcher(None, key, b, autojunk=False).ratio() >= REPEAT_SIMILARITY for b in before):
            return sentence
    return None


def untold(plan: Plan, scenario: Scenario, text: str) -> list[HiddenFact]:
    """The facts the plan says to tell that the message does not reveal (facts without
    reveal words cannot be checked and count as told)."""
    facts = [_fact(scenario, fid) for fid in plan.tell]
    return [f for f in facts if f.reveal_words and revealed(f, text) is None]
