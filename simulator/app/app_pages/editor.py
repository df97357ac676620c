"""Editor: a scenario or rubric as a form and as YAML, kept in sync; validated on every
change with the messages of `empathy-sim validate`; diff before saving; try a draft;
draft a scenario from a brief; check a rubric against its worked examples."""

import streamlit as st

from simulator.app import components, routes, state
from simulator.app.services import get_services
from simulator.app.text import N_, _
from simulator.catalog import ContentRejected
from simulator.content.drafting import draft_scenario
from simulator.content.editing import diff, parse, to_yaml
from simulator.content.forms import CAPS, form_to_rubric, parse_levels, form_to_scenario, rubric_to_form, scenario_to_form
from simulator.content.schema import MOOD_LABELS
from simulator.hashing import content_hash
from simulator.judge.calibration import FitRefused, example_items, fit_levels
from simulator.judge.fit import MIN_LABELS
from simulator.store.fits import fit_state, save_fit
from simulator.store.labels import gold_from_labels
from simulator.session import TrainingSession

services = get_services()
user = routes.guard("editor")
catalog = services.catalog
# Read once per run: every read checks the database for new content versions.
library = catalog.library()
st.title(_("Editor"))
# The persona fields of the scenario form, labelled.
VOICE_NAMES = {"": N_("engine default"), "female": N_("female"), "male": N_("male")}
PERSONA_FIELDS = {"background": N_("Background"), "situation": N_("Situation"),
                  "communication_style": N_("Communication style"), "vulnerability": N_("Vulnerability")}
# Column headings of the tables in the forms (the keys are the YAML fields they edit).
FACT_COLUMNS = {"id": N_("id"), "fact": N_("fact"), "earned_when": N_("earned_when"), "hint": N_("hint"),
                "phrases": N_("phrases"), "reveal_words": N_("reveal_words"), "tell": N_("tell")}
CUSTOMER_MODES = {"": N_("library default"), "generated": N_("generated: the model writes to the plan"),
                  "authored": N_("authored: your lines only, no model call"),
                  "hybrid": N_("hybrid: your lines for facts and mood turns, the model for the rest")}
# Beat -> (short label, what it is for: the text area's help).
BEAT_NAMES = {"threatened": (N_("threatened"), N_("threatened (after pressure or a threat)")),
              "unheard": (N_("unheard"), N_("unheard (after a brush-off or a script)")),
              "heard": (N_("heard"), N_("heard (after a named feeling or a concrete step)")),
              "pressing": (N_("pressing"), N_("pressing (nothing moved, the concern is open)")),
              "relieved": (N_("relieved"), N_("relieved (the problem is taken care of)"))}
TRIGGER_COLUMNS = {"kind": N_("kind"), "when": N_("when"), "phrases": N_("phrases")}
EXAMPLE_COLUMNS = {"level": N_("level"), "context": N_("context"), "reply": N_("reply"), "why": N_("why")}
TRIGGER_KINDS = {"escalate": N_("escalate"), "deescalate": N_("deescalate")}


def headings(columns: dict[str, str]) -> dict:
    """column_config that titles each column in the interface language (values keep their keys)."""
    return {key: st.column_config.Column(_(label)) for key, label in columns.items()}
message = state.take_flash()
if message:
    st.success(message, icon=":material/check_circle:")

kind, text, base = state.editor_document()


def apply_form(updated, problems: list[str]) -> None:
    """The form's document becomes the YAML, or its problems are shown and nothing changes."""
    if updated is None:
        st.error(_("The form has problems; nothing was changed:"), icon=":material/error:")
        st.text("\n".join(problems))
        return
    state.set_editor_yaml(to_yaml(updated))
    st.rerun()


def cap_fields(values: dict, criterion: dict, i: int) -> None:
    """The highest level code lets this criterion reach after stock phrases, a threat or a
    brush-off (judge/stock.py, judge/conduct.py)."""
    levels = sorted(parse_levels(criterion["levels"])) or [0]
    choices = [None, *levels]
    labels = {"stock_cap": _("Highest level of a mostly stock reply"),
              "stock_sentence_cap": _("Highest level of a reply with one stock sentence"),
              "threat_cap": _("Highest level of a threatening reply"),
              "dismissal_cap": _("Highest level of a reply that brushes off")}
    for column, cap in zip(st.columns(len(CAPS)), CAPS):
        current = criterion.get(cap)
        values[cap] = column.selectbox(labels[cap], choices, index=choices.index(current) if current in choices else 0,
                                       format_func=lambda v: _("no cap") if v is None else str(v), key=f"c{i}_{cap}")


