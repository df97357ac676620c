"""Stock service phrases caught in code (judge/stock.py): they cap levels, are named in
the verdict, and a better reply may not use them."""

import math

from simulator.content.library import default_content_dirs, load_library
from simulator.judge.coaching import better_reply_problem
from simulator.judge.grader import Judge
from simulator.judge.stock import find_stock
from simulator.llm.scripted import ScriptedModel

LIBRARY, _ = load_library(*default_content_dirs())
CORE = LIBRARY.rubric("empathy-core")

STOCK_EN = ("We apologise for any inconvenience caused. I understand your frustration. Please be assured that "
            "your account is being reviewed in line with our procedures and we will be in touch in due course.")
STOCK_DE = ("Wir entschuldigen uns für etwaige Unannehmlichkeiten. Ich verstehe Ihren Ärger. Seien Sie versichert, "
            "dass Ihr Konto gemäß unseren Richtlinien geprüft wird und wir uns zeitnah bei Ihnen melden.")
WARM_EN = ("Having your card refused at the till with people watching is awful, and with your salary in that "
           "account it must be frightening. I have lifted the block now, so the card works again. "
           "What happened when you tried to pay?")
CUSTOMER = "My card was declined at the supermarket with a whole queue watching. My salary is in that account!"


def test_the_stock_replies_of_both_languages_are_mostly_stock():
    for reply, language in ((STOCK_EN, "en"), (STOCK_DE, "de")):
        found = find_stock(reply, language)
        assert found.mostly and found.share == 1.0 and len(found.sentences) == 3


def test_a_specific_reply_is_not_stock_and_one_stock_sentence_does_not_make_it_so():
    assert find_stock(WARM_EN, "en").sentences == []
    mixed = "I'm sorry to hear that. Your salary of 2,300 pounds arrived on the 28th and I released it just now."
    found = find_stock(mixed, "en")
    assert found.sentences == ["I'm sorry to hear that."] and not found.mostly


def test_trainers_add_their_own_stock_phrases_to_the_rubric():
    rubric = CORE.model_copy(update={"stock_phrases": {"en": ["as per clause 7 of our terms"]}})
    reply = "As per clause 7 of our terms, refunds take time."
    assert find_stock(reply, "en").sentences == []
    assert find_stock(reply, "en", rubric).sentences == [reply]


def lenient(request):
    """A model that reads the top level for everything: the caps must hold regardless."""
    return {"2": math.log(0.9), "1": math.log(0.1)}


def test_a_stock_reply_scores_low_however_lenient_the_model_and_a_warm_specific_one_does_not():
    judge = Judge(ScriptedModel(readings=lenient), max_workers=1)
    for reply, language, stock in ((STOCK_EN, "en", "stock"), (STOCK_DE, "de", "Standardfloskeln")):
        verdict = judge.grade(CORE, reply, CUSTOMER, language=language, feedback=False)
        assert verdict.criteria["authenticity"].level == 0
        assert verdict.criteria["emotional_reaction"].level <= 1
        assert verdict.score <= 40
        assert len(verdict.stock) == 3
        assert stock in verdict.criteria["authenticity"].rationale  # in the reply's language
    warm = judge.grade(CORE, WARM_EN, CUSTOMER, feedback=False)
    assert warm.score >= 75 and warm.stock == []


def test_a_better_reply_must_be_new_free_of_stock_phrases_and_ask_where_the_reply_did_not():
    reply = "I am sorry. I will look into it."
    assert "repeats" in better_reply_problem("I am sorry. I will look into it. Thanks.", reply, "en", False)
    assert "stock phrases" in better_reply_problem(
        "We apologise for any inconvenience caused. I have unblocked the card.", reply, "en", False)
    assert "open question" in better_reply_problem(
        "Being refused at the till is awful. I have unblocked your card.", reply, "en", True)
    assert better_reply_problem(
        "Being refused at the till is awful. I have unblocked your card; what happened when you paid?",
        reply, "en", True) == ""


def test_one_stock_or_pressing_sentence_costs_that_sentence_not_the_better_reply():
    from simulator.judge.coaching import salvage
    reply = "I will look into it."
    customer = "My card was declined at the till with a queue watching."
    better = ("We apologise for any inconvenience caused. Being turned away at the till with people watching "
              "is awful. I have lifted the block, so your card works again now. What did you need to buy today?")
    assert better_reply_problem(better, reply, "en", True, customer_message=customer) == ""
    assert salvage(better, reply, "en", customer_message=customer) == (
        "Being turned away at the till with people watching is awful. I have lifted the block, so your card "
        "works again now. What did you need to buy today?")
    # A copy of the customer's own sentence goes too; a calm-down goes with it.
    assert salvage(customer + " Please calm down. I have lifted the block now. What did you need today?",
                   reply, "en", customer_message=customer) == "I have lifted the block now. What did you need today?"
    # Left with one sentence of three, it is no reply: asked again, and why is said.
    assert salvage("We apologise for any inconvenience. Thank you for your patience. I have lifted the block.",
                   reply, "en") == ""
    assert "stock phrases" in better_reply_problem(
        "We apologise for any inconvenience. Thank you for your patience. I have lifted the block.", reply, "en", False)
    # Left without the question the reply needed: asked again.
    assert "open question" in better_reply_problem(
        "Being refused at the till is awful. I have lifted the block now. Is there anything else I can help with?",
        reply, "en", True)


