"""The full scenario around the drafting model's answer: what follows from rules (ids,
version, mode, tags, rubric, content note, end condition) is filled in here, then the
whole is validated as a `Scenario` and checked."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError

from simulator.content.draft_answer import DraftAnswer, DraftFact, DraftPersona, validation_problems
from simulator.content.draft_brief import (COMPLAINT, TOPIC_NAMES, VULNERABLE, choose_rubric, distressing_topics,
                                           tags_for)
from simulator.content.draft_checks import check_draft
from simulator.content.schema import BEATS, MOOD_LABELS, Rubric, Scenario, has_word
from simulator.content.slugs import slugify, unique_id


def build(
    answer: DraftAnswer,
    brief: str,
    rubrics: Mapping[str, Rubric],
    existing_ids: set[str],
    language: str | None,
) -> tuple[Scenario | None, list[str]]:
    """The full scenario around the model's answer, validated and checked; or the problems."""
    persona = answer.persona
    facts = _facts(answer.hidden_facts)
    invented = " ".join([persona.background, persona.situation, persona.vulnerability or "", answer.opening,
                         *(f["fact"] for f in facts)])
    topics = distressing_topics(f"{brief} {invented}")
    topics_brief = distressing_topics(brief)
    vulnerable = bool(VULNERABLE.search(brief) or topics_brief)
    complaint = bool(COMPLAINT.search(brief))
    tags = tags_for(brief, topics_brief, vulnerable, complaint)
    rubric = choose_rubric(rubrics, answer.language, brief, tags)
    if rubric is None:
        graded = ", ".join(sorted({lang for r in rubrics.values() for lang in r.grades}))
        return None, [f"language: no rubric grades '{answer.language}' (rubrics grade: {graded}); "
                      f"write the scenario in {graded}"]
    data = _scenario_data(answer, facts, topics, tags, rubric, existing_ids)
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as exc:
        return None, validation_problems(exc)
    problems = check_draft(scenario, language)
    return (None, problems) if problems else (scenario, [])


def _facts(drafted: list[DraftFact]) -> list[dict[str, Any]]:
    fact_ids: list[str] = []
    facts = []
    for fact in drafted:
        fact_id = unique_id(slugify(fact.id, 40) or slugify(fact.fact, 40) or "fact", fact_ids)
        fact_ids.append(fact_id)
        facts.append({
            "id": fact_id,
            "fact": fact.fact.strip(),
            "earned_when": fact.earned_when.strip(),
            "hint": fact.hint.strip(),
            "phrases": [p.strip() for p in fact.phrases],
            "reveal_words": [w.strip() for w in fact.reveal_words],
            # A tell line that shows none of the reveal words could not be seen as told:
            # left out, so the customer model tells the fact instead.
            "tell": [fact.tell.strip()] if any(has_word(fact.tell, w.strip()) for w in fact.reveal_words) else [],
        })
    return facts


def _content_note(answer: DraftAnswer, topics: list[str]) -> str | None:
    """The model's own note, else a stock one in the scenario's language if a topic is distressing."""
    note = _clean(answer.content_note)
    if topics and not note:
        names = " / ".join(TOPIC_NAMES[t][answer.language] for t in topics)
        note = (
            f"Dieses Szenario berührt {names}. Legen Sie jederzeit eine Pause ein; nach der Sitzung "
            "wird eine Nachbesprechung angeboten."
            if answer.language == "de"
            else f"This scenario touches on {names}. Take a break whenever you need one; a debrief "
            "is offered after the session."
        )
    return note


def _scenario_data(
    answer: DraftAnswer,
    facts: list[dict[str, Any]],
    topics: list[str],
    tags: list[str],
    rubric: str,
    existing_ids: set[str],
) -> dict[str, Any]:
    return {
        "id": unique_id(f"{slugify(answer.title) or 'scenario'}-{answer.language}", existing_ids),
        "version": 1,
        "title": answer.title.strip(),
        "language": answer.language,
        "channel": answer.channel,
        "difficulty": answer.difficulty,
        "tags": tags,
        "mode": "practice",
        "persona": _persona_data(answer.persona),
        "lines": {beat: [getattr(answer.lines, beat).strip()] for beat in BEATS},
        "hidden_facts": facts,
        "triggers": {
            kind: [{"when": t.when.strip(), "phrases": [p.strip() for p in t.phrases]}
                   for t in getattr(answer.triggers, kind)]
            for kind in ("escalate", "deescalate")
        },
        "mood_drift": 1.0,
        "opening": answer.opening.strip(),
        "objectives": [o.strip() for o in answer.objectives],
        "end": {"resolved_when": {"facts": [f["id"] for f in facts[:1]]}},
        "rubric": rubric,
        "content_note": _content_note(answer, topics),
        "distressing": bool(topics),
        "subject": (_clean(answer.subject) if answer.channel == "email" else None),
    }


def _persona_data(persona: DraftPersona) -> dict[str, Any]:
    return {
        "name": persona.name.strip(),
        "age": persona.age,
        "background": persona.background.strip(),
        "situation": persona.situation.strip(),
        "communication_style": persona.communication_style.strip(),
        "vulnerability": _clean(persona.vulnerability),
        "initial_mood": persona.initial_mood.model_dump(),
        "voice_samples": {m: [s.strip() for s in getattr(persona.voice_samples, m)] for m in MOOD_LABELS},
    }


def _clean(value: str | None) -> str | None:
    """None for an empty field or the placeholders a model writes instead of leaving it out."""
    value = (value or "").strip()
    return None if value.casefold() in {"", "none", "null", "n/a", "-", "keine", "kein"} else value
