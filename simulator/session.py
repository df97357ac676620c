"""One training session: start, submit a reply, stream the customer, get the verdict, end.

Used by the Streamlit pages and by the CLI alike; never imports streamlit.

One turn, in order:
1. the trainee's reply is written to SQLite before any model call (nothing typed is lost);
2. the scenario's trigger phrases move the mood at once; the reply is checked against the
   hidden facts not yet earned (phrases in code, then one constrained yes/no call), since
   a fact earned now is told in this very message; the customer's next message streams
   with that mood; the judge grades the reply alongside (remote backends) or right
   after the customer (a local model that shares the CPU, so the trainee sees the customer
   first);
3. the verdict moves the mood again; the end conditions are checked; everything is stored
   with the versions (content hashes) of scenario, rubric, prompts and models.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from simulator.catalog import Catalog
from simulator.config import DEFAULT_SUPPORT_NOTE, Settings, load_settings
from simulator.content.library import Library, load_library, default_content_dirs
from simulator.content.schema import Rubric, Scenario
from simulator.hashing import content_hash
from simulator.i18n import DEFAULT_LANGUAGE, N_, Translatable
from simulator.judge.grader import Judge
from simulator.judge.verdict import Verdict
from simulator.llm.base import ChatModel
from simulator.llm.registry import get_model
from simulator.roleplay import facts as fact_checks
from simulator.roleplay.coach import CoachNote, Debrief, coach_note, debrief
from simulator.roleplay import mood as moods
from simulator.roleplay.customer import CustomerMessage, CustomerStream
from simulator.roleplay.mood import MoodState
from simulator.store import repository as repo
from simulator.store.repository import Store

MAX_REPLY_CHARS = 4000
PENDING_STALE_SECONDS = 300
JUDGE_CONTEXT_LINES = 2
JUDGE_CONTEXT_CHARS = 300

# Judging runs on a small shared pool so that many sessions cannot start unbounded threads.
_judge_pool = ThreadPoolExecutor(max_workers=8, thread_name_prefix="judge")


class ReplyRejected(Translatable, ValueError):
    """The reply cannot be accepted as it is; the message says why (`exc.translated(language)`
    for the interface)."""


class SessionClosed(Translatable, ValueError):
    """The session has ended; start a new one."""


@dataclass
class Services:
    """What a session needs from the outside: storage, content and models."""

    store: Store
    #: The seed files; the live library adds what trainers stored (see `library`).
    seed_library: Library
    customer_model: ChatModel
    judge: Judge
    #: Problems found while loading the library (files left out); shown, not fatal.
    problems: list = field(default_factory=list)
    #: Where a trainee finds support after a distressing scenario (debrief).
    support_note: str = DEFAULT_SUPPORT_NOTE
    #: Drafts scenarios from a trainer's brief (the customer model when not set).
    coach_model: ChatModel | None = None
    catalog: Catalog = field(init=False)

    def __post_init__(self) -> None:
        self.catalog = Catalog(self.seed_library, self.store)

    @property
    def library(self) -> Library:
        """The current library: seed files plus the versions trainers stored."""
        return self.catalog.library()

    @classmethod
    def from_settings(cls, settings: Settings | None = None, library: Library | None = None) -> Services:
        settings = settings or load_settings()
        problems: list = []
        if library is None:
            library, problems = load_library(*default_content_dirs())
            if not library.scenarios:
                raise ValueError(
                    "No usable scenario was found. Fix these problems (or run `empathy-sim validate`):\n"
                    + "\n".join(map(str, problems))
                )
        judge = Judge(get_model(settings.judge_model), mode=settings.judge_mode, samples=settings.judge_samples)
        return cls(Store(settings.db), library, get_model(settings.customer_model), judge, problems,
                   support_note=settings.support_note, coach_model=get_model(settings.coach_model))

    @property
    def grade_alongside(self) -> bool:
        """Grade while the customer streams, unless both roles share the local CPU model."""
        shared_local = getattr(self.customer_model, "local", False) and getattr(self.judge.model, "local", False)
        return not shared_local


@dataclass
class TurnResult:
    index: int
    reply: str
    customer: CustomerMessage
    verdict: Verdict
    mood: MoodState
    outcome: str | None


class TrainingSession:
    def __init__(self, services: Services, row: dict[str, Any]):
        self.services = services
        self.row = row
        self.id: str = row["id"]
        # The exact versions the session started with, whatever was edited since.
        self.scenario: Scenario = services.catalog.scenario_at(row["scenario_id"], row["scenario_hash"])
        rubric = services.catalog.rubric_at(row["rubric_id"], row["rubric_hash"])
        # Only the criteria for this channel: an e-mail's structure is not graded in a chat.
        self.rubric: Rubric = rubric.for_channel(self.scenario.channel)
        self._lock = threading.Lock()

    # -- lifecycle --------------------------------------------------------------

    @classmethod
    def start(cls, services: Services, scenario_id: str, trainee: str = "trainee", mode: str | None = None,
              scenario: Scenario | None = None, assignment_id: int | None = None) -> TrainingSession:
        """Start a session on the library's scenario `scenario_id`, or on `scenario` itself:
        a draft tried out before it is published (stored as a draft, the session marked
        as a trial and left out of every figure)."""
        trial = scenario is not None
        scenario = scenario or services.library.scenario(scenario_id)
        rubric = services.library.rubric(scenario.rubric)
        if trial:
            services.catalog.remember_draft(scenario)
        services.catalog.remember(scenario, rubric)
        db = services.store.db
        session_id = repo.create_session(
            db,
            trainee=trainee,
            scenario_id=scenario.id,
            scenario_version=scenario.version,
            scenario_hash=content_hash(scenario),
            rubric_id=rubric.id,
            rubric_hash=content_hash(rubric),
            language=scenario.language,
            mode=mode or scenario.mode,
            customer_model=services.customer_model.spec,
            judge_model=services.judge.model.spec,
            trial=int(trial),
            assignment_id=assignment_id,
        )
        opening = MoodState.from_scenario(scenario.persona.initial_mood)
        turn_id = repo.add_turn(db, session_id, 0, None)
        repo.update_turn(db, turn_id, customer_text=scenario.opening.strip(), customer_status="complete",
                         customer_model="scenario", **opening.model_dump())
        return cls(services, repo.get_session(db, session_id))

    @classmethod
    def resume(cls, services: Services, session_id: str) -> TrainingSession:
        row = repo.get_session(services.store.db, session_id)
        if row is None:
            raise KeyError(f"No session {session_id!r} in {services.store.path}.")
        return cls(services, row)

    def refresh(self) -> None:
        self.row = repo.get_session(self.services.store.db, self.id)

    @property
    def finished(self) -> bool:
        return self.row["status"] == "finished"

    def turns(self) -> list[dict[str, Any]]:
        return repo.get_turns(self.services.store.db, self.id)

    def mood(self, turns: list[dict[str, Any]] | None = None) -> MoodState:
        """The mood after the last turn (`turns`: already loaded, saves a read)."""
        last = [t for t in (turns or self.turns()) if t["anger"] is not None][-1]
        return MoodState(anger=last["anger"], anxiety=last["anxiety"], trust=last["trust"])

    def end(self, outcome: str = "ended") -> None:
        if not self.finished:
            repo.finish_session(self.services.store.db, self.id, outcome)
            self.refresh()

    # -- one turn ---------------------------------------------------------------

    def submit(self, reply: str) -> PendingTurn:
        """Store the reply and return the turn in progress. Raises ReplyRejected/SessionClosed."""
        text = check_reply(reply)
        with self._lock:
            self.refresh()
            if self.finished:
                raise SessionClosed(N_("This session has ended. Start a new session to practise again."))
            turns = self.turns()
            last = turns[-1]
            if last["customer_status"] == "pending":
                if not is_stale(last):
                    raise ReplyRejected(N_("The customer has not answered your last reply yet. Wait for it, then reply."))
                # The process that was generating it is gone: keep the reply, move on.
                repo.update_turn(self.services.store.db, last["id"], customer_status="interrupted")
            index = last["idx"] + 1
            try:
                turn_id = repo.add_turn(self.services.store.db, self.id, index, text)
            except repo.DuplicateTurn as exc:
                raise ReplyRejected(
                    N_("A reply for this turn was just sent (from another tab?). Reload the page to see it.")
                ) from exc
        return PendingTurn(self, turn_id, index, text, turns)

    def coach(self, language: str = DEFAULT_LANGUAGE) -> CoachNote:
        """The live coach's note for the trainee's next reply (practice mode only), in the
        interface `language` (the scenario's own hints stay in the scenario's language)."""
        turns = self.turns()
        verdict = next((t["verdict"] for t in reversed(turns) if t["verdict"] is not None), None)
        earned = [fact for turn in turns for fact in turn.get("facts_earned") or []]
        return coach_note(self.scenario, self.rubric, self.mood(turns), verdict, earned, language=language)

    def debrief(self, language: str = DEFAULT_LANGUAGE) -> Debrief | None:
        """After a distressing scenario: what went well, one thing to try, where to find
        support, in the interface `language`. None for other scenarios."""
        if not self.scenario.distressing:
            return None
        return debrief(self.summary(), self.rubric, self.services.support_note, language=language)

    @property
    def assessment(self) -> bool:
        """Assessment mode: no coach, no mood meter, no per-turn feedback until the end."""
        return self.row["mode"] == "assessment"

    def summary(self) -> dict[str, Any]:
        return summarise(self.row, self.turns(), self.rubric, self.scenario)


def is_stale(turn: dict[str, Any]) -> bool:
    """A customer message still pending long after its reply was stored will never come."""
    from datetime import datetime

    stamp = datetime.fromisoformat(turn["updated_at"] or turn["created_at"])
    return (datetime.now(stamp.tzinfo) - stamp).total_seconds() > PENDING_STALE_SECONDS


def check_reply(reply: str) -> str:
    text = "".join(ch for ch in reply if ch in "\n\t" or ch.isprintable()).strip()
    if not text:
        raise ReplyRejected(N_("Your reply is empty. Write what you would say to the customer."))
    if len(text) > MAX_REPLY_CHARS:
        raise ReplyRejected(N_("Your reply has {length} characters; the limit is {limit}. Shorten it."),
                            length=len(text), limit=MAX_REPLY_CHARS)
    return text


def earned_facts(turns: list[dict[str, Any]]) -> set[str]:
    return {fact for turn in turns for fact in turn.get("facts_earned") or []}


def transcript_of(turns: list[dict[str, Any]]) -> list[tuple[str, str]]:
    lines: list[tuple[str, str]] = []
    for turn in turns:
        if turn["trainee_text"]:
            lines.append(("agent", turn["trainee_text"]))
        if turn["customer_text"]:
            lines.append(("customer", turn["customer_text"]))
    return lines


class PendingTurn:
    """A stored reply whose customer message and verdict are on their way."""

    def __init__(self, session: TrainingSession, turn_id: int, index: int, reply: str, before: list[dict]):
        self.session = session
        self.turn_id = turn_id
        self.index = index
        self.reply = reply
        # The trainee's own earlier replies: the judge reports when a reply repeats them.
        self.earlier_replies = [t["trainee_text"] for t in before if t["trainee_text"]]
        scenario = session.scenario
        previous = MoodState(anger=before[-1]["anger"], anxiety=before[-1]["anxiety"], trust=before[-1]["trust"])
        self.mood_before_verdict, _ = moods.after_triggers(previous, scenario, reply)
        self.history = transcript_of(before)
        self.customer_said = self.history[-1][1] if self.history else scenario.opening
        self.judge_context = [
            ("Customer" if s == "customer" else "Agent", t[:JUDGE_CONTEXT_CHARS])
            for s, t in self.history[:-1][-JUDGE_CONTEXT_LINES:]
        ]
        self.earned_before = earned_facts(before)
        self.fact_check: fact_checks.FactCheck | None = None
        self._customer: CustomerStream | None = None
        self._customer_done = threading.Event()
        self._grading: Future[Verdict] | None = None
        self._verdict: Verdict | None = None
        self._settle_lock = threading.Lock()
        self._settled = threading.Event()
        self._result: TurnResult | None = None
        if session.services.grade_alongside:
            self._start_grading()

    def _start_grading(self) -> None:
        with self._settle_lock:
            if self._grading is None:
                self._grading = _judge_pool.submit(self._grade_job)

    @property
    def customer(self) -> CustomerStream:
        """The customer's message in the making; built once the reply's facts are checked,
        since a fact earned now is one the customer may tell in this very message."""
        if self._customer is None:
            self._customer = self._build_customer()
        return self._customer

    def _build_customer(self) -> CustomerStream:
        session = self.session
        scenario = session.scenario
        self.fact_check = fact_checks.check_reply(
            session.services.judge.model, scenario, self.earned_before, self.reply, self.customer_said
        )
        repo.update_turn(session.services.store.db, self.turn_id, facts_earned=self.fact_check.earned,
                         fact_check=self.fact_check.model_dump())
        earned = self.earned_before | set(self.fact_check.earned)
        known = [f for f in scenario.hidden_facts if f.id in earned]
        just = [f for f in known if f.id in self.fact_check.earned]
        return CustomerStream(
            session.services.customer_model, scenario, [*self.history, ("agent", self.reply)],
            self.mood_before_verdict, self.index, known=known, just_earned=just,
        )

    def stream_customer(self) -> Iterator[str]:
        """The customer's message as it is generated; stored when the stream ends."""
        try:
            yield from self.customer
        finally:
            self._store_customer()

    def _store_customer(self) -> None:
        if self._customer_done.is_set():
            return
        message = self.customer.message
        if message.status == "pending":  # the reader stopped early (page closed, rerun)
            shown = self.customer.shown.strip()
            message.text, message.status = (shown, "incomplete") if shown else ("", "interrupted")
        repo.update_turn(
            self.session.services.store.db, self.turn_id,
            customer_text=message.text or None,
            customer_status=message.status,
            guard_events=message.guard_events,
            customer_model=message.model,
            customer_prompt_hash=message.prompt_hash,
            customer_prompt_tokens=message.prompt_tokens,
            customer_completion_tokens=message.completion_tokens,
            tokens_counted_by=message.counted_by,
            first_token_ms=None if message.first_token_seconds is None else round(message.first_token_seconds * 1000, 1),
            **self.mood_before_verdict.model_dump(),
        )
        self._customer_done.set()
        self._start_grading()  # a local model grades after the customer, on the same CPU
        self._settle()

    def _grade_job(self) -> Verdict:
        self._verdict = self._grade()
        self._settle()
        return self._verdict

    def _settle(self) -> None:
        """Once both the customer message and the verdict are stored, move the mood and
        check the end. Runs in whichever thread finishes last, so nothing waits and a
        closed browser tab loses nothing."""
        with self._settle_lock:
            if self._settled.is_set() or self._verdict is None or not self._customer_done.is_set():
                return
            session = self.session
            mood = moods.after_verdict(self.mood_before_verdict, session.scenario, self._verdict)
            repo.update_turn(session.services.store.db, self.turn_id, **mood.model_dump())
            earned = self.earned_before | set(self.fact_check.earned if self.fact_check else [])
            outcome = moods.outcome(mood, session.scenario, self.index, earned, self.customer.message.text)
            if outcome:
                session.end(outcome)
            self._result = TurnResult(self.index, self.reply, self.customer.message, self._verdict, mood, outcome)
            self._settled.set()

    def _grade(self) -> Verdict:
        session = self.session
        try:
            verdict = session.services.judge.grade(
                session.rubric, self.reply, self.customer_said, self.judge_context, session.scenario.language,
                earlier=self.earlier_replies, channel=session.scenario.channel,
            )
        except Exception as exc:  # a judge failure is an unscored verdict, never a lost turn or a 0
            verdict = Verdict(status="unscored", reason=f"judge failed: {exc}", rubric_id=session.rubric.id,
                              model=session.services.judge.model.spec)
        repo.save_verdict(session.services.store.db, self.turn_id, session.id, verdict)
        return verdict

    def result(self) -> TurnResult:
        """Wait for the verdict, the mood and the end check (reads the stream if nobody did)."""
        if not self._customer_done.is_set():
            for _ in self.stream_customer():
                pass
        self._start_grading()
        self._grading.result()  # re-raises what the grading thread could not handle
        self._settled.wait()
        return self._result