def test_a_better_reply_that_opens_with_the_customers_words_or_loops_keeps_its_own_sentences():
    from simulator.judge.coaching import salvage
    customer = "Ich bin alleinerziehend und weiß nicht mehr, wie ich die Stromrechnung bezahlen soll."
    reply = "Das klingt belastend."
    # Written so by the 1.5B model: the customer's message first, then its own sentences, then a loop.
    better = (customer + " Ich setze die Sperre für 30 Tage aus, damit Sie Luft haben. Was könnten Sie im Monat "
              "zahlen? Ich rufe Sie morgen um 10 Uhr an. Ich rufe Sie morgen um 10 Uhr an. Ich rufe Sie morgen um 10 Uhr an.")
    assert better_reply_problem(better, reply, "de", True, customer_message=customer) == ""
    assert salvage(better, reply, "de", customer_message=customer) == (
        "Ich setze die Sperre für 30 Tage aus, damit Sie Luft haben. Was könnten Sie im Monat zahlen? "
        "Ich rufe Sie morgen um 10 Uhr an.")
    assert "customer's message" in better_reply_problem(customer, reply, "de", False, customer_message=customer)


def test_a_tip_that_reorders_the_conversations_words_is_a_copy():
    from simulator.judge.coaching import tip_problem
    threat = ("Wir bedauern die entstandenen Unannehmlichkeiten. Bitte begleichen Sie den offenen Betrag bis zum "
              "Monatsende, andernfalls müssen wir die Sperre leider wie angekündigt durchführen.")
    # Both written by the 1.5B model as tips in a browser walk.
    assert "repeats" in tip_problem("Sie sollten den offenen Betrag bis zum Monatsende begleichen.", threat, "x")
    assert "repeats" in tip_problem("Bitte spezifisch antworten. Was könnten Sie im Monat realistisch zahlen?",
                                    "Ich setze die Sperre aus. Was könnten Sie im Monat realistisch zahlen?", "x")
    assert tip_problem("Fragen Sie, wer im Haushalt lebt.", "Wer lebt denn mit Ihnen im Haushalt?", "x") == ""
    # Two sentences of the conversation glued into one.
    assert "repeats" in tip_problem("Sie sollten den offenen Betrag bis zum Monatsende begleichen und den Strom und "
                                    "warmes Wasser sicherstellen.", threat,
                                    "Ich hab so Angst, dass die Kinder ohne Strom und warmes Wasser dasitzen.")
    assert tip_problem("Nennen Sie zuerst die Angst der Kundin um die Kinder und bieten Sie dann eine Ratenzahlung "
                       "an.", threat, "Ich hab so Angst, dass die Kinder ohne Strom und warmes Wasser dasitzen.") == ""


def test_feedback_that_echoes_the_conversation_is_no_feedback():
    from simulator.judge.coaching import tip_problem
    customer = "Ich schäme mich so, dass ich hier schreiben muss. Ich kann die Rate diesen Monat nicht bezahlen."
    reply = "Dafür müssen Sie sich nicht schämen. Ich kann die Rate für diesen Monat aussetzen."
    assert "customer's message" in better_reply_problem(
        customer + " Ich melde mich.", reply, "de", False, customer_message=customer)
    assert "repeats the conversation" in tip_problem("Sie sollten sich nicht schämen. " + reply, reply, customer)
    assert tip_problem("Fragen Sie, was sich bei der Kundin verändert hat.", reply, customer) == ""


