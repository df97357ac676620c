"""Draft a scenario from a trainer's brief of two or three sentences.

The configured model (a 1.5B model on two CPU cores, by default) invents only what needs
inventing - persona, hidden facts, triggers, opening, objectives - in a small JSON shape
(`DraftAnswer`) whose length limits keep constrained decoding short. Everything that
follows from rules is filled in by code: the id, version, mode, rubric, end conditions,
tags and whether the topic is distressing. The result is validated as a `Scenario` and
checked in code (no reveal word of a hidden fact in what the customer says up front; the
language the brief asks for); a failure is retried once with the reasons, in the manner
of the judge's `_ask_checked`. A draft that still fails is never returned: the caller
gets the problems and the model's JSON to show.

Where the parts live: `draft_answer.py` (the JSON shape the model fills in),
`draft_prompt.py` (its prompt), `draft_brief.py` (what the brief says: language, topics,
tags, rubric), `draft_build.py` (the scenario around the answer), `draft_checks.py` (what
the schema cannot check) and `slugs.py` (ids). This module asks the model and retries.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, Field, ValidationError

from simulator.content.draft_answer import LANGUAGE_NAMES, DraftAnswer, DraftFact, DraftPersona, validation_problems
from simulator.content.draft_brief import choose_rubric, expected_language
from simulator.content.draft_build import build
from simulator.content.draft_prompt import EXAMPLE_FACT, EXAMPLE_PERSONA, system_prompt, user_prompt
from simulator.content.schema import Rubric, Scenario
from simulator.content.slugs import slugify, unique_id
from simulator.llm.base import ChatModel, ChatRequest, InvalidOutput, LLMError, Message, without_code_fence

# With the names that moved to the modules above, for code and tests that import them from here.
__all__ = ["EXAMPLE_FACT", "EXAMPLE_PERSONA", "DraftAnswer", "DraftFact", "DraftPersona", "DraftResult",
           "choose_rubric", "draft_scenario", "expected_language", "slugify", "unique_id"]

ATTEMPTS = 2  # the first draft and one retry with the reasons
MAX_TOKENS = 1500
TEMPERATURE = 0.4
MAX_BRIEF_CHARS = 1200


class DraftResult(BaseModel):
    """A validated scenario, or None and the problems (`field.path: what is wrong`)."""

    scenario: Scenario | None = None
    problems: list[str] = Field(default_factory=list)
    #: The model's last JSON answer, to show what it produced (None if it was not JSON).
    raw: dict[str, Any] | None = None
    #: Model calls made (0 when the brief was refused before asking).
    attempts: int = 0
    #: Who asked for the draft, passed through for saving (the scenario has no author field).
    author: str = ""

    @property
    def ok(self) -> bool:
        return self.scenario is not None



# -- drafting ----------------------------------------------------------------------------


def draft_scenario(
    model: ChatModel,
    brief: str,
    rubrics: list[Rubric] | Mapping[str, Rubric],
    existing_ids: set[str],
    author: str = "",
) -> DraftResult:
    """Ask `model` for a scenario matching `brief`; check it, retry once with the reasons.

    `rubrics`: a list or an id -> rubric mapping (e.g. `Library.rubrics`). `existing_ids`:
    scenario ids already in use; the draft's id avoids them. `author` is not sent to the
    model; it comes back in the result for the caller to save the draft with."""
    result = _draft(model, brief, rubrics, existing_ids)
    return result.model_copy(update={"author": author})


def _draft(
    model: ChatModel, brief: str, rubrics: list[Rubric] | Mapping[str, Rubric], existing_ids: set[str]
) -> DraftResult:
    by_id = dict(rubrics) if isinstance(rubrics, Mapping) else {r.id: r for r in rubrics}
    brief = (brief or "").strip()
    if not brief:
        return DraftResult(problems=["brief: describe the customer and the situation in two or three sentences"])
    if len(brief) > MAX_BRIEF_CHARS:
        return DraftResult(problems=[
            f"brief: too long ({len(brief)} characters, at most {MAX_BRIEF_CHARS}); two or three sentences are enough"
        ])
    if not by_id:
        return DraftResult(problems=["rubric: no rubrics are loaded; add a rubric before drafting a scenario"])
    gradable = {lang for r in by_id.values() for lang in r.grades}
    language = expected_language(brief)
    if language is not None and language not in gradable:
        return DraftResult(problems=[
            f"language: the brief asks for {LANGUAGE_NAMES[language]}, but no rubric grades '{language}'; "
            "add it to a rubric's grades"
        ])
    if language is None and len(gradable) == 1:
        language = next(iter(gradable))

    request = ChatRequest(
        messages=[Message(role="system", content=system_prompt()),
                  Message(role="user", content=user_prompt(brief, language))],
        max_tokens=MAX_TOKENS,
        temperature=TEMPERATURE,
        json_schema=DraftAnswer.model_json_schema(),
        schema_name="scenario_draft",
        role="drafting",
    )
    raw: dict[str, Any] | None = None
    problems: list[str] = []
    attempts = 0
    for _ in range(ATTEMPTS):
        attempts += 1
        try:
            completion = model.complete(request)
            raw, answer, problems = _read_answer(completion.text, completion.truncated)
        except InvalidOutput as exc:  # a backend that validates by itself
            raw, answer, problems = None, None, [f"answer: {exc}"]
        except LLMError as exc:
            return DraftResult(problems=[_could_not(str(exc))], raw=raw, attempts=attempts)
        if answer is not None:
            scenario, problems = build(answer, brief, by_id, existing_ids, language)
            if scenario is not None and not problems:
                return DraftResult(scenario=scenario, raw=raw, attempts=attempts)
        listing = "\n".join(f"- {p}" for p in problems)
        retry = Message(role="user", content=(
            f"Your draft was rejected:\n{listing}\nWrite the whole JSON object again and fix these problems."
        ))
        request = request.model_copy(update={"messages": [*request.messages, retry]})
    if problems and problems[0].startswith("answer:"):
        problems = [_could_not(problems[0].removeprefix("answer: "))]
    return DraftResult(problems=problems, raw=raw, attempts=attempts)


def _could_not(error: str) -> str:
    return f"the model could not draft a scenario: {error}; try again or write it in the editor"


def _read_answer(text: str, truncated: bool) -> tuple[dict[str, Any] | None, DraftAnswer | None, list[str]]:
    """(the JSON object, the validated answer, problems); not JSON is one 'answer:' problem."""
    body = without_code_fence(text)
    try:
        data = json.loads(body)
    except json.JSONDecodeError as exc:
        why = f"answer is not valid JSON ({exc.msg} at char {exc.pos})"
        if truncated:
            why += f"; it was cut off at {MAX_TOKENS} tokens, so keep every text shorter"
        return None, None, [f"answer: {why}"]
    if not isinstance(data, dict):
        return None, None, ["answer: the answer must be one JSON object"]
    try:
        return data, DraftAnswer.model_validate(data), []
    except ValidationError as exc:
        return data, None, validation_problems(exc)

