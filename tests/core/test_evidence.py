from simulator.judge.evidence import invented_quotes, quote_in_reply
from simulator.judge.verdict import QUOTE_MAX

REPLY = "I’m so sorry your card was refused at the till with people watching, that must have felt awful."


def test_verbatim_quotes_pass_ignoring_case_spacing_and_quote_marks():
    assert quote_in_reply("i'm so SORRY your card", REPLY)
    assert quote_in_reply('"that must have felt awful."', REPLY)
    assert quote_in_reply("card  was\nrefused", REPLY)


def test_invented_or_paraphrased_quotes_fail():
    assert invented_quotes(["I understand your frustration", "card was refused"], REPLY) == [
        "I understand your frustration"
    ]
    assert not quote_in_reply("", REPLY)


def test_quote_cut_by_the_length_limit_is_checked_to_its_last_whole_word():
    long_reply = REPLY + " and I will make sure it is unblocked before the end of today."
    cut = (long_reply[: QUOTE_MAX - 2] + "aw")  # decoding stopped inside a word
    assert len(cut) == QUOTE_MAX and not cut.endswith("today.")
    assert quote_in_reply(cut, long_reply)
    short_garbled = REPLY[:40] + "aw"  # below the limit: no allowance
    assert not quote_in_reply(short_garbled, long_reply)
    assert not quote_in_reply("made up words " * 12, long_reply)