def test_a_tip_written_to_the_customer_is_no_tip_but_a_quoted_example_is():
    from simulator.judge.coaching import tip_problem
    # Written by the 1.5B model as a "tip" in a browser walk: the agent speaking to the customer.
    assert "speaks to the customer" in tip_problem("Bitte geben Sie mir mehr Details über Ihre Situation.", "x", "y")
    assert "speaks to the customer" in tip_problem("I will look into your account right now.", "x", "y")
    assert "speaks to the customer" in tip_problem("Bitte nennen Sie den Betrag, und wir werden Ihnen helfen.", "x", "y")
    assert tip_problem('Sagen Sie zuerst „Ich sehe, wie sehr Sie das belastet“, dann den Schritt.', "x", "y") == ""
    assert tip_problem('Open with "I can hear how frightening this is" before any process.', "x", "y") == ""
    assert tip_problem("Fragen Sie nach ihrer Meinung zum Ratenplan.", "x", "y") == ""
    # No first person, still written to the customer (also the 1.5B model, in a browser walk).
    assert "speaks to the customer" in tip_problem("Bitte geben Sie an, wie Sie den Betrag zahlen möchten.", "x", "y")
    assert "speaks to the customer" in tip_problem("Please confirm your payment details.", "x", "y")
    assert "speaks to the customer" in tip_problem("Überweisen Sie den Betrag bis Freitag.", "x", "y")
    assert tip_problem("Fragen Sie, wie die Kundin den Betrag zahlen möchte, und nennen Sie ihre Angst.", "x", "y") == ""
    assert tip_problem("Ask how the customer would like to pay, then name their worry.", "x", "y") == ""
    assert tip_problem('Sagen Sie etwa „Geben Sie mir Ihre Kundennummer, dann prüfe ich es“.', "x", "y") == ""


def test_a_reply_that_is_mostly_stock_is_read_without_its_stock_sentences():
    from simulator.judge.requirements import own_sentences
    weak = "Your account has a restriction."
    padded = (weak + " At our company, customer satisfaction is our highest priority. "
              "We always strive to exceed your expectations. Thank you for contacting us.")
    stock = find_stock(padded, "en")
    assert stock.mostly and own_sentences(padded, stock) == weak
    # a generic but felt sentence is still read (the caps keep it low)
    felt = "I'm so sorry, that must have been stressful. I'll unfreeze it now."
    assert find_stock(felt, "en").mostly and own_sentences(felt, find_stock(felt, "en")) == felt
    assert own_sentences(WARM_EN, find_stock(WARM_EN, "en")) == WARM_EN  # not mostly stock: read whole
    # filler with a word of feeling in it, a pasted chatbot answer with its stock sympathy: nothing is read
    filler = weak + " Our dedicated team works around the clock to make sure every request is handled with care."
    assert own_sentences(filler, find_stock(filler, "en")) == weak
    chatbot = (weak + "\n\nI'm sorry to hear that you're experiencing this issue. I understand how frustrating "
               "this can be. Here are some steps you can try: 1. Restart your device. 2. Check your settings. "
               "I hope this helps!")
    assert own_sentences(chatbot, find_stock(chatbot, "en")) == weak
    model = ScriptedModel()
    Judge(model, max_workers=1, levels="constrained").grade(CORE, padded, CUSTOMER, feedback=False)
    assert all("customer satisfaction" not in m.content for r in model.requests for m in r.messages)


def test_a_sentence_about_every_customer_is_stock_unless_it_speaks_to_this_one():
    from simulator.judge.stock import about_anyone
    assert about_anyone("Our team makes sure every request is handled with care and attention.")
    assert about_anyone("Unser Team sorgt dafür, dass jedes Anliegen mit Sorgfalt bearbeitet wird.")
    assert not about_anyone("We treat every customer fairly, and your refund goes out today.")
    assert not about_anyone("Your request is with me now.")


def test_a_mostly_stock_reply_says_why_on_every_capped_criterion_whatever_its_level():
    model = ScriptedModel()
    verdict = Judge(model, max_workers=1, levels="constrained").grade(CORE, STOCK_EN, CUSTOMER, feedback=False)
    capped = [c.id for c in CORE.criteria if c.stock_cap is not None and verdict.criteria[c.id].level is not None]
    assert len(capped) >= 3 and all("stock service phrases" in verdict.criteria[cid].rationale for cid in capped)
    # a cap of 0 leaves one level: decided in code even where the model gave no answer
    assert verdict.criteria["authenticity"].level == 0 and verdict.criteria["authenticity"].status == "scored"
    assert verdict.stock


def test_a_feeling_tied_to_this_customer_is_not_stock_though_it_opens_like_a_phrase():
    """Seen in a session: a warm first reply read as 56 % stock and was capped. A stock
    phrase cannot ask how this customer is, or tie a feeling to what happened to them."""
    for sentence, language in (("I'm sorry, that must have been awful at the till.", "en"),
                               ("Is there anything else worrying you about this?", "en"),
                               ("Gibt es noch etwas, das Ihnen gerade Sorgen macht?", "de")):
        assert find_stock(sentence, language).sentences == [], sentence
    # Generic sympathy and closing scripts stay stock.
    for sentence in ("Is there anything else I can help you with?", "We're sorry for any frustration this may have caused.",
                     "I'm so sorry, that must have been stressful."):
        assert find_stock(sentence, "en").sentences == [sentence], sentence


