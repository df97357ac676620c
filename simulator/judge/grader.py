"""Grade one reply against a rubric.

A criterion whose answer is not valid JSON, names a level the rubric lacks, or quotes
words the reply does not contain is retried once with the reason; if it fails again it
is unscored, and so is the verdict. Unscored is never zero and never averaged.

The model reads the sanitised reply (text addressed to the grader removed, repeated
sentences collapsed) and its quotes are checked against that text, so a quote from a
removed segment counts as invented. Signals computed in code are stored next to the
levels; text aimed at the grader, disagreement between samples and an unscored verdict
each put the verdict on the human review list with the reason.
"""

from __future__ import annotations

import contextvars
import logging
import statistics
import threading
from collections.abc import Callable
from typing import Any
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from simulator.content.schema import Criterion, Rubric
from simulator.hashing import content_hash
from simulator.judge import prompt as prompts
from simulator.judge import wording
from simulator.judge.coaching import better_reply_problem, salvage, tip_problem
from simulator.judge.conduct import Conduct, cap_conduct, concrete_step, read_conduct
from simulator.judge.evidence import address_only, distinct_quotes, invented_quotes, quote_choices, quote_in_reply
from simulator.judge.fit import decide
from simulator.judge.levels import LevelReader, LevelReading
from simulator.judge.sanitise import MARKER, PADDING_COPIES, Sanitised, normalise, sanitise, split_sentences
from simulator.judge.partial import partial_strings
from simulator.judge.signals import asking_sentences, compute_signals, feeling_sentences, is_open, reflection
from simulator.judge.stock import StockFinding, find_stock
from simulator.judge.verdict import (
    BETTER_REPLY_MAX,
    RATIONALE_MAX,
    TIP_MAX,
    CriterionAnswer,
    CriterionVerdict,
    FeedbackAnswer,
    FitSummary,
    Verdict,
    criterion_answer_schema,
    joint_answer_model,
    joint_answer_schema,
    weighted_score,
)
from simulator.llm.base import ChatModel, ChatRequest, Completion, InvalidOutput, LLMError, Message, ModelUnavailable

log = logging.getLogger(__name__)

ATTEMPTS = 2  # the first answer and one retry with the reason


@dataclass(frozen=True)
class Requirement:
    """A rubric rule checked in code: levels above 0 rest on sentences of one kind."""

    sentences: Callable[[str], list[str]]
    quote: str  # what the evidence must quote, for the retry message
    absent: str  # the rationale of the level 0 given in code


REQUIREMENTS = {
    "question": Requirement(asking_sentences, "what the reply asks (a question or an invitation to tell more)",
                            "The reply asks the customer nothing (checked in code)."),
    "feeling": Requirement(feeling_sentences, "a sentence that expresses feeling, warmth or concern",
                           "The reply has no word of feeling, warmth or concern (checked in code)."),
}
# Below two samples in three agreeing, a level is a coin toss: a person should look.
REVIEW_CONFIDENCE = 0.67


# One long-lived pool for the criteria of every grade in the process: a pool per grade
# started its threads under a process-wide lock, which serialised 50 concurrent sessions
# (bench/load.py). Never used by the jobs it runs, so a grade cannot deadlock waiting on it.
_criteria_pool = ThreadPoolExecutor(max_workers=64, thread_name_prefix="criterion")


@dataclass
class Tally:
    prompt_tokens: int = 0
    completion_tokens: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, completion: Completion) -> None:
        with self.lock:
            self.prompt_tokens += completion.usage.prompt_tokens
            self.completion_tokens += completion.usage.completion_tokens


