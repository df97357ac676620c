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

Faults: a customer message that failed or was cut off is marked (`failed`, `incomplete`,
`interrupted`) and `TrainingSession.regenerate()` asks for it again; a judge failure is an
`unscored` verdict with the reason, which `regrade()` (and `empathy-sim regrade`) grades
again; a database that is locked or read-only raises `StoreError` with what to do, and
the page keeps the unsent text.
"""

from __future__ import annotations

import threading
import time
import unicodedata
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from simulator.catalog import Catalog
from simulator.config import DEFAULT_CUSTOMER_MODE, DEFAULT_SUPPORT_NOTE, Settings, load_settings
from simulator.content.library import Library, load_library, default_content_dirs
from simulator.content.schema import Rubric, Scenario
from simulator.hashing import content_hash
from simulator.i18n import DEFAULT_LANGUAGE, N_, Translatable
from simulator.judge.grader import Judge
from simulator.judge.stock import warm_encoder
from simulator.store.fits import StoredFits
from simulator.judge.verdict import Verdict
from simulator.llm.base import ChatModel, ChatRequest, Completion, recording_calls
from simulator.judge.levels import warm_request as levels_warm_request
from simulator.llm.priority import FEEDBACK, IDLE, Priority, Prioritised, in_place
from simulator.llm.priority import ticket as queue_ticket
from simulator.llm.registry import get_model
from simulator.roleplay import facts as fact_checks
from simulator.roleplay.coach import CoachNote, Debrief, coach_note, debrief
from simulator.roleplay import mood as moods
from simulator.roleplay import plan as plans
from simulator.roleplay.facts import earned_in_order, told_turns
from simulator.roleplay.customer import CustomerMessage, CustomerStream, customer_request
from simulator.roleplay.mood import MoodState
from simulator.prices import PriceTable, load_prices
from simulator.score_of_record import turn_record
from simulator.store import repository as repo
from simulator.store import usage
from simulator.store.database import db_errors
from simulator.store.grading import claims
from simulator.store.repository import Store

MAX_REPLY_CHARS = 4000
PENDING_STALE_SECONDS = 300
#: A reply with no verdict and no live grading claim (store/grading.py) still counts as on
#: its way this long after its turn last changed: its grading is about to be queued (a
#: local model grades after the customer's message). After that nobody is grading it.
UNCLAIMED_GRACE_SECONDS = 60
#: The same text sent again this soon after is a double submit (two clicks, two tabs).
DUPLICATE_SECONDS = 30
#: Customer messages that may be asked for again.
RETRY_STATUSES = ("incomplete", "interrupted", "failed")
JUDGE_CONTEXT_LINES = 2
JUDGE_CONTEXT_CHARS = 300
# How often the tip is stored while the model writes it (the page reads along).
TIP_SAVE_SECONDS = 0.5

# Grading (and cache warm-ups) run on one shared pool, so many sessions cannot start
# unbounded threads. The jobs mostly wait on a model server, so the pool is sized for many
# concurrent sessions: with 8 workers, 50 sessions queued ~5 s for one (bench/load.py).
# Threads start only when needed; a shared local model orders its own work (priority.py).
_judge_pool = ThreadPoolExecutor(max_workers=64, thread_name_prefix="judge")


class ReplyRejected(Translatable, ValueError):
    """The reply cannot be accepted as it is; the message says why (`exc.translated(language)`
    for the interface)."""


class SessionClosed(Translatable, ValueError):
    """The session has ended; start a new one."""


class DuplicateReply(ReplyRejected):
    """The same reply was just stored: a double submit, which makes no second turn."""


class GradingBusy(ReplyRejected):
    """The reply is being graded right now (in this or another process): its verdict is
    on its way, so it is not graded a second time."""


class TurnBusy(ReplyRejected):
    """Another reply holds this turn (the customer is still answering it, or another tab
    just sent one): this reply was not stored, and may be sent again in a moment."""


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
    drafting_model: ChatModel | None = None
    #: Checks a reply against the hidden facts (the judge's model when not set).
    fact_model: ChatModel | None = None
    #: Reads a conversation into the customer's KV cache ahead of the next reply (a local
    #: model only; None: no warming).
    warm_model: ChatModel | None = None
    #: Prices for the estimated cost of each call (None: the configured table).
    prices: PriceTable | None = None
    #: The customer mode of scenarios that do not choose one (roleplay/plan.py).
    customer_mode: str = DEFAULT_CUSTOMER_MODE
    catalog: Catalog = field(init=False)

    def __post_init__(self) -> None:
        self.catalog = Catalog(self.seed_library, self.store)

    @property
    def fact_checker(self) -> ChatModel:
        return self.fact_model or self.judge.model

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
        customer, judging = get_model(settings.customer_model), get_model(settings.judge_model)
        roles = shared_local_roles(customer, judging)
        store = Store(settings.db)
        judge = Judge(roles["judge"], mode=settings.judge_mode, samples=settings.judge_samples,
                      fits=StoredFits(store))
        # The stock-phrase encoder loads in a few seconds: not during a trainee's first verdict.
        threading.Thread(target=warm_encoder, name="stock-encoder-warm", daemon=True).start()
        return cls(store, library, roles["customer"], judge, problems,
                   support_note=settings.support_note, drafting_model=get_model(settings.drafting_model),
                   fact_model=roles["facts"], warm_model=roles["warm"], prices=load_prices(settings.prices),
                   customer_mode=settings.customer_mode)

    @property
    def grade_alongside(self) -> bool:
        """Grade while the customer streams, unless both roles share the local CPU model."""
        shared_local = self.customer_model.local and self.judge.model.local
        return not shared_local

    @property
    def facts_first(self) -> bool:
        """Ask the model about hidden facts before the customer answers (a fact earned now
        is told now). On a shared local model that call would delay the customer's first
        token by seconds, so there the model's check runs after the customer, with the
        grading, and what it finds is told in the customer's next message; phrases are
        always checked first, in code."""
        return self.grade_alongside

    def warm(self, scenario: Scenario, transcript: list[tuple[str, str]], mood: MoodState,
             known: list) -> None:
        """Have a local model read the conversation so far into its cache now, while the
        trainee reads and types, so the next reply only adds its own tokens."""
        if self.warm_model is None:
            return
        # coming=1: folded as the prompt with the trainee's reply will be, or a fold would
        # move the prompt's start and the warm-up would be wasted.
        request = customer_request(scenario, transcript, mood, known, coming=1)
        request = request.model_copy(update={"max_tokens": 1})
        _judge_pool.submit(_quietly, self.warm_model.complete, request)

    def warm_judge(self, rubric: Rubric) -> None:
        """Have a local judge read the rubric's levels prompt into its cache when the model
        is idle (its first verdict would otherwise read it cold)."""
        judge = self.judge
        reads_levels = judge.levels == "auto" and judge.mode != "joint" and judge.model.logprobs is not False
        if self.warm_model is None or not reads_levels:
            return
        _judge_pool.submit(_quietly, _idle_call, judge.model, levels_warm_request(rubric))


def shared_local_roles(customer: ChatModel, judge: ChatModel) -> dict[str, ChatModel | None]:
    """The models each role uses. When customer and judge share one local model, the
    customer goes first and everything else yields to it (see `simulator.llm.priority`):
    the judge, the fact check (which there runs after the customer, see `facts_first`)
    and the warming of the customer's cache between replies."""
    if not (customer.local and judge.local):
        return {"customer": customer, "judge": judge, "facts": None, "warm": None}
    priority = Priority()
    return {
        "customer": Prioritised(customer, priority, foreground=True),
        "judge": Prioritised(judge, priority, foreground=False),
        "facts": Prioritised(judge, priority, foreground=False),
        "warm": Prioritised(customer, priority, foreground=False, queued=False),
    }


