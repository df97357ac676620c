"""One training session: start, submit a reply, stream the customer, get the verdict, end.

Used by the Streamlit pages and by the CLI alike; never imports streamlit.

One turn, in order:
1. the trainee's reply is written to SQLite before any model call (nothing typed is lost);
2. the scenario's trigger phrases move the mood at once; the reply is checked against the
   hidden facts not yet earned (phrases in code, then one constrained yes/no call), since
   a fact earned now is told in this very message; the customer's next message streams
   with that mood; the judge grades the reply alongside (remote backends) or right
   after the customer (a local model that shares the CPU, so the trainee sees the customer
   first);
3. the verdict moves the mood again; the end conditions are checked; everything is stored
   with the versions (content hashes) of scenario, rubric, prompts and models.

Faults: a customer message that failed or was cut off is marked (`failed`, `incomplete`,
`interrupted`) and `TrainingSession.regenerate()` asks for it again; a judge failure is an
`unscored` verdict with the reason, which `regrade()` (and `empathy-sim regrade`) grades
again; a database that is locked or read-only raises `StoreError` with what to do, and
the page keeps the unsent text.

Where each part lives: `reply.py` (clean-up, limits, the errors a page shows),
`training.py` (TrainingSession: start, submit, regenerate, regrade, end), `steps.py` (the
steps of one turn in order, each a function of its TurnState: begin, check_facts,
customer_stream, store_customer, grade_levels, store_levels, write_feedback, settle),
`turn.py` (PendingTurn: which thread runs which step, and when), `state.py` (where a
stored turn stands, read by polling pages), `services.py` (storage, content, models and
their roles), `summary.py` (scores of record per session). Pages read turns through the
store's typed read model (`store/records.py`).
"""

from simulator.session.reply import (MAX_REPLY_CHARS, DuplicateReply, GradingBusy, ReplyRejected, SessionClosed,
                                     TurnBusy, check_reply, clean_reply)
from simulator.session.services import Services, call_role, shared_local_roles
from simulator.session.state import UNCLAIMED_GRACE_SECONDS, grade_state, needs_customer, progress
from simulator.session.summary import summarise
from simulator.session.training import TrainingSession
from simulator.session.turn import PendingTurn, TurnResult

__all__ = ["MAX_REPLY_CHARS", "UNCLAIMED_GRACE_SECONDS", "DuplicateReply", "GradingBusy", "PendingTurn",
           "ReplyRejected", "Services", "SessionClosed", "TrainingSession", "TurnBusy", "TurnResult", "call_role",
           "check_reply", "clean_reply", "grade_state", "needs_customer", "progress", "shared_local_roles", "summarise"]