@dataclass(frozen=True)
class Judge:
    """Grading settings; safe to share between threads (each grade has its own tally)."""

    model: ChatModel
    mode: str = "per_criterion"
    samples: int = 1
    max_workers: int = 6
    #: Write a tip and a better reply after the levels (off for benchmarks that need levels only).
    feedback: bool = True
    #: "auto": levels from the model's probabilities (judge/levels.py), a constrained answer
    #: for a criterion the backend gives none for; "constrained": constrained answers only.
    levels: str = "auto"
    #: Where the fitted thresholds come from (`current(rubric, model_spec)`, store/fits.py);
    #: None: plain rounding of the expected level.
    fits: Any = None

    def grade(self, rubric: Rubric, reply: str, customer_message: str, *args,
              on_levels: Callable[[Verdict], None] | None = None,
              on_feedback: Callable[[str], None] | None = None, **options) -> Verdict:
        """The levels (`grade_levels`, which takes the same arguments), then, when feedback
        is on, the tip and better reply written after them. `on_levels(verdict)`: called
        with the levels before the feedback is written; `on_feedback`: see `Followup.write`."""
        verdict, followup = self.grade_levels(rubric, reply, customer_message, *args, **options)
        if followup is None:
            return verdict
        if on_levels is not None:
            on_levels(verdict)
        return followup.write(on_feedback)

    def grade_levels(
        self,
        rubric: Rubric,
        reply: str,
        customer_message: str,
        context: list[tuple[str, str]] | None = None,
        language: str | None = None,
        only: set[str] | None = None,
        feedback: bool | None = None,
        earlier: list[str] | None = None,
        channel: str = "chat",
    ) -> tuple[Verdict, Followup | None]:
        """Grade `reply`. `only` limits grading to some criteria (calibration); such a
        partial verdict has levels but no overall score. `feedback=False` skips the tip.
        `earlier`: the trainee's earlier replies in the session (for the repetition signal).
        `channel`: chat | email | voice; criteria meant for other channels are left out.
        `language`: the reply's language (default: the rubric's); the rationale, tip and
        better reply are written in it (judge/wording.py).
        Returns the verdict with its levels and, when feedback is to be written (its
        `feedback_state` "pending"), the follow-up that writes it: a caller may store and
        show the levels first, and write the feedback when the model is free."""
        full = rubric
        rubric = rubric.for_channel(channel)
        language = language or rubric.language
        # Levels are read in one conversation over every criterion, as in any grade, so a
        # partial grade (calibration) reads exactly what a whole one would.
        read_over = rubric
        if only:
            criteria = [c for c in rubric.criteria if c.id in only]
            rubric = rubric.model_copy(update={"criteria": criteria})
        feedback = self.feedback if feedback is None else feedback
        grading = _Grading(self, Tally(), feedback=feedback, partial=bool(only), channel=channel,
                           language=language, fit=self._fit(full), read_over=read_over)
        # Removed text vanishes without a marker: an appended injection then leaves the
        # judge exactly the prompt it would have had without it (a small model's levels
        # move with any change to its input). A reply that was nothing but such text is
        # graded as the marker alone, so it scores low instead of going unscored.
        cleaned = sanitise(reply, marker="")
        signals = compute_signals(reply, language, earlier or [], cleaned=cleaned)
        text = cleaned.text or (MARKER if cleaned.removed or cleaned.padding else "")
        stock = find_stock(text, language, full)
        verdict = grading.grade(rubric, own_sentences(text, stock), customer_message, context or [], language, stock,
                                read_conduct(text))
        verdict = flag_for_review(verdict.model_copy(update={"signals": signals}), cleaned)
        if verdict.feedback_state != "pending":
            return verdict, None
        return verdict, Followup(grading, verdict, rubric, text, customer_message, language)

    def _fit(self, rubric: Rubric):
        if self.fits is None or self.levels != "auto":
            return None
        try:
            return self.fits.current(rubric, self.model.spec)
        except Exception as exc:  # noqa: BLE001 - a broken fit store costs the calibration, not the grade
            log.warning("judge fit of %s not readable (%s); rounding the expected levels", rubric.id, exc)
            return None


@dataclass
class Followup:
    """The written feedback of a verdict whose levels stand: asked in the conversation
    that read them, so the model has the turn in its cache."""

    grading: _Grading
    verdict: Verdict
    rubric: Rubric
    reply: str
    customer_message: str
    language: str

    def write(self, on_feedback: Callable[[str], None] | None = None) -> Verdict:
        """The verdict with its tip and better reply. `on_feedback(tip)`: the tip so far,
        as it streams in (not yet checked: the verdict returned carries the checked words)."""
        return self.grading.feedback_for(self.verdict, self.rubric, self.reply, self.customer_message,
                                         self.language, on_feedback)


