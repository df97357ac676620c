"""The database schema, as an append-only list of sqlite-utils migrations.

Never edit an applied migration: add `mNNN_verb_noun` at the end instead.
"""

from __future__ import annotations

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

migrations = Migrations("empathy_sim")


@migrations()
def m001_create_sessions(db: Database) -> None:
    db["sessions"].create(
        {
            "id": str,
            "trainee": str,
            "scenario_id": str,
            "scenario_version": int,
            "scenario_hash": str,
            "rubric_id": str,
            "rubric_hash": str,
            "language": str,
            "mode": str,
            "status": str,  # active | finished
            "outcome": str,  # resolved | abandoned | turn_limit | ended
            "customer_model": str,
            "judge_model": str,
            "started_at": str,
            "ended_at": str,
        },
        pk="id",
        not_null={"trainee", "scenario_id", "scenario_hash", "rubric_id", "status", "started_at"},
    )
    db["sessions"].create_index(["trainee", "started_at"])


@migrations()
def m002_create_turns(db: Database) -> None:
    db["turns"].create(
        {
            "id": int,
            "session_id": str,
            "idx": int,  # 0 is the customer's opening; trainee replies start at 1
            "trainee_text": str,
            "customer_text": str,
            # pending (reply stored, no customer message yet) | complete | incomplete
            # (stream cut off) | fallback (a scenario line replaced a failed generation)
            "customer_status": str,
            "anger": int,
            "anxiety": int,
            "trust": int,
            "guard_events": str,  # JSON list
            "customer_model": str,
            "customer_prompt_hash": str,
            "customer_prompt_tokens": int,
            "customer_completion_tokens": int,
            "tokens_counted_by": str,
            "first_token_ms": float,
            "created_at": str,
            "updated_at": str,
        },
        pk="id",
        foreign_keys=[("session_id", "sessions", "id")],
        not_null={"session_id", "idx", "customer_status", "created_at"},
    )
    # One turn per index: a double submit cannot create two.
    db["turns"].create_index(["session_id", "idx"], unique=True)


@migrations()
def m003_create_verdicts(db: Database) -> None:
    db["verdicts"].create(
        {
            "id": int,
            "turn_id": int,
            "session_id": str,
            "status": str,  # scored | unscored
            "reason": str,
            "score": float,
            "tip": str,
            "better_reply": str,
            "rubric_id": str,
            "rubric_hash": str,
            "prompt_hash": str,
            "model": str,
            "prompt_tokens": int,
            "completion_tokens": int,
            "seconds": float,
            "created_at": str,
        },
        pk="id",
        foreign_keys=[("turn_id", "turns", "id"), ("session_id", "sessions", "id")],
        not_null={"turn_id", "session_id", "status", "rubric_id", "model", "created_at"},
    )
    db["verdicts"].create_index(["turn_id"])
    db["verdicts"].create_index(["status"])
    db["criterion_levels"].create(
        {
            "id": int,
            "verdict_id": int,
            "criterion": str,
            "level": int,  # NULL when this criterion is unscored
            "max_level": int,
            "confidence": float,
            "status": str,
            "reason": str,
            "rationale": str,
            "evidence": str,  # JSON list of quotes found verbatim in the reply
        },
        pk="id",
        foreign_keys=[("verdict_id", "verdicts", "id")],
        not_null={"verdict_id", "criterion", "max_level", "status"},
    )
    db["criterion_levels"].create_index(["verdict_id"])


@migrations()
def m004_add_verdict_review(db: Database) -> None:
    # Deterministic signals computed in code (questions, cliches, repetition, length,
    # text addressed to the grader) and the "needs human review" flag with its reasons.
    db["verdicts"].add_column("signals", str)
    db["verdicts"].add_column("needs_review", int)
    db["verdicts"].add_column("review_reasons", str)


@migrations()
def m005_create_labels(db: Database) -> None:
    # Trainers' own levels for a graded reply. The newest label per turn and criterion is
    # the score of record; the judge's level stays stored next to it.
    db["labels"].create(
        {
            "id": int,
            "turn_id": int,
            "verdict_id": int,
            "rubric_id": str,
            "criterion": str,
            "level": int,
            "labeller": str,
            "note": str,
            "created_at": str,
        },
        pk="id",
        foreign_keys=[("turn_id", "turns", "id"), ("verdict_id", "verdicts", "id")],
        not_null={"turn_id", "rubric_id", "criterion", "level", "labeller", "created_at"},
    )
    db["labels"].create_index(["turn_id", "criterion"])


@migrations()
def m006_add_turn_facts(db: Database) -> None:
    # Hidden facts this reply earned (JSON list of ids) and how the check went (phrases
    # matched in code, the model's answers, or why the model check failed).
    db["turns"].add_column("facts_earned", str)
    db["turns"].add_column("fact_check", str)


