"""Spoken replies: the recording of a turn, what the recogniser heard, the voice signals."""

from __future__ import annotations

import json

from pydantic import BaseModel
from sqlite_utils import Database

from simulator.store.database import fetch_rows, insert_rows, now, write_transaction


class StoredRecording(BaseModel):
    """A turn's recording without its audio (the audio is read on its own: `audio_of`)."""

    turn_id: int
    raw_transcript: str
    engine: str
    signals: dict
    audio_bytes: int
    created_at: str


def save_recording(db: Database, turn_id: int, session_id: str, audio: bytes, raw_transcript: str,
                   engine: str, signals: dict) -> None:
    with write_transaction(db):
        insert_rows(db, "recordings", [{
            "turn_id": turn_id, "session_id": session_id, "audio": audio, "raw_transcript": raw_transcript,
            "engine": engine, "signals": json.dumps(signals), "created_at": now(),
        }])


def recordings_of(db: Database, session_id: str) -> dict[int, StoredRecording]:
    """turn id -> its recording, for the turns of one session that were spoken."""
    rows = fetch_rows(db, """select turn_id, raw_transcript, engine, signals, length(audio) as audio_bytes,
                                    created_at from recordings where session_id = ?""", [session_id])
    return {r["turn_id"]: StoredRecording(**{**r, "raw_transcript": r["raw_transcript"] or "",
                                             "signals": json.loads(r["signals"] or "{}")}) for r in rows}


def audio_of(db: Database, turn_id: int) -> bytes | None:
    found = db.execute("select audio from recordings where turn_id = ?", [turn_id]).fetchone()
    return found[0] if found else None