@dataclass
class _Grading:
    judge: Judge
    tally: Tally
    feedback: bool = True
    partial: bool = False
    channel: str = "chat"
    language: str = "en"
    fit: Any = None  # judge/fit.LevelFit, or None
    read_over: Rubric | None = None  # the criteria the level conversation goes through
    reader: LevelReader | None = None  # the level conversation, once read (the feedback goes on in it)

    @property
    def model(self) -> ChatModel:
        return self.judge.model

    @property
    def mode(self) -> str:
        return self.judge.mode

    @property
    def samples(self) -> int:
        return self.judge.samples

    def grade(self, rubric, reply, customer_message, context, language, stock: StockFinding,
              conduct: Conduct | None = None) -> Verdict:
        """The verdict with its levels; with feedback on and levels standing, its
        `feedback_state` is "pending" and `feedback_for` writes the words."""
        stamp = {
            "rubric_id": rubric.id,
            "rubric_hash": content_hash(rubric),
            "prompt_hash": f"{self.mode}-{prompts.PROMPT_VERSION}",
            "model": self.model.spec,
        }
        if not reply.strip():
            return Verdict(status="unscored", reason="empty reply: nothing to grade", feedback_state="none", **stamp)
        try:
            if self.mode == "joint":
                criteria, tip, better = self._grade_joint(rubric, reply, customer_message, context)
            elif self.judge.levels == "auto" and self.model.logprobs is not False:
                criteria, tip, better = self._grade_levels(rubric, reply, customer_message, context), "", ""
            else:
                criteria, tip, better = self._grade_each(rubric, reply, customer_message, context), "", ""
        except ModelUnavailable as exc:
            return Verdict(status="unscored", reason=f"model unavailable: {exc}", feedback_state="none",
                           **self._usage(), **stamp)
        criteria = cap_stock(rubric, criteria, stock, self.language)
        criteria = cap_conduct(rubric, criteria, conduct or Conduct(), self.language)
        verdict = self._verdict(rubric, criteria, tip, better, stamp)
        pending = self.feedback and self.mode != "joint" and verdict.status == "scored"
        return verdict.model_copy(update={
            "method": _method(criteria), "fit": _fit_summary(self.fit), "stock": stock.sentences,
            "feedback_state": "pending" if pending else ("done" if tip or better else "none"),
        })

    def feedback_for(self, verdict: Verdict, rubric, reply, customer_message, language,
                     on_words: Callable[[str], None] | None = None) -> Verdict:
        """`verdict` with its tip and better reply. Feedback is a help, not a grade: a
        failure here leaves the levels standing and says "failed"."""
        try:
            tip, better = self._feedback(rubric, verdict.criteria, reply, customer_message, language,
                                         verdict.stock, on_words)
        except Exception as exc:  # noqa: BLE001 - the levels are stored already; never lose them
            log.warning("feedback for a verdict failed: %s", exc)
            tip, better = "", ""
        return verdict.model_copy(update={
            "tip": tip, "better_reply": better, "feedback_state": "done" if tip or better else "failed",
            **self._usage(),
        })

    # -- levels from probabilities ---------------------------------------------

    def _grade_levels(self, rubric, reply, customer_message, context) -> dict[str, CriterionVerdict]:
        """Every criterion from one conversation of one-token readings (judge/levels.py);
        a criterion the backend gives no reading for is asked the constrained way."""
        over = self.read_over or rubric
        reader = self.reader = LevelReader(self.model, over, reply, customer_message, context, self.channel)
        wanted = {c.id for c in rubric.criteria}
        criteria: dict[str, CriterionVerdict] = {}
        unread = []
        last = max(i for i, c in enumerate(over.criteria) if c.id in wanted)
        for criterion in over.criteria[: last + 1]:
            decided = decided_in_code(criterion, reply)
            reading = reader.read(criterion, decided.level if decided else None)
            if criterion.id not in wanted:
                continue  # read only so the conversation is the one a whole grade has
            if decided is not None:
                criteria[criterion.id] = decided.model_copy(update={"method": "code"})
            elif reading is None:
                unread.append(criterion)
            else:
                criteria[criterion.id] = self._from_reading(criterion, reading, reply, customer_message)
        for completion in reader.completions:
            self.tally.add(completion)
        if unread and self.model.logprobs is False:
            unread = list(rubric.criteria)  # no readings at all: every level the constrained way
            criteria = {}
        for criterion in unread:
            answers = [self._sample(criterion, s, reply, customer_message, context) for s in range(self.samples)]
            criteria[criterion.id] = combine(criterion, answers)
        return {c.id: criteria[c.id] for c in rubric.criteria}

    def _from_reading(self, criterion, reading: LevelReading, reply, customer_message) -> CriterionVerdict:
        levels = sorted(criterion.levels)
        thresholds = self.fit.thresholds(criterion.id) if self.fit is not None else None
        weight = self.fit.weight(criterion.id) if self.fit is not None else 0.0
        signal = criterion_signal(criterion, reply, self.language, customer_message)
        level = decide(reading.expected + weight * signal, thresholds, levels)
        return CriterionVerdict(
            level=level, max_level=criterion.max_level,
            rationale=wording.complete(" ".join(criterion.levels[level].split()), RATIONALE_MAX),
            evidence=evidence_in_code(criterion, reply, customer_message) if level > 0 else [],
            confidence=round(reading.probs.get(level, 0.0), 2),
            method="logprobs", expected=round(reading.expected, 3), probs=reading.probs, signal=signal,
        )

    # -- assembling -------------------------------------------------------------

    def _verdict(self, rubric, criteria, tip, better, stamp) -> Verdict:
        failed = {cid: c.reason for cid, c in criteria.items() if c.status != "scored"}
        if failed:
            reason = "; ".join(f"{cid}: {why}" for cid, why in failed.items())
            return Verdict(status="unscored", reason=reason, criteria=criteria, tip=tip,
                           better_reply=better, **self._usage(), **stamp)
        score = None if self.partial else weighted_score(rubric, criteria)
        return Verdict(status="scored", score=score, criteria=criteria,
                       tip=tip, better_reply=better, **self._usage(), **stamp)

    def _usage(self) -> dict:
        return {"prompt_tokens": self.tally.prompt_tokens, "completion_tokens": self.tally.completion_tokens}

    # -- per criterion ----------------------------------------------------------

    def _grade_each(self, rubric, reply, customer_message, context) -> dict[str, CriterionVerdict]:
        decided = {c.id: v for c in rubric.criteria if (v := decided_in_code(c, reply)) is not None}
        jobs = [(c, s) for c in rubric.criteria if c.id not in decided for s in range(self.samples)]
        if not jobs:
            return decided
        if self.judge.max_workers <= 1 or len(jobs) == 1:  # in order, in this thread (deterministic tests)
            answers = [self._sample(c, s, reply, customer_message, context) for c, s in jobs]
            return self._combined(rubric, decided, jobs, answers)
        # Each job runs in a copy of this context, so the caller's call recording sees it.
        contexts = [contextvars.copy_context() for _ in jobs]
        futures = [_criteria_pool.submit(ctx.run, self._sample, criterion, sample, reply, customer_message, context)
                   for ctx, (criterion, sample) in zip(contexts, jobs)]
        answers = [future.result() for future in futures]
        return self._combined(rubric, decided, jobs, answers)

    def _combined(self, rubric, decided, jobs, answers) -> dict[str, CriterionVerdict]:
        by_criterion: dict[str, list] = {c.id: [] for c in rubric.criteria if c.id not in decided}
        for (criterion, _), answer in zip(jobs, answers):
            by_criterion[criterion.id].append(answer)
        return {c.id: decided.get(c.id) or combine(c, by_criterion[c.id]) for c in rubric.criteria}

    def _sample(self, criterion, sample, reply, customer_message, context) -> CriterionAnswer | str:
        messages = prompts.criterion_messages(criterion, reply, customer_message, context, self.channel,
                                              self.language)
        request = ChatRequest(
            messages=messages,
            # Room for the longest rationale the schema allows: a cut answer is invalid JSON.
            max_tokens=340,
            temperature=0.0 if self.samples == 1 else 0.7,
            json_schema=criterion_answer_schema(criterion, evidence_choices(criterion, reply)),
            schema_name=f"grade_{criterion.id}",
            seed=sample,
            role="judge",
        )
        return self._ask_checked(request, CriterionAnswer, lambda a: check_answer(criterion, a, reply),
                                 words=lambda a: self._rationale_words(a))

    def _rationale_words(self, answer: CriterionAnswer) -> tuple[str, CriterionAnswer]:
        reason = wording.problem(answer.rationale, self.language)
        if reason:
            reason = f"the rationale is not usable: {reason}"
        return reason, answer.model_copy(update={"rationale": wording.withheld(self.language)})

    def _ask_checked(self, request: ChatRequest, schema, check, words=None, on_text=None):
        """Ask, check in code, retry once with the reason; return the answer or the reason.

        `words(answer)` -> (reason, fallback) checks the text written for the trainee
        (language, script, voice): a fault there is asked again like any other, but an
        answer whose grade passed keeps its grade, with the words withheld (`fallback`),
        when no later answer is better."""
        reason = ""
        kept = None
        for _ in range(ATTEMPTS):
            try:
                answer, completion = self.model.complete_json(request, schema, on_text=on_text)
                self.tally.add(completion)
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

    # -- joint ------------------------------------------------------------------

    def _grade_joint(self, rubric, reply, customer_message, context):
        request = ChatRequest(
            messages=prompts.joint_messages(rubric, reply, customer_message, context, self.channel, self.language),
            max_tokens=200 + 160 * len(rubric.criteria),
            temperature=0.0,
            json_schema=joint_answer_schema(rubric, {c.id: evidence_choices(c, reply) for c in rubric.criteria}),
            schema_name="grade",
            role="judge",
        )
        schema = joint_answer_model(rubric)

        def check(answer) -> str:
            problems = [check_answer(c, getattr(answer, c.id), reply) for c in rubric.criteria]
            return "; ".join(f"{c.id}: {p}" for c, p in zip(rubric.criteria, problems) if p)

        answer = self._ask_checked(request, schema, check)
        if isinstance(answer, str):
            failed = CriterionVerdict(level=None, max_level=0, status="unscored", reason=answer)
            return {c.id: failed.model_copy(update={"max_level": c.max_level}) for c in rubric.criteria}, "", ""
        criteria = {c.id: combine(c, [getattr(answer, c.id)]) for c in rubric.criteria}
        _, shown = self._feedback_words(answer)  # one call for everything: no second try for the words
        return criteria, wording.complete(shown.tip, TIP_MAX), wording.complete(shown.better_reply, BETTER_REPLY_MAX)

    # -- feedback ---------------------------------------------------------------

    def _feedback(self, rubric, criteria, reply, customer_message, language, stock: list[str],
                  on_words=None) -> tuple[str, str]:
        """`stock`: the reply's stock sentences, as the grade found them."""
        scored = [c for c in rubric.criteria if criteria[c.id].level is not None]
        if not scored:
            return "", ""  # nothing was graded, so there is nothing to coach on
        weakest = sorted(scored, key=lambda c: criteria[c.id].level / c.max_level)[:2] or rubric.criteria[:2]
        if self.reader is not None:
            # Go on in the conversation that read the levels: the turn is in the server's
            # cache already, so the first word of the feedback comes within a second or two.
            decided = {c.id: criteria[c.id].level for c in scored}
            messages = [*self.reader.messages,
                        prompts.feedback_followup(language, weakest, decided, stock)]
        else:
            messages = prompts.feedback_messages(reply, customer_message, language, weakest, self.channel, stock=stock)
        request = ChatRequest(
            messages=messages,
            max_tokens=420,
            temperature=0.3,
            json_schema=FeedbackAnswer.model_json_schema(),
            schema_name="feedback",
            role="feedback",
        )
        wants_question = any(c.requires == "question" and criteria[c.id].level is not None
                             and criteria[c.id].level < c.max_level for c in rubric.criteria)
        def streamed(text: str) -> None:
            # Only the tip is shown while it is written: the better reply is shown once it
            # passed its checks (a copy of the trainee's reply must never appear, even briefly).
            tip = partial_strings(text, ("tip",)).get("tip")
            if tip:
                on_words(tip)

        # A reply at the top of every criterion has no better reply: the model then writes
        # a near copy, which is neither asked for again (a second call of 15 s) nor shown.
        at_top = all(criteria[c.id].level == c.max_level for c in scored)

        def no_better(answer: FeedbackAnswer) -> str:
            return better_reply_problem(answer.better_reply, reply, language, wants_question, rubric, customer_message)

        # A better reply that is no better is asked for again; if the second one is not
        # better either, the tip stays and the better reply is withheld.
        answer = self._ask_checked(
            request, FeedbackAnswer, lambda a: "", on_text=streamed if on_words else None,
            words=lambda a: self._feedback_words(a, "" if at_top else no_better(a),
                                                 tip_problem(a.tip, reply, customer_message)))
        if isinstance(answer, str):
            return "", ""  # feedback is a help, not a grade: its failure leaves the grade standing
        better = wording.complete(answer.better_reply, BETTER_REPLY_MAX)
        if at_top and no_better(answer):
            better = ""
        # The reply as checked: a stock or copied sentence left out, the rest shown.
        better = better and salvage(better, reply, language, rubric, customer_message)
        return wording.complete(answer.tip, TIP_MAX), better

    def _feedback_words(self, answer: FeedbackAnswer, no_better: str = "", no_tip: str = "") -> tuple[str, FeedbackAnswer]:
        """The tip speaks to the trainee; the better reply to the customer. A faulty one is
        withheld (empty: the page shows nothing rather than the wrong words). `no_better`:
        why the better reply is no better than the trainee's (better_reply_problem);
        `no_tip`: why the tip is no tip (tip_problem)."""
        tip = wording.problem(answer.tip, self.language) or no_tip
        better = wording.problem(answer.better_reply, self.language, addressed=False) or no_better
        reason = "; ".join(f"{field}: {why}" for field, why in (("tip", tip), ("better_reply", better)) if why)
        fallback = answer.model_copy(update={"tip": "" if tip else answer.tip,
                                             "better_reply": "" if better else answer.better_reply})
        return reason, fallback


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