def stock_phrase_fields(phrases: dict[str, str]) -> dict[str, str]:
    """The organisation's own stock phrases per language, added to the built-in bank."""
    st.markdown(_("**Your organisation's stock phrases**: a reply made mostly of these is held to each "
                  "criterion's cap, as the built-in ones are. One per line."))
    left, right = st.columns(2)
    return {"en": left.text_area(_("English"), phrases.get("en", ""), key="stock_en", height=120),
            "de": right.text_area(_("German"), phrases.get("de", ""), key="stock_de", height=120)}


def rubric_form(rubric, key: str) -> None:
    """Common rubric fields and each criterion with its levels and worked examples; adding
    or removing a criterion is done in the YAML tab."""
    form = rubric_to_form(rubric)
    with st.form(f"rubric_form_{key}"):
        values = dict(form)
        left, right = st.columns(2)
        values["id"] = left.text_input(_("Id"), form["id"])
        values["title"] = right.text_input(_("Title"), form["title"])
        a, b = st.columns(2)
        values["language"] = a.selectbox(_("Language of its text"), ["en", "de"],
                                         index=["en", "de"].index(form["language"]))
        values["grades"] = b.multiselect(_("Grades replies in"), ["en", "de"], form["grades"],
                                         placeholder=components.choose_prompt())
        values["description"] = st.text_area(_("Instructions to the judge"), form["description"], height=120)
        criteria = []
        for i, criterion in enumerate(form["criteria"]):
            with st.expander(_("{title} ({id}) · {n} worked examples").format(
                    title=components.escape_markdown(criterion["title"]),
                    id=components.escape_markdown(criterion["id"]), n=len(criterion["examples"]))):
                c = dict(criterion)
                x, y = st.columns([3, 1])
                c["title"] = x.text_input(_("Title"), criterion["title"], key=f"c{i}_title")
                c["weight"] = y.number_input(_("Weight"), 0.1, 1000.0, float(criterion["weight"]), key=f"c{i}_weight")
                c["description"] = st.text_area(_("What it means"), criterion["description"], key=f"c{i}_description")
                c["levels"] = st.text_area(_("Levels, one per line as `0: ...`"), criterion["levels"], height=150,
                                           key=f"c{i}_levels")
                c["coach_need"] = st.text_input(_("Coach: what the customer lacks when this is weak"),
                                                criterion["coach_need"], key=f"c{i}_need")
                c["coach_do"] = st.text_input(_("Coach: one thing to try"), criterion["coach_do"], key=f"c{i}_do")
                cap_fields(c, criterion, i)
                c["examples"] = st.data_editor(criterion["examples"], num_rows="dynamic", width="stretch",
                                               key=f"c{i}_examples", column_order=["level", "context", "reply", "why"],
                                               column_config=headings(EXAMPLE_COLUMNS))
                criteria.append(c)
        values["criteria"] = criteria
        values["stock_phrases"] = stock_phrase_fields(form["stock_phrases"])
        if st.form_submit_button(_("Apply the form"), type="primary", icon=":material/sync:"):
            apply_form(*form_to_rubric(values))


