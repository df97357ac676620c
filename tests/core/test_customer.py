from simulator.llm.base import LLMError, ModelUnavailable
from simulator.llm.scripted import ScriptedModel
from simulator.roleplay.customer import CustomerStream
from simulator.roleplay.guards import first_hit
from simulator.roleplay.mood import MoodState

MOOD = MoodState(anger=6, anxiety=4, trust=4)
TRANSCRIPT = [("customer", "My card was declined."), ("agent", "I am sorry to hear that.")]


def run(model, scenario):
    stream = CustomerStream(model, scenario, TRANSCRIPT, MOOD, turn_index=1)
    shown = "".join(stream)
    return shown, stream.message


def test_in_character_message_streams_whole(scenario):
    text = "Sorry is not enough. I was standing at the till with a full trolley and everyone stared at me."
    shown, message = run(ScriptedModel([text]), scenario)
    assert shown == text == message.text
    assert message.status == "complete" and message.guard_events == []


def test_own_speaker_label_is_dropped(scenario):
    shown, message = run(ScriptedModel(["Sam Doe: Just tell me why it happened."]), scenario)
    assert message.text == "Just tell me why it happened." and shown == message.text


def test_quotation_marks_around_the_whole_message_are_dropped(scenario):
    # Seen on the page (frozen-account-en, embedded model): a whole message in quotation marks.
    text = '"Sorry is not enough. I was standing at the till with a full trolley and everyone stared at me."'
    shown, message = run(ScriptedModel([text]), scenario)
    assert message.text == text[1:-1] and shown == message.text


def test_a_quote_inside_the_message_keeps_its_marks(scenario):
    text = 'Your letter said "under review" and nothing else. What does that even mean for my salary?'
    shown, message = run(ScriptedModel([text]), scenario)
    assert message.text == text and shown == text


def test_the_customer_spoken_to_by_their_own_first_name_is_the_agents_voice(scenario):
    # Seen on the page (frozen-account-en, embedded model): "Oh no, Dana! This is so frustrating."
    first = scenario.persona.name.split()[0]
    model = ScriptedModel([f"Oh no, {first}! This is so frustrating.", "Fix my card, that is how."])
    shown, message = run(model, scenario)
    assert message.text == "Fix my card, that is how."
    assert [e["kind"] for e in message.guard_events] == ["narration"]
    shown, message = run(ScriptedModel([f"My name is {first}, and I want my card back today."]), scenario)
    assert message.guard_events == []  # saying one's own name is the customer's


def test_agent_voice_at_the_start_is_regenerated(scenario):
    model = ScriptedModel(["How can I help you today?", "Fix my card, that is how."])
    shown, message = run(model, scenario)
    assert message.text == "Fix my card, that is how."
    assert [e["kind"] for e in message.guard_events] == ["agent_voice"]
    assert len(model.requests) == 2


def test_agent_voice_later_is_cut_before_anyone_sees_it(scenario):
    text = "I want my money back today. Is there anything else I can do for you?"
    shown, message = run(ScriptedModel([text]), scenario)
    assert message.text == "I want my money back today." and shown == message.text
    assert message.guard_events[0]["kind"] == "agent_voice"


def test_after_bounded_retries_a_scenario_line_stands_in(scenario):
    model = ScriptedModel(["As an AI I cannot"] * 3)
    shown, message = run(model, scenario)
    assert message.status == "fallback"
    assert message.text in scenario.persona.voice_samples[MOOD.label]
    assert len(model.requests) == 3


def test_unavailable_model_fails_at_once_without_inventing_a_line(scenario):
    # The backend has retried already; a prepared line would hide the broken model.
    model = ScriptedModel([ModelUnavailable("no server")])
    shown, message = run(model, scenario)
    assert message.status == "failed" and message.text == "" and shown == ""
    assert len(model.requests) == 1


def test_a_model_error_fails_at_once(scenario):
    model = ScriptedModel([LLMError("HTTP 500")])
    shown, message = run(model, scenario)
    assert message.status == "failed" and len(model.requests) == 1
    assert message.guard_events[0]["kind"] == "model_error"


def test_empty_answers_fail_after_bounded_attempts(scenario):
    model = ScriptedModel(["", "  ", ""])
    shown, message = run(model, scenario)
    assert message.status == "failed" and len(model.requests) == 3