def call_role(request: ChatRequest) -> str:
    """Which role a model call served (stored with its tokens): the role its builder named."""
    return request.role or "unknown"


def _idle_call(model: ChatModel, request: ChatRequest) -> None:
    """`request` only when the model has nothing else to do (llm/priority.IDLE): a warm-up
    that held the queue made the first verdicts of a session wait minutes."""
    with in_place(queue_ticket(), IDLE):
        model.complete(request)


def _quietly(fn, *args) -> None:
    """Run a best-effort call (cache warming): its failure changes nothing."""
    try:
        fn(*args)
    except Exception:  # noqa: BLE001 - warming is an optimisation; the real call reports errors
        pass


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
        # The persona and opening are read into a local model's cache while the trainee reads
        # them, and then the judge's rubric, so the first verdict does not start cold.
        services.warm(scenario, [("customer", scenario.opening.strip())], opening, [])
        services.warm_judge(rubric.for_channel(scenario.channel))
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

    def warm_latest(self) -> None:
        """Read the conversation as it stands into a local model's cache, unless a
        customer message is on its way (that call reads the prompt itself)."""
        turns = self.turns()
        if self.services.warm_model is None or turns[-1]["customer_status"] == "pending":
            return
        known = [f for f in self.scenario.hidden_facts if f.id in earned_facts(turns)]
        self.services.warm(self.scenario, transcript_of(turns), self.mood(turns), known)

    def end(self, outcome: str = "ended") -> None:
        if not self.finished:
            repo.finish_session(self.services.store.db, self.id, outcome)
            self.refresh()

    # -- one turn ---------------------------------------------------------------

    def submit(self, reply: str) -> PendingTurn:
        """Store the reply and return the turn in progress. Raises ReplyRejected (and its
        DuplicateReply), SessionClosed, or StoreError when the database cannot be written."""
        text = check_reply(reply)
        db = self.services.store.db
        with self._lock, db_errors(self.services.store.path):
            turns = self._open_turns()
            last = turns[-1]
            if last["trainee_text"] == text and seconds_since(last["created_at"]) < DUPLICATE_SECONDS:
                raise DuplicateReply(N_("This reply was already sent; it is stored once."))
            if last["customer_status"] == "pending":
                if not is_stale(last):
                    raise TurnBusy(N_("The customer has not answered your last reply yet. Wait for it, then reply."))
                # The process that was generating it is gone: keep the reply, move on.
                repo.update_turn(db, last["id"], customer_status="interrupted")
            index = last["idx"] + 1
            try:
                turn_id = repo.add_turn(db, self.id, index, text)
            except repo.DuplicateTurn as exc:
                raise TurnBusy(
                    N_("A reply for this turn was just sent (from another tab?). Reload the page to see it.")
                ) from exc
        return PendingTurn(self, turn_id, index, text, turns)

    def _open_turns(self) -> list[dict[str, Any]]:
        """The stored turns of a session still open (read fresh; another tab may have moved it)."""
        self.refresh()
        if self.finished:
            raise SessionClosed(N_("This session has ended. Start a new session to practise again."))
        return self.turns()

    def regenerate(self) -> PendingTurn:
        """Ask again for the customer's last message when it failed, was cut off or was
        interrupted (a reload, a closed tab). The reply, its fact check and its verdict
        stay as stored; only a missing verdict is graded."""
        db = self.services.store.db
        with self._lock, db_errors(self.services.store.path):
            turns = self._open_turns()
            last = turns[-1]
            if last["idx"] == 0 or not needs_customer(last):
                raise ReplyRejected(N_("The customer's last message is complete; there is nothing to ask again."))
            # Claimed with a conditional update, so two tabs cannot both regenerate it.
            if not repo.claim_turn(db, last["id"], last["customer_status"]):
                raise ReplyRejected(N_("The customer's message is already being asked for again (another tab?)."))
        return PendingTurn(self, last["id"], last["idx"], last["trainee_text"], turns[:-1], stored=last)

    def regrade(self, turn_id: int) -> Verdict:
        """Grade one stored reply again (after an unscored verdict) and store the new verdict.
        The mood and the session's course stay as they were: the conversation moved on.
        Raises GradingBusy when the reply is being graded already (here or elsewhere)."""
        turns = self.turns()
        at = next(i for i, t in enumerate(turns) if t["id"] == turn_id and t["trainee_text"])
        store = self.services.store
        if not claims.claim(store, turn_id, self.id, exclusive=True):
            raise GradingBusy(N_("This reply is being graded right now; its feedback appears when it is ready."))
        try:
            return PendingTurn(self, turn_id, turns[at]["idx"], turns[at]["trainee_text"], turns[:at],
                               stored=turns[at], grade=False).regrade()
        finally:
            claims.release(store, turn_id)

    def ungraded(self, turns: list[dict[str, Any]] | None = None) -> list[dict[str, Any]]:
        """Replies with an unscored verdict, or with none and nobody grading them: the ones
        "Grade again" (and `empathy-sim regrade`) picks up. A reply being graded is not
        among them, however long its grading takes."""
        return [t for t in (turns or self.turns()) if grade_state(t) in ("unscored", "missing")]

    def grading(self, turns: list[dict[str, Any]] | None = None) -> bool:
        """A reply's verdict, or the feedback written after its levels, is still on its
        way (graded in the background)."""
        return any(grade_state(t) == "grading" or feedback_coming(t) for t in (turns or self.turns()))

    def waiting_for_customer(self, turns: list[dict[str, Any]] | None = None) -> bool:
        """The last reply's customer message is being generated (here or in another tab)."""
        last = (turns or self.turns())[-1]
        return last["idx"] > 0 and last["customer_status"] == "pending" and not is_stale(last)

    def coach(self, language: str = DEFAULT_LANGUAGE) -> CoachNote:
        """The live coach's note for the trainee's next reply (practice mode only), in the
        interface `language` (the scenario's own hints stay in the scenario's language)."""
        turns = self.turns()
        verdict = next((t["verdict"] for t in reversed(turns) if t["verdict"] is not None), None)
        return coach_note(self.scenario, self.rubric, self.mood(turns), verdict, earned_in_order(turns),
                          language=language, told=set(told_turns(self.scenario, turns)))

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


