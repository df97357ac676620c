"""Library: every scenario and rubric, filtered and searched; edit, duplicate, archive,
download. Versions that sessions used are never deleted (archiving only hides an id)."""

import streamlit as st

from simulator.app import components, routes, state
from simulator.app.services import get_services
from simulator.app.text import N_, _
from simulator.catalog import ContentRejected
from simulator.content.editing import kind_of, parse, text_for, to_yaml
from simulator.store import content as versions
from simulator.store.repository import practice_stats

services = get_services()
user = routes.guard("library")
catalog = services.catalog
st.title(_("Library"))
KINDS = {"scenario": N_("Scenarios"), "rubric": N_("Rubrics")}
# How a version came about (the stored origin), as the versions table shows it.
ORIGINS = {"studio": N_("studio"), "import": N_("import"), "seed": N_("seed"), "seed file": N_("seed file"),
           "draft": N_("draft")}

def upload() -> None:
    """Import a YAML file: validated first; an id that exists needs a yes to a new version."""
    with st.expander(_("Import a YAML file")):
        uploaded = st.file_uploader(_("Scenario or rubric (.yaml)"), type=["yaml", "yml"], key=state.LIBRARY_UPLOAD)
        if uploaded is None:
            return
        text = uploaded.getvalue().decode("utf-8", errors="replace")
        file_kind = kind_of(text)
        item, problems = parse(file_kind, text, source=uploaded.name)
        if problems:
            st.error(_("The file has problems; nothing was stored:"), icon=":material/error:")
            st.text("\n".join(str(p) for p in problems))
            return
        pool = catalog.library().scenarios if file_kind == "scenario" else catalog.library().rubrics
        existing = pool.get(item.id)
        label = _("Store it")
        if existing is not None:
            exists = (_("A scenario with the id '{id}' exists (version {version}). Storing the file makes it version "
                        "{next}; sessions played so far keep their version.") if file_kind == "scenario" else
                      _("A rubric with the id '{id}' exists (version {version}). Storing the file makes it version "
                        "{next}; sessions played so far keep their version."))
            st.warning(exists.format(id=components.escape_markdown(item.id), version=existing.version,
                                     next=existing.version + 1), icon=":material/warning:")
            label = _("Store as version {version}").format(version=existing.version + 1)
        if st.button(label, type="primary", icon=":material/upload:"):
            try:
                # The version note is stored with the content (and shown to every trainer), so it stays English.
                saved = catalog.save(item, text, author=state.trainee(), note=f"imported from {uploaded.name}",
                                     origin="import")
            except ContentRejected as exc:
                st.warning(components.error_text(exc), icon=":material/warning:")
            else:
                stored_text = (_("Stored scenario '{id}' as version {version}.") if file_kind == "scenario" else
                               _("Stored rubric '{id}' as version {version}."))
                st.success(stored_text.format(id=components.escape_markdown(saved.id), version=saved.version))


kind = st.segmented_control(_("Show"), ["scenario", "rubric"], default="scenario", key=state.LIBRARY_KIND,
                            format_func=components.option_labels(KINDS)) or "scenario"
search, archived_toggle = st.columns([3, 1], vertical_alignment="bottom")
query = search.text_input(_("Search title, id, tags, language or channel"), key=state.LIBRARY_SEARCH).strip().casefold()
show_archived = archived_toggle.toggle(_("Archived too"), key=state.LIBRARY_SHOW_ARCHIVED)

upload()
library = catalog.library()
items = library.scenarios if kind == "scenario" else library.rubrics
archived = versions.archived_ids(services.store.db, kind)
stats = practice_stats(services.store.db, by="scenario_id" if kind == "scenario" else "rubric_id")
stored = versions.latest(services.store.db, kind)


def row(item) -> dict:
    usage = stats.get(item.id, {})
    record = stored.get(item.id)
    common = {
        "id": item.id,
        _("Title"): item.title,
        _("Language"): item.language,
        _("Version"): item.version,
        _("Last change"): (record["created_at"][:16].replace("T", " ") if record else _("seed file")),
        _("Practised"): usage.get("sessions", 0),
        _("Mean score"): None if usage.get("avg_score") is None else round(usage["avg_score"]),
        _("Archived"): item.id in archived,
    }
    if kind == "scenario":
        common |= {_("Channel"): components.named(components.CHANNEL_NAMES, item.channel),
                   _("Difficulty"): item.difficulty, _("Tags"): ", ".join(item.tags)}
    return common


def matches(item) -> bool:
    if item.id in archived and not show_archived:
        return False
    words = [item.id, item.title, item.language] + ([item.channel, *item.tags] if kind == "scenario" else [])
    return not query or any(query in str(w).casefold() for w in words)


rows = [row(item) for item in sorted(items.values(), key=lambda i: (i.language, i.title)) if matches(item)]
if not rows:
    st.info(_("Nothing matches. Clear the search, or show archived items too."))
    st.stop()
st.dataframe(rows, hide_index=True, width="stretch",
             column_config={"id": st.column_config.TextColumn(_("id")),
                            _("Mean score"): st.column_config.NumberColumn(
                                help=_("Over scored replies; trials and sessions left early are not counted"))})

choice_labels = {r["id"]: _("{title} ({id}, version {version})").format(
    title=items[r["id"]].title, id=r["id"], version=items[r["id"]].version) for r in rows}
chosen = st.selectbox(_("Choose one"), [r["id"] for r in rows], key=state.LIBRARY_CHOICE,
                      format_func=choice_labels.get)
item = items[chosen]
record = stored.get(chosen)
# The trainer's own text (with comments) where it still describes this exact version.
seed_file = catalog.seeds.sources.get(f"{kind}:{chosen}")
written = record.get("yaml") if record else (seed_file.read_text(encoding="utf-8") if seed_file else None)
text = text_for(item, written)

edit, duplicate, archive, download = st.columns(4)
if edit.button(_("Edit"), icon=":material/edit:", width="stretch"):
    state.open_in_editor(kind, text, (_("version {version}").format(version=item.version), text))
    routes.go_to_editor()
if duplicate.button(_("Duplicate"), icon=":material/content_copy:", width="stretch",
                    help=_("A copy under a new id, opened in the editor (saved when you save it).")):
    taken = set(items)
    new_id = next(f"{chosen}-copy{'' if n == 1 else n}" for n in range(1, 100) if f"{chosen}-copy{'' if n == 1 else n}" not in taken)
    copy = item.model_copy(update={"id": new_id, "version": 1,
                                   "title": _("{title} (copy)").format(title=item.title)})
    state.open_in_editor(kind, to_yaml(copy), None)
    routes.go_to_editor()
if chosen in archived:
    if archive.button(_("Restore"), icon=":material/unarchive:", width="stretch"):
        catalog.archive(kind, chosen, archived=False)
        st.rerun()
elif archive.button(_("Archive"), icon=":material/archive:", width="stretch",
                    help=_("Hide it from trainees' lists. Its versions stay, so old sessions keep their scores.")):
    catalog.archive(kind, chosen)
    st.rerun()
download.download_button(_("Download YAML"), text, file_name=f"{chosen}.yaml", mime="application/x-yaml",
                         icon=":material/download:", width="stretch")

with st.expander(_("Versions of {id}").format(id=components.escape_markdown(chosen))):
    st.dataframe(
        [{_("Version"): h["version"], _("Saved"): (h["created_at"] or "")[:16].replace("T", " ") or "—",
          _("By"): h["author"] or "", _("How"): components.named(ORIGINS, h["origin"]), _("Note"): h["note"] or ""}
         for h in catalog.history(kind, chosen)],
        hide_index=True, width="stretch",
    )
