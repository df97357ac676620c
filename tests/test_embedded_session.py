"""A short session end to end on the real embedded model: customer and judge."""

import pytest

from simulator.content.library import default_content_dirs, load_library
from simulator.judge.grader import Judge
from simulator.llm.registry import get_model
from simulator.session import Services, TrainingSession
from simulator.store.repository import Store

pytestmark = pytest.mark.embedded

REPLY = (
    "I'm so sorry your card was refused at the till with people watching, that sounds awful. "
    "Can you tell me when you first noticed the account was frozen?"
)


def test_one_turn_on_the_embedded_model(tmp_path):
    library, problems = load_library(*default_content_dirs())
    model = get_model("embedded")
    services = Services(Store(tmp_path / "e2e.db"), library, model, Judge(model))
    assert not services.grade_alongside  # one local CPU: customer first, then the judge

    session = TrainingSession.start(services, "frozen-account-en", trainee="e2e")
    pending = session.submit(REPLY)
    deltas = list(pending.stream_customer())
    result = pending.result()

    assert result.customer.status in {"complete", "fallback"}
    assert result.customer.text and "".join(deltas).strip() == result.customer.text
    assert result.customer.model == "embedded:default"
    assert result.customer.prompt_tokens > 100
    # A stream a guard stopped early ends without the server's usage chunk: its tokens
    # are counted with the model's tokenizer instead (and the guard event says why).
    assert result.customer.counted_by == "server" or (
        result.customer.guard_events and result.customer.counted_by.startswith("tokenizer:"))
    verdict = result.verdict
    assert verdict.model == "embedded:default"
    if verdict.status == "scored":
        assert 0 <= verdict.score <= 100
        # a chat reply is graded on the chat criteria (email_structure is for e-mails only)
        assert set(verdict.criteria) == {c.id for c in library.rubric("empathy-core").for_channel("chat").criteria}
    else:  # allowed, but then with a reason and never a number
        assert verdict.reason and verdict.score is None
    stored = session.turns()[1]
    assert stored.trainee_text == REPLY
    # the hidden facts were checked before the customer answered (earned or not, never guessed)
    assert stored.fact_check is not None and stored.fact_check.error is None
    assert stored.verdict.status == verdict.status
    assert stored.customer_text == result.customer.text
