"""Draft a scenario from a trainer's brief of two or three sentences.

The configured model (a 1.5B model on two CPU cores, by default) invents only what needs
inventing - persona, hidden facts, triggers, opening, objectives - in a small JSON shape
(`DraftAnswer`) whose length limits keep constrained decoding short. Everything that
follows from rules is filled in here: the id, version, mode, rubric, end conditions,
tags and whether the topic is distressing. The result is validated as a `Scenario` and
checked in code (no reveal word of a hidden fact in what the customer says up front; the
language the brief asks for); a failure is retried once with the reasons, in the manner
of the judge's `_ask_checked`. A draft that still fails is never returned: the caller
gets the problems and the model's JSON to show.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterable, Mapping
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from simulator.content.schema import BEATS, MOOD_LABELS, Rubric, Scenario, has_word
from simulator.llm.base import ChatModel, ChatRequest, InvalidOutput, LLMError, Message, without_code_fence
from simulator.roleplay.facts import revealed
from simulator.roleplay.guards import STOPWORDS, language_of

ATTEMPTS = 2  # the first draft and one retry with the reasons
MAX_TOKENS = 1500
TEMPERATURE = 0.4
MAX_BRIEF_CHARS = 1200
MAX_TAGS = 5
#: Rubrics in order of preference; the first present that grades the language is used.
VULNERABLE_RUBRIC = "vulnerable-customer"
RECOVERY_RUBRIC = "service-recovery"
DEFAULT_RUBRIC = "empathy-core"

LANGUAGE_NAMES = {"en": "English", "de": "German"}


# -- what the model writes ---------------------------------------------------------------


Text24 = Annotated[str, Field(min_length=1, max_length=24)]
Text32 = Annotated[str, Field(min_length=1, max_length=32)]
Text40 = Annotated[str, Field(min_length=1, max_length=40)]
Text60 = Annotated[str, Field(min_length=1, max_length=60)]
Text100 = Annotated[str, Field(min_length=1, max_length=100)]
Text120 = Annotated[str, Field(min_length=1, max_length=120)]
Text140 = Annotated[str, Field(min_length=1, max_length=140)]
Text160 = Annotated[str, Field(min_length=1, max_length=160)]
Text180 = Annotated[str, Field(min_length=1, max_length=180)]
Text200 = Annotated[str, Field(min_length=1, max_length=200)]
Text240 = Annotated[str, Field(min_length=1, max_length=240)]


class _Draft(BaseModel):
    model_config = ConfigDict(extra="forbid")


class DraftMood(_Draft):
    anger: Annotated[int, Field(ge=0, le=10)]
    anxiety: Annotated[int, Field(ge=0, le=10)]
    trust: Annotated[int, Field(ge=0, le=10)]


TwoLines = Annotated[list[Text100], Field(min_length=2, max_length=2)]


class DraftVoices(_Draft):
    calm: TwoLines
    anxious: TwoLines
    angry: TwoLines
    relieved: TwoLines


class DraftPersona(_Draft):
    name: Text40
    age: Annotated[int, Field(ge=16, le=110)]
    background: Text200
    situation: Text240
    communication_style: Text160
    vulnerability: Annotated[str | None, Field(max_length=120)] = None
    initial_mood: DraftMood
    voice_samples: DraftVoices


Phrases = Annotated[list[Text32], Field(min_length=1, max_length=4)]


class DraftFact(_Draft):
    id: Text40  # made a slug in code: a weak model need not know the pattern
    fact: Text180
    earned_when: Text140
    hint: Text100
    phrases: Phrases
    reveal_words: Annotated[list[Text24], Field(min_length=1, max_length=4)]
    # The customer telling the fact in their own words; kept only if it holds a reveal word.
    tell: Text140


class DraftBeats(_Draft):
    """One proposed line per beat (schema.BEATS); the trainer adds more in the studio."""

    threatened: Text120
    unheard: Text120
    heard: Text120
    pressing: Text120
    relieved: Text120


class DraftTrigger(_Draft):
    when: Text120
    phrases: Phrases


class DraftTriggers(_Draft):
    escalate: Annotated[list[DraftTrigger], Field(min_length=1, max_length=3)]
    deescalate: Annotated[list[DraftTrigger], Field(min_length=1, max_length=3)]


class DraftAnswer(_Draft):
    """Only what the model must invent. Language comes first so that it is decided
    before any text is written."""

    language: Literal["en", "de"]
    channel: Literal["chat", "email", "voice"]
    title: Text60
    difficulty: Annotated[int, Field(ge=1, le=5)]
    persona: DraftPersona
    lines: DraftBeats
    hidden_facts: Annotated[list[DraftFact], Field(min_length=1, max_length=3)]
    triggers: DraftTriggers
    opening: Text240
    objectives: Annotated[list[Text120], Field(min_length=3, max_length=5)]
    subject: Annotated[str | None, Field(max_length=80)] = None
    content_note: Annotated[str | None, Field(max_length=200)] = None


class DraftResult(BaseModel):
    """A validated scenario, or None and the problems (`field.path: what is wrong`)."""

    scenario: Scenario | None = None
    problems: list[str] = Field(default_factory=list)
    #: The model's last JSON answer, to show what it produced (None if it was not JSON).
    raw: dict[str, Any] | None = None
    #: Model calls made (0 when the brief was refused before asking).
    attempts: int = 0
    #: Who asked for the draft, passed through for saving (the scenario has no author field).
    author: str = ""

    @property
    def ok(self) -> bool:
        return self.scenario is not None


# -- the prompt --------------------------------------------------------------------------

EXAMPLE_PERSONA = {
    "name": "Priya Nair",
    "age": 41,
    "background": "Freelance translator who works from home; a customer of Lumen Broadband for six years.",
    "situation": "Her internet has been down for three days. Two engineer visits were booked and nobody came.",
    "communication_style": "Polite but clipped; lists what went wrong; turns sarcastic when given a script.",
    "vulnerability": None,
    "initial_mood": {"anger": 7, "anxiety": 5, "trust": 3},
    "voice_samples": {
        "calm": ["Okay. What happens next?", "Fine, I can be home all day Thursday."],
        "anxious": ["What if it is still down at the end of the week?", "I really need this working."],
        "angry": ["Three days. Two no-shows. Not one call.", "Do not tell me to restart the router again."],
        "relieved": ["Thank you. That actually helps.", "A real time slot. Good, I can work with that."],
    },
}
EXAMPLE_LINES = {
    "threatened": "So now you're threatening me? After six years of paying on time?",
    "unheard": "That's a script. I asked when someone is actually coming.",
    "heard": "Okay. That is the first straight answer I've had this week.",
    "pressing": "I still have no internet and no date. That's the problem.",
    "relieved": "Thank you, a real time slot. That's a relief.",
}
EXAMPLE_FACT = {
    "id": "deadline-friday",
    "fact": "She must deliver a large job by Friday noon or lose her biggest client.",
    "earned_when": "The agent asks what the outage is affecting or what is most urgent for her.",
    "hint": "Ask what the outage is affecting right now.",
    "phrases": ["what is it affecting", "most urgent", "affecting your work"],
    "reveal_words": ["deadline", "Friday noon", "biggest client"],
    "tell": "I have a deadline on Friday noon. If I miss it, I lose my biggest client.",
}

SYSTEM = """You draft practice scenarios for an empathy trainer. Customer-service trainees chat with a
simulated customer, played by a model from your persona, and are graded on empathy.
From the trainer's brief, write one scenario as a JSON object.

