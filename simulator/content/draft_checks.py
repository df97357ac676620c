"""Checks of a drafted scenario that its schema cannot make: a hidden fact given away
before it is earned, and text in another language than the brief or the scenario says."""

from __future__ import annotations

from simulator.content.draft_answer import LANGUAGE_NAMES
from simulator.content.schema import BEATS, MOOD_LABELS, Scenario
from simulator.roleplay.facts import revealed
from simulator.roleplay.guards import language_of


def customer_texts(scenario: Scenario) -> list[tuple[str, str]]:
    """(field path, text) of everything the customer says or is told before any fact is
    earned: the opening, the subject, and the persona as the customer's prompt shows it."""
    persona = scenario.persona
    texts = [("opening", scenario.opening)]
    if scenario.subject:
        texts.append(("subject", scenario.subject))
    for name in ("background", "situation", "communication_style", "vulnerability"):
        value = getattr(persona, name)
        if value:
            texts.append((f"persona.{name}", value))
    for mood in MOOD_LABELS:
        texts += [(f"persona.voice_samples.{mood}.{i}", line) for i, line in enumerate(persona.voice_samples[mood])]
    for beat in BEATS:
        texts += [(f"lines.{beat}.{i}", line) for i, line in enumerate(getattr(scenario.lines, beat))]
    return texts


def check_draft(scenario: Scenario, language: str | None = None) -> list[str]:
    """Problems the schema cannot see: a hidden fact given away up front, and the wrong
    language (the one the brief asks for, and the one the customer's lines are in)."""
    problems = []
    for where, text in customer_texts(scenario):
        for fact in scenario.hidden_facts:
            word = revealed(fact, text)
            if word:
                problems.append(
                    f"{where}: contains '{word}', a reveal word of hidden fact '{fact.id}'; the customer "
                    "must not say it before the trainee earns the fact (rephrase it, or change the reveal words)"
                )
    if language and scenario.language != language:
        problems.append(
            f"language: the brief asks for {LANGUAGE_NAMES[language]}; write every text in "
            f"{LANGUAGE_NAMES[language]} with language \"{language}\""
        )
    spoken = " ".join([scenario.opening, *(s for m in MOOD_LABELS for s in scenario.persona.voice_samples[m])])
    heard = language_of(spoken)
    if heard and heard != scenario.language:
        problems.append(
            f"opening: the customer's lines are in {LANGUAGE_NAMES[heard]}, but the language is "
            f"\"{scenario.language}\"; write them in {LANGUAGE_NAMES[scenario.language]}"
        )
    return problems
