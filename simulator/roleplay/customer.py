"""The customer's next message: streamed, guarded, regenerated or replaced.

Text reaches the trainee through a short hold-back window so that a guard can cut an
agent-voice phrase ("How can I help you?") before anyone sees it. A message that fails
its guards before anything was shown is regenerated (bounded); after the last attempt a
scenario-authored voice line for the current mood stands in, marked as a fallback.

Every message follows a plan made in code (roleplay/plan.py). In `authored` mode, and in
`hybrid` mode for told facts and mood turns, the scenario's authored lines carry it with
no model call; otherwise the model writes to the plan and code checks the result: a
sentence said before is cut like any guard hit, and an earned fact the model left out is
added from its authored line (or left for the next message, which plans it again).

A model that fails (the backend has already retried with backoff) or answers nothing is
not papered over: the message is `failed`, nothing is invented, and the trainee gets a
button to ask again. A stream that dies after text was shown keeps that text, marked
`incomplete`, and can be regenerated.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, field

from simulator.content.schema import HiddenFact, Scenario
from simulator.hashing import content_hash
from simulator.llm.base import ChatModel, ChatRequest, LLMError, ModelUnavailable
from simulator.roleplay import guards
from simulator.roleplay import lines
from simulator.roleplay.facts import revealed
from simulator.roleplay import prompt as prompts
from simulator.roleplay.mood import MoodState
from simulator.roleplay.plan import Plan

HOLDBACK_CHARS = 48
GIVING_UP_ANGER = 9  # from here the prompt lets the customer give up, so goodbyes may pass
ATTEMPTS = 3


@dataclass
class CustomerMessage:
    text: str = ""
    status: str = "pending"  # complete | incomplete | fallback | failed
    guard_events: list[dict] = field(default_factory=list)
    prompt_tokens: int = 0
    completion_tokens: int = 0
    counted_by: str = ""
    first_token_seconds: float | None = None
    #: time.perf_counter() when the model's first token arrived (for latency benchmarks).
    first_token_at: float | None = None
    prompt_hash: str = ""
    model: str = ""
    #: model | authored (the scenario's lines, no model call) | fallback
    source: str = "model"


def customer_request(scenario: Scenario, transcript: list[tuple[str, str]], mood: MoodState,
                     known: list[HiddenFact] = (), plan: Plan | None = None,
                     coming: int = 0) -> ChatRequest:
    """The request for the customer's next message (also used to warm a local model's
    cache, with `coming=1`: the trainee's reply still to come)."""
    return ChatRequest(
        messages=prompts.customer_messages(scenario, transcript, mood, known, plan, coming),
        max_tokens=prompts.MAX_TOKENS[scenario.channel],
        temperature=0.8,
        stop=prompts.stop_sequences(scenario),
        role="customer",
    )


