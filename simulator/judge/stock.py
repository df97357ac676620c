"""Stock service phrases, found in code: a recited script is not felt empathy.

A sentence is *stock* when, after its stock phrases are taken out, almost nothing of its
own is left ("We apologise for any inconvenience caused." leaves "caused"), or when a
sentence encoder finds it close to a phrase of the bank (a paraphrase: "Sorry for the
trouble this may have caused"; judge/similarity.py). A reply is
*mostly stock* when its stock sentences hold at least half of its words; such a reply
cannot reach a level above a criterion's `stock_cap`, and the verdict names the stock
sentences.

The bank is the built-in one (signals.CLICHES plus the longer phrases below) and the
rubric's own `stock_phrases`, which trainers edit in the studio.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field

from simulator.content.schema import Rubric
from simulator.judge import cues, similarity
from simulator.judge.pasted import pasted_sentences
from simulator.judge.sanitise import normalise, split_sentences
from simulator.judge.signals import CLICHES, FEELING

# Longer script phrases and the fillers of letters from an organisation; written from how
# contact-centre scripts read, not from any evaluation data.
SCRIPT_PHRASES: dict[str, list[str]] = {
    "en": [
        "please be assured", "be assured", "in line with our procedures", "in accordance with our policy",
        "in due course", "we will be in touch", "we will get back to you", "as soon as possible",
        "your account is being reviewed", "your request is being processed", "your query has been passed on",
        "we have received your query", "we have received your request", "thank you for your message",
        "thank you for contacting", "thank you for getting in touch", "thank you for your email",
        "we are sorry for any inconvenience", "we regret any inconvenience", "inconvenience caused",
        "any inconvenience this may have caused", "I apologise for the inconvenience",
        "I apologize for any inconvenience", "we apologise for the delay", "sorry for the delay",
        "I understand how frustrating this must be", "I understand this is frustrating",
        "I understand your concerns", "I appreciate your patience", "we appreciate your understanding",
        "we value your feedback", "your feedback is important to us", "your satisfaction is our priority",
        "customer satisfaction is our top priority", "we are here to help", "I am here to help",
        "how may I help you", "how can I help you today", "how can I assist you", "is there anything else",
        "anything else I can help", "I hope this helps", "I hope this information helps",
        "I hope you have a nice day", "have a wonderful day", "enjoy the rest of your day",
        "kind regards", "best regards", "feel free to contact us", "do not hesitate to contact us",
        "if you have any further questions", "if you have any other questions",
        "for security reasons", "according to our records", "unfortunately there is nothing we can do",
        # the openers, holds and closings of a chat or call script
        "thank you for your patience", "thank you for waiting", "thanks for waiting", "thank you for the information",
        "thanks for the information", "thank you for confirming", "I will be happy to help you",
        "I would be glad to help you", "I will be more than happy to assist you", "one moment please",
        "please bear with me", "please allow me a moment", "let me check that for you", "I will check this for you",
        "welcome to our customer service", "thank you for choosing us", "it was a pleasure assisting you",
        "it was a pleasure to help you", "may I have your name and email address", "for verification purposes",
        "since I have not heard back from you", "I will close this chat now", "you will receive a short survey",
        "are you still there", "are you still with me", "give me a moment", "allow me a few minutes",
        "I hope I was able to help you",
        # corporate self-description: true of any company, about no customer
        "customer satisfaction is our highest priority", "we are committed to providing excellent service",
        "we always strive to exceed your expectations", "our dedicated team is always here for you",
        "we value each and every one of our customers", "we take your concerns very seriously",
        "your trust means a great deal to us", "we take all customer feedback very seriously",
        "we take all feedback very seriously", "passed to the relevant department",
        "passed on to the relevant department", "passed on to the relevant team",
    ],
    "de": [
        "seien Sie versichert", "gemäß unseren Richtlinien", "gemäß unseren Vorgaben", "im Rahmen unserer Prozesse",
        "zeitnah", "schnellstmöglich", "wir melden uns bei Ihnen", "wir melden uns zeitnah",
        "wir werden uns bei Ihnen melden", "Ihr Anliegen wird bearbeitet", "Ihr Anliegen wurde weitergeleitet",
        "wir haben Ihre Anfrage erhalten", "Ihre Anfrage wird geprüft", "Ihr Konto wird geprüft",
        "vielen Dank für Ihre E-Mail", "vielen Dank für Ihre Kontaktaufnahme", "danke für Ihre Nachricht",
        "vielen Dank, dass Sie uns kontaktiert haben", "wir entschuldigen uns für etwaige Unannehmlichkeiten",
        "entschuldigen Sie bitte die Unannehmlichkeiten", "wir bedauern die entstandenen Unannehmlichkeiten",
        "für die entstandenen Unannehmlichkeiten", "bitte haben Sie Verständnis", "wir bitten um Verständnis",
        "wir danken für Ihr Verständnis", "ich verstehe Ihren Unmut", "ich verstehe, dass das ärgerlich ist",
        "ich kann Ihren Ärger verstehen", "Ihre Zufriedenheit ist unser Ziel", "wir sind für Sie da",
        "wie kann ich Ihnen helfen", "wie kann ich Ihnen weiterhelfen", "was kann ich für Sie tun",
        "kann ich Ihnen sonst noch helfen", "ich hoffe, ich konnte Ihnen helfen", "ich wünsche Ihnen einen schönen Tag",
        "einen schönen Tag", "mit freundlichen Grüßen", "freundliche Grüße", "bei weiteren Fragen",
        "melden Sie sich gerne", "stehen wir Ihnen jederzeit zur Verfügung", "aus Sicherheitsgründen",
        "laut unseren Unterlagen", "leider können wir nichts weiter tun",
        # die Eröffnungen, Warteschleifen und Abschlüsse eines Chat- oder Telefonskripts
        "vielen Dank für Ihre Geduld", "danke für Ihre Geduld", "danke für die Information",
        "vielen Dank für die Informationen", "danke für die Bestätigung", "ich helfe Ihnen gerne weiter",
        "ich helfe Ihnen gerne", "gerne helfe ich Ihnen weiter", "einen Moment bitte",
        "bitte gedulden Sie sich einen Moment", "ich prüfe das für Sie", "lassen Sie mich das kurz prüfen",
        "willkommen beim Kundenservice", "vielen Dank, dass Sie sich für uns entschieden haben",
        "es war mir eine Freude, Ihnen zu helfen", "darf ich Ihren Namen und Ihre E-Mail-Adresse erfahren",
        "zur Überprüfung Ihrer Identität", "da ich keine Antwort von Ihnen erhalten habe",
        "ich werde diesen Chat nun schließen", "Sie erhalten im Anschluss eine kurze Umfrage",
        "sind Sie noch da", "sind Sie noch bei mir", "erlauben Sie mir einen Moment", "geben Sie mir einen Moment",
        "erlauben Sie mir ein paar Minuten",
        "gibt es noch etwas, womit ich Ihnen helfen kann", "haben Sie noch weitere Fragen", "ich hoffe, das hilft Ihnen",
        # Selbstdarstellung eines Unternehmens: über jede Firma wahr, über keinen Kunden
        "Kundenzufriedenheit hat für uns höchste Priorität", "wir setzen uns für den bestmöglichen Service ein",
        "wir möchten Ihre Erwartungen stets übertreffen", "unser engagiertes Team ist jederzeit für Sie da",
        "wir schätzen jeden einzelnen unserer Kunden", "wir nehmen Ihr Anliegen sehr ernst",
        "Ihr Vertrauen bedeutet uns viel", "wir bitten um Ihr Verständnis", "wir bitten Sie um Verständnis",
        "stehen Ihnen jederzeit gerne zur Verfügung", "stehen Ihnen für Rückfragen jederzeit gerne zur Verfügung",
        "für Rückfragen stehen wir Ihnen gerne zur Verfügung", "an die zuständige Abteilung weitergeleitet",
    ],
}

# A sentence about every customer or every request is about no one in particular: "every
# request is handled with care and attention", "jedes Anliegen wird mit Sorgfalt
# bearbeitet". Said without addressing the customer, it is stock whatever its wording.
ANY_CUSTOMER = re.compile(
    r"(?<!\w)(?:(?:every|each)(?: and every)?(?: single)? (?:one of our )?(?:customers?|clients?|requests?|"
    r"quer(?:y|ies)|enquir(?:y|ies)|cases?|calls?|concerns?)|all (?:of )?our (?:customers|clients)|"
    r"jede[nmrs]? (?:einzelne[nmrs]? )?(?:unserer )?(?:kunden|kundin|kunde|anliegen|anfrage|fall)|"
    r"alle(?:n)? (?:unsere[n]? )?kunden)(?!\w)", re.I)

# Everyday courtesy said on its own ("Vielen Dank.", "Ich verstehe.", "Thanks, I see."):
# how anyone talks, not a script, so never a stock sentence by itself; the scripts that
# carry these words ("Vielen Dank für Ihre Geduld") are in the bank.
COURTESY = {normalise(w) for w in """thanks thank you so much very i see understand yes no ok okay oh sure of course
    great perfect right and too also verstanden vielen dank danke dankeschön ihnen auch sehr ich verstehe ja nein bitte natürlich
    sicher perfekt gern gerne geschehen und genau alles klar""".split()}
COURTESY_WORDS_MAX = 4
# A bare apology in everyday words ("I'm so sorry.", "Sorry about all this.", "Oh je, das
# tut mir leid."): generic, which the rubrics grade as such ("an apology that does not say
# what went wrong"), but how a person says sorry, not a script. The encoder places every
# one of them near a bank phrase, so they are kept from it; the corporate wording ("sorry
# for the inconvenience", "Entschuldigen Sie die Unannehmlichkeiten") is in the bank.
APOLOGY = {normalise(w) for w in """sorry im i m am so really truly very terribly about for that this it all the
    trouble oh no dear je oje das es tut mir uns leid sehr wirklich furchtbar schrecklich entschuldigung
    entschuldigen sie bitte""".split()}
APOLOGY_WORDS = {"sorry", "leid", "entschuldigung", "entschuldigen"}
APOLOGY_WORDS_MAX = 6
_APOLOGY_OR_COURTESY = APOLOGY | COURTESY
# An identity check read from a script ("For security reasons, could you confirm the date
# of your last purchase?", "Aus Sicherheitsgründen ... bestätigen?"): whatever data it
# asks for, the sentence is the script's.
VERIFICATION = re.compile(r"^\W*(?:(?:ok(?:ay)?|gut|danke|thanks?),?\s+)?(?:(?:können|könnten) sie (?:mir )?)?"
                          r"(?:for (?:security|verification|data protection) (?:reasons|purposes)|"
                          r"aus (?:sicherheits|datenschutz)gründen|zur (?:überprüfung|verifizierung|bestätigung) "
                          r"ihrer identität)", re.I)

# Words that carry nothing of the reply's own: what is left of a stock sentence when only
# these remain is still stock.
FILLER = {
    "en": set("""a an the and or but so to of in on at for by with from as is are be been being was were am
        i we you your our us my me it its this that which these those there here any all some very really
        truly sincerely deeply please kindly also just now still again will would shall should can could may
        might do does did have has had not no yes hi hello dear thank thanks sorry ok okay well oh
        caused cause experienced matter issue situation regard regards time today soon""".split()),
    "de": set("""ein eine einen einem einer der die das den dem des und oder aber so zu im in am an auf für mit
        von vom bei als ist sind sein war waren bin wir ich sie ihr ihre ihren ihrem ihnen uns unser unsere dass
        mein meine es dies diese dieser dieses hier da alle jede jeden sehr wirklich aufrichtig bitte auch nur
        jetzt noch wieder wird werden würde soll sollte kann können könnte darf tun hat haben hatte nicht kein
        keine ja hallo liebe lieber sehr geehrte geehrter danke dank vielen herzlichen entstanden entstandene
        entstandenen etwaige etwaigen angelegenheit sache situation zeit heute bald herr frau""".split()),
}
# Nouns that service templates carry routinely: they are no detail of this customer's.
GENERIC = set("""account order request card payment contract bill invoice service team customer konto bestellung
    anfrage auftrag karte zahlung vertrag rechnung kunde kunden""".split())
# The frame words of a stock sympathy ("that must have been stressful", "ich höre, dass
# Ihnen das gerade schwerfällt"): no detail either.
FRAMES = {normalise(w) for w in """must been being have feel feels felt sounds seems know understand really
    so such muss gewesen sein fühlt klingt höre hören verstehe gerade wirklich""".split()}
ANY_FILLER = FILLER["en"] | FILLER["de"]
# At most this many words of its own in a sentence that holds a stock phrase.
OWN_WORDS_MAX = 3
# A reply whose stock sentences hold at least this share of its words is mostly stock.
MOSTLY = 0.5


@dataclass(frozen=True)
class StockFinding:
    sentences: list[str] = field(default_factory=list)  # the stock sentences, as written
    share: float = 0.0  # their share of the reply's words
    # The stock sentences that belong to a pasted block (judge/pasted.py): the block
    # itself and the stock sentences of its paragraph, such as the "Sorry to hear you're
    # experiencing this issue" that opens a pasted chatbot answer.
    pasted: list[str] = field(default_factory=list)

    @property
    def mostly(self) -> bool:
        return self.share >= MOSTLY


def bank(language: str, rubric: Rubric | None = None) -> list[str]:
    """Every stock phrase known for `language` (English ones too: a pasted English
    template in a German reply is a template)."""
    phrases = []
    for lang in dict.fromkeys([language, "en", "de"]):
        phrases += CLICHES.get(lang, []) + SCRIPT_PHRASES.get(lang, [])
        if rubric is not None:
            phrases += rubric.stock_phrases.get(lang, [])
    return list(dict.fromkeys(phrases))


@functools.lru_cache(maxsize=4096)
def _folded(phrase: str) -> str:
    # Cached: the bank's few hundred phrases are folded again for every sentence of
    # every reply (and of every customer message the guards read).
    return normalise(phrase).replace("apologiz", "apologis")


def own_words(sentence: str, phrases: list[str]) -> list[str] | None:
    """The sentence's words outside its stock phrases and fillers; None when it holds no
    stock phrase at all."""
    text = f" {_folded(sentence)} "
    found = False
    for phrase in sorted((_folded(p) for p in phrases), key=len, reverse=True):
        if phrase and f" {phrase} " in text:
            found = True
            text = text.replace(f" {phrase} ", " | ")
    if not found:
        return None
    return [w for w in re.findall(r"\w+", text) if w not in ANY_FILLER]


def paraphrases(sentences: list[str], phrases: list[str]) -> list[str | None]:
    """Per sentence the bank phrase the encoder places it near (judge/similarity.py), or None."""
    return [phrase if score >= similarity.THRESHOLD else None
            for score, phrase in similarity.closest(sentences, phrases)]


def felt_detail(sentence: str, phrases: list[str]) -> bool:
    """Whether the sentence adds to its stock phrases a word of feeling that is tied to
    this customer: a question about how they are ("Is there anything else worrying you
    about this?") or a feeling with a detail ("that must have been awful at the till").
    A stock phrase cannot know either; "sorry for any frustration caused" adds neither."""
    ignored = {w for p in phrases for w in re.findall(r"\w+", _folded(p))} | ANY_FILLER | GENERIC | FRAMES
    own = [w for w in re.findall(r"\w+", sentence) if _folded(w) not in ignored]
    felt = [w for w in own if FEELING.search(w)]
    return bool(felt) and (sentence.rstrip().endswith("?") or len(own) > len(felt) + 1)


def held(sentence: str, phrases: list[str]) -> list[str]:
    """The bank phrases the sentence holds word for word."""
    text = f" {_folded(sentence)} "
    return [p for p in phrases if f" {_folded(p)} " in text]


def find_stock(reply: str, language: str, rubric: Rubric | None = None,
               similar=paraphrases) -> StockFinding:
    """The stock sentences of `reply`. `similar(sentences, phrases)` -> per sentence the
    near phrase (or a bool) adds the paraphrases the encoder finds; None: the bank alone."""
    phrases = bank(language, rubric)
    sentences = split_sentences(reply)
    if not sentences:
        return StockFinding()
    pasted = pasted_sentences(sentences)
    plain = [everyday(sentence) for sentence in sentences]
    stock = []
    for i, sentence in enumerate(sentences):
        own = own_words(sentence, phrases)
        stock.append(i in pasted or about_anyone(sentence) or bool(VERIFICATION.search(sentence))
                     or (own is not None and len(own) <= OWN_WORDS_MAX and not plain[i]
                         and not felt_detail(sentence, held(sentence, phrases))))
    if similar is not None:
        unsure = [i for i, s in enumerate(stock) if not s and not plain[i]]
        if unsure:
            hits = similar([sentences[i] for i in unsure], phrases)
            for i, hit in zip(unsure, hits):
                near = [hit] if isinstance(hit, str) else []
                stock[i] = bool(hit) and not felt_detail(sentences[i], near)
    words = [len(s.split()) for s in sentences]
    total = sum(words) or 1
    found = [s for s, is_stock in zip(sentences, stock) if is_stock]
    share = sum(w for w, is_stock in zip(words, stock) if is_stock) / total
    in_paste = pasted_paragraphs(reply, pasted)
    return StockFinding(sentences=found, share=round(share, 2),
                        pasted=[s for i, s in enumerate(sentences) if stock[i] and i in in_paste])


def everyday(sentence: str) -> bool:
    """Everyday courtesy or a bare apology, said on its own: never a stock sentence."""
    return bare_courtesy(sentence) or bare_apology(sentence)


def bare_apology(sentence: str) -> bool:
    """A short sorry in everyday words and nothing else ("I'm so sorry.", "Das tut mir leid.")."""
    words = normalise(sentence).split()
    return (len(words) <= APOLOGY_WORDS_MAX and bool(APOLOGY_WORDS & set(words))
            and all(w in _APOLOGY_OR_COURTESY for w in words))


def bare_courtesy(sentence: str) -> bool:
    """A sentence of a few words of courtesy and nothing else ("Vielen Dank!", "Oh, I see.")."""
    words = normalise(sentence).split()
    return len(words) <= COURTESY_WORDS_MAX and all(w in COURTESY for w in words)


def about_anyone(sentence: str) -> bool:
    """A sentence about every customer that does not address this one."""
    return bool(ANY_CUSTOMER.search(sentence)) and not cues.YOU.search(sentence)


def pasted_paragraphs(reply: str, pasted: set[int]) -> set[int]:
    """The indices of the sentences (as split_sentences numbers them) of every paragraph
    that holds a pasted sentence: a pasted answer is pasted whole, not only its steps."""
    found: set[int] = set()
    if not pasted:
        return found  # most replies: no second split of the reply on every grade
    start = 0
    for paragraph in re.split(r"\n\s*\n", reply):
        count = len(split_sentences(paragraph))
        span = set(range(start, start + count))
        if span & pasted:
            found |= span
        start += count
    return found


def warm_encoder() -> None:
    """Load the sentence encoder and encode the built-in bank of both languages (see
    similarity.warm); the app calls it in the background when it starts."""
    similarity.warm(bank("en"))
