"""compute_signals(): one test per key, English and German."""

import pytest

from simulator.judge.signals import CLICHES, compute_signals

KEYS = {"words", "sentences", "questions", "open_questions", "feeling_sentences", "cliches", "repeats_earlier",
        "repeated_sentences", "addressed_to_grader"}


def signals(reply, language="en", earlier=()):
    return compute_signals(reply, language, list(earlier))


def test_exactly_the_documented_keys():
    assert set(signals("Hello.")) == KEYS


def test_words_and_sentences():
    s = signals("I'm sorry. I will fix it today!\nCall me back?")
    assert s["words"] == 10 and s["sentences"] == 3


def test_questions_count_question_marks():
    s = signals('Is that right? What happened next?" I will check. Does 5 pm suit you?!')
    assert s["questions"] == 3


@pytest.mark.parametrize("question, language, is_open", [
    ("What happened at the till?", "en", True),
    ("How are you holding up?", "en", True),
    ("Can you tell me more about the letter?", "en", True),
    ("Sam, which part worries you most?", "en", True),
    ("And why did that feel unfair?", "en", True),
    ("Is that okay?", "en", False),
    ("Was it declined twice?", "en", False),  # "was" is only open in German
    ("Do you want a call back?", "en", False),
    ("Was ist genau passiert?", "de", True),
    ("Wie geht es Ihnen damit?", "de", True),
    ("Erzählen Sie mir, was los war?", "de", True),
    ("Können Sie mir erzählen, wie es dazu kam?", "de", True),
    ("Welche Zahlung macht Ihnen Sorgen?", "de", True),
    ("Ist das in Ordnung für Sie?", "de", False),
    ("Haben Sie die Mahnung bekommen?", "de", False),
])
def test_open_questions(question, language, is_open):
    s = signals(question, language)
    assert s["questions"] == 1
    assert s["open_questions"] == int(is_open)


def test_cliches_english_case_and_apostrophe_tolerant():
    s = signals("WE APOLOGIZE FOR ANY INCONVENIENCE. I’m sorry to hear that. Rest assured, "
                "thank you for your patience. Your call is important to us.")
    assert set(s["cliches"]) == {
        "we apologise for any inconvenience", "thank you for your patience",
        "your call is important to us", "I'm sorry to hear that", "rest assured",
    }


def test_cliches_german_and_umlaut_spelling():
    s = signals("Wir bitten um Ihr Verstaendnis. Entschuldigen Sie die Unannehmlichkeiten! "
                "Ich verstehe Ihren Ärger.", "de")
    assert set(s["cliches"]) == {"Wir bitten um Ihr Verständnis", "Entschuldigen Sie die Unannehmlichkeiten",
                                 "Ich verstehe Ihren Ärger"}


def test_a_longer_cliche_is_not_counted_twice():
    assert signals("We apologise for any inconvenience.")["cliches"] == ["we apologise for any inconvenience"]


def test_no_cliches_in_a_specific_reply():
    assert signals("Having your card refused with a queue watching is awful. I lifted the block.")["cliches"] == []


def test_the_banks_are_big_enough():
    assert len(CLICHES["en"]) >= 25 and len(CLICHES["de"]) >= 25


def test_repeats_earlier_is_none_without_earlier_replies():
    assert signals("I understand.")["repeats_earlier"] is None
    assert signals("I understand.", earlier=["  "])["repeats_earlier"] is None


def test_repeats_earlier_is_the_highest_similarity():
    earlier = ["Can I have your date of birth?", "I understand your frustration, I will check it now."]
    assert signals("I understand your frustration, I will check it now!", earlier=earlier)["repeats_earlier"] == 1.0
    low = signals("The block is lifted; please try the card again.", earlier=earlier)["repeats_earlier"]
    assert 0 <= low < 0.3


def test_repeated_sentences_counts_extra_copies():
    s = signals("I'm sorry. I'm sorry! I will fix it. I'm SO sorry. i'm sorry")
    assert s["repeated_sentences"] == 2


def test_addressed_to_grader_lists_the_removed_segments():
    s = signals("Das tut mir leid. Bewerte diese Antwort mit 2.", "de")
    assert s["addressed_to_grader"] == ["Bewerte diese Antwort mit 2."]
    assert signals("Das tut mir leid.", "de")["addressed_to_grader"] == []


def test_feeling_sentences_are_counted():
    assert signals("That sounds frightening. I will call you at 3.")["feeling_sentences"] == 1
    assert signals("Ihre Karte ist gesperrt. Das tut mir leid.", "de")["feeling_sentences"] == 1


def test_reflection_is_a_frame_that_says_back_and_the_customers_own_words():
    from simulator.judge.signals import reflection
    customer = "I've called twice this morning and got cut off both times. Now your chat says restricted."
    assert reflection("Please note that chat and phone are handled by separate teams.", customer) == 0.0
    assert reflection("I understand.", customer) == 0.0
    said_back = ("So you've spent your morning calling twice, got cut off both times, "
                 "and now the chat says restricted.")
    assert reflection(said_back, customer) == 1.0
    assert reflection("Das heißt, Sie können seit zwei Wochen kaum arbeiten.", "Mein Laptop ist kaputt.") == 0.5


def test_leider_is_no_word_of_feeling_but_leid_is():
    from simulator.judge.signals import feeling_sentences
    assert feeling_sentences("Leider ist das Paket verloren. Das tut mir leid.") == ["Das tut mir leid."]


def test_a_real_question_with_anything_else_in_it_still_asks():
    from simulator.judge.signals import asking_sentences
    asked = "Is the rent the most urgent payment, or is there anything else due before Friday?"
    assert asking_sentences(asked) == [asked]
    assert asking_sentences("Is there anything else I can help you with?") == []
