"""Paraphrases of stock phrases, found by the sentence encoder shipped in a wheel
(judge/similarity.py); without it the phrase bank alone decides."""

import pytest

from simulator.judge import similarity
from simulator.judge.stock import bank, find_stock

PARAPHRASES = [
    ("Sorry for the trouble this may have caused.", "en"),
    ("Thanks so much for bearing with us.", "en"),
    ("Dabei helfe ich Ihnen natürlich sehr gerne.", "de"),
    ("Bitte gedulden Sie sich noch einen Moment.", "de"),
    ("Ich wünsche Ihnen noch einen schönen Abend.", "de"),
]
SPECIFIC = [
    ("Having your card refused at the till with people watching is awful.", "en"),
    ("I have refunded the 9.99 for the book you bought twice.", "en"),
    ("Können Sie mir bitte die Bestellnummer Ihres Readers nennen?", "de"),
    ("Ich schicke Ihnen ein Ersatzgerät, es kommt bis Freitag.", "de"),
    ("Das ist ärgerlich, gerade wenn es ein Weihnachtsgeschenk war.", "de"),
]


@pytest.mark.parametrize("sentence,language", PARAPHRASES)
def test_a_paraphrase_of_a_stock_phrase_is_stock(sentence, language):
    assert find_stock(sentence, language).sentences == [sentence]


@pytest.mark.parametrize("sentence,language", SPECIFIC)
def test_a_specific_sentence_is_not(sentence, language):
    assert find_stock(sentence, language).sentences == []


def test_the_closest_phrase_is_named_with_its_similarity():
    [(score, phrase)] = similarity.closest(["Dabei helfe ich Ihnen natürlich sehr gerne."], bank("de"))
    assert score >= similarity.THRESHOLD and "helfe" in phrase


def test_without_the_encoder_the_bank_alone_decides(monkeypatch):
    monkeypatch.setattr(similarity, "_encoder", lambda: None)
    similarity._anchors.cache_clear()
    try:
        assert similarity.closest(["Sorry for the trouble."], bank("en")) == [(0.0, "")]
        assert find_stock("Sorry for the trouble this may have caused.", "en").sentences == []
        # the exact phrases still count
        assert find_stock("We apologise for any inconvenience caused.", "en").mostly
    finally:
        similarity._anchors.cache_clear()
