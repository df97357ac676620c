"""The scenario editor's form, as plain values, and back.

The page renders these values as widgets (text inputs, sliders, tables); this module is
where a form becomes a Scenario and a Scenario becomes a form, so the round trip
(form -> YAML -> form) is tested without a browser. Lists a trainer types one per line
(objectives, voice samples) are text with one item per line; phrase lists inside tables
are separated by semicolons, since a phrase may contain a comma; a fact's tell lines,
which are sentences and may hold a semicolon, by a vertical bar.
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from simulator.content.schema import BEATS, MOOD_LABELS, Rubric, Scenario

SEPARATOR = "; "
TELL_SEPARATOR = " | "


def lines(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def split_phrases(text: str | None) -> list[str]:
    return [p.strip() for p in (text or "").split(";") if p.strip()]


def split_told(text: str | None) -> list[str]:
    return [p.strip() for p in (text or "").split("|") if p.strip()]


def scenario_to_form(scenario: Scenario) -> dict[str, Any]:
    persona = scenario.persona
    end = scenario.end
    return {
        "id": scenario.id,
        "version": scenario.version,
        "title": scenario.title,
        "language": scenario.language,
        "channel": scenario.channel,
        "subject": scenario.subject or "",
        "difficulty": scenario.difficulty,
        "tags": ", ".join(scenario.tags),
        "mode": scenario.mode,
        "rubric": scenario.rubric,
        "mood_drift": scenario.mood_drift,
        "content_note": scenario.content_note or "",
        "distressing": scenario.distressing,
        "name": persona.name,
        "age": persona.age,
        "background": persona.background,
        "situation": persona.situation,
        "communication_style": persona.communication_style,
        "vulnerability": persona.vulnerability or "",
        "voice": persona.voice or "",
        "anger": persona.initial_mood.anger,
        "anxiety": persona.initial_mood.anxiety,
        "trust": persona.initial_mood.trust,
        **{f"voice_{mood}": "\n".join(persona.voice_samples.get(mood, [])) for mood in MOOD_LABELS},
        "customer_mode": scenario.customer_mode or "",
        **{f"line_{beat}": "\n".join(getattr(scenario.lines, beat)) for beat in BEATS},
        "opening": scenario.opening,
        "objectives": "\n".join(scenario.objectives),
        "facts": [
            {"id": f.id, "fact": f.fact, "earned_when": f.earned_when, "hint": f.hint or "",
             "phrases": SEPARATOR.join(f.phrases), "reveal_words": SEPARATOR.join(f.reveal_words),
             "tell": TELL_SEPARATOR.join(f.tell)}
            for f in scenario.hidden_facts
        ],
        "triggers": [
            {"kind": kind, "when": t.when, "phrases": SEPARATOR.join(t.phrases)}
            for kind in ("escalate", "deescalate")
            for t in getattr(scenario.triggers, kind)
        ],
        "max_turns": end.max_turns,
        "resolve_max_anger": end.resolved_when.max_anger,
        "resolve_min_trust": end.resolved_when.min_trust,
        "resolve_min_turns": end.resolved_when.min_turns,
        "resolve_facts": list(end.resolved_when.facts),
        "abandon_min_anger": end.abandon_when.min_anger,
        "abandon_max_trust": end.abandon_when.max_trust,
    }


def form_to_data(form: dict[str, Any]) -> dict[str, Any]:
    """The form as the scenario's YAML data (before validation)."""
    def text_or_none(key: str) -> str | None:
        value = (form.get(key) or "").strip()
        return value or None

    return {
        "id": (form.get("id") or "").strip(),
        "version": form.get("version") or 1,
        "title": form.get("title") or "",
        "language": form.get("language"),
        "channel": form.get("channel"),
        "subject": text_or_none("subject"),
        "difficulty": form.get("difficulty"),
        "tags": [t.strip() for t in (form.get("tags") or "").split(",") if t.strip()],
        "mode": form.get("mode"),
        "mood_drift": form.get("mood_drift"),
        "persona": {
            "name": form.get("name") or "",
            "age": form.get("age"),
            "background": form.get("background") or "",
            "situation": form.get("situation") or "",
            "communication_style": form.get("communication_style") or "",
            "vulnerability": text_or_none("vulnerability"),
            "voice": form.get("voice") or None,
            "initial_mood": {"anger": form.get("anger"), "anxiety": form.get("anxiety"), "trust": form.get("trust")},
            "voice_samples": {mood: lines(form.get(f"voice_{mood}", "")) for mood in MOOD_LABELS},
        },
        "customer_mode": form.get("customer_mode") or None,
        "lines": {beat: lines(form.get(f"line_{beat}", "")) for beat in BEATS},
        "hidden_facts": [
            {"id": (row.get("id") or "").strip(), "fact": row.get("fact") or "",
             "earned_when": row.get("earned_when") or "", "hint": (row.get("hint") or "").strip() or None,
             "phrases": split_phrases(row.get("phrases")), "reveal_words": split_phrases(row.get("reveal_words")),
             "tell": split_told(row.get("tell"))}
            for row in form.get("facts") or [] if any((row.get(k) or "") for k in ("id", "fact", "earned_when"))
        ],
        "triggers": {
            kind: [{"when": row.get("when") or "", "phrases": split_phrases(row.get("phrases"))}
                   for row in form.get("triggers") or [] if row.get("kind") == kind and (row.get("when") or "").strip()]
            for kind in ("escalate", "deescalate")
        },
        "opening": form.get("opening") or "",
        "objectives": lines(form.get("objectives", "")),
        "end": {
            "max_turns": form.get("max_turns"),
            "resolved_when": {"max_anger": form.get("resolve_max_anger"), "min_trust": form.get("resolve_min_trust"),
                              "min_turns": form.get("resolve_min_turns"), "facts": list(form.get("resolve_facts") or [])},
            "abandon_when": {"min_anger": form.get("abandon_min_anger"), "max_trust": form.get("abandon_max_trust")},
        },
        "rubric": form.get("rubric") or "",
        "content_note": text_or_none("content_note"),
        "distressing": bool(form.get("distressing")),
    }


