"""What the trainer's brief says, read by rules rather than by the model: its language,
distressing topics, vulnerability or complaint, and from those the draft's tags and rubric."""

from __future__ import annotations

import re
from collections.abc import Mapping

from simulator.content.schema import Rubric
from simulator.content.slugs import slugify
from simulator.roleplay.guards import STOPWORDS, language_of

MAX_TAGS = 5
#: Rubrics in order of preference; the first present that grades the language is used.
VULNERABLE_RUBRIC = "vulnerable-customer"
RECOVERY_RUBRIC = "service-recovery"
DEFAULT_RUBRIC = "empathy-core"


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