def usable_evidence(quotes: list[str]) -> list[str]:
    """The quotes worth showing: each once, and never a bare salutation or name ("Dana,")."""
    return [q for q in distinct_quotes(quotes) if not address_only(q)]


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


def decided_in_code(criterion: Criterion, reply: str) -> CriterionVerdict | None:
    """A criterion whose rule leaves only level 0 for this reply, without a model call."""
    required = REQUIREMENTS.get(criterion.requires)
    if required is not None and not required.sentences(reply):
        return CriterionVerdict(level=0, max_level=criterion.max_level, rationale=required.absent)
    return None


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


def cap_stock(rubric: Rubric, criteria: dict[str, CriterionVerdict], stock: StockFinding,
              language: str) -> dict[str, CriterionVerdict]:
    """Levels lowered for stock phrases (judge/stock.py), with the reason in the rationale:
    a reply that is mostly stock stays at a criterion's `stock_cap`; one that leans on a
    stock sentence or two stays one level above it (the rubrics' own wording: "mostly
    natural, but leans on stock phrases" is the level below the top)."""
    if not stock.sentences:
        return criteria
    capped = dict(criteria)
    for criterion in rubric.criteria:
        verdict = criteria.get(criterion.id)
        if criterion.stock_cap is None or verdict is None:
            continue
        cap = criterion.stock_cap if stock.mostly else criterion.stock_cap + 1
        if verdict.level is None:
            if cap != 0:
                continue  # the model's failure is no level; only a cap of 0 leaves one level
            verdict = verdict.model_copy(update={"level": 0, "status": "scored", "reason": None, "method": "code",
                                                 "confidence": 1.0})
        if verdict.level <= cap and not stock.mostly:
            continue
        # A mostly stock reply was read without its stock sentences (own_sentences): its
        # rationale says so even where that left the level at or below the cap.
        notes = STOCK_NOTE if stock.mostly else STOCK_SOME_NOTE
        note = notes.get(language, notes["en"]).format(share=f"{stock.share:.0%}", cap=cap)
        update = {"rationale": note, "evidence": stock.sentences[:2]}
        if verdict.level > cap:
            update |= {"level": cap, "method": "code", "confidence": 1.0}  # decided in code
        capped[criterion.id] = verdict.model_copy(update=update)
    return capped