Fields:
- language: "en" or "de". Write every text in that language.
- channel: "chat", "email" (then also "subject": the customer's e-mail subject) or "voice".
- title: a few words naming the situation. difficulty: 1 (easy) to 5 (hard).
- persona: the customer. background: who they are. situation: what happened, as the
  customer knows it. communication_style: how they write. vulnerability: null unless the
  customer is in vulnerable circumstances. initial_mood: anger, anxiety, trust from 0 to 10.
  voice_samples: two short lines in the customer's own voice for each mood: calm,
  anxious, angry, relieved.
- lines: one line in the customer's own voice for each moment: threatened (after the
  agent pressures or threatens them), unheard (after a brush-off or a script), heard
  (after the agent names their feeling or takes a step: a little calmer), pressing (the
  problem is still open), relieved (solved: relief and thanks).
- hidden_facts: 1 to 3 things that matter but that the customer would not say unprompted.
  earned_when: what the trainee must do to hear it. hint: a tip for the trainee.
  phrases: short words from a trainee's reply that earn it. reveal_words: words that
  would give the fact away. tell: the customer telling the fact in their own words,
  with one of the reveal_words.
- triggers: escalate = what a trainee might do that makes it worse; deescalate = what
  helps. Each has "when" and 1 to 4 short phrases a trainee might write.
