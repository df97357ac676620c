"""What a reply does towards the person, read in code (judge/cues.py), after EPITOME's
definitions: reacting to them, understanding them, asking about their situation."""

from simulator.judge.cues import bounds, exploring, reacting_sentences, reaction, shared_experience, understanding

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


def test_questions_for_process_data_alone_are_no_exploration():
    # The rubric: "Identity checks and other questions the agent needs for the process do not count".
    assert exploring("Wie lautet Ihre Kundennummer?", CUSTOMER, "de") == 0.0
    assert exploring("Können Sie mir bitte Ihre Zählernummer und das Geburtsdatum nennen?", CUSTOMER, "de") == 0.0
    assert exploring("What's your date of birth?", CUSTOMER, "en") == 0.0
    assert exploring("What's the best number to call you back on this afternoon?", CUSTOMER, "en") == 0.0
    assert exploring("What's your account number, so I can stop the letters about the supermarket?",
                     CUSTOMER, "en") == 1.0  # asks for a number, and about their situation


def test_the_code_bounds_a_level_only_for_reaction_and_exploring():
    assert bounds("reaction", 0.5, [0, 1, 2]) == (0, 1)
    assert bounds("reaction", 1.0, [0, 1, 2]) == (1, 2)
    assert bounds("exploring", 0.5, [0, 1, 2]) == (0, 1)
    assert bounds("exploring", 0.75, [0, 1, 2]) == (1, 2)  # closed but specific: the reading decides
    assert bounds("exploring", 1.0, [0, 1, 2]) == (2, 2)  # specific and open
    assert bounds("exploring", 0.0, [0, 1, 2]) == (0, 0)  # process data only
    assert bounds("understanding", 0.0, [0, 1, 2]) == (0, 2)
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