with st.expander(_("Start something new"), expanded=not text):
    new_scenario, new_rubric = st.columns(2)
    if new_scenario.button(_("Empty scenario from a template"), width="stretch"):
        template = library.scenarios.get("frozen-account-en") or next(iter(library.scenarios.values()))
        state.open_in_editor("scenario", to_yaml(template.model_copy(update={"id": "new-scenario", "version": 1,
                                                                              "title": _("New scenario")})), None)
        st.rerun()
    if new_rubric.button(_("Empty rubric from a template"), width="stretch"):
        template = library.rubrics.get("empathy-core") or next(iter(library.rubrics.values()))
        state.open_in_editor("rubric", to_yaml(template.model_copy(update={"id": "new-rubric", "version": 1,
                                                                            "title": _("New rubric")})), None)
        st.rerun()
    brief = st.text_area(_("Or describe a scenario in two or three sentences and let the model draft it"),
                         key=state.EDIT_BRIEF, max_chars=600,
                         placeholder=_("Customer whose direct debit bounced because of our error, angry, single "
                                       "parent, German."))
    if st.button(_("Draft from the brief"), icon=":material/auto_awesome:", disabled=not brief.strip()):
        with st.spinner(_("Drafting… (a minute or more on the embedded model)")):
            result = draft_scenario(services.drafting_model or services.customer_model, brief,
                                    library.rubrics, set(library.scenarios))
        if result.scenario is not None:
            state.open_in_editor("scenario", to_yaml(result.scenario), None)
            state.flash(_("Draft ready. It is not saved: read it, try it, then save it."))
            st.rerun()
        st.error(_("The draft did not pass validation, so nothing was put in the editor:"), icon=":material/error:")
        st.text("\n".join(result.problems))
        if result.raw:
            with st.expander(_("What the model wrote")):
                st.json(result.raw)

if not text:
    st.info(_("Open a scenario or rubric from the Library, start from a template, or draft one from a brief."))
    st.stop()

item, problems = parse(kind, text, source="editor")
if kind == "scenario":
    editing = _("Editing a scenario · based on {base}") if base else _("Editing a scenario · new")
else:
    editing = _("Editing a rubric · based on {base}") if base else _("Editing a rubric · new")
st.caption(editing.format(base=base[0]) if base else editing)

form_tab, yaml_tab = st.tabs([_("Form"), "YAML"])
with yaml_tab:
    st.text_area("YAML", key=state.EDIT_TEXT, height=520, on_change=state.take_editor_text,
                 help=_("Checked on every change, with the same messages as `empathy-sim validate`."))