- opening: the customer's first message.
- objectives: 3 to 5 things the trainee should do, one sentence each.
- content_note: one sentence naming hard topics (death, debt, abuse), or null.

Rules:
- Invent a fictional company. No real brands, banks, shops or people.
- Keep every text short. Each voice sample is one sentence.
- The customer is a person, never the agent: no "How can I help you?".
- Hidden facts stay hidden: their reveal_words must not appear in the opening, the
  persona, the voice samples or the lines (only in the fact's own tell).

A good persona, lines and hidden fact (English, chat):
"persona": {persona}
"lines": {lines}
"hidden_facts": [{fact}]"""


def system_prompt() -> str:
    return (SYSTEM.replace("{persona}", json.dumps(EXAMPLE_PERSONA, ensure_ascii=False))
            .replace("{lines}", json.dumps(EXAMPLE_LINES, ensure_ascii=False))
            .replace("{fact}", json.dumps(EXAMPLE_FACT, ensure_ascii=False)))


def user_prompt(brief: str, language: str | None) -> str:
    lines = [f"Brief from the trainer:\n{brief.strip()}"]
    if language:
        lines.append(f'Write the scenario in {LANGUAGE_NAMES[language]} (language "{language}").')
    if re.search(r"\be-?mails?\b", brief, re.I):
        lines.append('The customer writes an e-mail: channel "email", with a subject.')
    return "\n\n".join(lines)


# -- reading the brief -------------------------------------------------------------------


def _patterns(*words: str) -> re.Pattern[str]:
    """Whole words or phrases; a trailing * allows any ending (German compounds)."""
    parts = [re.escape(w[:-1]) + r"\w*" if w.endswith("*") else re.escape(w) for w in words]
    return re.compile(r"(?<!\w)(?:" + "|".join(parts) + r")(?!\w)", re.I)


#: Distressing topics: the trainee is offered a debrief, and a content note is required.
DISTRESSING = {
    "death": _patterns(
        "died", "death", "deceased", "passed away", "bereave*", "funeral*", "grief", "grieving",
        "widow*", "gestorben", "verstorben*", "stirbt", "tod", "todes*", "trauer*", "trauernd*",
        "beerdigung*", "witwe*",
    ),
    "debt": _patterns(
        "debt", "debts", "in debt", "arrears", "bailiff*", "debt collector*", "schulden*", "verschuldet*",
        "überschuldet*", "überschuldung", "inkasso*", "zahlungsunfähig*",
    ),
    "suicide": _patterns(
        "suicid*", "self-harm", "self harm", "kill himself", "kill herself", "kill myself", "end his life",
        "end her life", "suizid*", "selbstmord*", "selbstverletzung", "sich das leben",
    ),
    "abuse": _patterns(
        "abuse", "abused", "abusive", "domestic violence", "coercive control", "missbrauch", "missbraucht",
        "misshandl*", "misshandelt", "häusliche gewalt", "gewalttätig*",
    ),
}
TOPIC_NAMES = {
    "death": {"en": "death and bereavement", "de": "Tod und Trauer"},
    "debt": {"en": "debt and money worries", "de": "Schulden und Geldsorgen"},
    "suicide": {"en": "thoughts of suicide", "de": "Suizidgedanken"},
    "abuse": {"en": "abuse or violence", "de": "Missbrauch oder Gewalt"},
}
TOPIC_TAGS = {"death": "bereavement", "debt": "debt", "suicide": "self-harm", "abuse": "abuse"}
VULNERABLE = _patterns(
    "vulnerable", "vulnerability", "hardship", "struggling", "can't pay", "cannot pay", "can't afford",
    "cannot afford", "lost her job", "lost his job", "lost their job", "job loss", "unemployed",
    "redundan*", "illness", "seriously ill", "terminally ill", "cancer", "dementia", "disab*",
    "mental health", "carer", "elderly", "older customer", "pensioner*", "hospital*", "notlage",
    "härtefall*", "arbeitslos*", "jobverlust", "demenz*", "behindert*", "behinderung*",
    "pflegebedürftig*", "psychisch*", "krank", "kranke", "erkrankt*", "krankheit*", "krankenhaus*",
    "verletzlich*", "vulnerab*", "rentner*", "senior*", "zahlungsschwierigkeit*",
)
COMPLAINT = _patterns(
    "complain*", "our error", "our mistake", "our fault", "our side", "by mistake", "wrongly", "unfair*",
    "overcharg*", "charged twice", "double charg*", "refund*", "compensat*", "broken promise*",
    "never called back", "not called back", "no callback", "let down", "mis-sold", "missold", "mistreated",
    "beschwer*", "reklamation*", "reklamier*", "unser fehler", "unseres fehlers", "unseren fehler",
    "unserem fehler", "unser versehen", "unseres versehens", "zu unrecht", "ungerecht*",
    "doppelt abgebucht", "erstattung*", "entschädigung*", "kulanz*", "nicht zurückgerufen", "kein rückruf",
    "keinen rückruf",
)
EXPLICIT_LANGUAGE = {
    "de": _patterns("german", "deutsch*", "auf deutsch"),
    "en": _patterns("english", "englisch*", "auf englisch"),
}
TAG_STOPWORDS = set().union(*STOPWORDS.values()) | {
    # English
    "customer", "customers", "client", "caller", "person", "scenario", "trainee", "agent", "who", "whose",
    "because", "about", "after", "before", "their", "them", "they", "from", "into", "been", "being",
    "were", "wants", "want", "very", "really", "also", "some", "should", "would", "could", "which",
    "when", "where", "there", "here", "then", "than", "only", "over", "under", "their", "has", "had",
    "does", "did", "writes", "calls", "chat", "email", "mail", "voice", "german", "english", "deutsch",
    "englisch", "our", "they're", "she's", "he's", "again", "still", "without", "while", "since",
    "wrote", "says", "said", "will", "make", "makes", "made", "gets", "got", "getting",
    # German
    "kunde", "kundin", "kunden", "szenario", "einer", "einem", "einen", "eines", "weil", "wegen",
    "durch", "für", "über", "unter", "nach", "sich", "sein", "seine", "seiner", "seinem", "seinen",
    "ihre", "ihrer", "ihrem", "ihren", "hat", "haben", "hatte", "wird", "werden", "wurde", "wurden",
    "soll", "sollte", "möchte", "will", "sehr", "auch", "noch", "nur", "dass", "wenn", "oder", "als",
    "sind", "alle", "kein", "keine", "deren", "dessen", "unser", "unsere", "unseres", "unserem",
    "unseren", "schreibt", "ruft", "deutsche", "deutscher", "englische", "nicht", "bereits",
}


def expected_language(brief: str) -> str | None:
    """The language the brief asks for: an explicit "German"/"Deutsch"/"English" if only
    one of them is named, else the brief's own language if it is clearly one, else None."""
    named = [lang for lang, pattern in EXPLICIT_LANGUAGE.items() if pattern.search(brief)]
    if len(named) == 1:
        return named[0]
    return language_of(brief)


def distressing_topics(text: str) -> list[str]:
    return [topic for topic, pattern in DISTRESSING.items() if pattern.search(text)]


_UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "Ä": "ae", "Ö": "oe", "Ü": "ue"})


