"""missing_protocol: English councils' children-missing-from-home-or-care protocols as rules.

Load a protocol, evaluate a child's timeline, and read back every required
action with its deadline, status and reasons::

    from missing_protocol import evaluate, load_protocol, load_timeline

    protocol = load_protocol("camden")
    result = evaluate(protocol, load_timeline(path), as_of)

See docs/ for the rule language, the timeline format and each area's rules.

The names below are imported when first used (PEP 562), so that
``import missing_protocol`` costs almost nothing and a command pays only for
what it uses: ``from missing_protocol import evaluate`` imports the evaluator,
not the comparison machinery.
"""

from __future__ import annotations

import importlib
import sys
import types
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .calendar import Duration, add_duration, is_working_day, parse_duration
    from .compare import (
        compare,
        compare_scenario,
        diff_protocols,
        evaluate_placement,
        find_all_disagreements,
        find_disagreements,
    )
    from .compiled import Protocol
    from .errors import (
        InputError,
        MissingProtocolError,
        Problem,
        RuleFileError,
        TimelineError,
        UnknownActionError,
        UnknownProtocolError,
        UsageError,
    )
    from .evaluate import evaluate, evaluate_compact
    from .explain import explain_action
    from .limits import DEFAULT_LIMITS, Limits
    from .loading import load_timeline, parse_timeline
    from .precision import evaluate_bounded
    from .protocols import bundled_protocol_ids, compile_text, load_protocol
    from .results import (
        RESULT_SCHEMA_VERSION,
        ActionRow,
        ActionStatus,
        CompactEvaluation,
        Evaluation,
        PendingAction,
        RequiredAction,
        UpcomingAction,
        evaluation_json_schema,
        to_json,
        to_jsonable,
    )
    from .timeline import Child, Episode, Judgement, RecordedEvent, Timeline
    from .verify import Finding, check_citations, verify_protocol

__version__ = "0.1.0"

__all__ = [
    "DEFAULT_LIMITS",
    "RESULT_SCHEMA_VERSION",
    "ActionRow",
    "ActionStatus",
    "Child",
    "CompactEvaluation",
    "Duration",
    "Episode",
    "Evaluation",
    "Finding",
    "InputError",
    "Judgement",
    "Limits",
    "MissingProtocolError",
    "PendingAction",
    "Problem",
    "Protocol",
    "RecordedEvent",
    "RequiredAction",
    "RuleFileError",
    "Timeline",
    "TimelineError",
    "UnknownActionError",
    "UnknownProtocolError",
    "UpcomingAction",
    "UsageError",
    "__version__",
    "add_duration",
    "bundled_protocol_ids",
    "check_citations",
    "compare",
    "compare_scenario",
    "compile_text",
    "diff_protocols",
    "evaluate",
    "evaluate_bounded",
    "evaluate_compact",
    "evaluate_placement",
    "evaluation_json_schema",
    "explain_action",
    "find_all_disagreements",
    "find_disagreements",
    "is_working_day",
    "load_protocol",
    "load_timeline",
    "parse_duration",
    "parse_timeline",
    "to_json",
    "to_jsonable",
    "verify_protocol",
]

# Each public name and the module that defines it (the TYPE_CHECKING imports
# above say the same for type checkers; a test keeps the two in step).
_MODULES = {
    "calendar": ("Duration", "add_duration", "is_working_day", "parse_duration"),
    "compare": (
        "compare",
        "compare_scenario",
        "diff_protocols",
        "evaluate_placement",
        "find_all_disagreements",
        "find_disagreements",
    ),
    "compiled": ("Protocol",),
    "errors": (
        "InputError",
        "MissingProtocolError",
        "Problem",
        "RuleFileError",
        "TimelineError",
        "UnknownActionError",
        "UnknownProtocolError",
        "UsageError",
    ),
    "evaluate": ("evaluate", "evaluate_compact"),
    "explain": ("explain_action",),
    "limits": ("DEFAULT_LIMITS", "Limits"),
    "loading": ("load_timeline", "parse_timeline"),
    "precision": ("evaluate_bounded",),
    "protocols": ("bundled_protocol_ids", "compile_text", "load_protocol"),
    "results": (
        "RESULT_SCHEMA_VERSION",
        "ActionRow",
        "ActionStatus",
        "CompactEvaluation",
        "Evaluation",
        "PendingAction",
        "RequiredAction",
        "UpcomingAction",
        "evaluation_json_schema",
        "to_json",
        "to_jsonable",
    ),
    "timeline": ("Child", "Episode", "Judgement", "RecordedEvent", "Timeline"),
    "verify": ("Finding", "check_citations", "verify_protocol"),
}
_WHERE = {name: module for module, names in _MODULES.items() for name in names}


def __getattr__(name: str) -> Any:
    """Import a public name's module on first use, and keep the name here."""
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'missing_protocol' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})


class _Package(types.ModuleType):
    """Keeps ``missing_protocol.evaluate`` and ``.compare`` the functions, as eager imports did.

    Importing a submodule binds its name on the package; two submodules share
    their name with the function they define, and the function wins.
    """

    def __setattr__(self, name: str, value: Any) -> None:
        if isinstance(value, types.ModuleType) and _WHERE.get(name) == name:
            value = getattr(value, name)
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package
