"""The shapes of scenario and rubric YAML files.

Every model forbids unknown keys so that a typo ("escalte:") is an error with a line
number rather than a silently ignored setting.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationInfo, field_validator

Language = Literal["de", "en"]
Channel = Literal["chat", "email", "voice"]
Mode = Literal["practice", "assessment"]
#: How the customer's words are made: the model writes to the plan (`generated`), code
#: picks authored lines (`authored`: no model call), or authored lines for facts and mood
#: turns and the model for the rest (`hybrid`). See roleplay/plan.py.
CustomerMode = Literal["generated", "authored", "hybrid"]
Slug = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_-]*$", max_length=64)]
MoodValue = Annotated[int, Field(ge=0, le=10)]


def _not_blank(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be blank")
    return value


Text = Annotated[str, Field(min_length=1), AfterValidator(_not_blank)]


def _unique_ids(items: list, what: str) -> list:
    """`items` as they are, if no two share an id; else the error names the repeated ids."""
    ids = [item.id for item in items]
    dupes = sorted({i for i in ids if ids.count(i) > 1})
    if dupes:
        raise ValueError(f"{what} ids must be unique; repeated: {', '.join(dupes)}")
    return items


MOOD_NAMES = ("anger", "anxiety", "trust")
#: Named moods the customer can be in; voice samples are keyed by these.
MOOD_LABELS = ("calm", "anxious", "angry", "relieved")


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Mood(Strict):
    anger: MoodValue
    anxiety: MoodValue
    trust: MoodValue


class Persona(Strict):
    name: Text
    age: Annotated[int, Field(ge=16, le=110)]
    background: Text
    situation: Text
    communication_style: Text
    vulnerability: str | None = None
    initial_mood: Mood
    # How the customer sounds on the phone (voice scenarios): the engine's female or male
    # voice where it has one; unset: the engine's default voice.
    voice: Literal["female", "male"] | None = None
    # A few lines in the customer's own voice per mood: few-shot tone for a weak model
    # and the fallback when every generated line fails the guards.
    voice_samples: dict[Literal["calm", "anxious", "angry", "relieved"], list[Text]]

    @field_validator("voice_samples")
    @classmethod
    def _every_mood_has_a_sample(cls, value):
        missing = [m for m in MOOD_LABELS if not value.get(m)]
        if missing:
            raise ValueError(f"needs at least one sample for each mood; missing: {', '.join(missing)}")
        return value


class HiddenFact(Strict):
    id: Slug
    fact: Text
    # What the trainee must do to hear this fact; judged per reply by the judge model.
    earned_when: Text
    # Words or phrases in the trainee's reply that earn the fact at once (checked in
    # code, case-insensitive), so an obvious question never depends on a weak model.
    phrases: list[Text] = Field(default_factory=list)
    # Words whose appearance in a customer message shows the fact was told ("850",
    # "landlord"). Before the fact is earned they are a guard (the message is
    # regenerated); the fidelity benchmark counts them as unearned reveals.
    reveal_words: list[Text] = Field(default_factory=list)
    # What the live coach suggests while the fact is still hidden, addressed to the
    # trainee ("Ask what the freeze is affecting today."); without it the coach words
    # one from `earned_when`.
    hint: str | None = None
    # Authored lines in which the customer tells this fact (first person, in the
    # customer's voice); each must hold one of `reveal_words`, so code can see it was told.
    # The `authored` and `hybrid` customer modes say one of them when the fact is earned.
    tell: list[Text] = Field(default_factory=list)

    @field_validator("tell")
    @classmethod
    def _tell_reveals(cls, value: list[str], info: ValidationInfo):
        words = [w.casefold() for w in info.data.get("reveal_words") or []]
        silent = [line for line in value if words and not any(has_word(line, w) for w in words)]
        if silent:
            raise ValueError(f"each tell line must contain one of the reveal_words ({', '.join(words)}), "
                             f"so the told fact is seen; this one holds none: {silent[0]!r}")
        return value


def has_word(text: str, word: str) -> bool:
    return re.search(r"(?<!\w)" + re.escape(word) + r"(?!\w)", text.casefold()) is not None


#: The moves a customer message can answer with, each with authored lines (Beats):
#: threatened (pressure or a threat), unheard (dismissed, blamed, a script), heard (a named
#: feeling or a concrete step), pressing (nothing moved: the concern is still open),
#: relieved (the problem is taken care of).
BEATS = ("threatened", "unheard", "heard", "pressing", "relieved")
#: The beats a mode needs authored lines for (facts' `tell` lines too, in both).
BEATS_NEEDED = {"authored": BEATS, "hybrid": ("threatened", "unheard", "heard", "relieved"), "generated": ()}


class Beats(Strict):
    """What this customer says at each beat, in their own voice: two or three lines each,
    so a session need not repeat one."""

    threatened: list[Text] = Field(default_factory=list)
    unheard: list[Text] = Field(default_factory=list)
    heard: list[Text] = Field(default_factory=list)
    pressing: list[Text] = Field(default_factory=list)
    relieved: list[Text] = Field(default_factory=list)


class Trigger(Strict):
    when: Text
    # Words or phrases that signal the trigger in the trainee's reply (case-insensitive,
    # checked in code so that a weak model cannot miss the obvious ones).
    phrases: list[Text] = Field(default_factory=list)


class Triggers(Strict):
    escalate: list[Trigger] = Field(default_factory=list)
    deescalate: list[Trigger] = Field(default_factory=list)


class Resolution(Strict):
    max_anger: MoodValue = 3
    min_trust: MoodValue = 6
    min_turns: Annotated[int, Field(ge=1)] = 2
    # Hidden facts the trainee must have uncovered before the call can count as resolved:
    # the objectives' core, checked rather than taken on the model's word.
    facts: list[Slug] = Field(default_factory=list)


class Abandonment(Strict):
    min_anger: MoodValue = 10
    max_trust: MoodValue = 0


class EndConditions(Strict):
    max_turns: Annotated[int, Field(ge=1, le=50)] = 10
    resolved_when: Resolution = Resolution()
    abandon_when: Abandonment = Abandonment()


class Scenario(Strict):
    id: Slug
    version: Annotated[int, Field(ge=1)]
    title: Text
    language: Language
    channel: Channel = "chat"
    difficulty: Annotated[int, Field(ge=1, le=5)]
    tags: list[Slug] = Field(default_factory=list)
    mode: Mode = "practice"
    persona: Persona
    # None: the library default (setting `customer_mode`).
    customer_mode: CustomerMode | None = None
    # Authored lines per beat (see BEATS); a mode that needs them is checked below.
    lines: Beats = Beats()
    hidden_facts: list[HiddenFact] = Field(default_factory=list)
    triggers: Triggers = Triggers()
    # How strongly the mood reacts to each reply (1.0 = the default step sizes).
    mood_drift: Annotated[float, Field(gt=0, le=3)] = 1.0
    opening: Text
    objectives: list[Text] = Field(min_length=1)
    end: EndConditions = EndConditions()
    rubric: Slug
    content_note: str | None = None
    # A distressing topic (bereavement, debt, thoughts of self-harm): the trainee is
    # offered a debrief after the session. Needs a content note.
    distressing: bool = False
    # The customer's e-mail subject; required for channel "email".
    subject: str | None = Field(default=None, validate_default=True)

    # Field validators rather than model validators: the error then points at the
    # offending key (and its line in the YAML file) instead of the whole document.
    @field_validator("hidden_facts")
    @classmethod
    def _fact_ids_unique(cls, value: list[HiddenFact]):
        return _unique_ids(value, "hidden fact")

    @field_validator("hidden_facts")
    @classmethod
    def _facts_told_where_needed(cls, value: list[HiddenFact], info: ValidationInfo):
        mode = info.data.get("customer_mode")
        silent = [f.id for f in value if not f.tell] if mode in ("authored", "hybrid") else []
        if silent:
            raise ValueError(f"customer_mode {mode} needs a tell line for every hidden fact; "
                             f"add tell: [...] to {', '.join(silent)}")
        return value

    @field_validator("lines")
    @classmethod
    def _beats_where_needed(cls, value: Beats, info: ValidationInfo):
        mode = info.data.get("customer_mode")
        missing = [b for b in BEATS_NEEDED.get(mode or "generated", ()) if not getattr(value, b)]
        if missing:
            raise ValueError(f"customer_mode {mode} needs authored lines for {', '.join(missing)} "
                             f"(lines.{missing[0]}: [...]); or choose customer_mode generated")
        return value

    @field_validator("end")
    @classmethod
    def _resolution_facts_exist(cls, value: EndConditions, info: ValidationInfo):
        known = {f.id for f in info.data.get("hidden_facts") or []}
        unknown = [f for f in value.resolved_when.facts if f not in known]
        if unknown and "hidden_facts" in info.data:
            raise ValueError(
                f"resolved_when.facts names {', '.join(unknown)}, which are not hidden fact ids "
                f"(known: {', '.join(sorted(known)) or 'none'})"
            )
        return value

    @field_validator("distressing")
    @classmethod
    def _distressing_has_note(cls, value: bool, info: ValidationInfo):
        if value and not (info.data.get("content_note") or "").strip():
            raise ValueError("a distressing scenario needs a content_note that the trainee sees before starting")
        return value

    @field_validator("subject")
    @classmethod
    def _email_has_subject(cls, value: str | None, info: ValidationInfo):
        if info.data.get("channel") == "email" and not (value or "").strip():
            raise ValueError("channel email needs a subject line for the customer's e-mail")
        return value


class Example(Strict):
    context: Text
    reply: Text
    level: Annotated[int, Field(ge=0)]
    why: Text


class CoachHint(Strict):
    # What the customer lacks when a reply is weak on this criterion ("has not felt heard").
    need: Text
    # One concrete thing to do next, not a reply to copy.
    do: Text


class Criterion(Strict):
    id: Slug
    title: Text
    weight: Annotated[float, Field(gt=0)] = 1.0
    description: Text
    levels: dict[int, Text]
    examples: list[Example] = Field(default_factory=list)
    # A rule checked in code. "question": every level above 0 rests on something the reply
    # asks (a question, or an invitation such as "tell me more"); a reply that asks
    # nothing is level 0 without a model call, and evidence for a higher level must quote
    # what the reply asks.
    # "feeling": likewise with words of feeling, warmth or concern (an emotional reaction
    # is expressed in them; the word bank is in simulator/judge/signals.py).
    # "reaction": likewise with a sentence that reacts to the customer: compassion, a
    # feeling said of them, knowing the feeling (the writer's own feelings react to no
    # one; simulator/judge/cues.py).
    requires: Literal["question", "feeling", "reaction"] | None = None
    # The signal computed in code that a calibration fit may add to the level read from
    # the model (judge/fit.py); None: the one `requires` names, if any. "reflection": the
    # reply says back what it understood (a tentative frame such as "it sounds like", or
    # the customer's own words taken up). "step": the agent commits to an action or a time
    # (judge/conduct.concrete_step). "reaction", "understanding", "exploring": what the
    # reply does towards the customer (judge/cues.py); "reaction" and "exploring" also
    # bound the level in code (a generic reaction or question stays at 1, an explicit or
    # specific one is at least 1). A fit gives a signal weight 0 when it does not help.
    signal: Literal["question", "feeling", "reflection", "step", "reaction", "understanding", "exploring"] | None = None
    # Channels this criterion applies to (None: all). E-mail structure is graded only
    # on e-mails, so a chat reply is never marked down for lacking a greeting.
    channels: list[Channel] | None = None
    coach: CoachHint | None = None
    # The highest level a reply that is mostly stock service phrases can reach ("we
    # apologise for any inconvenience"): a recited script is not felt empathy, whatever
    # the model reads into it. None: no cap. Checked in code (simulator/judge/stock.py).
    stock_cap: Annotated[int, Field(ge=0)] | None = None
    # The highest level a reply with even one stock sentence can reach. None: one above
    # `stock_cap` ("leans on stock phrases" is the level below the top). A criterion
    # about sounding genuine sets it to its lowest level, because the customer hears the
    # one recited sentence as the script it is.
    stock_sentence_cap: Annotated[int, Field(ge=0)] | None = None
    # The highest level of a reply that threatens the customer (a deadline with
    # consequences, collectors, a cut-off "as announced") or brushes them off ("calm
    # down", "that's our policy"), whatever the model reads into the rest. None: no cap.
    # Checked in code (simulator/judge/conduct.py).
    threat_cap: Annotated[int, Field(ge=0)] | None = None
    dismissal_cap: Annotated[int, Field(ge=0)] | None = None

    @field_validator("levels")
    @classmethod
    def _levels_run_from_zero(cls, value: dict[int, str]):
        if sorted(value) != list(range(len(value))) or len(value) < 2:
            raise ValueError("levels must be numbered 0, 1, 2, ... without gaps (at least 0 and 1)")
        return value

    @field_validator("examples")
    @classmethod
    def _example_levels_exist(cls, value: list[Example], info: ValidationInfo):
        levels = info.data.get("levels")
        if levels is None:  # levels themselves are invalid; that error is reported already
            return value
        for i, example in enumerate(value):
            if example.level not in levels:
                known = ", ".join(str(level) for level in sorted(levels))
                raise ValueError(f"example {i} has level {example.level}, but the levels are {known}")
        return value

    @field_validator("stock_cap", "stock_sentence_cap", "threat_cap", "dismissal_cap")
    @classmethod
    def _cap_is_a_level(cls, value: int | None, info: ValidationInfo):
        levels = info.data.get("levels")
        if value is not None and levels is not None and value not in levels:
            raise ValueError(f"{info.field_name} {value} is not one of the levels {sorted(levels)}")
        return value

    @property
    def max_level(self) -> int:
        return max(self.levels)


class Rubric(Strict):
    id: Slug
    version: Annotated[int, Field(ge=1)]
    title: Text
    # Languages of the replies this rubric can grade; its own text is in `language`.
    language: Language = "en"
    grades: list[Language] = Field(default_factory=lambda: ["en", "de"], min_length=1)
    description: str | None = None
    criteria: list[Criterion] = Field(min_length=1)
    # The organisation's own stock phrases, per language, added to the built-in bank
    # (simulator/judge/stock.py); versioned with the rubric like everything else.
    stock_phrases: dict[Language, list[Text]] = Field(default_factory=dict)

    @field_validator("criteria")
    @classmethod
    def _criterion_ids_unique(cls, value: list[Criterion]):
        return _unique_ids(value, "criterion")

    def for_channel(self, channel: str) -> Rubric:
        """This rubric with only the criteria that apply to `channel`."""
        kept = [c for c in self.criteria if c.channels is None or channel in c.channels]
        return self if len(kept) == len(self.criteria) else self.model_copy(update={"criteria": kept})

    def criterion(self, criterion_id: str) -> Criterion:
        for criterion in self.criteria:
            if criterion.id == criterion_id:
                return criterion
        raise KeyError(criterion_id)