def slugify(text: str, limit: int = 48) -> str:
    """A lowercase ASCII slug (umlauts spelt out), cut at a hyphen to at most `limit`."""
    text = text.translate(_UMLAUTS)
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    slug = re.sub(r"[^a-z0-9]+", "-", text).strip("-")
    if len(slug) > limit:
        cut = slug[:limit]
        slug = cut.rsplit("-", 1)[0] if "-" in cut else cut
    return slug.strip("-")


def unique_id(base: str, taken: Iterable[str]) -> str:
    taken = set(taken)
    candidate, n = base, 2
    while candidate in taken:
        candidate, n = f"{base}-{n}", n + 1
    return candidate


def tags_for(brief: str, topics: list[str], vulnerable: bool, complaint: bool) -> list[str]:
    """Up to five slugs: the topics the brief names, then its own content words."""
    tags = [TOPIC_TAGS[t] for t in topics]
    if vulnerable:
        tags.append("vulnerable")
    if complaint:
        tags.append("complaint")
    for word in re.findall(r"[^\W\d_][\w'-]*", brief):
        word = word.casefold().strip("'-")
        if len(word) < 4 or word in TAG_STOPWORDS or any(p.fullmatch(word) for p in EXPLICIT_LANGUAGE.values()):
            continue
        slug = slugify(word, limit=32)
        if slug and slug not in tags:
            tags.append(slug)
    return list(dict.fromkeys(tags))[:MAX_TAGS]


