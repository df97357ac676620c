"""A criterion answered the constrained way (JSON with evidence, rationale and level; the
fallback where a backend returns no log-probabilities) checked in code, samples combined,
and the reasons a person should look at a verdict."""

from __future__ import annotations

import statistics

from simulator.content.schema import Criterion
from simulator.judge import wording
from simulator.judge.evidence import address_only, invented_quotes, quote_choices, quote_in_reply
from simulator.judge.requirements import REQUIREMENTS, usable_evidence
from simulator.judge.sanitise import MARKER, PADDING_COPIES, Sanitised
from simulator.judge.verdict import RATIONALE_MAX, CriterionAnswer, CriterionVerdict, Verdict
from simulator.llm.base import ChatModel, ChatRequest, InvalidOutput, LLMError, Message, ModelUnavailable


ATTEMPTS = 2  # the first answer and one retry with the reason
# Below two samples in three agreeing, a level is a coin toss: a person should look.
REVIEW_CONFIDENCE = 0.67


def check_answer(criterion: Criterion, answer: CriterionAnswer, reply: str) -> str:
    """Why the answer cannot stand, or '' if it can. `reply` is the sanitised text."""
    if answer.level not in criterion.levels:
        return f"level {answer.level} is not one of {sorted(criterion.levels)}"
    # The removal marker is ours, not the trainee's: a quote of it (or across it) is invented.
    invented = invented_quotes(answer.evidence, reply.replace(MARKER, " ¦ "))
    if invented:
        return f"evidence not found in the reply: {invented[0]!r}"
    if answer.level > 0 and not usable_evidence(answer.evidence):
        return (f"level {answer.level} needs at least one exact quote from the reply as evidence "
                "(a greeting or a name alone is no evidence)")
    required = REQUIREMENTS.get(criterion.requires)
    if answer.level > 0 and required is not None:
        found = required.sentences(reply)
        if not any(quote_in_reply(q, s) or quote_in_reply(s, q) for q in answer.evidence for s in found):
            return f"level {answer.level} needs a quote of {required.quote}"
    return ""


def evidence_choices(criterion: Criterion, reply: str) -> list[str]:
    """What the model may quote for `criterion`: pieces of the (sanitised) reply, never
    the removal marker, and for a criterion with a requirement only the sentences that meet it."""
    required = REQUIREMENTS.get(criterion.requires)
    source = "\n".join(required.sentences(reply)) if required else reply
    return [piece for piece in quote_choices(source) if MARKER not in piece and not address_only(piece)]


def combine(criterion: Criterion, answers: list[CriterionAnswer | str]) -> CriterionVerdict:
    """Median level over the valid samples; agreement with it is the confidence."""
    valid = [a for a in answers if isinstance(a, CriterionAnswer)]
    if not valid:
        reason = next((a for a in answers if isinstance(a, str)), "no answer")
        return CriterionVerdict(level=None, max_level=criterion.max_level, status="unscored", reason=reason)
    level = int(statistics.median_low(a.level for a in valid))
    chosen = next(a for a in valid if a.level == level)
    agreeing = sum(1 for a in valid if a.level == level)
    return CriterionVerdict(
        level=level,
        max_level=criterion.max_level,
        rationale=wording.complete(chosen.rationale, RATIONALE_MAX),
        evidence=usable_evidence(chosen.evidence),
        confidence=round(agreeing / len(answers), 2),
    )


def flag_for_review(verdict: Verdict, cleaned: Sanitised) -> Verdict:
    """The verdict with needs_review and the reasons a person should look at it."""
    reasons = []
    if cleaned.removed:
        shown = "; ".join(repr(_shorten(text)) for text in cleaned.removed[:3])
        reasons.append(f"text addressed to the grader was removed before grading: {shown}")
    for sentence in cleaned.padding:
        reasons.append(f"a sentence repeated {PADDING_COPIES} or more times was left out as padding: "
                       f"{_shorten(sentence)!r}")
    for cid, criterion in verdict.criteria.items():
        if criterion.status == "scored" and criterion.confidence < REVIEW_CONFIDENCE:
            reasons.append(f"the judge's samples disagreed on {cid} (confidence {criterion.confidence:.2f})")
    if verdict.status == "unscored":
        reasons.append(f"unscored: {verdict.reason}")
    return verdict.model_copy(update={"needs_review": bool(reasons), "review_reasons": reasons})


def _shorten(text: str, limit: int = 80) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def ask_checked(model: ChatModel, tally, request: ChatRequest, schema, check, words=None, on_text=None):
    """Ask, check in code, retry once with the reason; return the answer or the reason.
    `tally.add(completion)` counts each call's tokens.

    `words(answer)` -> (reason, fallback) checks the text written for the trainee
    (language, script, voice): a fault there is asked again like any other, but an
    answer whose grade passed keeps its grade, with the words withheld (`fallback`),
    when no later answer is better."""
    reason = ""
    kept = None
    for _ in range(ATTEMPTS):
        try:
            answer, completion = model.complete_json(request, schema, on_text=on_text)
            tally.add(completion)
            reason = check(answer)
            if not reason and words is not None:
                reason, fallback = words(answer)
                kept = kept or (fallback if reason else None)
        except ModelUnavailable:
            raise
        except InvalidOutput as exc:
            reason = str(exc)
        except LLMError as exc:
            reason = f"model call failed: {exc}"
            continue
        if not reason:
            return answer
        hint = Message(role="user", content=f"Your answer was rejected: {reason}. Answer again, correctly.")
        request = request.model_copy(update={"messages": [*request.messages, hint]})
    return kept if kept is not None else reason