def test_a_guard_hit_then_an_error_still_gets_the_prepared_line(scenario):
    # The model works but keeps leaving its role: a scenario line is better than nothing.
    model = ScriptedModel(["As an AI I cannot", LLMError("HTTP 500")])
    shown, message = run(model, scenario)
    assert message.status == "fallback"


def test_stream_cut_off_keeps_what_was_shown_as_incomplete(scenario):
    long_text = "I have been a customer for twenty years and never once had a problem like this one, "

    def broken(request):
        return long_text * 2

    class Breaking(ScriptedModel):
        def _execute(self, request):
            for i, delta in enumerate(super()._execute(request)):
                if i == 25:
                    raise LLMError("connection reset")
                yield delta

    shown, message = run(Breaking([broken]), scenario)
    assert message.status == "incomplete"
    assert message.text and long_text.startswith(message.text[:40])


def test_guards_know_german_agent_phrases():
    assert first_hit("Vielen Dank für Ihre Geduld, ich helfe Ihnen gern.").kind == "agent_voice"
    assert first_hit("Ich bin eine KI.").kind == "ai_voice"
    assert first_hit("Das ist doch nicht zu fassen!") is None


def test_guards_know_german_refusals_and_service_apologies():
    # The embedded model wrote the first one as the customer of kartenterminal-de.
    assert first_hit("Es tut mir leid, aber ich kann Ihnen nicht helfen.").kind == "ai_voice"
    assert first_hit("Wir bedauern die Unannehmlichkeiten.").kind == "agent_voice"
    assert first_hit("Ich bin gerne für Sie da.").kind == "agent_voice"
    # The customer's own words stay: not knowing something, quoting the company back.
    assert first_hit("Da kann ich Ihnen nicht helfen, die Nummer hab ich nicht.") is None
    assert first_hit("Und Sie bedauern die Unannehmlichkeiten, ja klar.") is None
    assert first_hit("„Wir bedauern die Unannehmlichkeiten“ - schon wieder dieser Satz!") is None


def test_wrong_language_is_regenerated(scenario):
    model = ScriptedModel(["Ich habe das Geld nicht und ich weiß nicht, was ich tun soll.", "I just want my card back."])
    shown, message = run(model, scenario)
    assert message.text == "I just want my card back."
    assert message.guard_events[0]["kind"] == "wrong_language"


def test_echoing_the_agent_is_regenerated(scenario):
    model = ScriptedModel(["So the account will stay frozen until the fraud team calls back.", "Sorry does not pay my rent."])
    stream = CustomerStream(model, scenario, [("agent", "The account will stay frozen until the fraud team calls back.")],
                            MOOD, turn_index=1)
    "".join(stream)
    assert stream.message.text == "Sorry does not pay my rent."
    assert [e["kind"] for e in stream.message.guard_events] == ["agent_echo"]


def test_an_echo_after_the_held_back_start_is_cut_where_it_starts(scenario):
    # Seen in frozen-account-en: the echo came after the first 48 characters had been shown.
    agent = "Can I take your account number and date of birth, please?"
    text = "My rent is due on Friday and I still cannot pay it. Fine, you need the account number and date of birth then."
    stream = CustomerStream(ScriptedModel([text]), scenario, [("agent", agent)], MOOD, turn_index=1)
    shown = "".join(stream)
    assert shown == stream.message.text == "My rent is due on Friday and I still cannot pay it."
    assert [e["kind"] for e in stream.message.guard_events] == ["agent_echo"]


def test_a_late_echo_that_began_in_the_shown_text_is_not_cut_mid_sentence(scenario):
    agent = "Can I take your account number and date of birth, please?"
    text = "I'm sorry, but as a customer, I need to know the account number and date of birth to proceed."
    stream = CustomerStream(ScriptedModel([text]), scenario, [("agent", agent)], MOOD, turn_index=1)
    assert "".join(stream) == text  # no full sentence to end at: left whole rather than broken


