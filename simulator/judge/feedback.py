"""The judge's written feedback, after the levels: a tip to the trainee and a better reply
to the customer, in the reply's language, checked in code (judge/coaching.py, judge/wording.py).

Feedback is a help, not a grade: it is written after the levels are stored, a faulty text
is asked for once more and then withheld (the page shows nothing rather than the wrong
words), and its failure never touches the levels.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from simulator.content.schema import Criterion, Rubric
from simulator.judge import prompt as prompts
from simulator.judge import wording
from simulator.judge.answers import ask_checked
from simulator.judge.coaching import review_better, salvage, tip_problem
from simulator.judge.partial import partial_strings
from simulator.judge.verdict import BETTER_REPLY_MAX, TIP_MAX, CriterionVerdict, FeedbackAnswer
from simulator.llm.base import ChatRequest


def write_feedback(grading: Any, rubric: Rubric, criteria: dict[str, CriterionVerdict], reply: str,
                   customer_message: str, language: str, stock: list[str],
                   on_words: Callable[[str], None] | None = None) -> tuple[str, str]:
    """(tip, better reply) for a verdict's levels; ("", "") when nothing usable was written.
    `grading`: the grade in progress (judge/grader._Grading: its model, token tally, the
    level conversation and channel); `stock`: the reply's stock sentences, as found."""
    scored = [c for c in rubric.criteria if criteria[c.id].level is not None]
    if not scored:
        return "", ""  # nothing was graded, so there is nothing to coach on
    request = _request(grading, criteria, scored, reply, customer_message, language, stock)
    # A reply at the top of every criterion has no better reply: the model then writes
    # a near copy, which is neither asked for again (a second call of 15 s) nor shown.
    at_top = all(criteria[c.id].level == c.max_level for c in scored)
    wants_question = any(c.requires == "question" and criteria[c.id].level is not None
                         and criteria[c.id].level < c.max_level for c in rubric.criteria)

    # Everything said before: the model copies the customer's words and earlier replies.
    said = " ".join([customer_message, *(text for _, text in grading.context)])
    reviewed: dict[str, tuple[str, str]] = {}  # better reply -> (problem, as shown): checked once

    def review(text: str) -> tuple[str, str]:
        if text not in reviewed:
            reviewed[text] = review_better(text, reply, language, wants_question, rubric, said)
        return reviewed[text]

    # A better reply that is no better is asked for again; if the second one is not
    # better either, the tip stays and the better reply is withheld.
    answer = ask_checked(
        grading.model, grading.tally, request, FeedbackAnswer, lambda a: "",
        on_text=_tip_as_written(on_words) if on_words else None,
        words=lambda a: feedback_words(a, language, "" if at_top else review(a.better_reply)[0],
                                       tip_problem(a.tip, reply, said)))
    if isinstance(answer, str):
        return "", ""  # feedback is a help, not a grade: its failure leaves the grade standing
    problem, shown = review(answer.better_reply)
    complete = wording.complete(answer.better_reply, BETTER_REPLY_MAX)
    if complete != answer.better_reply:  # cut at the length limit: the shortened text is the one shown
        shown = salvage(complete, reply, language, rubric, said)
    # The reply as checked: a stock or copied sentence left out, the rest shown.
    better = "" if at_top and problem else shown
    return wording.complete(answer.tip, TIP_MAX), better


def _request(grading: Any, criteria: dict[str, CriterionVerdict], scored: list[Criterion], reply: str,
             customer_message: str, language: str, stock: list[str]) -> ChatRequest:
    weakest = sorted(scored, key=lambda c: criteria[c.id].level / c.max_level)[:2]
    if grading.reader is not None:
        # Go on in the conversation that read the levels: the turn is in the server's
        # cache already, so the first word of the feedback comes within a second or two.
        decided = {c.id: criteria[c.id].level for c in scored}
        messages = [*grading.reader.messages, prompts.feedback_followup(language, weakest, decided, stock)]
    else:
        messages = prompts.feedback_messages(reply, customer_message, language, weakest, grading.channel, stock=stock)
    return ChatRequest(messages=messages, max_tokens=420, temperature=0.3, json_schema=FeedbackAnswer.model_json_schema(),
                       schema_name="feedback", role="feedback")


def _tip_as_written(on_words: Callable[[str], None]) -> Callable[[str], None]:
    """Only the tip is shown while it is written: the better reply is shown once it passed
    its checks (a copy of the trainee's reply must never appear, even briefly)."""
    def streamed(text: str) -> None:
        tip = partial_strings(text, ("tip",)).get("tip")
        if tip:
            on_words(tip)
    return streamed


def feedback_words(answer: FeedbackAnswer, language: str, no_better: str = "",
                   no_tip: str = "") -> tuple[str, FeedbackAnswer]:
    """The tip speaks to the trainee; the better reply to the customer. A faulty one is
    withheld (empty: the page shows nothing rather than the wrong words). `no_better`:
    why the better reply is no better than the trainee's (better_reply_problem);
    `no_tip`: why the tip is no tip (tip_problem). Returns (reason, answer with the faulty
    texts emptied)."""
    tip = wording.problem(answer.tip, language) or no_tip
    better = wording.problem(answer.better_reply, language, addressed=False) or no_better
    reason = "; ".join(f"{field}: {why}" for field, why in (("tip", tip), ("better_reply", better)) if why)
    fallback = answer.model_copy(update={"tip": "" if tip else answer.tip,
                                         "better_reply": "" if better else answer.better_reply})
    return reason, fallback
