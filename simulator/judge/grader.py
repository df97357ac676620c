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
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from simulator.content.schema import Rubric
from simulator.hashing import content_hash
from simulator.judge import prompt as prompts
from simulator.judge import wording
from simulator.judge.answers import ask_checked, check_answer, combine, evidence_choices, flag_for_review
from simulator.judge.caps import cap_stock
from simulator.judge.conduct import Conduct, cap_conduct, read_conduct
from simulator.judge.feedback import feedback_words, write_feedback
from simulator.judge.fit import decide
from simulator.judge.levels import LevelReader, LevelReading
from simulator.judge.requirements import (criterion_signal, decided_in_code, evidence_in_code, level_bounds,
                                          own_sentences)
from simulator.judge.sanitise import MARKER, sanitise
from simulator.judge.signals import compute_signals
from simulator.judge.stock import StockFinding, find_stock
from simulator.judge.verdict import (BETTER_REPLY_MAX, RATIONALE_MAX, TIP_MAX, CriterionAnswer, CriterionVerdict,
                                     FitSummary, Verdict, criterion_answer_schema, joint_answer_model,
                                     joint_answer_schema, weighted_score)
from simulator.llm.base import ChatModel, ChatRequest, Completion, ModelUnavailable

log = logging.getLogger(__name__)

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
        `channel`: chat | email | voice; criteria meant for other channels are left out
        here. Pass the whole rubric: a fit is looked up for the rubric as given, and one
        already cut to a channel matches no fit (the app graded without its fit that way).
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
                           language=language, fit=self._fit(full), read_over=read_over, context=context or [])
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
    #: The conversation before the customer's message, as (speaker, text): feedback must not copy it.
    context: list[tuple[str, str]] = field(default_factory=list)
    #: The reply's stock sentences (judge/stock.py): compassion in them counts as generic.
    stock: tuple[str, ...] = ()

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
        self.stock = tuple(stock.sentences)
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
            "stock_share": stock.share,
            "feedback_state": "pending" if pending else ("done" if tip or better else "none"),
        })

    def feedback_for(self, verdict: Verdict, rubric, reply, customer_message, language,
                     on_words: Callable[[str], None] | None = None) -> Verdict:
        """`verdict` with its tip and better reply. Feedback is a help, not a grade: a
        failure here leaves the levels standing and says "failed"."""
        try:
            tip, better = write_feedback(self, rubric, verdict.criteria, reply, customer_message, language,
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

    def _customer_said(self, customer_message: str) -> str:
        """The customer's words the judge sees: their message and their earlier lines in the
        context, so a reply that takes up what they said in the opening says it back too."""
        earlier = [text for speaker, text in self.context if speaker.lower() == "customer"]
        return " ".join([*earlier, customer_message])

    def _from_reading(self, criterion, reading: LevelReading, reply, customer_message) -> CriterionVerdict:
        levels = sorted(criterion.levels)
        thresholds = self.fit.thresholds(criterion.id) if self.fit is not None else None
        weight = self.fit.weight(criterion.id) if self.fit is not None else 0.0
        signal = criterion_signal(criterion, reply, self.language, self._customer_said(customer_message), self.stock)
        level = decide(reading.expected + weight * signal, thresholds, levels)
        low, high = level_bounds(criterion, signal)
        level = min(max(level, low), high)
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
        return ask_checked(self.model, self.tally, request, CriterionAnswer, lambda a: check_answer(criterion, a, reply),
                                 words=lambda a: self._rationale_words(a))

    def _rationale_words(self, answer: CriterionAnswer) -> tuple[str, CriterionAnswer]:
        reason = wording.problem(answer.rationale, self.language)
        if reason:
            reason = f"the rationale is not usable: {reason}"
        return reason, answer.model_copy(update={"rationale": wording.withheld(self.language)})

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

        answer = ask_checked(self.model, self.tally, request, schema, check)
        if isinstance(answer, str):
            failed = CriterionVerdict(level=None, max_level=0, status="unscored", reason=answer)
            return {c.id: failed.model_copy(update={"max_level": c.max_level}) for c in rubric.criteria}, "", ""
        criteria = {c.id: combine(c, [getattr(answer, c.id)]) for c in rubric.criteria}
        _, shown = feedback_words(answer, self.language)  # one call for everything: no second try for the words
        return criteria, wording.complete(shown.tip, TIP_MAX), wording.complete(shown.better_reply, BETTER_REPLY_MAX)


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
