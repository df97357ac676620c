"""Settings from environment variables and an optional TOML file.

Precedence: explicit arguments (CLI flags) > environment variables > the config file
(`EMPATHY_SIM_CONFIG`, else `empathy-sim.toml` in the working directory) > defaults.
"""

from __future__ import annotations

import os
import tomllib
import warnings
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from simulator.i18n import N_

#: The model settings: the customer, the judge (levels and feedback), and drafting (the
#: studio's "Draft from a brief"). The live coach is computed in code and has no model.
ROLES = ("customer", "judge", "drafting")

ENV = {
    "db": "EMPATHY_SIM_DB",
    "customer_model": "EMPATHY_SIM_CUSTOMER_MODEL",
    "judge_model": "EMPATHY_SIM_JUDGE_MODEL",
    "drafting_model": "EMPATHY_SIM_DRAFTING_MODEL",
    "judge_mode": "EMPATHY_SIM_JUDGE_MODE",
    "judge_samples": "EMPATHY_SIM_JUDGE_SAMPLES",
    "support_note": "EMPATHY_SIM_SUPPORT_NOTE",
    "retention_days": "EMPATHY_SIM_RETENTION_DAYS",
    "language": "EMPATHY_SIM_LANGUAGE",
    "prices": "EMPATHY_SIM_PRICES",
    "customer_mode": "EMPATHY_SIM_CUSTOMER_MODE",
    "stt": "EMPATHY_SIM_STT",
    "tts": "EMPATHY_SIM_TTS",
}
# Old names that still work, with a deprecation warning: the "coach" model only ever drafted
# scenarios in the studio (the live coach makes no model call).
DEPRECATED = {"coach_model": ("drafting_model", "EMPATHY_SIM_COACH_MODEL", "EMPATHY_SIM_DRAFTING_MODEL")}
#: How the customer's words are made where a scenario does not say (roleplay/plan.py);
#: chosen from the figures of bench/customer_coherence.py (README).
DEFAULT_CUSTOMER_MODE = "hybrid"
# Marked for translation: the debrief shows this default in the trainee's language (a
# note set in the configuration is shown as it was written).
DEFAULT_SUPPORT_NOTE = N_(
    "If this conversation stayed with you, take a short break and talk to your team lead or a "
    "colleague you trust. Your organisation's employee assistance or wellbeing service is there "
    "for you as well."
)


class Settings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    db: Path = Path("data/empathy-sim.db")
    customer_model: str = "embedded"
    judge_model: str = "embedded"
    # Drafts scenarios and rubrics from a brief in the studio (content/drafting.py).
    drafting_model: str = "embedded"
    # "per_criterion": one focused call per rubric criterion (what a weak model needs);
    # "joint": one call for all criteria (cheaper on strong models).
    judge_mode: Literal["per_criterion", "joint"] = "per_criterion"
    judge_samples: int = Field(default=1, ge=1, le=9)
    # Shown in the debrief after a distressing scenario: name your own support service here.
    support_note: str = DEFAULT_SUPPORT_NOTE
    # Practice sessions older than this many days are deleted when the app starts (and
    # by `empathy-sim privacy retention`); None keeps them.
    retention_days: int | None = Field(default=None, ge=1)
    # The interface language of the sign-in page and of accounts created from now on;
    # each person can change their own on the Account page.
    language: Literal["en", "de"] = "en"
    # A YAML price table whose entries replace or add to the bundled simulator/prices.yaml
    # (USD per 1M tokens), for the estimated cost of OpenAI calls; None: the bundled one.
    prices: Path | None = None
    # generated | authored | hybrid: the customer mode of scenarios that choose none.
    customer_mode: Literal["generated", "authored", "hybrid"] = DEFAULT_CUSTOMER_MODE
    # Speech in voice scenarios (simulator/voice/backends.py): embedded (offline: Whisper
    # base hears, espeak-ng speaks), off, openai:<model>, openai-compatible:<model>@<url>.
    stt: str = "embedded"
    tts: str = "embedded"

    @field_validator("language", mode="before")
    @classmethod
    def _language_code(cls, value):
        return value.strip().casefold() if isinstance(value, str) else value

    def model_spec(self, role: str) -> str:
        return getattr(self, f"{role}_model")


def config_file() -> Path | None:
    explicit = os.environ.get("EMPATHY_SIM_CONFIG")
    if explicit:
        return Path(explicit)
    local = Path("empathy-sim.toml")
    return local if local.exists() else None


def load_settings(**overrides) -> Settings:
    values: dict = {}
    path = config_file()
    if path is not None:
        try:
            values.update(tomllib.loads(path.read_text(encoding="utf-8")))
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise ValueError(f"Cannot read the config file {path}: {exc}. Fix it or unset EMPATHY_SIM_CONFIG.") from exc
    _renamed(values, from_file=True)
    for old, (new, old_var, new_var) in DEPRECATED.items():
        if os.environ.get(old_var) and not os.environ.get(new_var):
            warnings.warn(f"{old_var} is deprecated: use {new_var}.", DeprecationWarning, stacklevel=2)
            values[new] = os.environ[old_var]
    for key, var in ENV.items():
        if os.environ.get(var):
            values[key] = os.environ[var]
    given = {k: v for k, v in overrides.items() if v is not None}
    _renamed(given, from_file=False)
    values.update(given)
    return Settings.model_validate(values)


def _renamed(values: dict, from_file: bool) -> None:
    """Old keys moved to their new names (a new key given as well wins)."""
    for old, (new, *_) in DEPRECATED.items():
        if old in values:
            where = "in the config file " if from_file else ""
            warnings.warn(f"the setting {old!r} {where}is deprecated: use {new!r}.", DeprecationWarning, stacklevel=3)
            value = values.pop(old)
            values.setdefault(new, value)