@migrations()
def m007_create_content_versions(db: Database) -> None:
    # Every version of a scenario or rubric that a trainer saved, imported, or that a
    # session used (a snapshot of the seed file): old sessions are always read with the
    # exact content they were played and graded with. `data` is the validated model as
    # JSON (what the app loads); `yaml` the text as written (what an export gives back).
    db["content_versions"].create(
        {
            "id": int,
            "kind": str,  # scenario | rubric
            "content_id": str,
            "version": int,
            "content_hash": str,
            "data": str,
            "yaml": str,
            "origin": str,  # seed | studio | import | draft
            "author": str,
            "note": str,
            "created_at": str,
        },
        pk="id",
        not_null={"kind", "content_id", "version", "content_hash", "data", "origin", "created_at"},
    )
    db["content_versions"].create_index(["kind", "content_id", "content_hash"], unique=True)
    db["content_versions"].create_index(["kind", "content_id", "version"])
    # Archived ids leave the pickers; their versions stay for the sessions that used them.
    db["content_state"].create(
        {"kind": str, "content_id": str, "archived": int, "updated_at": str},
        pk=("kind", "content_id"),
    )
    # A trial run of a draft is kept, marked, and left out of every HR figure.
    db["sessions"].add_column("trial", int)


@migrations()
def m008_create_assignments(db: Database) -> None:
    # A scenario assigned to a person or a team, with a due date and a mode. Sessions
    # started from an assignment point back to it, so completion is counted, not guessed.
    db["assignments"].create(
        {
            "id": int,
            "scenario_id": str,
            "assignee_kind": str,  # person | team
            "assignee": str,
            "due": str,  # ISO date
            "mode": str,  # practice | assessment
            "note": str,
            "created_by": str,
            "created_at": str,
            "archived": int,
        },
        pk="id",
        not_null={"scenario_id", "assignee_kind", "assignee", "mode", "created_at"},
    )
    db["team_members"].create({"team": str, "member": str, "added_at": str}, pk=("team", "member"))
    db["sessions"].add_column("assignment_id", int)


@migrations()
def m009_create_audit_log(db: Database) -> None:
    # Who did what with the data, and when: every HR export is recorded with its filter,
    # format, file name and how many rows left the building. Entries are only added.
    db["audit_log"].create(
        {
            "id": int,
            "at": str,
            "actor": str,
            "action": str,  # export
            "detail": str,  # JSON object
            "rows": int,
        },
        pk="id",
        not_null={"at", "actor", "action"},
    )
    db["audit_log"].create_index(["at"])


@migrations()
def m010_create_users(db: Database) -> None:
    # Local accounts: Argon2id hashes only, roles as a JSON list, the failed sign-ins
    # that lock an account for a while. Team members become user names, with a role in
    # the team: member (trains) or trainer (sees the members' sessions, assigns work).
    db["users"].create(
        {
            "id": int,
            "username": str,
            "display_name": str,
            "password_hash": str,
            "roles": str,
            "language": str,
            "failed_logins": int,
            "locked_until": str,
            "last_login": str,
            "created_at": str,
        },
        pk="id",
        not_null={"username", "password_hash", "roles", "created_at"},
    )
    db["users"].create_index(["username"], unique=True)
    db["team_members"].add_column("role", str)


@migrations()
def m011_create_llm_calls(db: Database) -> None:
    # One row per model call: who asked (role), which model spec, tokens in and out and
    # how they were counted ("server", or how estimated), timings, and the estimated cost
    # from the price table at the time (NULL for unpriced models: never a made-up cost).
    # Written as SQL for ON DELETE CASCADE: erasing or expiring a session (store.privacy)
    # removes its calls too. session_id is NULL for calls outside a session (drafting).
    db.execute(
        """
        CREATE TABLE [llm_calls] (
            [id] INTEGER PRIMARY KEY,
            [session_id] TEXT REFERENCES [sessions]([id]) ON DELETE CASCADE,
            [turn_id] INTEGER REFERENCES [turns]([id]) ON DELETE CASCADE,
            [role] TEXT NOT NULL,  -- customer | judge | fact_check | feedback | coach | draft | ...
            [model] TEXT NOT NULL,  -- the spec, e.g. openai:gpt-4o-mini, embedded:default, scripted
            [prompt_tokens] INTEGER,
            [completion_tokens] INTEGER,
            [counted_by] TEXT,
            [seconds] FLOAT,
            [first_token_ms] FLOAT,
            [cached_tokens] INTEGER,
            [cost_usd] FLOAT,
            [created_at] TEXT NOT NULL
        )
        """
    )
    db["llm_calls"].create_index(["session_id"])
    db["llm_calls"].create_index(["turn_id"])