def choose_rubric(rubrics: Mapping[str, Rubric], language: str, brief: str, tags: list[str]) -> str | None:
    """vulnerable-customer for hardship, bereavement or vulnerability; service-recovery for
    complaints and unfair treatment; else empathy-core; always one that grades `language`."""
    usable = {rid: r for rid, r in rubrics.items() if language in r.grades}
    text = " ".join([brief, *tags])
    wanted = []
    if VULNERABLE.search(text) or distressing_topics(text) or "vulnerable" in tags:
        wanted.append(VULNERABLE_RUBRIC)
    if COMPLAINT.search(text) or "complaint" in tags:
        wanted.append(RECOVERY_RUBRIC)
    wanted.append(DEFAULT_RUBRIC)
    for rubric_id in wanted:
        if rubric_id in usable:
            return rubric_id
    return min(usable) if usable else None


# -- drafting ----------------------------------------------------------------------------


def draft_scenario(
    model: ChatModel,
    brief: str,
    rubrics: list[Rubric] | Mapping[str, Rubric],
    existing_ids: set[str],
    author: str = "",
) -> DraftResult:
    """Ask `model` for a scenario matching `brief`; check it, retry once with the reasons.

    `rubrics`: a list or an id -> rubric mapping (e.g. `Library.rubrics`). `existing_ids`:
    scenario ids already in use; the draft's id avoids them. `author` is not sent to the
    model; it comes back in the result for the caller to save the draft with."""
    result = _draft(model, brief, rubrics, existing_ids)
    return result.model_copy(update={"author": author})


def _draft(
    model: ChatModel, brief: str, rubrics: list[Rubric] | Mapping[str, Rubric], existing_ids: set[str]
) -> DraftResult:
    by_id = dict(rubrics) if isinstance(rubrics, Mapping) else {r.id: r for r in rubrics}
    brief = (brief or "").strip()
    if not brief:
        return DraftResult(problems=["brief: describe the customer and the situation in two or three sentences"])
    if len(brief) > MAX_BRIEF_CHARS:
        return DraftResult(problems=[
            f"brief: too long ({len(brief)} characters, at most {MAX_BRIEF_CHARS}); two or three sentences are enough"
        ])
    if not by_id:
        return DraftResult(problems=["rubric: no rubrics are loaded; add a rubric before drafting a scenario"])
    gradable = {lang for r in by_id.values() for lang in r.grades}
    language = expected_language(brief)
    if language is not None and language not in gradable:
        return DraftResult(problems=[
            f"language: the brief asks for {LANGUAGE_NAMES[language]}, but no rubric grades '{language}'; "
            "add it to a rubric's grades"
        ])
    if language is None and len(gradable) == 1:
        language = next(iter(gradable))

    request = ChatRequest(
        messages=[Message(role="system", content=system_prompt()),
                  Message(role="user", content=user_prompt(brief, language))],
        max_tokens=MAX_TOKENS,
        temperature=TEMPERATURE,
        json_schema=DraftAnswer.model_json_schema(),
        schema_name="scenario_draft",
        role="drafting",
    )
    raw: dict[str, Any] | None = None
    problems: list[str] = []
    attempts = 0
    for _ in range(ATTEMPTS):
        attempts += 1
        try:
            completion = model.complete(request)
            raw, answer, problems = _read_answer(completion.text, completion.truncated)
        except InvalidOutput as exc:  # a backend that validates by itself
            raw, answer, problems = None, None, [f"answer: {exc}"]
        except LLMError as exc:
            return DraftResult(problems=[_could_not(str(exc))], raw=raw, attempts=attempts)
        if answer is not None:
            scenario, problems = _build(answer, brief, by_id, existing_ids, language)
            if scenario is not None and not problems:
                return DraftResult(scenario=scenario, raw=raw, attempts=attempts)
        listing = "\n".join(f"- {p}" for p in problems)
        retry = Message(role="user", content=(
            f"Your draft was rejected:\n{listing}\nWrite the whole JSON object again and fix these problems."
        ))
        request = request.model_copy(update={"messages": [*request.messages, retry]})
    if problems and problems[0].startswith("answer:"):
        problems = [_could_not(problems[0].removeprefix("answer: "))]
    return DraftResult(problems=problems, raw=raw, attempts=attempts)