def test_the_customers_own_things_called_the_agents_swap_the_roles(scenario):
    from simulator.roleplay.guards import owned, owner_reversed_hit

    own = owned("Why is my account frozen?? My salary went in yesterday. Mein Konto ist gesperrt.")
    assert own == {"account", "salary", "konto"}
    assert owner_reversed_hit("How about we talk about your account and what you need to do?", own).kind == "agent_voice"
    assert owner_reversed_hit("Dann schauen wir uns Ihr Konto an.", own).match == "Ihr Konto"
    assert owner_reversed_hit("Your bank froze my account.", own) is None
    assert owner_reversed_hit("Meine Tochter hat ihr Konto auch verloren.", own) is None  # "her" account
    model = ScriptedModel(["Oh no. How about we talk about your account and what you need to do?",
                           "I don't need a chat, I need my money."])
    stream = CustomerStream(model, scenario.model_copy(update={"opening": "My account is frozen."}),
                            [("agent", "That sounds stressful.")], MOOD, turn_index=1)
    assert "".join(stream) == "I don't need a chat, I need my money."


def test_a_message_that_only_asks_the_agents_question_back_is_regenerated(scenario):
    agent = "That sounds stressful. What does the card machine show right now?"
    model = ScriptedModel(["What does the card machine show?", "What does the card machine show right now?",
                           "What does it show? It says connection error, that is all."])
    stream = CustomerStream(model, scenario, [("agent", agent)], MOOD, turn_index=1)
    "".join(stream)
    # Asked back and nothing else: twice; repeated, then answered: the customer's.
    assert stream.message.text == "What does it show? It says connection error, that is all."
    assert [e["kind"] for e in stream.message.guard_events] == ["agent_echo", "agent_echo"]


def test_agent_style_questions_are_caught():
    assert first_hit("I understand that you're feeling anxious. Could you please let me know when?").kind == "agent_voice"
    assert first_hit("Ich verstehe, dass Sie sich Sorgen machen.").kind == "agent_voice"
    assert first_hit("I don't understand why you froze it.") is None


def test_an_early_goodbye_is_cut_unless_the_customer_is_relieved(scenario):
    from simulator.llm.scripted import ScriptedModel
    from simulator.roleplay.customer import CustomerStream
    from simulator.roleplay.mood import MoodState

    text = "Fine, whatever you say. Goodbye."
    angry = CustomerStream(ScriptedModel([text]), scenario, [("agent", "Hi")], MoodState(anger=7, anxiety=3, trust=2), 1)
    assert "".join(angry) == "Fine, whatever you say."
    assert [e["kind"] for e in angry.message.guard_events] == ["early_goodbye"]
    relieved = CustomerStream(ScriptedModel([text]), scenario, [("agent", "Hi")], MoodState(anger=0, anxiety=1, trust=9), 1)
    assert "".join(relieved) == text and relieved.message.guard_events == []


def test_a_message_longer_than_the_channel_allows_is_cut_at_a_sentence(scenario):
    from simulator.llm.scripted import ScriptedModel
    from simulator.roleplay.customer import CustomerStream
    from simulator.roleplay.mood import MoodState
    from simulator.roleplay.prompt import MAX_CHARS

    long = "I waited all day for this. " * 30
    stream = CustomerStream(ScriptedModel([long]), scenario, [("agent", "Hi")], MoodState(anger=5, anxiety=5, trust=5), 1)
    shown = "".join(stream)
    assert len(shown) <= MAX_CHARS["chat"] and shown.endswith(".")
    assert stream.message.guard_events[0]["kind"] == "too_long"


def test_an_angry_customer_who_asks_for_a_manager_abandons(scenario):
    from simulator.roleplay.mood import MoodState, outcome

    furious = MoodState(anger=8, anxiety=5, trust=2)
    assert outcome(furious, scenario, 1, set(), "That's it. Put me through to your manager.") is None
    assert outcome(furious, scenario, 1, set(), "I want to speak to a manager, now.") == "abandoned"
    assert outcome(furious, scenario, 1, set(), "Ich will Ihren Vorgesetzten sprechen.") == "abandoned"
    calmer = MoodState(anger=4, anxiety=5, trust=4)
    assert outcome(calmer, scenario, 1, set(), "Or do I need to speak to a manager?") is None


def test_a_customer_at_the_end_of_their_tether_may_give_up(scenario):
    from simulator.llm.scripted import ScriptedModel
    from simulator.roleplay.customer import CustomerStream
    from simulator.roleplay.mood import MoodState

    text = "Forget it. I'm done here. Goodbye."
    stream = CustomerStream(ScriptedModel([text]), scenario, [("agent", "Calm down.")], MoodState(anger=9, anxiety=5, trust=1), 1)
    assert "giving up" in stream.request.messages[-1].content
    assert "".join(stream) == text and stream.message.guard_events == []
