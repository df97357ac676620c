"""A training session: start or resume it, submit a reply, ask again for a failed
customer message, grade again, end it; the coach's note, the debrief and the summary."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from simulator.content.schema import Rubric, Scenario
from simulator.hashing import content_hash
from simulator.i18n import DEFAULT_LANGUAGE, N_
from simulator.judge.verdict import Verdict
from simulator.roleplay.coach import CoachNote, Debrief, coach_note, debrief
from simulator.roleplay.facts import earned_in_order, told_turns
from simulator.roleplay.mood import MoodState
from simulator.session.reply import (DUPLICATE_SECONDS, DuplicateReply, GradingBusy, ReplyRejected, SessionClosed,
                                     TurnBusy, check_reply)
from simulator.session.services import Services
from simulator.session.state import (earned_facts, feedback_coming, grade_state, is_stale, needs_customer,
                                     seconds_since, transcript_of)
from simulator.session.summary import summarise
from simulator.session.turn import PendingTurn
from simulator.store import repository as repo
from simulator.store.database import db_errors
from simulator.store.grading import claims
from simulator.store.recordings import save_recording
from simulator.store.records import SessionRecord, Turn
from simulator.voice.backends import SpeechUnavailable
from simulator.voice.spoken import SpokenReply, hear


class TrainingSession:
    def __init__(self, services: Services, record: SessionRecord):
        self.services = services
        self.record = record
        self.id: str = record.id
        # The exact versions the session started with, whatever was edited since.
        self.scenario: Scenario = services.catalog.scenario_at(record.scenario_id, record.scenario_hash)
        #: The whole rubric, as stored: the judge takes it with the channel and leaves out the
        #: criteria of other channels itself, so its fit (made for the whole rubric) applies.
        self.full_rubric: Rubric = services.catalog.rubric_at(record.rubric_id, record.rubric_hash)
        # Only the criteria for this channel: an e-mail's structure is not graded in a chat.
        self.rubric: Rubric = self.full_rubric.for_channel(self.scenario.channel)
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
                         customer_model="scenario", **opening.model_dump(), mood_step="opening")
        # The persona and opening are read into a local model's cache while the trainee reads
        # them, and then the judge's rubric, so the first verdict does not start cold.
        services.warm(scenario, [("customer", scenario.opening.strip())], opening, [], session_id)
        services.warm_judge(rubric.for_channel(scenario.channel))
        if scenario.channel == "voice":
            services.warm_speech()
        return cls(services, repo.get_session(db, session_id))

    @classmethod
    def resume(cls, services: Services, session_id: str) -> TrainingSession:
        record = repo.get_session(services.store.db, session_id)
        if record is None:
            raise KeyError(f"No session {session_id!r} in {services.store.path}.")
        return cls(services, record)

    def refresh(self) -> None:
        self.record = repo.get_session(self.services.store.db, self.id)

    @property
    def finished(self) -> bool:
        return self.record.status == "finished"

    def turns(self) -> list[Turn]:
        """The stored turns, read fresh (a page reads them once per rerun and passes them on)."""
        return repo.get_turns(self.services.store.db, self.id)

    def mood(self, turns: list[Turn] | None = None) -> MoodState:
        """The mood after the last turn (`turns`: already loaded, saves a read)."""
        return [t.mood for t in (turns or self.turns()) if t.mood is not None][-1]

    def warm_latest(self) -> None:
        """Read the conversation as it stands into a local model's cache, unless a
        customer message is on its way (that call reads the prompt itself)."""
        turns = self.turns()
        if self.services.warm_model is None or turns[-1].customer_status == "pending":
            return
        known = [f for f in self.scenario.hidden_facts if f.id in earned_facts(turns)]
        self.services.warm(self.scenario, transcript_of(turns), self.mood(turns), known, self.id)

    def end(self, outcome: str = "ended") -> None:
        if not self.finished:
            repo.finish_session(self.services.store.db, self.id, outcome)
            self.refresh()

    # -- one turn ---------------------------------------------------------------

    def hear(self, data: bytes, left_at: Callable[[float], float] | None = None,
             received_at: float | None = None) -> SpokenReply:
        """A recorded reply, transcribed in the scenario's language (see voice/spoken.hear for
        the arguments and what it raises). Raises SpeechUnavailable without a recogniser."""
        stt = self.services.stt
        if stt is None:
            raise SpeechUnavailable(N_("Speech recognition is switched off here: type your reply."))
        return hear(stt, data, self.scenario.language, left_at=left_at, received_at=received_at)

    def submit(self, reply: str, spoken: SpokenReply | None = None) -> PendingTurn:
        """Store the reply and return the turn in progress. Raises ReplyRejected (and its
        DuplicateReply), SessionClosed, or StoreError when the database cannot be written.
        `spoken`: the recording the reply was corrected from (voice scenarios), stored with it."""
        text = check_reply(reply)
        db = self.services.store.db
        with self._lock, db_errors(self.services.store.path):
            turns = self._open_turns()
            last = turns[-1]
            if last.trainee_text == text and seconds_since(last.created_at) < DUPLICATE_SECONDS:
                raise DuplicateReply(N_("This reply was already sent; it is stored once."))
            if last.customer_status == "pending":
                if not is_stale(last):
                    raise TurnBusy(N_("The customer has not answered your last reply yet. Wait for it, then reply."))
                # The process that was generating it is gone: keep the reply, move on.
                repo.update_turn(db, last.id, customer_status="interrupted")
            index = last.idx + 1
            try:
                turn_id = repo.add_turn(db, self.id, index, text)
            except repo.DuplicateTurn as exc:
                raise TurnBusy(
                    N_("A reply for this turn was just sent (from another tab?). Reload the page to see it.")
                ) from exc
            if spoken is not None:
                save_recording(db, turn_id, self.id, spoken.audio, spoken.raw_transcript, spoken.engine,
                               spoken.signals.model_dump())
        return PendingTurn(self, turn_id, index, text, turns)

    def _open_turns(self) -> list[Turn]:
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
            if last.idx == 0 or not needs_customer(last):
                raise ReplyRejected(N_("The customer's last message is complete; there is nothing to ask again."))
            # Claimed with a conditional update, so two tabs cannot both regenerate it.
            if not repo.claim_turn(db, last.id, last.customer_status):
                raise ReplyRejected(N_("The customer's message is already being asked for again (another tab?)."))
        return PendingTurn(self, last.id, last.idx, last.trainee_text, turns[:-1], stored=last)

    def regrade(self, turn_id: int) -> Verdict:
        """Grade one stored reply again (after an unscored verdict) and store the new verdict.
        The mood and the session's course stay as they were: the conversation moved on.
        Raises GradingBusy when the reply is being graded already (here or elsewhere)."""
        turns = self.turns()
        at = next(i for i, t in enumerate(turns) if t.id == turn_id and t.trainee_text)
        store = self.services.store
        if not claims.claim(store, turn_id, self.id, exclusive=True):
            raise GradingBusy(N_("This reply is being graded right now; its feedback appears when it is ready."))
        try:
            return PendingTurn(self, turn_id, turns[at].idx, turns[at].trainee_text, turns[:at],
                               stored=turns[at], grade=False).regrade()
        finally:
            claims.release(store, turn_id)

    def ungraded(self, turns: list[Turn] | None = None) -> list[Turn]:
        """Replies with an unscored verdict, or with none and nobody grading them: the ones
        "Grade again" (and `empathy-sim regrade`) picks up. A reply being graded is not
        among them, however long its grading takes."""
        return [t for t in (turns or self.turns()) if grade_state(t) in ("unscored", "missing")]

    def grading(self, turns: list[Turn] | None = None) -> bool:
        """A reply's verdict, or the feedback written after its levels, is still on its
        way (graded in the background)."""
        return any(grade_state(t) == "grading" or feedback_coming(t) for t in (turns or self.turns()))

    def waiting_for_customer(self, turns: list[Turn] | None = None) -> bool:
        """The last reply's customer message is being generated (here or in another tab)."""
        last = (turns or self.turns())[-1]
        return last.idx > 0 and last.customer_status == "pending" and not is_stale(last)

    def coach(self, language: str = DEFAULT_LANGUAGE, turns: list[Turn] | None = None) -> CoachNote:
        """The live coach's note for the trainee's next reply (practice mode only), in the
        interface `language` (the scenario's own hints stay in the scenario's language)."""
        turns = turns or self.turns()
        verdict = next((t.verdict for t in reversed(turns) if t.verdict is not None), None)
        return coach_note(self.scenario, self.rubric, self.mood(turns), verdict, earned_in_order(turns),
                          language=language, told=set(told_turns(self.scenario, turns)))

    def debrief(self, language: str = DEFAULT_LANGUAGE, turns: list[Turn] | None = None) -> Debrief | None:
        """After a distressing scenario: what went well, one thing to try, where to find
        support, in the interface `language`. None for other scenarios."""
        if not self.scenario.distressing:
            return None
        return debrief(self.summary(turns), self.rubric, self.services.support_note, language=language)

    @property
    def assessment(self) -> bool:
        """Assessment mode: no coach, no mood meter, no per-turn feedback until the end."""
        return self.record.mode == "assessment"

    def summary(self, turns: list[Turn] | None = None) -> dict[str, Any]:
        return summarise(self.record, turns or self.turns(), self.rubric, self.scenario)
