"""What a reply does towards the person, read in code (judge/cues.py), after EPITOME's
definitions: reacting to them, understanding them, asking about their situation."""

from simulator.judge.cues import bounds, reacting_sentences, reaction, shared_experience, understanding
from simulator.judge.questions import exploring

CUSTOMER = "My card was declined at the supermarket with a whole queue watching. My salary is in that account!"


def test_the_writers_own_feelings_react_to_no_one():
    assert reacting_sentences("I am so paralysed by anxiety that I sleep all day.") == []
    assert reaction("I feel like this all the time and I never know what I want.") == 0.0
    assert reaction("Your account has a restriction. I need your date of birth.") == 0.0


def test_compassion_or_a_named_feeling_of_theirs_is_the_strong_form_in_both_languages():
    assert reaction("I'm so sorry you're going through this.") == 1.0
    assert reaction("Losing her present days before the party, you must be gutted.") == 1.0
    assert reaction("Das tut mir wirklich leid, Frau Berger.") == 1.0
    assert reaction("Mit zwei Kindern im Dunkeln zu sitzen - das macht Angst.") == 1.0


def test_alluding_to_the_feeling_or_stock_compassion_is_the_weak_form():
    assert reaction("I know how you feel.") == 0.5
    assert reaction("Das klingt schwierig.") == 0.5
    assert reaction("Keine Sorge, nehmen Sie sich Zeit.") == 0.5  # generic warmth
    assert reaction("Thank you. The refund is on its way.") == 0.0  # courtesy reacts to no feeling
    stock = "I'm sorry to hear that."
    assert reaction(f"{stock} Let me check your account.", stock=[stock]) == 0.5
    assert reaction(f"{stock} Let me check your account.") == 1.0  # the same words, not found as stock


def test_understanding_is_saying_the_situation_back_or_relating_an_experience_of_ones_own():
    assert shared_experience("I can relate, I lost my job last year too.")
    assert shared_experience("Mir ging es letztes Jahr genauso.")
    assert not shared_experience("I have lifted the block and refunded the fee for you.")
    assert not shared_experience("I know how you feel.")  # a claim that tells nothing of one's own
    assert not shared_experience("I'm sorry it's so overwhelming right now.")  # compassion is about them
    assert understanding("It sounds like the queue made it worse.", CUSTOMER) == 1.0
    assert understanding("Let me check.", CUSTOMER) == 0.0
    assert understanding("I understand. Let me check.", CUSTOMER) == 0.25  # a bare claim: the rubric's level 1
    assert understanding("Ich verstehe Sie vollkommen.", CUSTOMER) == 0.25
    assert understanding("The supermarket is open late.", CUSTOMER) == 0.0  # one word of theirs is no restatement
    assert understanding("Your salary went into that account, and the card was declined at the supermarket.",
                         CUSTOMER) == 0.5  # the surface facts said back


def test_a_specific_open_question_is_the_strong_form_a_generic_one_the_weak_form():
    assert exploring("What happened at the supermarket when the card was declined?", CUSTOMER, "en") == 1.0
    assert exploring("Was ist beim Bezahlen im Supermarkt passiert?", CUSTOMER, "de") == 1.0
    assert exploring("Is the salary the most urgent, or is a bill due before Friday?", CUSTOMER, "en") == 0.75
    assert exploring("Can you tell me more?", CUSTOMER, "en") == 0.5
    assert exploring("I see. Is that correct?", CUSTOMER, "en") == 0.5
    assert exploring("Können Sie mir mehr dazu erzählen?", CUSTOMER, "de") == 0.5
    assert exploring("I will fix it.", CUSTOMER, "en") == 0.0


def test_generic_service_questions_and_blame_explore_nothing_specific():
    for asked in ("What seems to be the problem?", "What exactly is the issue?",
                  "Could you give me some more details?", "Why didn't you read the letter we sent you?"):
        assert exploring(asked, CUSTOMER, "en") == 0.5, asked
    for asked in ("Können Sie mir Ihr Anliegen genauer schildern?", "Warum haben Sie nicht früher angerufen?"):
        assert exploring(asked, CUSTOMER, "de") == 0.5, asked


def test_everyday_generic_questions_name_nothing_of_the_situation():
    for asked in ("What's on your mind?", "Do you want to talk about it?", "Wanna talk about it?",
                  "What's been bothering you lately?", "Is there anything in particular that's bothering you?",
                  "What has you feeling that way?", "Do you need someone to talk to?"):
        assert exploring(asked, CUSTOMER, "en") == 0.5, asked
    for asked in ("Was beschäftigt Sie gerade?", "Möchten Sie darüber reden?", "Was ist los?"):
        assert exploring(asked, CUSTOMER, "de") == 0.5, asked


def test_tags_suggestions_rhetoric_and_questions_about_oneself_ask_them_nothing():
    for asked in ("The salary is late again, right?", "That supermarket queue was awful, wasn't it?",
                  "So the card was declined at the supermarket - is that correct?",
                  "Maybe the supermarket could hold your shopping for an hour?",
                  "Who knows what the bank's system does with a declined salary?",
                  "Why do I always get the calls about declined cards?",
                  "Shall I call you back once the salary is through?", "Would you like me to send a new card?"):
        assert exploring(asked, CUSTOMER, "en") == 0.5, asked
    for asked in ("Das Gehalt ist also noch nicht da, oder?", "Das mit der Karte im Supermarkt ist ärgerlich, stimmt's?",
                  "Vielleicht kann der Supermarkt den Einkauf zurücklegen?", "Soll ich Sie morgen zurückrufen?"):
        assert exploring(asked, CUSTOMER, "de") == 0.5, asked
    # Asking leave to ask is no offer; a closed question that names their situation asks them.
    assert exploring("Can I ask what happened at the supermarket?", CUSTOMER, "en") == 0.75
    assert exploring("Darf ich fragen, wie es Ihnen mit dem Gehalt gerade geht?", CUSTOMER, "de") == 1.0
    assert exploring("Is the salary the only money in that account?", CUSTOMER, "en") == 0.75


