"""A realistic synthetic caseload, built deterministically from a seed.

Children aged 8 to 17 with a mix of case statuses (looked after children
missing from their placements, others from home), police risk levels, repeat
episodes over a year (a few children go missing often), reports to the
police, returns, and some of what was done afterwards: notifications, safe
and well checks, return home interviews (some late, some declined), strategy
meetings. A few children are still missing at the end. Record ids only: no
names, no addresses.

    python benchmarks/caseload.py --children 300 --seed 2024 > examples/caseload.jsonl

The same seed and size always give the same bytes.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import sys
from collections.abc import Iterator
from typing import Any

__all__ = ["AS_OF", "YEAR_START", "caseload", "child_with_episodes", "timeline", "write_jsonl"]

YEAR_START = dt.datetime(2024, 1, 1)
AS_OF = dt.datetime(2025, 1, 15, 12, 0)  # London time, a fortnight after the year's end
MINUTES_IN_YEAR = 366 * 24 * 60

_STATUSES = (
    ("none", 22),
    ("early_help", 10),
    ("child_in_need", 20),
    ("child_protection_plan", 10),
    ("looked_after", 33),
    ("care_leaver", 5),
)
_RISKS = (
    (None, 8),
    ("no_apparent_risk", 15),
    ("low", 25),
    ("medium", 38),
    ("high", 12),
    ("immediate", 2),
)
_FLAGS = (
    "child_exploitation_risk",
    "criminal_order_or_bail",
    "unaccompanied_asylum_seeking",
    "learning_disability",
    "mental_health",
    "substance_misuse",
    "section_47_enquiry",
    "trafficking_risk",
)
_AWAY = ("harmed", "victim_of_crime", "criminal_activity", "contact_with_person_posing_risk")
_CONCERNS = ("significant_harm", "suspicious_circumstances", "out_of_character", "complex_risk")
# How many episodes a child has in the year: most once or twice, a few very often.
_EPISODE_COUNTS = ((1, 50), (2, 20), (3, 11), (4, 7), (5, 4), (6, 3), (8, 2), (12, 2), (20, 1))


def _pick(rng: random.Random, weighted: tuple[tuple[Any, int], ...]) -> Any:
    return rng.choices([v for v, _ in weighted], [w for _, w in weighted])[0]


def _stamp(moment: dt.datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M")


def _child(rng: random.Random, number: int) -> dict[str, Any]:
    age = rng.choices(range(8, 18), [1, 1, 2, 3, 5, 8, 10, 11, 9, 6])[0]
    born = (YEAR_START - dt.timedelta(days=365 * age + rng.randrange(365))).date()
    status = _pick(rng, _STATUSES)
    if status == "care_leaver" and age < 16:
        status = "looked_after"
    known = status not in ("none", "early_help") or rng.random() < 0.2
    child: dict[str, Any] = {
        "id": f"C-{number:06d}",
        "date_of_birth": born.isoformat(),
        "case_status": status,
        "known_to_social_care": known,
        "has_allocated_worker": status
        in ("child_in_need", "child_protection_plan", "looked_after", "care_leaver"),
        "attends_school": age < 16 or rng.random() < 0.5,
        "attends_secondary_school": age >= 11 and age < 16,
    }
    if status == "looked_after" and rng.random() < 0.15:
        child["placed_by_other_authority"] = True
    flags = sorted(rng.sample(_FLAGS, rng.choices((0, 1, 2), (60, 30, 10))[0]))
    if flags:
        child["flags"] = flags
    return child


def _episode(
    rng: random.Random, child: dict[str, Any], index: int, start: dt.datetime, end: dt.datetime
) -> dict[str, Any]:
    looked_after = child["case_status"] == "looked_after"
    where = "care_placement" if looked_after and rng.random() < 0.9 else "home"
    if rng.random() < 0.04:
        where = "education"
    hours = min(rng.lognormvariate(2.3, 1.1), 24 * 40)
    returned: dt.datetime | None = start + dt.timedelta(minutes=max(30, int(hours * 60)))
    if returned is not None and returned >= end:
        returned = end - dt.timedelta(minutes=1)
    episode: dict[str, Any] = {
        "id": f"E-{index}",
        "missing_from": where,
        "started_at": _stamp(start),
    }
    risk = _pick(rng, _RISKS)
    if risk is not None:
        episode["police_risk"] = risk
    known = rng.random() < 0.05
    if known:
        episode["whereabouts_known"] = True
    if known or rng.random() < 0.9:
        episode["reported_at"] = _stamp(start + dt.timedelta(minutes=rng.randrange(15, 6 * 60)))
    if returned is not None:
        episode["returned_at"] = _stamp(returned)
    if rng.random() < 0.15:
        episode["while_away"] = sorted(rng.sample(_AWAY, 1))
    if rng.random() < 0.1:
        episode["concerns"] = sorted(rng.sample(_CONCERNS, 1))
    return episode


def _events(
    rng: random.Random, child: dict[str, Any], episode: dict[str, Any]
) -> list[dict[str, Any]]:
    start = dt.datetime.fromisoformat(episode["started_at"])
    events: list[dict[str, Any]] = []

    def add(action: str, at: dt.datetime, **extra: str) -> None:
        events.append({"action": action, "at": _stamp(at), "episode": episode["id"], **extra})

    if child["has_allocated_worker"] and rng.random() < 0.7:
        add(
            "notify",
            start + dt.timedelta(minutes=rng.randrange(30, 18 * 60)),
            recipient="allocated_social_worker",
        )
    if episode.get("police_risk") in ("high", "immediate") and rng.random() < 0.5:
        add("strategy_meeting", start + dt.timedelta(hours=rng.randrange(4, 96)))
    if "returned_at" not in episode:
        return events
    back = dt.datetime.fromisoformat(episode["returned_at"])
    if rng.random() < 0.8:
        add("safe_and_well_check", back + dt.timedelta(minutes=rng.randrange(20, 4 * 24 * 60)))
    if rng.random() < 0.75:
        late = rng.random() < 0.25  # about a quarter of interviews happen after 72 hours
        hours = rng.randrange(73, 24 * 14) if late else rng.randrange(2, 72)
        outcome = rng.choices(("done", "offered", "declined"), (75, 15, 10))[0]
        extra = {} if outcome == "done" else {"outcome": outcome}
        add("return_home_interview", back + dt.timedelta(hours=hours), **extra)
    return events


def timeline(rng: random.Random, number: int, episodes: int | None = None) -> dict[str, Any]:
    """One child's timeline as JSON-ready data (``episodes`` fixes how many)."""
    child = _child(rng, number)
    count = episodes if episodes is not None else _pick(rng, _EPISODE_COUNTS)
    # a child with very many episodes spans more years (1,000 over five: inside the limits)
    span = MINUTES_IN_YEAR * max(1, count // 200)
    starts = sorted(rng.sample(range(0, span, 7), count))
    moments = [YEAR_START + dt.timedelta(minutes=m) for m in starts]
    still_missing = rng.random() < 0.03
    out_episodes = []
    events: list[dict[str, Any]] = []
    for i, start in enumerate(moments):
        end = moments[i + 1] if i + 1 < len(moments) else start + dt.timedelta(days=60)
        episode = _episode(rng, child, i + 1, start, end)
        if still_missing and i + 1 == len(moments):
            episode.pop("returned_at", None)
        out_episodes.append(episode)
        events += _events(rng, child, episode)
    return {"schema_version": 1, "child": child, "episodes": out_episodes, "events": events}


def caseload(children: int, seed: int = 2024) -> Iterator[dict[str, Any]]:
    """``children`` timelines, the same ones for the same seed."""
    rng = random.Random(seed)
    for number in range(1, children + 1):
        yield timeline(rng, number)


def child_with_episodes(episodes: int, seed: int = 7) -> dict[str, Any]:
    """One child with exactly ``episodes`` episodes (spread over more years when there are many)."""
    return timeline(random.Random(seed), 1, episodes)


def write_jsonl(timelines: Iterator[dict[str, Any]], out: Any) -> int:
    """Write timelines as compact JSON Lines; return how many episodes were written."""
    episodes = 0
    for data in timelines:
        out.write(json.dumps(data, separators=(",", ":")) + "\n")
        episodes += len(data["episodes"])
    return episodes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--children", type=int, default=300)
    parser.add_argument("--seed", type=int, default=2024)
    args = parser.parse_args()
    write_jsonl(caseload(args.children, args.seed), sys.stdout)


if __name__ == "__main__":
    main()
