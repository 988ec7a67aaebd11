"""The phrasebook: every code of the rule language in the words a practitioner would write.

Rule files and results speak in codes (``case_status``, ``looked_after``,
``allocated_social_worker``, ``return_home_interview``). People reading a
comparison should not have to: this module gives a label for every fact and
fact value, role, action kind, topic, obligation and moment, and says
conditions, triggers and deadlines in words built from those labels
("looked after or a care leaver", "still missing after 48 hours", "within 3
working days of return").

The Markdown and HTML comparisons and ``explain`` use these words; CSV and
JSON keep the codes. :func:`unlabelled` lists the codes of a protocol that
have no label here, and a test keeps it empty for every bundled rule file.
A code with no label is shown with its underscores as spaces, never hidden.

The phrasebook is in three parts: :mod:`.labels` (a label for every code),
:mod:`.words` (conditions, triggers and deadlines in words) and
:mod:`.coverage` (which codes of a protocol still want a label).
"""

from __future__ import annotations

from .coverage import unlabelled
from .labels import (
    FACT_LABELS,
    JUDGEMENT_LABELS,
    KIND_LABELS,
    MOMENT_LABELS,
    OBLIGATION_LABELS,
    ROLE_LABELS,
    TOPIC_LABELS,
    VALUE_LABELS,
    kind_label,
    role_label,
    value_label,
)
from .words import anchor_label, condition_words, deadline_words, trigger_words

__all__ = [
    "FACT_LABELS",
    "JUDGEMENT_LABELS",
    "KIND_LABELS",
    "MOMENT_LABELS",
    "OBLIGATION_LABELS",
    "ROLE_LABELS",
    "TOPIC_LABELS",
    "VALUE_LABELS",
    "anchor_label",
    "condition_words",
    "deadline_words",
    "kind_label",
    "role_label",
    "trigger_words",
    "unlabelled",
    "value_label",
]
