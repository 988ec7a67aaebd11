"""missing_protocol: English councils' children-missing-from-home-or-care protocols as rules.

Load a protocol, evaluate a child's timeline, and read back every required
action with its deadline, status and reasons::

    from missing_protocol import evaluate, load_protocol, load_timeline

    protocol = load_protocol("camden")
    result = evaluate(protocol, load_timeline(path), as_of)

See docs/ for the rule language, the timeline format and each area's rules.
"""

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
from .evaluate import evaluate
from .explain import explain_action
from .loading import load_timeline, parse_timeline
from .precision import evaluate_bounded
from .protocols import bundled_protocol_ids, compile_text, load_protocol
from .results import (
    RESULT_SCHEMA_VERSION,
    ActionStatus,
    Evaluation,
    RequiredAction,
    UpcomingAction,
    evaluation_json_schema,
    to_json,
    to_jsonable,
)
from .timeline import Child, Episode, RecordedEvent, Timeline
from .verify import Finding, check_citations, verify_protocol

__version__ = "0.1.0"

__all__ = [
    "RESULT_SCHEMA_VERSION",
    "ActionStatus",
    "Child",
    "Duration",
    "Episode",
    "Evaluation",
    "Finding",
    "InputError",
    "MissingProtocolError",
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