with form_tab:
    if item is None:
        st.warning(_("The YAML has problems (listed below); fix them in the YAML tab to use the form."))
    elif kind == "rubric":
        rubric_form(item, content_hash(text))
    else:
        form = scenario_to_form(item)
        # Widgets are keyed by the document's hash: a YAML edit gives fresh widgets with
        # the new values instead of stale ones from the last run.
        key = content_hash(text)
        rubrics = sorted(library.rubrics)
        with st.form(f"scenario_form_{key}"):
            values = dict(form)
            left, right = st.columns(2)
            values["id"] = left.text_input(_("Id"), form["id"], help=_("Lower case, digits and dashes."))
            values["title"] = right.text_input(_("Title"), form["title"])
            a, b, c, d = st.columns(4)
            values["language"] = a.selectbox(_("Language"), ["en", "de"], index=["en", "de"].index(form["language"]))
            values["channel"] = b.selectbox(_("Channel"), ["chat", "email", "voice"],
                                            index=["chat", "email", "voice"].index(form["channel"]),
                                            format_func=components.option_labels(components.CHANNEL_NAMES))
            values["mode"] = c.selectbox(_("Mode"), ["practice", "assessment"],
                                         index=["practice", "assessment"].index(form["mode"]),
                                         format_func=components.option_labels(components.MODE_NAMES))
            values["difficulty"] = d.number_input(_("Difficulty"), 1, 5, form["difficulty"])
            values["subject"] = st.text_input(_("E-mail subject (e-mail channel)"), form["subject"])
            values["tags"] = st.text_input(_("Tags (comma-separated)"), form["tags"])
            values["rubric"] = st.selectbox(_("Rubric"), rubrics,
                                            index=rubrics.index(form["rubric"]) if form["rubric"] in rubrics else 0)
            st.markdown(f"**{_('Persona')}**")
            p1, p2, p3 = st.columns([3, 1, 1])
            values["name"] = p1.text_input(_("Name"), form["name"])
            values["age"] = p2.number_input(_("Age"), 16, 110, form["age"])
            values["voice"] = p3.selectbox(_("Voice on the phone"), ["", "female", "male"],
                                           index=["", "female", "male"].index(form["voice"]),
                                           format_func=components.option_labels(VOICE_NAMES))
            for field, field_label in PERSONA_FIELDS.items():
                values[field] = st.text_area(_(field_label), form[field], height=90)
            m1, m2, m3, m4 = st.columns(4)
            values["anger"] = m1.slider(_("Anger at the start"), 0, 10, form["anger"])
            values["anxiety"] = m2.slider(_("Anxiety at the start"), 0, 10, form["anxiety"])
            values["trust"] = m3.slider(_("Trust at the start"), 0, 10, form["trust"])
            values["mood_drift"] = m4.number_input(_("Mood drift"), 0.1, 3.0, float(form["mood_drift"]), step=0.1)
            st.markdown(_("**Voice samples** (one line each)"))
            columns = st.columns(len(MOOD_LABELS))
            for column, mood in zip(columns, MOOD_LABELS):
                values[f"voice_{mood}"] = column.text_area(components.named(components.MOOD_LABELS, mood),
                                                           form[f"voice_{mood}"], height=120)
            st.markdown(_("**Customer lines** (one line each): what the customer says at each beat"))
            values["customer_mode"] = st.selectbox(_("How the customer's words are made"), list(CUSTOMER_MODES),
                                                   index=list(CUSTOMER_MODES).index(form["customer_mode"]),
                                                   format_func=components.option_labels(CUSTOMER_MODES))
            beat_columns = st.columns(len(BEAT_NAMES))
            for column, (beat, (beat_label, beat_help)) in zip(beat_columns, BEAT_NAMES.items()):
                values[f"line_{beat}"] = column.text_area(_(beat_label), form[f"line_{beat}"], height=160,
                                                          help=_(beat_help))
            values["opening"] = st.text_area(_("Opening message"), form["opening"], height=110)
            values["objectives"] = st.text_area(_("Objectives (one per line)"), form["objectives"], height=120)
            st.markdown(_("**Hidden facts** (phrases and reveal words separated by semicolons; tell: the "
                          "customer's own lines that tell the fact, separated by |, each with a reveal word)"))
            values["facts"] = st.data_editor(form["facts"], num_rows="dynamic", width="stretch",
                                             column_order=["id", "fact", "earned_when", "hint", "phrases", "reveal_words",
                                                           "tell"],
                                             column_config=headings(FACT_COLUMNS))
            st.markdown(f"**{_('Triggers')}**")
            values["triggers"] = st.data_editor(
                form["triggers"], num_rows="dynamic", width="stretch",
                column_config=headings(TRIGGER_COLUMNS) | {"kind": st.column_config.SelectboxColumn(
                    _(TRIGGER_COLUMNS["kind"]), options=list(TRIGGER_KINDS), required=True,
                    format_func=components.option_labels(TRIGGER_KINDS))})
            st.markdown(f"**{_('End conditions')}**")
            e1, e2, e3, e4 = st.columns(4)
            values["max_turns"] = e1.number_input(_("Turn limit"), 1, 50, form["max_turns"])
            values["resolve_max_anger"] = e2.number_input(_("Resolved: anger at most"), 0, 10, form["resolve_max_anger"])
            values["resolve_min_trust"] = e3.number_input(_("Resolved: trust at least"), 0, 10, form["resolve_min_trust"])
            values["resolve_min_turns"] = e4.number_input(_("Resolved: after replies"), 1, 50, form["resolve_min_turns"])
            fact_ids = [f["id"] for f in form["facts"]]
            values["resolve_facts"] = st.multiselect(_("Resolved: facts uncovered"), fact_ids,
                                                     [f for f in form["resolve_facts"] if f in fact_ids])
            g1, g2 = st.columns(2)
            values["abandon_min_anger"] = g1.number_input(_("Abandoned: anger at least"), 0, 10, form["abandon_min_anger"])
            values["abandon_max_trust"] = g2.number_input(_("Abandoned: trust at most"), 0, 10, form["abandon_max_trust"])
            values["content_note"] = st.text_area(_("Content note (shown before the start)"), form["content_note"],
                                                  height=80)
            values["distressing"] = st.checkbox(_("Distressing topic (offer a debrief afterwards)"), form["distressing"])
            if st.form_submit_button(_("Apply the form"), type="primary", icon=":material/sync:"):
                apply_form(*form_to_scenario(values))

if problems:
    st.error(_("{n} problem(s); it cannot be saved or tried until they are fixed:").format(n=len(problems)),
             icon=":material/error:")
    st.text("\n".join(str(p) for p in problems))
    st.stop()