STOCK_NOTE = {
    "en": "{share} of the reply is stock service phrases: they earn nothing, and this criterion stays at "
          "{cap} or below (checked in code). Say it in your own words, about this customer.",
    "de": "{share} der Antwort sind Standardfloskeln: sie zählen nicht, und dieses Kriterium bleibt bei "
          "höchstens {cap} (im Code geprüft). Sagen Sie es mit eigenen Worten, zu diesem Kunden.",
}
STOCK_SOME_NOTE = {
    "en": "The reply leans on a stock service phrase, so this criterion stays at {cap} "
          "(checked in code): replace it with your own words.",
    "de": "Die Antwort stützt sich auf eine Standardfloskel, daher bleibt dieses Kriterium bei {cap} "
          "(im Code geprüft): Ersetzen Sie sie durch eigene Worte.",
}


def criterion_signal(criterion: Criterion, reply: str, language: str, customer_message: str = "") -> float:
    """The criterion's signal computed in code, 0..1, that a fit may add to the expected
    level (judge/fit.py): "feeling", the share of sentences with words of feeling;
    "question", whether the reply asks an open question; "reflection", how much of the
    customer's situation the reply says back (judge/signals.reflection); "step", whether the
    agent commits to an action or a time (judge/conduct.concrete_step)."""
    kind = criterion.signal or criterion.requires
    if kind == "feeling":
        sentences = split_sentences(reply)
        return round(len(feeling_sentences(reply)) / len(sentences), 3) if sentences else 0.0
    if kind == "question":
        return 1.0 if any(is_open(q, language) for q in asking_sentences(reply)) else 0.0
    if kind == "reflection":
        return reflection(reply, customer_message)
    if kind == "step":
        return 1.0 if concrete_step(reply) else 0.0
    return 0.0