def uncovered_facts(scenario: Scenario, turns: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each hidden fact with the turn whose reply earned it (None: never uncovered)."""
    first = {}
    for turn in turns:
        for fact_id in turn.get("facts_earned") or []:
            first.setdefault(fact_id, turn["idx"])
    return [{"id": f.id, "fact": f.fact.strip(), "turn": first.get(f.id)} for f in scenario.hidden_facts]


def summarise(row: dict[str, Any], turns: list[dict[str, Any]], rubric: Rubric,
              scenario: Scenario | None = None) -> dict[str, Any]:
    """Scores of record (a trainer's label where one exists, else the judge's level),
    averaged over graded replies only; unscored ones are counted, never zeros."""
    from simulator.store.labels import turn_record

    replies = [t for t in turns if t["idx"] > 0]
    records, scores, unscored, labelled = [], [], 0, 0
    for turn in replies:
        labels = turn.get("labels") or {}
        if turn["verdict"] is None and not labels:
            continue
        record, score = turn_record(turn, rubric)
        labelled += bool(labels)
        if score is None:
            unscored += 1
        else:
            scores.append(score)
            records.append(record)
    per_criterion = {}
    for criterion in rubric.criteria:
        levels = [r[criterion.id]["record"] for r in records if r.get(criterion.id, {}).get("record") is not None]
        per_criterion[criterion.id] = {
            "title": criterion.title,
            "mean_level": round(sum(levels) / len(levels), 2) if levels else None,
            "max_level": criterion.max_level,
        }
    return {
        "session_id": row["id"],
        "scenario": row["scenario_id"],
        "status": row["status"],
        "outcome": row["outcome"],
        "replies": len(replies),
        "scored": len(scores),
        "unscored": unscored,
        "labelled_by_trainer": labelled,
        "mean_score": round(sum(scores) / len(scores), 1) if scores else None,
        "criteria": per_criterion,
        "mood": [{"turn": t["idx"], "anger": t["anger"], "anxiety": t["anxiety"], "trust": t["trust"]} for t in turns],
        "facts": uncovered_facts(scenario, turns) if scenario else [],
    }