def seconds_since(stamp: str) -> float:
    from datetime import datetime

    moment = datetime.fromisoformat(stamp)
    return (datetime.now(moment.tzinfo) - moment).total_seconds()


def is_stale(turn: dict[str, Any]) -> bool:
    """A customer message still pending long after its reply was stored will never come."""
    return seconds_since(turn["updated_at"] or turn["created_at"]) > PENDING_STALE_SECONDS


GradeState = Literal["scored", "unscored", "grading", "missing"]


def grade_state(turn: dict[str, Any]) -> GradeState | None:
    """Where a reply's verdict stands (None: the customer's opening, no reply to grade).

    grading: a live process is grading it (store/grading.py), also when an earlier verdict
    was unscored and it is being graded again; or it has no verdict yet and its turn changed
    within UNCLAIMED_GRACE_SECONDS (its grading is about to start), or its customer message
    is still streaming (a local model grades after it). missing: no verdict and nobody is
    grading it (the process stopped). Only unscored and missing replies are graded again.
    """
    if not turn["trainee_text"]:
        return None
    verdict = turn["verdict"]
    if verdict is not None and verdict.status == "scored":
        return "scored"  # its feedback may still be coming (feedback_coming), its levels stand
    if turn.get("grading"):
        return "grading"
    if verdict is not None:
        return "scored" if verdict.status == "scored" else "unscored"
    if turn["customer_status"] == "pending" and not is_stale(turn):
        return "grading"
    if seconds_since(turn["updated_at"] or turn["created_at"]) <= UNCLAIMED_GRACE_SECONDS:
        return "grading"
    return "missing"


