"""Pasted procedures, lists and forms (judge/pasted.py) count as stock: copy-paste text
that could be sent to any customer."""

import math

from simulator.content.library import default_content_dirs, load_library
from simulator.judge.grader import Judge
from simulator.judge.pasted import pasted_sentences
from simulator.judge.sanitise import split_sentences
from simulator.judge.stock import find_stock
from simulator.llm.scripted import ScriptedModel

CORE = load_library(*default_content_dirs())[0].rubric("empathy-core")
CUSTOMER = "My card was declined at the supermarket with a whole queue watching. My salary is in that account!"


def lenient(request):
    """A model that reads the top level for everything: the caps must hold regardless."""
    return {"2": math.log(0.9), "1": math.log(0.1)}


def pasted(text: str) -> list[str]:
    sentences = split_sentences(text)
    return [s for i, s in enumerate(sentences) if i in pasted_sentences(sentences)]


def test_a_numbered_procedure_is_found_in_both_languages_with_its_introduction():
    english = ("Sorry about the trouble. Here are some steps you can try: 1. Restart your device. 2. Check your "
               "settings. 3. Contact support if it persists. Did that help?")
    assert pasted(english) == ["Here are some steps you can try: 1.", "Restart your device.", "2.",
                               "Check your settings.", "3.", "Contact support if it persists."]
    german = ("Bitte führen Sie die folgenden Schritte aus 1 Gehen Sie zu Ihrem Startbildschirm. 2 Tippen Sie "
              "auf das Symbol. Klappt es?")
    assert pasted(german) == ["Bitte führen Sie die folgenden Schritte aus 1 Gehen Sie zu Ihrem Startbildschirm.",
                              "2 Tippen Sie auf das Symbol."]


def test_steps_that_run_on_in_one_sentence_are_found():
    run_on = "Gehen Sie so vor: 1 Öffnen Sie die App 2 Tippen Sie auf Konto 3 Wählen Sie Abmelden"
    assert pasted(f"Kein Problem. {run_on}") == [run_on]
    assert pasted("Sie haben 1 Buch und 2 Hefte bestellt.") == []


def test_a_block_pasted_from_the_middle_of_a_procedure_needs_three_steps():
    assert len(pasted("2 Melden Sie sich an. 3 Klicken Sie auf Konto. 4 Wählen Sie Einstellungen.")) == 3
    assert pasted("2 Melden Sie sich an. 3 Klicken Sie auf Konto.") == []


def test_bullets_and_forms_are_pasted_text():
    assert pasted("Things to try:\n- Restart the router\n- Check the cable\nDoes that help?") == [
        "Things to try:", "- Restart the router", "- Check the cable"]
    form = "Bitte geben Sie Folgendes an Name: Straße und Hausnummer: Stadt: Postleitzahl: Telefonnummer:"
    assert pasted(form) == [form]


def test_numbers_that_are_no_steps_and_an_account_of_what_the_agent_did_are_not_pasted():
    assert pasted("I will call you between 1 and 2 tomorrow. The flight leaves at 10:05.") == []
    assert pasted("Sie haben 1 Buch gekauft. 2 Tage später kommt es an.") == []
    assert pasted("Sorry about that. 1. I have lifted the block. 2. I have refunded the fee.") == []
    assert pasted("Erledigt:\n- Ich habe die Sperre aufgehoben\n- Ich habe die Gebühr erstattet") == []


def test_a_reply_that_is_mostly_a_pasted_procedure_is_capped_like_a_stock_reply():
    reply = ("Your account has a restriction. Here are some steps you can try: 1. Restart your device. 2. Check "
             "your account settings. 3. Contact our support team if the problem persists.")
    found = find_stock(reply, "en", similar=None)
    assert found.mostly and "Restart your device." in found.sentences
    verdict = Judge(ScriptedModel(readings=lenient), max_workers=1).grade(CORE, reply, CUSTOMER, feedback=False)
    assert verdict.criteria["authenticity"].level == 0
    assert "Restart your device." in verdict.stock


def test_a_pasted_answer_is_pasted_whole_with_the_stock_sympathy_that_opens_it():
    own = "I'm so sorry your card was refused in front of everyone."
    chatbot = ("I'm sorry to hear that you're experiencing this issue. I understand how frustrating this can be. "
               "Here are some steps you can try: 1. Restart your device. 2. Check your account settings. "
               "I hope this helps!")
    found = find_stock(f"{own}\n\n{chatbot}", "en", similar=None)
    assert "I'm sorry to hear that you're experiencing this issue." in found.pasted
    assert own not in found.pasted and "Restart your device." in found.pasted
    # the same sympathy on its own, with no paste in its paragraph, is stock but not pasted
    alone = find_stock("I'm sorry to hear that you're experiencing this issue.\n\nI'll refund the fee today.", "en",
                       similar=None)
    assert alone.sentences and alone.pasted == []


def test_unnumbered_steps_of_a_help_article_are_pasted_from_three_in_a_row_or_a_menu_path():
    german = ("Gehen Sie zu Ihrem Startbildschirm. Tippen Sie auf das Mehr-Symbol. Tippen Sie auf Einstellungen. "
              "Klappt das?")
    assert pasted(german) == ["Gehen Sie zu Ihrem Startbildschirm.", "Tippen Sie auf das Mehr-Symbol.",
                              "Tippen Sie auf Einstellungen."]
    assert pasted("Go to Settings. Tap Account. Then tap Sign out. Let me know when you're there.") == [
        "Go to Settings.", "Tap Account.", "Then tap Sign out."]
    assert pasted("Sie finden das unter Einstellungen > Konto > Abmelden.") == [
        "Sie finden das unter Einstellungen > Konto > Abmelden."]
    # Two steps in the agent's own words, or an account of what the agent did, are no paste.
    assert pasted("Open the app and tap Cards. Then you'll see the block is gone.") == []
    assert pasted("I opened your account. I tapped on the block. I went to the card settings.") == []
    assert pasted("<b>x</b> and 5>3 are no menu path.") == []