def form_to_scenario(form: dict[str, Any]) -> tuple[Scenario | None, list[str]]:
    """The scenario the form describes, or the problems as `field.path: message`."""
    try:
        return Scenario.model_validate(form_to_data(form)), []
    except ValidationError as exc:
        return None, [f"{'.'.join(str(p) for p in e['loc']) or 'scenario'}: {e['msg']}" for e in exc.errors()]


# -- rubrics ---------------------------------------------------------------------------


#: The levels code holds a criterion to (judge/stock.py, judge/conduct.py).
CAPS = ("stock_cap", "stock_sentence_cap", "threat_cap", "dismissal_cap")


def rubric_to_form(rubric: Rubric) -> dict[str, Any]:
    return {
        "id": rubric.id,
        "version": rubric.version,
        "title": rubric.title,
        "language": rubric.language,
        "grades": list(rubric.grades),
        "description": rubric.description or "",
        "criteria": [
            {
                "id": c.id,
                "title": c.title,
                "weight": c.weight,
                "description": c.description,
                "requires": c.requires or "",
                "signal": c.signal or "",
                **{cap: getattr(c, cap) for cap in CAPS},
                "channels": ", ".join(c.channels) if c.channels is not None else "",
                "coach_need": c.coach.need if c.coach else "",
                "coach_do": c.coach.do if c.coach else "",
                "levels": "\n".join(f"{level}: {' '.join(text.split())}" for level, text in sorted(c.levels.items())),
                "examples": [{"level": e.level, "context": e.context, "reply": e.reply, "why": e.why}
                             for e in c.examples],
            }
            for c in rubric.criteria
        ],
        "stock_phrases": {lang: "\n".join(phrases) for lang, phrases in rubric.stock_phrases.items()},
    }


def parse_levels(text: str) -> dict[int, str]:
    """"0: none\\n1: some" -> {0: "none", 1: "some"}; a line without "n:" continues the last level."""
    levels: dict[int, str] = {}
    last = None
    for line in lines(text):
        head, sep, rest = line.partition(":")
        if sep and head.strip().isdigit():
            last = int(head.strip())
            levels[last] = rest.strip()
        elif last is not None:
            levels[last] = f"{levels[last]} {line}"
    return levels


def form_to_rubric(form: dict[str, Any]) -> tuple[Rubric | None, list[str]]:
    criteria = []
    for c in form.get("criteria") or []:
        coach = {"need": c.get("coach_need") or "", "do": c.get("coach_do") or ""}
        channels = [x.strip() for x in (c.get("channels") or "").split(",") if x.strip()]
        criteria.append({
            "id": (c.get("id") or "").strip(),
            "title": c.get("title") or "",
            "weight": c.get("weight"),
            "description": c.get("description") or "",
            "levels": parse_levels(c.get("levels") or ""),
            "examples": [
                {"context": e.get("context") or "", "reply": e.get("reply") or "", "level": e.get("level"),
                 "why": e.get("why") or ""}
                for e in c.get("examples") or [] if any((e.get(k) or "") for k in ("context", "reply", "why"))
            ],
            "requires": c.get("requires") or None,
            "signal": c.get("signal") or None,
            **{cap: c.get(cap) for cap in CAPS if c.get(cap) is not None},
            "channels": channels or None,
            "coach": coach if any(v.strip() for v in coach.values()) else None,
        })
    data = {
        "id": (form.get("id") or "").strip(),
        "version": form.get("version") or 1,
        "title": form.get("title") or "",
        "language": form.get("language"),
        "grades": list(form.get("grades") or []),
        "description": (form.get("description") or "").strip() or None,
        "criteria": criteria,
        "stock_phrases": {lang: lines(text) for lang, text in (form.get("stock_phrases") or {}).items()
                          if lines(text)},
    }
    try:
        return Rubric.model_validate(data), []
    except ValidationError as exc:
        return None, [f"{'.'.join(str(p) for p in e['loc']) or 'rubric'}: {e['msg']}" for e in exc.errors()]