@migrations()
def m012_create_grading(db: Database) -> None:
    # The replies being graded right now and by which process (store/grading.py): a page
    # must not call a reply "unscored" while its verdict is on its way, and `regrade` must
    # not grade it twice. A row lives from the moment the grading is queued until its
    # verdict is stored; `beat_at` is refreshed by the owning process while it lives.
    db.execute(
        """
        CREATE TABLE [grading] (
            [turn_id] INTEGER PRIMARY KEY REFERENCES [turns]([id]) ON DELETE CASCADE,
            [session_id] TEXT NOT NULL REFERENCES [sessions]([id]) ON DELETE CASCADE,
            [worker] TEXT NOT NULL,  -- the owning process's token
            [queued_at] TEXT NOT NULL,
            [beat_at] TEXT NOT NULL
        )
        """
    )
    db["grading"].create_index(["session_id"])


@migrations()
def m013_create_judge_fits(db: Database) -> None:
    # The judge's fitted level thresholds (judge/fit.py), one row per `calibrate --fit`.
    # A fit belongs to one rubric content, judge model and levels prompt; the newest
    # matching row is the one every grade uses. Old rows stay: they tell how a past
    # verdict was decided.
    db["judge_fits"].create(
        {
            "id": int,
            "rubric_id": str,
            "rubric_version": int,
            "rubric_hash": str,
            "model": str,
            "prompt_version": str,
            "created_at": str,
            "fit": str,  # LevelFit as JSON
        },
        pk="id",
        not_null={"rubric_id", "rubric_hash", "model", "prompt_version", "created_at", "fit"},
    )
    db["judge_fits"].create_index(["rubric_id", "model", "created_at"])


@migrations()
def m014_add_level_readings(db: Database) -> None:
    # How each level was read (judge/levels.py): from the model's probabilities, a
    # constrained answer or a rule in code, with the distribution; and per verdict the fit
    # it was decided with, the stock sentences found, and whether the written feedback
    # (stored after the levels) has arrived.
    db["criterion_levels"].add_column("method", str)
    db["criterion_levels"].add_column("expected", float)
    db["criterion_levels"].add_column("probs", str)  # JSON: level -> probability
    db["criterion_levels"].add_column("signal", float)
    db["verdicts"].add_column("method", str)
    db["verdicts"].add_column("fit", str)  # JSON FitSummary
    db["verdicts"].add_column("stock", str)  # JSON list of sentences
    db["verdicts"].add_column("feedback_state", str)


@migrations()
def m015_add_customer_plan(db: Database) -> None:
    # What each customer message was asked to do (roleplay/plan.py: the trainee's move,
    # the beat, the question, the facts to tell) and who wrote it: the model, the
    # scenario's authored lines, or a fallback line.
    db["turns"].add_column("customer_plan", str)  # JSON Plan
    db["turns"].add_column("customer_source", str)


@migrations()
def m016_add_mood_step(db: Database) -> None:
    # Which step of the turn last set its mood: "opening" (the scenario's first mood),
    # "reaction" (the reply read in code, stored with the customer's message) or
    # "verdict" (moved again by the judge's levels). Each step writes the mood once.
    db["turns"].add_column("mood_step", str)
    db.execute("update turns set mood_step = 'opening' where idx = 0 and anger is not null")
    db.execute("""update turns set mood_step = case when exists (select 1 from verdicts v where v.turn_id = turns.id)
                  then 'verdict' else 'reaction' end where idx > 0 and anger is not null""")


@migrations()
def m017_create_recordings(db: Database) -> None:
    # A spoken reply (voice scenarios): the trainee's recording as 16 kHz mono WAV, what the
    # recogniser heard before the trainee corrected it (the corrected text is the turn's
    # trainee_text, which is what is graded), and the voice signals computed from both.
    # Erased with the person, like the turn it belongs to.
    db["recordings"].create(
        {
            "turn_id": int,
            "session_id": str,
            "audio": bytes,
            "raw_transcript": str,
            "engine": str,
            "signals": str,  # JSON VoiceSignals
            "created_at": str,
        },
        pk="turn_id",
        foreign_keys=[("turn_id", "turns", "id"), ("session_id", "sessions", "id")],
        not_null={"session_id", "audio", "created_at"},
    )
    db["recordings"].create_index(["session_id"])


@migrations()
def m018_add_stock_share(db: Database) -> None:
    # The share of a reply's words in stock sentences (judge/stock.py): with the sentences
    # it tells which stock cap held the levels (judge/caps.py). Verdicts stored before it
    # read 0.
    db["verdicts"].add_column("stock_share", float, not_null_default=0.0)


def apply(db: Database) -> None:
    migrations.apply(db)
