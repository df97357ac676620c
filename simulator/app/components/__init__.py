"""Rendering helpers shared by the pages: transcript, verdict card, mood meter, summary.

Everything a trainee, a customer model or a judge model wrote is shown as plain text
(`st.text`, or Markdown with every special character escaped): a reply such as
`<script>` or `**bold**` must appear exactly as typed, never be interpreted.

Every label of our own goes through `_` (the interface language); the module constants
hold English msgids marked with `N_` and are translated where they are shown. The pages
use the names below as `components.<name>`; each lives in the module named after what
it draws.
"""

from simulator.app.components.common import (
    ASSIGNEE_KINDS, CHANNEL_NAMES, MODE_NAMES, MOOD_LABELS, OUTCOME_NAMES, ROLE_NAMES, assignee,
    choose_prompt, date_format, error_text, escape_markdown, named, option_labels,
)
from simulator.app.components.chat import (
    customer_checks, customer_message, stream_text, trainee_message, transcript,
)
from simulator.app.components.verdicts import feedback_label, fit_table, judge_reliability, verdict_card
from simulator.app.components.signals import signals_table, voice_signals_caption
from simulator.app.components.labels import agreement_table, anchors_help, level_choice, record_levels_view
from simulator.app.components.voice import customer_voice, message_audio, spoken_reply_form
from simulator.app.components.summary import (
    coach_panel, customer_face, debrief_panel, mood_meter, scenario_card, session_summary,
)

__all__ = [
    'ASSIGNEE_KINDS', 'CHANNEL_NAMES', 'MODE_NAMES', 'MOOD_LABELS', 'OUTCOME_NAMES', 'ROLE_NAMES',
    'agreement_table', 'anchors_help', 'assignee', 'choose_prompt', 'coach_panel', 'customer_checks',
    'customer_face', 'customer_voice', 'customer_message', 'date_format', 'debrief_panel', 'error_text', 'escape_markdown',
    'feedback_label', 'fit_table', 'judge_reliability', 'level_choice', 'message_audio', 'mood_meter', 'named',
    'option_labels', 'record_levels_view', 'scenario_card', 'session_summary', 'signals_table', 'spoken_reply_form', 'stream_text',
    'trainee_message', 'transcript', 'verdict_card', 'voice_signals_caption',
]