class CustomerStream:
    """Iterate for the text as it may be shown; then read `.message`."""

    def __init__(self, model: ChatModel, scenario: Scenario, transcript: list[tuple[str, str]],
                 mood: MoodState, turn_index: int, known: list[HiddenFact] = (),
                 plan: Plan | None = None, mode: str = "generated"):
        """`plan`: what this message must do (None: the model is free, as before plans);
        `mode`: generated | authored | hybrid (the scenario's, else the library default)."""
        self.model = model
        self.scenario = scenario
        self.mood = mood
        self.turn_index = turn_index
        self.plan = plan
        self.mode = mode
        #: The customer's earlier messages: none of their sentences may come again.
        self.said = [t for who, t in transcript if who == "customer"]
        #: Facts not earned yet: their reveal words in a message are a guard hit.
        self.hidden = [f for f in scenario.hidden_facts if f not in known]
        self.request = customer_request(scenario, transcript, mood, known, plan)
        messages = self.request.messages
        self.agent_said = next((t for who, t in reversed(transcript) if who == "agent"), "")
        #: Everything the agent wrote: copying any of it is the agent's voice, not the customer's.
        self.agent_all = "\n".join(t for who, t in transcript if who == "agent")
        #: What the customer called their own in the opening: "your salary" from them swaps the roles.
        self.own = guards.owned(scenario.opening)
        self._unavailable = False
        #: Every model call made for this message (attempts included): for cost accounting.
        self.completions: list = []
        #: Text already handed to the reader: what an interrupted stream keeps.
        self.shown = ""
        self.message = CustomerMessage(
            prompt_hash=f"{prompts.PROMPT_VERSION}-{content_hash(messages[0].content)}", model=model.spec
        )

    def __iter__(self) -> Iterator[str]:
        authored = self._authored()
        if authored:
            yield from self._say(authored, "authored")
            return
        for attempt in range(1, ATTEMPTS + 1):
            yield from self._attempt(attempt)
            if self.message.status != "pending":
                return
            if self._unavailable:
                break  # the backend already retried with backoff: asking again only adds waiting
        if self._failed_only():
            self.message.status = "failed"
            return
        yield from self._fallback()

    def _authored(self) -> str | None:
        """The message from authored lines, where the mode takes them for this plan."""
        if self.plan is None or self.mode == "generated":
            return None
        if self.mode == "hybrid":
            if not lines.authored_in_hybrid(self.plan, self.scenario.language):
                return None
            if not self.plan.tell and self.plan.beat in ("heard", "relieved") and \
                    lines.repeats(self.plan, self.scenario, self.said, self.agent_said):
                return None  # a thank-you said twice rings false: the model words it anew
        return lines.authored_text(self.plan, self.scenario, self.said, self.agent_said)

    def _say(self, text: str, source: str) -> Iterator[str]:
        """A whole message at once: authored lines (no model call, nothing to count), or
        the fallback after failed attempts (their first token, if any, is kept)."""
        self.message.text = self.shown = text
        self.message.status = "complete" if source == "authored" else "fallback"
        self.message.source = source
        if self.message.first_token_at is None:
            self.message.first_token_seconds = 0.0
            self.message.first_token_at = time.perf_counter()
        yield text

    def _failed_only(self) -> bool:
        """Every attempt failed in the model (an error or nothing at all), none on a guard:
        a prepared line would hide a broken backend, so the message is marked failed."""
        kinds = {event["kind"] for event in self.message.guard_events}
        return bool(kinds) and kinds <= {"model_unavailable", "model_error", "empty"}

    def _attempt(self, attempt: int) -> Iterator[str]:
        result = self.model.stream(self.request)
        shown = self.shown = ""
        clean = ""
        try:
            for _ in result:
                if self.message.first_token_seconds is None and result.text.strip():
                    self.message.first_token_seconds = result.first_token_seconds
                    self.message.first_token_at = time.perf_counter()
                clean = self._clean(result.text)
                hit = self._hit(clean)
                if hit is not None:
                    self._event(attempt, hit.kind, hit.match)
                    kept = guards.cut_before(clean, hit.at)
                    if len(kept) < len(shown):
                        kept = shown  # never take back what the trainee already saw
                    if shown.strip() or (len(kept.strip()) >= 12 and not lines.stump(kept)):
                        # A guard cut ends the message here: it still tells what it owes.
                        kept = self._told(kept, attempt)
                        self.shown = kept
                        yield kept[len(shown):]
                        self._finish(kept, "complete", result)
                    else:
                        self._count(result)  # nothing shown and only a stump left: ask again
                    return shown
                safe = len(clean) - HOLDBACK_CHARS
                if safe > len(shown):
                    piece = clean[len(shown):safe]
                    # Recorded before the yield: a reader that stops here (a reload) has seen it.
                    shown = self.shown = clean[:safe]
                    yield piece
        except ModelUnavailable as exc:
            self._unavailable = True
            self._event(attempt, "model_unavailable", str(exc))
            return self._cut_off(shown, result)
        except LLMError as exc:
            self._unavailable = True
            self._event(attempt, "model_error", str(exc))
            return self._cut_off(shown, result)
        final = self._clean(result.text, complete=True)
        if not final:
            self._event(attempt, "empty", "")
            self._count(result)
            return shown
        if not shown and guards.whole_echo(final, self.agent_all):
            self._event(attempt, "agent_echo", final)
            self._count(result)
            return shown
        final = self._told(final, attempt)
        self.shown = final
        yield final[len(shown):]
        self._finish(final, "complete", result)
        return shown

    def _told(self, text: str, attempt: int) -> str:
        """An earned fact the model left out is added from its authored line; without one
        it waits for the next message (told facts are read from the stored text). A stump
        that a guard left ("Ich bitte Sie") is completed by the beat's authored line."""
        if self.plan is None:
            return text
        for fact in lines.untold(self.plan, self.scenario, text):
            line = lines.pick(fact.tell, self.said)
            self._event(attempt, "fact_added" if line else "fact_not_told", fact.id)
            if line:
                text = lines.joined([text, line])
        if lines.stump(text):
            line = lines.pick(getattr(self.scenario.lines, self.plan.beat), self.said)
            if line:
                self._event(attempt, "beat_added", self.plan.beat)
                text = lines.joined([text, line])
        return text

    def _hit(self, text: str) -> guards.GuardHit | None:
        hits = [guards.first_hit(text), self._voice_hit(text), self._fact_hit(text), self._repeat_hit(text),
                self._off_plan_hit(text), guards.narration_hit(text, self.scenario.persona.name),
                guards.length_hit(text, prompts.MAX_CHARS[self.scenario.channel])]
        # A relieved customer may say goodbye, and one at the end of their tether may leave.
        if self.mood.label != "relieved" and self.mood.anger < GIVING_UP_ANGER:
            hits.append(guards.goodbye_hit(text))
        hits = [h for h in hits if h is not None]
        return min(hits, key=lambda h: h.at) if hits else None

    def _fact_hit(self, text: str) -> guards.GuardHit | None:
        """A reveal word of a fact the trainee has not earned: the model volunteered it."""
        for fact in self.hidden:
            word = revealed(fact, text)
            if word:
                at = text.casefold().find(word.casefold())
                return guards.GuardHit(kind="unearned_fact", at=max(at, 0), match=f"{fact.id}: {word}")
        return None

    def _off_plan_hit(self, text: str) -> guards.GuardHit | None:
        """Thanks or relief right after a threat or a brush-off: the reaction the plan
        rules out ("Vielen Dank für Ihre Hilfe!" after a cut-off was announced)."""
        if self.plan is None or self.plan.beat not in ("threatened", "unheard"):
            return None
        match = guards.RELIEF.search(text)
        return guards.GuardHit(kind="off_plan", at=match.start(), match=match.group(0)) if match else None

    def _repeat_hit(self, text: str) -> guards.GuardHit | None:
        """A sentence the customer has said before (or nearly): cut there, or regenerate."""
        sentence = lines.repeated_sentence(text, self.said)
        if sentence is None:
            return None
        return guards.GuardHit(kind="repeated", at=max(text.find(sentence), 0), match=sentence)

    def _voice_hit(self, text: str) -> guards.GuardHit | None:
        """Wrong language (judged while nothing has been shown), the agent's own words
        repeated back, or the customer's own things called the agent's: the model has left
        the customer's voice. An echo late in a message is cut where it starts: the one
        held back past the first 48 characters used to pass ("I'm sorry, but as a customer,
        I need to know the account number and date of birth to proceed.")."""
        if not self.shown:
            language = guards.language_of(text)
            if language is not None and language != self.scenario.language:
                return guards.GuardHit(kind="wrong_language", at=0, match=language)
        hits = [guards.echo_hit(text, self.agent_all), guards.owner_reversed_hit(text, self.own)]
        hits = [h for h in hits if h is not None and self._cuts_cleanly(text, h)]
        return min(hits, key=lambda h: h.at) if hits else None

    def _cuts_cleanly(self, text: str, hit: guards.GuardHit) -> bool:
        """Whether a cut at `hit` ends the message at a full sentence the trainee has not
        seen the end of: a run of six copied words can begin inside the shown text, and a
        cut there would leave a broken sentence ("I need to know the")."""
        if not self.shown:
            return True
        kept = guards.cut_before(text, hit.at)
        return len(kept) >= len(self.shown) and kept.rstrip("\"'”“»«)").endswith((".", "!", "?"))

    def _clean(self, text: str, complete: bool = False) -> str:
        """The model's text without its own speaker label and wrapping quotation marks
        (the closing one only once the message is `complete`)."""
        own = guards.strip_own_label(text.strip() if complete else text.lstrip(), self.scenario.persona.name)
        return guards.unwrap_quotes(own, complete)

    def _cut_off(self, shown: str, result) -> str:
        """A stream that died after text was shown keeps that text, marked incomplete."""
        if shown.strip():
            self._finish(shown, "incomplete", result)
        else:
            self._count(result)
        return shown

    def _fallback(self) -> Iterator[str]:
        """The plan in authored lines where the scenario has them, else a voice sample of
        the current mood not said yet."""
        line = lines.authored_text(self.plan, self.scenario, self.said, self.agent_said) if self.plan else None
        if line is None:
            line = lines.pick(self.scenario.persona.voice_samples[self.mood.label], self.said).strip()
        yield from self._say(line, "fallback")

    def _event(self, attempt: int, kind: str, detail: str) -> None:
        self.message.guard_events.append({"attempt": attempt, "kind": kind, "detail": detail[:200]})

    def _count(self, result) -> None:
        self.completions.append(result.completion)
        usage = result.completion.usage
        self.message.prompt_tokens += usage.prompt_tokens
        self.message.completion_tokens += usage.completion_tokens
        self.message.counted_by = usage.counted_by

    def _finish(self, text: str, status: str, result) -> None:
        self._count(result)
        self.message.text = text.strip()
        self.message.status = status