def feedback_coming(turn: dict[str, Any]) -> bool:
    """The reply's levels are stored and its feedback is being written by a live process."""
    verdict = turn.get("verdict")
    return bool(verdict is not None and verdict.feedback_state == "pending" and turn.get("grading"))


def progress(turns: list[dict[str, Any]]) -> tuple:
    """What a page drew from the turns, in a form to compare: a page that polls redraws as
    soon as this changes (a verdict arrived, a customer message was stored)."""
    return tuple((t["id"], t["customer_status"], grade_state(t),
                  None if t["verdict"] is None else (t["verdict"].status, t["verdict"].score,
                                                     t["verdict"].feedback_state))
                 for t in turns)


def needs_customer(turn: dict[str, Any]) -> bool:
    """The customer's message for this reply failed, was cut off or will never come."""
    status = turn["customer_status"]
    return status in RETRY_STATUSES or (status == "pending" and is_stale(turn))


# Zero-width (non-)joiners hold emoji sequences (👩‍💻) and some scripts together.
KEEP_INVISIBLE = "\n\t\u200c\u200d"


def _clean_char(ch: str) -> str:
    """What one typed character becomes: spaces of any kind a space, line separators a
    newline, control and formatting characters (bidi overrides among them, which would make
    the transcript show other text than was graded) nothing."""
    if ch in KEEP_INVISIBLE or ch.isprintable():
        return ch
    category = unicodedata.category(ch)
    if category == "Zs":
        return " "
    if category in ("Zl", "Zp"):
        return "\n"
    return ch if category == "Cn" else ""  # Cn: characters newer than this Python's Unicode


