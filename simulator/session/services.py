"""What a session needs from the outside (storage, content, models) and how the model
roles share one local model."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from simulator.catalog import Catalog
from simulator.config import DEFAULT_CUSTOMER_MODE, DEFAULT_SUPPORT_NOTE, Settings, load_settings
from simulator.content.library import Library, load_library, default_content_dirs
from simulator.content.schema import Rubric, Scenario
from simulator.hashing import content_hash
from simulator.judge.grader import Judge
from simulator.judge.levels import warm_request as levels_warm_request
from simulator.judge.stock import warm_encoder
from simulator.llm.base import ChatModel, ChatRequest, Completion
from simulator.llm.priority import IDLE, Priority, Prioritised, in_place
from simulator.llm.priority import ticket as queue_ticket
from simulator.llm.registry import get_model
from simulator.prices import PriceTable, load_prices
from simulator.roleplay.customer import customer_request
from simulator.roleplay.mood import MoodState
from simulator.store.fits import StoredFits
from simulator.store.repository import Store
from simulator.voice.backends import SpeechToText, TextToSpeech, build_stt, build_tts


# Grading (and cache warm-ups) run on one shared pool, so many sessions cannot start
# unbounded threads. The jobs mostly wait on a model server, so the pool is sized for many
# concurrent sessions: with 8 workers, 50 sessions queued ~5 s for one (bench/load.py).
# Threads start only when needed; a shared local model orders its own work (priority.py).
judge_pool = ThreadPoolExecutor(max_workers=64, thread_name_prefix="judge")
#: Seconds between two warm-ups of the judge for one rubric from the scenario picker.
JUDGE_WARM_EVERY_S = 60.0


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
    #: Speech in voice scenarios (None: off; voice scenarios are typed).
    stt: SpeechToText | None = None
    tts: TextToSpeech | None = None
    catalog: Catalog = field(init=False)
    #: Sessions with a cache warm-up in flight, and the newest one waiting (None: none).
    _warming: dict[str, ChatRequest | None] = field(init=False, default_factory=dict)
    _warming_lock: threading.Lock = field(init=False, default_factory=threading.Lock)
    #: When the judge was last warmed for a rubric as a channel reads it (its hash).
    _judge_warmed: dict[str, float] = field(init=False, default_factory=dict)
    #: Rubrics (as a channel reads them) whose reading was restored or saved in this process.
    _judge_kept: set[str] = field(init=False, default_factory=set)

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
                   customer_mode=settings.customer_mode, stt=build_stt(settings.stt), tts=build_tts(settings.tts))

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
             known: list, session_id: str) -> None:
        """Have a local model read the conversation so far into its cache now, while the
        trainee reads and types, so the next reply only adds its own tokens.

        A session's warm-ups run one after the other, and only the newest one waiting
        runs: two at once shared the cores and a customer call waited for both (the second
        reply's first audio 31 s, bench/voice.py), and calling the older one off threw its
        work away (measured: the next warm-up read all 925 tokens again, 15 s, where after
        the older one it read 117). Run after the older one, the newer reads only what the
        conversation added."""
        if self.warm_model is None:
            return
        # coming=1: folded as the prompt with the trainee's reply will be, or a fold would
        # move the prompt's start and the warm-up would be wasted.
        request = customer_request(scenario, transcript, mood, known, coming=1)
        request = request.model_copy(update={"max_tokens": 1})
        with self._warming_lock:
            in_flight = session_id in self._warming
            self._warming[session_id] = request  # the newest waiting replaces an older one
        if not in_flight:
            judge_pool.submit(quietly, self._warm_in_turn, session_id)

    def _warm_in_turn(self, session_id: str) -> None:
        """Run the session's waiting warm-ups, newest only, until none waits."""
        while True:
            with self._warming_lock:
                request = self._warming.get(session_id)
                if request is None:
                    self._warming.pop(session_id, None)
                    return
                self._warming[session_id] = None  # in flight, nothing waiting
            quietly(self.warm_model.complete, request)

    def warm_speech(self) -> None:
        """Make the recogniser ready now (a local one loads its model), in the background,
        while the trainee listens to the opening: not inside their first recording's wait."""
        if self.stt is not None:
            threading.Thread(target=self.stt.warm, name="speech-warm", daemon=True).start()

    def warm_judge(self, rubric: Rubric) -> None:
        """Have a local judge hold the rubric's levels prompt in its cache (its first verdict
        would otherwise read it cold): from the copy saved after an earlier read, else
        read when the model is idle, and then saved for the next start."""
        if not self._reads_levels_locally():
            return
        request = levels_warm_request(rubric)

        def warm() -> None:
            if warm_kept(self.judge.model, request):
                self._judge_kept.add(content_hash(rubric))

        judge_pool.submit(quietly, warm)

    def keep_judge(self, rubric: Rubric) -> None:
        """Save the rubric's reading for the next start once a verdict has read it. The
        warm-ups (picker, session start) are idle work that gives way to everything, and
        on a machine's first start they rarely end: in the app, three verdicts read the
        rubric and nothing was saved. The level readings ran in the rubric's kept slot, so
        the warm-up request only adds its last line there: about a second, once per
        rubric and process. Call it from the grading, in its place in the queue."""
        if not self._reads_levels_locally():
            return  # before hashing the rubric: this runs after every verdict
        key = content_hash(rubric)
        if key in self._judge_kept:
            return
        self._judge_kept.add(key)  # tried once: a folder that cannot be written stays so
        request = levels_warm_request(rubric)
        if self.judge.model.complete(request).finish_reason is not None:
            self.judge.model.save_prompt(request)

    def _reads_levels_locally(self) -> bool:
        judge = self.judge
        reads_levels = judge.levels == "auto" and judge.mode != "joint" and judge.model.logprobs is not False
        return self.warm_model is not None and reads_levels

    def warm_judge_for(self, scenario: Scenario) -> None:
        """Warm the judge for `scenario` while a trainee looks at it before pressing Start.
        On two cores the rubric's prompt takes the model about half a minute to read, and
        the session's own warm-ups read the customer's prompt first: warmed only at the
        start, the first verdicts waited for it (bench/turn_latency.py). At most once a
        minute per rubric and channel: the picker page reruns often."""
        rubric = self.library.rubrics.get(scenario.rubric)
        if self.warm_model is None or rubric is None:  # no rubric: Start says so, not the picker
            return
        rubric = rubric.for_channel(scenario.channel)
        key, now = content_hash(rubric), time.monotonic()
        with self._warming_lock:
            if now - self._judge_warmed.get(key, -JUDGE_WARM_EVERY_S) < JUDGE_WARM_EVERY_S:
                return
            self._judge_warmed[key] = now
        self.warm_judge(rubric)


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


def idle_call(model: ChatModel, request: ChatRequest) -> Completion:
    """`request` only when the model has nothing else to do (llm/priority.IDLE): a warm-up
    that held the queue made the first verdicts of a session wait minutes."""
    with in_place(queue_ticket(), IDLE):
        return model.complete(request)


def warm_kept(model: ChatModel, request: ChatRequest) -> bool:
    """The prompt of `request` (made with `keep`) in the model's cache: restored from its
    saved copy, else read when the model is idle and saved once read whole (a warm-up that
    gave way to other work is read on, not saved half). True when restored or saved."""
    if model.restore_prompt(request):
        return True
    if idle_call(model, request).finish_reason is not None:  # answered: the prompt was read whole
        model.save_prompt(request)
        return True
    return False


def quietly(fn, *args) -> None:
    """Run a best-effort call (cache warming): its failure changes nothing."""
    try:
        fn(*args)
    except Exception:  # noqa: BLE001 - warming is an optimisation; the real call reports errors
        pass