def _could_not(error: str) -> str:
    return f"the model could not draft a scenario: {error}; try again or write it in the editor"


def _read_answer(text: str, truncated: bool) -> tuple[dict[str, Any] | None, DraftAnswer | None, list[str]]:
    """(the JSON object, the validated answer, problems); not JSON is one 'answer:' problem."""
    body = without_code_fence(text)
    try:
        data = json.loads(body)
    except json.JSONDecodeError as exc:
        why = f"answer is not valid JSON ({exc.msg} at char {exc.pos})"
        if truncated:
            why += f"; it was cut off at {MAX_TOKENS} tokens, so keep every text shorter"
        return None, None, [f"answer: {why}"]
    if not isinstance(data, dict):
        return None, None, ["answer: the answer must be one JSON object"]
    try:
        return data, DraftAnswer.model_validate(data), []
    except ValidationError as exc:
        return data, None, _validation_problems(exc)


def _validation_problems(exc: ValidationError) -> list[str]:
    problems = []
    for error in exc.errors():
        where = ".".join(str(p) for p in error["loc"]) or "answer"
        problems.append(f"{where}: {error['msg'].removeprefix('Value error, ')}")
    return list(dict.fromkeys(problems))


def _clean(value: str | None) -> str | None:
    value = (value or "").strip()
    return None if value.casefold() in {"", "none", "null", "n/a", "-", "keine", "kein"} else value