def evidence_in_code(criterion: Criterion, reply: str, customer_message: str) -> list[str]:
    """The sentences a level read from probabilities rests on: those that carry the
    criterion's signal (what it asks, its words of feeling), else those that share the
    most words with the customer's message (what the reply picked up)."""
    required = REQUIREMENTS.get(criterion.requires)
    if required is not None:
        return usable_evidence(required.sentences(reply))[:2]
    said = {w for w in normalise(customer_message).split() if len(w) > 3}
    ranked = sorted(((len(said & set(normalise(s).split())), i, s) for i, s in enumerate(split_sentences(reply))),
                    key=lambda t: (-t[0], t[1]))
    return usable_evidence([s for shared, _, s in ranked if shared > 0])[:2]


def own_sentences(text: str, stock: StockFinding) -> str:
    """What the model reads of a reply: a reply that is mostly stock is read without its
    stock sentences that hold no word of feeling, so corporate filler or a pasted script
    around a weak reply earns nothing. A generic but felt sentence ("I'm so sorry, that
    must have been stressful") is still read: the caps keep it low. Nothing left: the
    removal marker."""
    if not stock.mostly:
        return text
    felt = set(feeling_sentences(text))
    left = [s for s in split_sentences(text) if s not in stock.sentences or s in felt]
    return " ".join(left) or MARKER


def _method(criteria: dict[str, CriterionVerdict]) -> str:
    read = {c.method for c in criteria.values() if c.method != "code" and c.status == "scored"}
    if not read:
        return "code"
    return read.pop() if len(read) == 1 else "mixed"


def _fit_summary(fit) -> FitSummary | None:
    if fit is None:
        return None
    return FitSummary(created_at=fit.created_at, sources=fit.sources,
                      kappa={cid: f.kappa for cid, f in fit.criteria.items()},
                      n={cid: f.n for cid, f in fit.criteria.items()})
