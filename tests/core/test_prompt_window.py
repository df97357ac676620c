"""The customer's prompt stops growing with the session, and its start stays put between
folds so the model's KV cache keeps serving it."""

from simulator.roleplay import prompt as prompts
from simulator.roleplay.mood import MoodState

MOOD = MoodState(anger=5, anxiety=5, trust=5)


def conversation(lines: int) -> list[tuple[str, str]]:
    return [("customer" if i % 2 == 0 else "agent", f"Message number {i} about the frozen card and the fee.")
            for i in range(lines)]


def user_prompt(scenario, lines: int) -> str:
    return prompts.customer_messages(scenario, conversation(lines), MOOD)[1].content


def test_short_conversations_are_verbatim(scenario):
    text = user_prompt(scenario, prompts.WINDOW_LINES)
    assert "in brief" not in text and "Message number 0 " in text


def test_the_prompt_is_bounded_however_long_the_session(scenario):
    sizes = [len(user_prompt(scenario, n)) for n in range(1, 121)]
    assert max(sizes[40:]) <= max(sizes[:40]) * 1.1  # 120 lines cost no more than 40
    assert "Message number 119 " in user_prompt(scenario, 120)  # the newest line is verbatim
    assert "earlier messages left out" in user_prompt(scenario, 120)


def test_the_start_of_the_prompt_changes_only_when_a_block_folds(scenario):
    changes = 0
    for n in range(prompts.WINDOW_LINES + 1, 80):
        before, after = user_prompt(scenario, n), user_prompt(scenario, n + 1)
        cut = before.index("The conversation so far:")
        if not after.startswith(before[: cut + 60]):
            changes += 1
    assert changes <= (80 - prompts.WINDOW_LINES) // prompts.FOLD_BLOCK + 1


def test_a_warm_up_folds_for_the_reply_to_come_so_the_real_prompt_starts_like_it(scenario):
    for n in range(prompts.WINDOW_LINES - 2, 60):
        warm = prompts.customer_messages(scenario, conversation(n), MOOD, coming=1)[1].content
        real = user_prompt(scenario, n + 1)
        read = warm[: warm.index("\n\nYour mood now:")]  # the transcript up to the customer's last line
        assert real.startswith(read), n