def _build(
    answer: DraftAnswer,
    brief: str,
    rubrics: Mapping[str, Rubric],
    existing_ids: set[str],
    language: str | None,
) -> tuple[Scenario | None, list[str]]:
    """The full scenario around the model's answer, validated and checked; or the problems."""
    persona = answer.persona
    fact_ids: list[str] = []
    facts = []
    for fact in answer.hidden_facts:
        fact_id = unique_id(slugify(fact.id, 40) or slugify(fact.fact, 40) or "fact", fact_ids)
        fact_ids.append(fact_id)
        facts.append({
            "id": fact_id,
            "fact": fact.fact.strip(),
            "earned_when": fact.earned_when.strip(),
            "hint": fact.hint.strip(),
            "phrases": [p.strip() for p in fact.phrases],
            "reveal_words": [w.strip() for w in fact.reveal_words],
            # A tell line that shows none of the reveal words could not be seen as told:
            # left out, so the customer model tells the fact instead.
            "tell": [fact.tell.strip()] if any(has_word(fact.tell, w.strip()) for w in fact.reveal_words) else [],
        })
    invented = " ".join([persona.background, persona.situation, persona.vulnerability or "", answer.opening,
                         *(f["fact"] for f in facts)])
    topics = distressing_topics(f"{brief} {invented}")
    topics_brief = distressing_topics(brief)
    vulnerable = bool(VULNERABLE.search(brief) or topics_brief)
    complaint = bool(COMPLAINT.search(brief))
    tags = tags_for(brief, topics_brief, vulnerable, complaint)
    rubric = choose_rubric(rubrics, answer.language, brief, tags)
    if rubric is None:
        graded = ", ".join(sorted({lang for r in rubrics.values() for lang in r.grades}))
        return None, [f"language: no rubric grades '{answer.language}' (rubrics grade: {graded}); "
                      f"write the scenario in {graded}"]
    note = _clean(answer.content_note)
    if topics and not note:
        names = " / ".join(TOPIC_NAMES[t][answer.language] for t in topics)
        note = (
            f"Dieses Szenario berührt {names}. Legen Sie jederzeit eine Pause ein; nach der Sitzung "
            "wird eine Nachbesprechung angeboten."
            if answer.language == "de"
            else f"This scenario touches on {names}. Take a break whenever you need one; a debrief "
            "is offered after the session."
        )
    data = {
        "id": unique_id(f"{slugify(answer.title) or 'scenario'}-{answer.language}", existing_ids),
        "version": 1,
        "title": answer.title.strip(),
        "language": answer.language,
        "channel": answer.channel,
        "difficulty": answer.difficulty,
        "tags": tags,
        "mode": "practice",
        "persona": {
            "name": persona.name.strip(),
            "age": persona.age,
            "background": persona.background.strip(),
            "situation": persona.situation.strip(),
            "communication_style": persona.communication_style.strip(),
            "vulnerability": _clean(persona.vulnerability),
            "initial_mood": persona.initial_mood.model_dump(),
            "voice_samples": {m: [s.strip() for s in getattr(persona.voice_samples, m)] for m in MOOD_LABELS},
        },
        "lines": {beat: [getattr(answer.lines, beat).strip()] for beat in BEATS},
        "hidden_facts": facts,
        "triggers": {
            kind: [{"when": t.when.strip(), "phrases": [p.strip() for p in t.phrases]}
                   for t in getattr(answer.triggers, kind)]
            for kind in ("escalate", "deescalate")
        },
        "mood_drift": 1.0,
        "opening": answer.opening.strip(),
        "objectives": [o.strip() for o in answer.objectives],
        "end": {"resolved_when": {"facts": fact_ids[:1]}},
        "rubric": rubric,
        "content_note": note,
        "distressing": bool(topics),
        "subject": (_clean(answer.subject) if answer.channel == "email" else None),
    }
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as exc:
        return None, _validation_problems(exc)
    problems = check_draft(scenario, language)
    return (None, problems) if problems else (scenario, [])


def customer_texts(scenario: Scenario) -> list[tuple[str, str]]:
    """(field path, text) of everything the customer says or is told before any fact is
    earned: the opening, the subject, and the persona as the customer's prompt shows it."""
    persona = scenario.persona
    texts = [("opening", scenario.opening)]
    if scenario.subject:
        texts.append(("subject", scenario.subject))
    for name in ("background", "situation", "communication_style", "vulnerability"):
        value = getattr(persona, name)
        if value:
            texts.append((f"persona.{name}", value))
    for mood in MOOD_LABELS:
        texts += [(f"persona.voice_samples.{mood}.{i}", line) for i, line in enumerate(persona.voice_samples[mood])]
    for beat in BEATS:
        texts += [(f"lines.{beat}.{i}", line) for i, line in enumerate(getattr(scenario.lines, beat))]
    return texts


def check_draft(scenario: Scenario, language: str | None = None) -> list[str]:
    """Problems the schema cannot see: a hidden fact given away up front, and the wrong
    language (the one the brief asks for, and the one the customer's lines are in)."""
    problems = []
    for where, text in customer_texts(scenario):
        for fact in scenario.hidden_facts:
            word = revealed(fact, text)
            if word:
                problems.append(
                    f"{where}: contains '{word}', a reveal word of hidden fact '{fact.id}'; the customer "
                    "must not say it before the trainee earns the fact (rephrase it, or change the reveal words)"
                )
    if language and scenario.language != language:
        problems.append(
            f"language: the brief asks for {LANGUAGE_NAMES[language]}; write every text in "
            f"{LANGUAGE_NAMES[language]} with language \"{language}\""
        )
    spoken = " ".join([scenario.opening, *(s for m in MOOD_LABELS for s in scenario.persona.voice_samples[m])])
    heard = language_of(spoken)
    if heard and heard != scenario.language:
        problems.append(
            f"opening: the customer's lines are in {LANGUAGE_NAMES[heard]}, but the language is "
            f"\"{scenario.language}\"; write them in {LANGUAGE_NAMES[scenario.language]}"
        )
    return problems
