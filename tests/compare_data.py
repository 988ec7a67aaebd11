"""What the comparison tests share: the two small rule files, a child, and a page reader.

alpha.yaml and beta.yaml (tests/data/compare) were written for these tests and
quote ../shared/protocols/camden.txt; the goldens beside them are exact text.
"""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

from missing_protocol import Timeline, compile_text

DATA = Path(__file__).parent / "data" / "compare"
ALPHA_TEXT = (DATA / "alpha.yaml").read_text(encoding="utf-8")
BETA_TEXT = (DATA / "beta.yaml").read_text(encoding="utf-8")
ALPHA = compile_text(ALPHA_TEXT, "tests/data/compare/alpha.yaml")
BETA = compile_text(BETA_TEXT, "tests/data/compare/beta.yaml")


def golden(name: str) -> str:
    return (DATA / name).read_text(encoding="utf-8")


def looked_after_timeline(*, returned: bool = True) -> Timeline:
    """C-7, looked after, missing from care from 22:00 on 1 May 2024 (reported 22:30).

    Returned at noon on 3 May, with a notification and an interview offer
    recorded; or, with ``returned=False``, never back and nothing recorded.
    """
    episode = {
        "id": "E1",
        "missing_from": "care_placement",
        "category": "missing",
        "police_risk": "low",
        "started_at": "2024-05-01T22:00",
        "reported_at": "2024-05-01T22:30",
    }
    events = [
        {"action": "notify", "recipient": "allocated_social_worker", "at": "2024-05-02T09:00"},
        {"action": "return_home_interview", "outcome": "offered", "at": "2024-05-04T10:00"},
    ]
    if returned:
        episode["returned_at"] = "2024-05-03T12:00"
    return Timeline.model_validate(
        {
            "child": {
                "id": "C-7",
                "date_of_birth": "2011-02-01",
                "case_status": "looked_after",
                "known_to_social_care": True,
                "has_allocated_worker": True,
            },
            "episodes": [episode],
            "events": events if returned else [],
        }
    )


class Page(HTMLParser):
    """Ids, links, tags, tooltips and visible text of an HTML page."""

    def __init__(self, page: str) -> None:
        super().__init__()
        self.ids: set[str] = set()
        self.hrefs: list[str] = []
        self.sources: list[str] = []
        self.tags: set[str] = set()
        self.titles: list[str] = []  # title attributes, and SVG <title> tooltips
        self.text: list[str] = []  # outside <style> and <title>
        self._hidden = 0
        self.feed(page)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        self._hidden += tag in ("style", "title")
        for name, value in attrs:
            if value and name in ("id", "href", "src", "title"):
                {"id": self.ids.add, "href": self.hrefs.append, "src": self.sources.append}.get(
                    name, self.titles.append
                )(value)

    def handle_endtag(self, tag: str) -> None:
        self._hidden -= tag in ("style", "title")

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self.text.append(data)
        elif self.lasttag == "title":
            self.titles.append(data)