st.success(_("Valid."), icon=":material/check:")
current = (library.scenarios if kind == "scenario" else library.rubrics).get(item.id)
previous_text = base[1] if base else (to_yaml(current) if current else "")
label = base[0] if base else (_("version {version}").format(version=current.version) if current else _("nothing (new)"))
changes = diff(previous_text, text, label, _("this edit"))
with st.expander(_("Changes against {label}").format(label=label), expanded=bool(changes)):
    if changes:
        st.code(changes, language="diff")
    else:
        st.caption(_("No changes."))

note = st.text_input(_("What changed (saved with the version)"), key=state.EDIT_NOTE, max_chars=200)
save, try_it, download = st.columns(3)
if save.button(_("Save as a new version"), type="primary", icon=":material/save:", width="stretch"):
    try:
        saved = catalog.save(item, text, author=state.trainee(), note=note)
    except ContentRejected as exc:
        st.warning(components.error_text(exc), icon=":material/warning:")
    else:
        saved_text = to_yaml(saved)
        state.open_in_editor(kind, saved_text, (_("version {version}").format(version=saved.version), saved_text))
        saved_message = (_("Saved scenario '{id}' as version {version}. Sessions already played keep their version.")
                         if kind == "scenario" else
                         _("Saved rubric '{id}' as version {version}. Sessions already played keep their version."))
        state.flash(saved_message.format(id=saved.id, version=saved.version))
        st.rerun()
if kind == "scenario" and try_it.button(_("Try it as a trainee"), icon=":material/play_arrow:", width="stretch",
                                        help=_("A trial session: marked as such and left out of every figure.")):
    if item.rubric not in library.rubrics:
        st.warning(_("Its rubric '{rubric}' is not in the library.").format(
            rubric=components.escape_markdown(item.rubric)))
    else:
        session = TrainingSession.start(services, item.id, trainee=state.trainee(), scenario=item)
        state.set_session_id(session.id)
        routes.go_to_practice()
download.download_button(_("Download YAML"), text, file_name=f"{item.id}.yaml", mime="application/x-yaml",
                         icon=":material/download:", width="stretch")

if kind == "rubric":
    st.divider()
    st.markdown("**" + _("Calibration of the judge on this rubric") + "**")
    fit, fit_word = fit_state(services.store.db, item, services.judge.model.spec)
    if fit_word == "current":
        st.caption(_("Calibrated for {model}: the thresholds below decide every level of this rubric.").format(
            model=f"`{services.judge.model.spec}`"))
    elif fit_word == "stale":
        st.warning(_("The rubric or the judge changed since the last calibration ({date}): levels are rounded "
                     "until it is calibrated again.").format(date=fit.created_at[:10]), icon=":material/update:")
    else:
        st.caption(_("Not calibrated yet for {model}: levels are the model's expected level, rounded.").format(
            model=f"`{services.judge.model.spec}`"))
    if fit is not None:
        components.fit_table(fit, item)
    labels = len(gold_from_labels(services.store.db, item.id))
    examples = sum(len(c.examples) for c in item.criteria)
    st.caption(_("A calibration reads the judge's level for the {examples} worked examples and the {labels} replies "
                 "trainers labelled on the Review page (a few seconds each on the embedded model), and fits the "
                 "thresholds per criterion; a criterion needs {min} labels covering every level. The same from a "
                 "terminal: `{command}`.").format(examples=examples, labels=labels, min=MIN_LABELS,
                                                  command=f"empathy-sim calibrate --rubric {item.id} --fit"))
    if st.button(_("Calibrate now"), icon=":material/tune:"):
        sources = {"rubric examples": example_items(item), "trainer labels": gold_from_labels(services.store.db, item.id)}
        with st.spinner(_("Reading the judge's levels for {n} labelled replies…").format(
                n=sum(len(v) for v in sources.values()))):
            try:
                new_fit = fit_levels(services.judge, item, sources, previous=fit if fit_word == "current" else None)
            except FitRefused as exc:
                new_fit = None
                st.error(_("No calibration stored: {reason}").format(reason=str(exc)))
        if new_fit is not None:
            save_fit(services.store.db, new_fit)
            state.flash(_("Calibration stored: every grade of this rubric uses it from now on."))
            st.rerun()
