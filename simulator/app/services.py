"""The core services, built once per process, and the errors that stop the app.

Models and the content library are loaded once (`st.cache_resource`) and shared by every
browser session. The cache key is the settings themselves, so a changed environment (or a
test with its own database) gets its own services. A failure is not cached: after the
cause is fixed, a reload tries again.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from simulator.app.text import N_, _
from simulator.config import Settings, load_settings
from simulator.content.library import default_content_dirs, load_library
from simulator.content.loader import ContentProblem
from simulator.llm.base import LLMError
from simulator.llm.registry import SpecError
from simulator.session import Services
from simulator.store.database import StoreError

MODEL_HELP = N_(
    "Set EMPATHY_SIM_CUSTOMER_MODEL and EMPATHY_SIM_JUDGE_MODEL to a working backend "
    "(e.g. `embedded`, `openai:gpt-4o-mini`, `openai-compatible:<model>@<url>`; "
    "`scripted` for a demo without a model), then reload the page."
)


# The spinner is drawn by get_services (in the user's language); st.spinner only shows
# after half a second, so a cached call shows nothing.
@st.cache_resource(show_spinner=False)
def _build(settings_json: str, scenario_dir: str, rubric_dir: str) -> tuple[Services, list[ContentProblem]]:
    library, problems = load_library(Path(scenario_dir), Path(rubric_dir))
    settings = Settings.model_validate_json(settings_json)
    if settings.retention_days:
        from simulator.store.privacy import apply_retention
        from simulator.store.repository import Store

        apply_retention(Store(settings.db).db, settings.retention_days)
    # The library already leaves out content that failed to load; the rest is safe to use,
    # so problems are shown to the trainer instead of stopping every trainee.
    return Services.from_settings(settings, library=library), problems


def get_services() -> Services:
    """The shared services; on failure an error that says what to do, and the page stops."""
    try:
        settings = load_settings()
    except ValueError as exc:  # a bad config file or a bad value in the environment
        _stop(_("The settings cannot be read."), f"{exc}")
    scenario_dir, rubric_dir = default_content_dirs()
    try:
        with st.spinner(_("Loading models and scenarios…")):
            services, problems = _build(settings.model_dump_json(), str(scenario_dir), str(rubric_dir))
    except StoreError as exc:
        _stop(_("The database cannot be opened."), str(exc))
    except SpecError as exc:
        _stop(_("A model setting is not valid."), f"{exc}")
    except LLMError as exc:  # ModelUnavailable included
        _stop(_("A model backend is not available."), f"{exc}\n\n{_(MODEL_HELP)}")
    if problems:
        _content_problems(problems)
    if not services.library.scenarios:
        _stop(
            _("No scenario can be used."),
            _("Add scenario YAML files to {folder} (or point EMPATHY_SIM_SCENARIOS at a folder), "
              "check them with `empathy-sim validate`, then reload the page.").format(folder=scenario_dir),
        )
    return services


def _content_problems(problems: list[ContentProblem]) -> None:
    st.error(
        _("The content library has {n} problem(s); the affected scenarios or rubrics "
          "are left out. A trainer should fix the files below (`empathy-sim validate` lists them) "
          "and reload the page.").format(n=len(problems)),
        icon=":material/error:",
    )
    with st.expander(_("Content problems")):
        st.text("\n".join(str(p) for p in problems))


def _stop(headline: str, detail: str) -> None:
    st.error(f"**{headline}**", icon=":material/error:")
    st.text(detail)
    st.stop()
