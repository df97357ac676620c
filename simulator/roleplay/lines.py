"""The customer's lines: authored ones picked and joined for a plan, and the checks of a
message against what the customer already said.

A line is picked in code, instantly: one not said yet in the session that fits the
trainee's reply. Where the scenario has run out of fitting lines the customer presses the
open concern, and only then says a complaint again, marked as such ("Like I said:").
"""

from __future__ import annotations

import re
from difflib import SequenceMatcher

from simulator.content.schema import HiddenFact, Scenario
from simulator.judge.sanitise import split_sentences
from simulator.judge.signals import is_open
from simulator.roleplay.facts import contains_phrase, tells
from simulator.roleplay.plan import PATTERNS, Plan

REPEAT_SIMILARITY = 0.8


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
    aimed += [m.group(0) for group in PATTERNS.values() for pattern in group for m in [pattern.search(line)] if m]
    return not aimed or any(contains_phrase(reply, a) for a in aimed)


def _content_words(text: str) -> set[str]:
    return {w[:5] for w in re.findall(r"\w+", text.casefold()) if len(w) >= 5}


def _fact(scenario: Scenario, fact_id: str) -> HiddenFact:
    return next(f for f in scenario.hidden_facts if f.id == fact_id)


def _fold(text: str) -> str:
    return " ".join(re.findall(r"\w+", text.casefold()))


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
    return [f for f in facts if not tells(f, text)]