def test_the_stock_cap_is_known_to_the_verdict_and_to_the_fit():
    from simulator.judge.caps import stock_ceiling
    from simulator.judge.stock import StockFinding
    authenticity, exploration = CORE.criterion("authenticity"), CORE.criterion("exploration")
    assert stock_ceiling(authenticity, StockFinding(sentences=["x"], share=0.8)) == 0
    # One stock sentence: authenticity is heard as a script (its stock_sentence_cap 0);
    # a criterion without that field stays one above its stock_cap.
    assert stock_ceiling(authenticity, StockFinding(sentences=["x"], share=0.2)) == 0
    reaction = CORE.criterion("emotional_reaction")
    assert reaction.stock_sentence_cap is None
    assert stock_ceiling(reaction, StockFinding(sentences=["x"], share=0.2)) == 2
    assert stock_ceiling(reaction, StockFinding(sentences=["x"], share=0.8)) == 1
    # A trainer who sets only the one-sentence cap in the studio gets it for any stock.
    only = exploration.model_copy(update={"stock_sentence_cap": 1})
    assert stock_ceiling(only, StockFinding(sentences=["x"], share=0.2)) == 1
    assert stock_ceiling(only, StockFinding(sentences=["x"], share=0.8)) == 1
    assert stock_ceiling(only, StockFinding()) is None
    assert stock_ceiling(authenticity, StockFinding()) is None
    assert stock_ceiling(exploration, StockFinding(sentences=["x"], share=0.8)) is None  # no stock_cap
    padded = "Your account has a restriction. At our company, customer satisfaction is our highest priority."
    verdict = Judge(ScriptedModel(), max_workers=1).grade(CORE, padded, CUSTOMER, feedback=False)
    assert verdict.stock_share == find_stock(padded, "en", CORE).share >= 0.5


def test_everyday_courtesy_on_its_own_is_no_script_but_the_scripts_that_carry_it_are():
    for said in ("Vielen Dank.", "Ich verstehe.", "I understand.", "Danke Ihnen auch!", "Oh, I see.", "Thanks so much!"):
        assert find_stock(said, "de").sentences == [], said
    assert find_stock("Vielen Dank für Ihre Geduld.", "de").sentences == ["Vielen Dank für Ihre Geduld."]
    assert find_stock("Sind Sie noch da?", "de").sentences == ["Sind Sie noch da?"]
    assert find_stock("Are you still there?", "en").sentences == ["Are you still there?"]


def test_an_identity_check_read_from_a_script_is_stock_whatever_data_it_asks_for():
    asked = "Können Sie aus Sicherheitsgründen das Datum Ihrer letzten Bestellung bestätigen?"
    assert find_stock(asked, "de").sentences == [asked]
    asked = "For security reasons, could you confirm the last four digits of the card?"
    assert find_stock(asked, "en").sentences == [asked]
    assert find_stock("Could you confirm the last four digits of the card?", "en").sentences == []


def test_one_stock_sentence_is_heard_as_a_script_on_authenticity_only():
    """empathy-core's authenticity holds a reply with one stock sentence at 0 (its
    stock_sentence_cap), and the page says which sentence; the other criteria keep the
    lenient model's level, one stock sentence being no reason to doubt a reaction."""
    judge = Judge(ScriptedModel(readings=lenient), max_workers=1)
    for reply, language, stock in (
            ("I completely understand your frustration. Your salary of 2,300 pounds arrived on the 28th "
             "and I released it just now.", "en", "I completely understand your frustration."),
            ("Ich verstehe Ihren Ärger voll und ganz. Ihr Gehalt von 2.300 Euro kam am 28. an, und ich habe "
             "es gerade freigegeben.", "de", "Ich verstehe Ihren Ärger voll und ganz.")):
        verdict = judge.grade(CORE, reply, CUSTOMER, language=language, feedback=False)
        authenticity = verdict.criteria["authenticity"]
        assert verdict.stock == [stock] and verdict.stock_share < 0.5
        assert authenticity.level == 0 and authenticity.method == "code"
        assert authenticity.evidence == [stock]
        assert verdict.criteria["ownership_next_step"].level == 2


def test_a_bare_apology_in_everyday_words_is_generic_but_no_script():
    for said, language in (("I'm so sorry.", "en"), ("Sorry about all this.", "en"), ("I'm sorry for the trouble!", "en"),
                           ("Das tut mir leid.", "de"), ("Oh je, tut mir leid.", "de"), ("Oh, Entschuldigung.", "de")):
        assert find_stock(said, language).sentences == [], said
    # The corporate wording of an apology stays stock, and so does one that holds a bank phrase.
    for said, language in (("Sorry for the inconvenience.", "en"), ("Sorry for the delay!", "en"),
                           ("I'm sorry to hear that.", "en"), ("Entschuldigen Sie die Unannehmlichkeiten.", "de")):
        assert find_stock(said, language).sentences == [said], said