def test_one_word_of_their_situation_makes_a_question_specific():
    assert exploring("Is there family who could lend you something until Friday?", CUSTOMER, "en") == 0.75
    assert exploring("When does your rent go out?", CUSTOMER, "en") == 1.0
    assert exploring("Was kann ich für Sie tun?", CUSTOMER, "de") == 0.5  # "für" is no situation


def test_questions_for_process_data_alone_are_no_exploration():
    # The rubric: "Identity checks and other questions the agent needs for the process do not count".
    assert exploring("Wie lautet Ihre Kundennummer?", CUSTOMER, "de") == 0.0
    assert exploring("Können Sie mir bitte Ihre Zählernummer und das Geburtsdatum nennen?", CUSTOMER, "de") == 0.0
    assert exploring("What's your date of birth?", CUSTOMER, "en") == 0.0
    assert exploring("What's the best number to call you back on this afternoon?", CUSTOMER, "en") == 0.0
    assert exploring("What's your account number, so I can stop the letters about the supermarket?",
                     CUSTOMER, "en") == 1.0  # asks for a number, and about their situation


def test_the_code_bounds_a_level_for_reaction_understanding_and_exploring():
    assert bounds("reaction", 0.5, [0, 1, 2]) == (0, 1)
    assert bounds("reaction", 1.0, [0, 1, 2]) == (1, 2)
    assert bounds("exploring", 0.5, [0, 1, 2]) == (0, 1)
    assert bounds("exploring", 0.75, [0, 1, 2]) == (2, 2)  # specific and closed: EPITOME's strong form too
    assert bounds("exploring", 1.0, [0, 1, 2]) == (2, 2)  # specific and open
    assert bounds("exploring", 0.0, [0, 1, 2]) == (0, 0)  # process data only
    assert bounds("understanding", 0.0, [0, 1, 2]) == (0, 0)  # no sign of understanding at all
    assert bounds("understanding", 0.25, [0, 1, 2]) == (0, 1)  # a bare claim
    assert bounds("understanding", 0.5, [0, 1, 2]) == (0, 2)
    assert bounds("understanding", 1.0, [0, 1, 2]) == (0, 2)
    assert bounds("reaction", 0.0, [0, 1, 2]) == (0, 2)  # level 0 comes from the requirement, not the bound


def test_a_word_of_feeling_reacts_only_in_a_frame_that_points_at_their_situation():
    assert reacting_sentences("Every request is handled with care and attention.") == []
    assert reacting_sentences("Our team is here with care.") == []
    assert reacting_sentences("That is hard.") == ["That is hard."]
    assert reacting_sentences("That must be hard.") == ["That must be hard."]
    assert reacting_sentences("Das ist schwer.") == ["Das ist schwer."]
    assert reacting_sentences("The outage is awful.") == ["The outage is awful."]  # a named emotion


def test_claiming_to_understand_is_no_experience_of_ones_own():
    assert not shared_experience("I understand how frustrating this can be.")
    assert not shared_experience("Ich verstehe, wie frustrierend das sein kann.")
    assert not shared_experience("I can imagine how stressful that is.")
    assert shared_experience("I was so embarrassed when it happened to me.")


def test_a_sentence_of_ones_own_life_is_an_experience_told_without_a_feeling_word():
    # EPITOME's strong interpretation: "a related own experience", feeling word or not.
    assert shared_experience("I had the same with my landlord last winter.")
    assert shared_experience("My mind goes foggy like that too when the bills pile up.")
    assert shared_experience("Ich hatte letztes Jahr das gleiche Problem mit meinem Vermieter.")
    assert shared_experience("I'd be furious too.")
    assert shared_experience("I can't sleep either when money is that tight.")


def test_an_agents_handling_an_opinion_or_an_introduction_relates_no_experience():
    for said in ("I checked the system and the payment bounced.", "I've passed this to the security team.",
                 "I'm looking into it now.", "I was on the phone with the branch this morning.",
                 "My name is Sam and I work in the billing team.", "I'm Sam from Northbank.",
                 "I'm afraid we can't lift the block today.", "Please accept my apologies.", "I hope this helps.",
                 "I think it will be sorted by Friday.", "I get it.", "I have good news.", "I'm here to help.",
                 "If it isn't there by Thursday, reply here and it comes straight to me.", "Why am I telling you this?",
                 "Ich habe das geprüft.", "Ich bin Frau Kaya vom Kundenservice.", "Das erledige ich.",
                 "Da kann ich nichts machen.", "Ich setze die Rate für diesen Monat aus.",
                 "Ich habe einen neuen Termin für morgen, Mittwoch, zwischen 8 und 12 Uhr gebucht.",
                 "Ich glaube, das klärt sich bis Freitag.", "I promise we'll fix it.", "I'm not able to change that.",
                 "I can't see any payment yet.", "Ich habe leider keinen Zugriff darauf."):
        assert not shared_experience(said), said