def clean_reply(reply: str) -> str:
    text = reply.replace("\r\n", "\n").replace("\r", "\n")
    return "".join(_clean_char(ch) for ch in text).strip()


def check_reply(reply: str) -> str:
    text = clean_reply(reply)
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

    def __init__(self, session: TrainingSession, turn_id: int, index: int, reply: str, before: list[dict],
                 stored: dict[str, Any] | None = None, grade: bool = True):
        """`stored`: the turn as already stored (a regeneration or a regrade): its fact
        check and verdict are kept. `grade=False`: no grading starts on its own."""
        self.session = session
        self.turn_id = turn_id
        self.index = index
        self.reply = reply
        # The trainee's own earlier replies: the judge reports when a reply repeats them.
        self.earlier_replies = [t["trainee_text"] for t in before if t["trainee_text"]]
        scenario = session.scenario
        # The last stored mood: a turn whose customer never answered (interrupted) has none.
        previous = session.mood(before)
        triggered, _ = moods.after_triggers(previous, scenario, reply)
        # What the reply did to the customer, read in code: the mood moves before the
        # customer answers, and the verdict moves it again when it arrives.
        self.move, self.move_why, self.mood_before_verdict = plans.react(scenario, reply, triggered)
        self.earned_order = earned_in_order(before)
        self.told_before = set(told_turns(scenario, before))
        self.plan: plans.Plan | None = None
        self.history = transcript_of(before)
        self.customer_said = self.history[-1][1] if self.history else scenario.opening
        self.judge_context = [
            ("Customer" if s == "customer" else "Agent", t[:JUDGE_CONTEXT_CHARS])
            for s, t in self.history[:-1][-JUDGE_CONTEXT_LINES:]
        ]
        self.earned_before = earned_facts(before)
        self.fact_check: fact_checks.FactCheck | None = None
        self._late_facts = False
        #: (request, completion) of the model calls on the customer's path, stored with it.
        self._calls: list[tuple[ChatRequest, Completion]] = []
        if stored and stored.get("fact_check") is not None:
            self.fact_check = fact_checks.FactCheck(**stored["fact_check"])
        self._customer: CustomerStream | None = None
        self._customer_done = threading.Event()
        self._grading: Future[Verdict] | None = None
        self._verdict: Verdict | None = None
        self._settle_lock = threading.Lock()
        self._ticket: int | None = None
        self._claimed = False
        self._settled = threading.Event()
        self._result: TurnResult | None = None
        if stored and stored.get("verdict") is not None:
            self._verdict = stored["verdict"]  # regenerating the customer keeps the grade
        if grade and session.services.grade_alongside:
            self._start_grading()

    def _start_grading(self) -> None:
        with self._settle_lock:
            if self._grading is None and self._verdict is None:
                # Claimed from the moment it is queued: on a shared local model a verdict
                # may wait minutes behind the customer, and must not look abandoned.
                store = self.session.services.store
                self._claimed = claims.claim(store, self.turn_id, self.session.id)
                self._place()  # graded in the order the replies came
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
        if self.fact_check is None:
            services = session.services
            first = services.fact_checker if services.facts_first else None  # None: phrases only
            with recording_calls(self._calls):
                self.fact_check = fact_checks.check_reply(first, scenario, self.earned_before, self.reply,
                                                          self.customer_said)
            self._late_facts = not services.facts_first
            self._store_facts()
        earned = self.earned_before | set(self.fact_check.earned)
        known = [f for f in scenario.hidden_facts if f.id in earned]
        order = list(dict.fromkeys([*self.earned_order, *self.fact_check.earned]))
        self.plan = plans.make_plan(scenario, self.reply, self.move, self.move_why, self.mood_before_verdict,
                                    order, self.told_before)
        return CustomerStream(
            session.services.customer_model, scenario, [*self.history, ("agent", self.reply)],
            self.mood_before_verdict, self.index, known=known, plan=self.plan,
            mode=scenario.customer_mode or session.services.customer_mode,
        )

    def _store_facts(self) -> None:
        with db_errors(self.session.services.store.path):
            repo.update_turn(self.session.services.store.db, self.turn_id, facts_earned=self.fact_check.earned,
                             fact_check=self.fact_check.model_dump())

    def _check_facts_late(self) -> bool:
        """The model's part of the fact check, after the customer (a shared local model):
        what it finds is earned now and told in the customer's next message. True when it
        found a fact."""
        if not self._late_facts:
            return False
        self._late_facts = False
        earned = self.earned_before | set(self.fact_check.earned)
        late = fact_checks.check_reply(self.session.services.fact_checker, self.session.scenario, earned,
                                       self.reply, self.customer_said)
        self.fact_check = self.fact_check.model_copy(update={
            "earned": [*self.fact_check.earned, *late.earned], "by_model": late.by_model, "error": late.error})
        self._store_facts()
        return bool(late.earned)

    def _warm_next(self) -> None:
        """Let a local model read the conversation, with the customer's new message, into
        its cache while the trainee reads it and types."""
        session = self.session
        if session.services.warm_model is None or not self.customer.message.text:
            return
        earned = self.earned_before | set(self.fact_check.earned if self.fact_check else [])
        known = [f for f in session.scenario.hidden_facts if f.id in earned]
        transcript = [*self.history, ("agent", self.reply), ("customer", self.customer.message.text)]
        session.services.warm(session.scenario, transcript, self.mood_before_verdict, known)

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
        with db_errors(self.session.services.store.path):
            self._save_customer(message)
        self._warm_next()
        self._record_quietly(self._calls + [(self.customer.request, c) for c in self.customer.completions])
        self._customer_done.set()
        self._start_grading()  # a local model grades after the customer, on the same CPU
        self._settle()

    def _save_customer(self, message: CustomerMessage) -> None:
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
            customer_source=message.source,
            customer_plan=self.plan.model_dump() if self.plan else None,
            **self.mood_before_verdict.model_dump(),
        )

    def _grade_job(self) -> Verdict:
        calls: list[tuple[ChatRequest, Completion]] = []
        try:
            with recording_calls(calls):
                try:
                    with in_place(self._place()):
                        late = self._check_facts_late()
                    if late:
                        # What the customer may tell changed: its next prompt starts differently.
                        # The grading may run turns behind the conversation, so warm what it is now.
                        self.session.warm_latest()
                except Exception:  # noqa: BLE001 - recorded by check_reply; never in the way of grading
                    pass
                self._verdict = self._grade()
                with self._settle_lock:  # settled on the levels: the result carries the feedback too
                    if self._result is not None:
                        self._result = replace(self._result, verdict=self._verdict)
        finally:
            if self._claimed:  # the verdict is stored (or the grading failed): nobody is grading it
                claims.release(self.session.services.store, self.turn_id)
        self._record_quietly(calls)
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
            text = self.customer.message.text
            outcome = moods.outcome(mood, session.scenario, self.index, self._told_now(text), text,
                                    still_open=self.plan is not None and self.plan.still_open)
            if outcome:
                session.end(outcome)
            self._result = TurnResult(self.index, self.reply, self.customer.message, self._verdict, mood, outcome)
            self._settled.set()

    def _told_now(self, text: str) -> set[str]:
        """The facts the customer has told, this message included: what resolution counts
        as uncovered (facts.told_turns reads the same rule from stored turns)."""
        earned = self.earned_before | set(self.fact_check.earned if self.fact_check else [])
        now = {f.id for f in self.session.scenario.hidden_facts
               if f.id in earned and text and fact_checks.tells(f, text)}
        return self.told_before | now

    def regrade(self) -> Verdict:
        """Grade this stored reply now and store the verdict (nothing else changes)."""
        calls: list[tuple[ChatRequest, Completion]] = []
        with recording_calls(calls):
            verdict = self._grade()
        self._record_quietly(calls)
        return verdict

    def _record(self, calls: list[tuple[ChatRequest, Completion]]) -> None:
        """Store each model call's tokens (and estimated cost) with this turn."""
        if calls:
            records = [usage.CallRecord.of(call_role(request), completion) for request, completion in calls]
            usage.record_calls(self.session.services.store.db, self.session.id, self.turn_id, records,
                               prices=self.session.services.prices)

    def _record_quietly(self, calls) -> None:
        """Token accounting after the verdict is stored: its failure must not cost the grade."""
        try:
            with db_errors(self.session.services.store.path):
                self._record(calls)
        except Exception:  # noqa: BLE001 - the turn and verdict are stored; only the counts are missing
            pass

    def _grade(self) -> Verdict:
        """Grade: store the levels as soon as they stand (the mood moves with them), then
        write the feedback, which on a shared local model waits until no turn's levels do
        (llm/priority.py)."""
        session = self.session
        judge = session.services.judge
        with in_place(self._place()):
            try:
                verdict, followup = judge.grade_levels(
                    session.rubric, self.reply, self.customer_said, self.judge_context, session.scenario.language,
                    earlier=self.earlier_replies, channel=session.scenario.channel)
            except Exception as exc:  # a judge failure is an unscored verdict, never a lost turn or a 0
                verdict, followup = Verdict(status="unscored", reason=f"judge failed: {exc}",
                                            rubric_id=session.rubric.id, model=judge.model.spec), None
        with db_errors(session.services.store.path):
            verdict_id = repo.save_verdict(session.services.store.db, self.turn_id, session.id, verdict)
        self._verdict = verdict
        self._settle()
        if followup is None:
            return verdict
        with in_place(self._place(), FEEDBACK):
            verdict = self._write_feedback(followup, verdict_id)
        with db_errors(session.services.store.path):
            repo.save_feedback(session.services.store.db, verdict_id, verdict.tip, verdict.better_reply,
                               verdict.feedback_state)
        return verdict

    def _write_feedback(self, followup, verdict_id: int) -> Verdict:
        """The verdict with its feedback; the tip is stored as it streams, so the page
        reads along (storing twice a second is enough for a page that polls every few)."""
        store = self.session.services.store
        shown = {"at": 0.0}

        def tip_so_far(tip: str) -> None:
            now = time.monotonic()
            if now - shown["at"] >= TIP_SAVE_SECONDS:
                shown["at"] = now
                with db_errors(store.path):
                    repo.save_feedback(store.db, verdict_id, tip, "", "pending")

        try:
            return followup.write(tip_so_far)
        except Exception:  # noqa: BLE001 - the levels are stored: only the feedback is lost
            return followup.verdict.model_copy(update={"feedback_state": "failed"})

    def _place(self) -> int:
        """This turn's place in the shared model's queue: taken when its grading was queued."""
        if self._ticket is None:
            self._ticket = queue_ticket()
        return self._ticket

    def settled(self, timeout: float | None = None) -> bool:
        """Wait up to `timeout` seconds for the verdict, the mood and the end check (the
        grading runs in its own thread); True once they are stored."""
        return self._settled.wait(timeout)

    def result(self) -> TurnResult:
        """Wait for the verdict, the mood and the end check (reads the stream if nobody did)."""
        if not self._customer_done.is_set():
            for _ in self.stream_customer():
                pass
        self._start_grading()
        if self._grading is not None:
            self._grading.result()  # re-raises what the grading thread could not handle
        self._settle()  # a kept verdict (regeneration) settles as soon as the customer is in
        self._settled.wait()
        return self._result


def uncovered_facts(scenario: Scenario, turns: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each hidden fact with the turn whose customer message told it (None: not told, even
    if a reply earned it: the trainee has not heard it yet)."""
    told = told_turns(scenario, turns)
    return [{"id": f.id, "fact": f.fact.strip(), "turn": told.get(f.id)} for f in scenario.hidden_facts]


def summarise(row: dict[str, Any], turns: list[dict[str, Any]], rubric: Rubric,
              scenario: Scenario | None = None) -> dict[str, Any]:
    """Scores of record (a trainer's label where one exists, else the judge's level),
    averaged over graded replies only; unscored ones are counted, never zeros."""
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
