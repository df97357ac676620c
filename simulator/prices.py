"""Prices of hosted models, for the estimated cost of a model call.

The bundled table (`simulator/prices.yaml`) holds OpenAI's public list prices on the date
it names; an operator adds or replaces entries with a YAML file of the same shape named by
`EMPATHY_SIM_PRICES` (or `prices = "..."` in the config file). A cost is only ever computed
for a model the table names: `openai:<model>` by its model name, an
`openai-compatible:<model>@<base_url>` only when the table's `compatible` section names
it. Embedded, scripted and unknown models have no cost (None), never a made-up one.
"""

from __future__ import annotations

import os
from datetime import date
from functools import lru_cache
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, field_validator

BUNDLED = Path(__file__).resolve().parent / "prices.yaml"
PER = 1_000_000  # prices are USD per million tokens


class PriceTableError(ValueError):
    """A price table file cannot be used; the message names file, line and field."""


class ModelPrice(BaseModel):
    """USD per 1M tokens."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    input: float = Field(ge=0)
    cached_input: float | None = Field(default=None, ge=0)  # None: charged as input
    output: float = Field(ge=0)

    def cost(self, prompt_tokens: int, completion_tokens: int, cached_tokens: int = 0) -> float:
        cached = min(max(cached_tokens or 0, 0), max(prompt_tokens, 0))
        cached_rate = self.input if self.cached_input is None else self.cached_input
        return ((max(prompt_tokens, 0) - cached) * self.input + cached * cached_rate
                + max(completion_tokens, 0) * self.output) / PER


def _model_and_server(rest: str) -> tuple[str, str | None]:
    model, sep, base_url = rest.partition("@")
    return model.strip(), (base_url.strip().rstrip("/") if sep else None)


class PriceTable(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    source: str = ""
    as_of: date | None = None
    note: str = ""
    #: Model name of an `openai:<model>` spec -> price.
    openai: dict[str, ModelPrice] = Field(default_factory=dict)
    #: `<model>@<base_url>` (one server) or `<model>` (any server) of an
    #: `openai-compatible:` spec -> price. Empty unless the operator names a model.
    compatible: dict[str, ModelPrice] = Field(default_factory=dict)
    #: The override file merged over the bundled table, if any.
    override_file: str | None = None

    @field_validator("compatible")
    @classmethod
    def _no_trailing_slash(cls, value: dict[str, ModelPrice]) -> dict[str, ModelPrice]:
        return {"@".join(filter(None, _model_and_server(key))): price for key, price in value.items()}

    def price_for(self, spec: str) -> ModelPrice | None:
        kind, _, rest = (spec or "").strip().partition(":")
        if kind == "openai":
            return self.openai.get(rest.strip())
        if kind == "openai-compatible":
            model, server = _model_and_server(rest)
            exact = self.compatible.get(f"{model}@{server}") if server else None
            return exact or self.compatible.get(model)
        return None  # embedded, scripted, unknown: no cost

    def cost(self, spec: str, prompt_tokens: int, completion_tokens: int, cached_tokens: int = 0) -> float | None:
        """Estimated USD for one call, or None when the table has no price for `spec`."""
        price = self.price_for(spec)
        return None if price is None else price.cost(prompt_tokens, completion_tokens, cached_tokens)

    def merged(self, override: PriceTable, path: str) -> PriceTable:
        """This table with `override`'s entries added or replacing ours."""
        return self.model_copy(update={
            "source": override.source or self.source,
            "as_of": override.as_of or self.as_of,
            "note": override.note or self.note,
            "openai": {**self.openai, **override.openai},
            "compatible": {**self.compatible, **override.compatible},
            "override_file": path,
        })


def _read(path: Path) -> PriceTable:
    from simulator.content.loader import ContentError, load_with_lines

    try:
        return load_with_lines(path, PriceTable)[0]
    except ContentError as exc:
        raise PriceTableError(f"Cannot read the price table:\n{exc}\n"
                              "Fix it, or unset EMPATHY_SIM_PRICES (or `prices` in the config file).") from None


@lru_cache(maxsize=8)
def _load(path: str | None, _stamp: int | None) -> PriceTable:
    table = _read(BUNDLED)
    return table if path is None else table.merged(_read(Path(path)), path)


def load_prices(path: Path | str | None = None) -> PriceTable:
    """The bundled table, with the entries of the YAML file at `path` (if any) merged over
    it. Raises PriceTableError (file:line: field: message) when a file is broken."""
    if not path:
        return _load(None, None)
    try:
        stamp = os.stat(path).st_mtime_ns  # an edited file is read again
    except OSError:
        stamp = None  # _read reports the missing file
    return _load(str(path), stamp)


def configured_prices() -> PriceTable:
    """The table the configuration names (EMPATHY_SIM_PRICES or `prices` in the config file)."""
    from simulator.config import load_settings

    return load_prices(load_settings().prices)


def cost(spec: str, prompt_tokens: int, completion_tokens: int, cached_tokens: int = 0,
         table: PriceTable | None = None) -> float | None:
    """Estimated USD for one call of `spec`; None for embedded, scripted and unpriced models."""
    return (table or configured_prices()).cost(spec, prompt_tokens, completion_tokens, cached_tokens)
