"""The timeline view: its structure, the same page from the CLI and the service, and
the page opened in headless Chromium (it renders, and its screenshot is a picture)."""

from __future__ import annotations

import base64
import hashlib
import io
import re
import struct
import zlib
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path

from fastapi.testclient import TestClient

from chromium import run_chromium
from missing_protocol import evaluate, load_protocol, load_timeline
from missing_protocol.cli import main
from missing_protocol.results import Evaluation
from missing_protocol.service.app import create_app
from missing_protocol.service.registry import parse_as_of
from missing_protocol.service.view import CONTENT_SECURITY_POLICY, render_view
from missing_protocol.service.view_svg import CHANGE_COLOUR, COLOURS

ROOT = Path(__file__).resolve().parent.parent
TWO_EPISODES = ROOT / "tests" / "data" / "service" / "two_episodes.yaml"
AS_OF = "2024-04-05T12:00"


REGRADED = ROOT / "tests" / "data" / "service" / "regraded.yaml"


def two_episodes(path: Path = TWO_EPISODES) -> tuple[str, Evaluation]:
    protocol = load_protocol("camden")
    timeline = load_timeline(path)
    evaluation = evaluate(protocol, timeline, parse_as_of(AS_OF))
    return render_view(protocol, timeline, evaluation), evaluation


class _Page(HTMLParser):
    """Counts what the tests look for: classes, details ids, links and loaded resources."""

    def __init__(self) -> None:
        super().__init__()
        self.classes: Counter[str] = Counter()
        self.details_ids: list[str] = []
        self.hrefs: list[str] = []
        self.sources: list[str] = []
        self.rows = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        for name in (found.get("class") or "").split():
            self.classes[name] += 1
        if tag == "details" and found.get("id"):
            self.details_ids.append(found["id"] or "")
        if found.get("href") is not None:
            self.hrefs.append(found["href"] or "")
        if found.get("src") is not None or tag == "link":
            self.sources.append(tag)
        if tag == "tr" and "action-row" in (found.get("class") or ""):
            self.rows += 1


def parse(html: str) -> _Page:
    page = _Page()
    page.feed(html)
    return page


def test_one_bar_per_episode_one_marker_per_action_and_upcoming() -> None:
    html, evaluation = two_episodes()
    page = parse(html)
    assert len(evaluation.episodes) == 2
    assert page.classes["bar"] == 2
    # 36: the example's foster placement is no residential home (issue 10: placement_type),
    # the return interview's record is sent to the police (send_rhi_records_to_police), and
    # the Emergency Team's duties out of hours (Camden 4.5)
    assert page.classes["action-marker"] == len(evaluation.actions) == 36
    assert page.classes["upcoming-marker"] == len(evaluation.upcoming) == 2
    assert page.classes["status-overdue"] == 2  # one marker and its table row
    assert page.classes["now"] == 1
    assert page.classes["report-tick"] == 2
    assert page.rows == 36
    assert page.details_ids == [f"action-{n}" for n in range(1, 37)]
    links = sorted(h for h in page.hrefs if h.startswith("#action-"))
    assert links == sorted(f"#{i}" for i in page.details_ids)
    assert page.sources == []  # nothing loaded: no scripts, images or styles from elsewhere
    assert "http://" not in html
    assert "https://" not in html


def test_explanation_has_rule_facts_arithmetic_and_the_protocols_words() -> None:
    html, evaluation = two_episodes()
    overdue = next(a for a in evaluation.actions if a.status.value == "overdue")
    start = html.index('<details id="action-15">')
    explanation = html[start : html.index("</details>", start)]
    assert overdue is evaluation.actions[14]
    assert "<dd>return_interview_72h (return_home_interview), must</dd>" in explanation
    assert (
        "<dt>Because</dt><dd><ul><li>category is one of [abducted, absconded, "
        "concerning_absence, missing] (value: missing)</li></ul></dd>"
    ) in explanation
    assert (
        "<dt>Deadline</dt><dd>within 72 hours of triggered: from triggered = "
        "Sun 31 Mar 2024 09:15 BST, counting elapsed hours; due Wed 03 Apr 2024 09:15 BST</dd>"
    ) in explanation
    assert f"<blockquote>{overdue.citation.quote}</blockquote>" in explanation.replace(
        "&#x27;", "'"
    )
    assert f"Camden Missing Children Protocol, section {overdue.citation.section}" in explanation


def test_cli_evaluate_format_html_is_the_same_page() -> None:
    out, err = io.StringIO(), io.StringIO()
    code = main(["evaluate", str(TWO_EPISODES), "--as-of", AS_OF, "--format", "html"], out, err)
    assert (code, err.getvalue()) == (0, "")
    assert out.getvalue() == two_episodes()[0]


def test_view_from_the_form_the_query_and_a_body() -> None:
    client = TestClient(create_app())
    form = client.get("/view")
    assert form.status_code == 200
    assert form.headers["content-type"] == "text/html; charset=utf-8"
    assert '<form method="post" action="/view">' in form.text
    assert form.text.count("<option ") == 5
    text = TWO_EPISODES.read_text(encoding="utf-8")
    expected = two_episodes()[0]
    posted = client.post("/view", data={"timeline": text, "protocol": "camden", "as_of": AS_OF})
    assert posted.status_code == 200
    assert posted.text == expected
    queried = client.get("/view", params={"timeline": text, "protocol": "camden", "as_of": AS_OF})
    assert queried.text == expected
    raw = client.post(f"/view?protocol=camden&as_of={AS_OF}", content=text)
    assert raw.text == expected
    # The page's one inline script is allowed by its hash; nothing may be loaded.
    script = expected.split("<script>", 1)[1].split("</script>", 1)[0]
    digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
    for response in (form, posted, queried, raw):
        assert response.headers["content-security-policy"] == (
            "default-src 'none'; style-src 'unsafe-inline'; "
            f"script-src 'sha256-{digest}'; form-action 'self'; base-uri 'none'; "
            "frame-ancestors 'none'"
        )


def test_changes_of_facts_are_marked_on_their_bars_and_listed_in_a_table() -> None:
    html, evaluation = two_episodes(REGRADED)
    page = parse(html)
    assert [len(result.changes) for result in evaluation.episodes] == [1, 1]
    assert page.classes["change-marker"] == 2
    assert page.classes["change-row"] == 2
    assert (
        '<g class="change-marker" data-change="1"><title>episode E-1 from Sat 30 Mar 2024 '
        "14:00 GMT: police risk re-graded to high; from then category missing, police risk "
        "high</title>"
    ) in html
    assert (
        "<title>episode E-2 from Fri 05 Apr 2024 08:00 BST: police risk re-graded to medium; "
        "from then category missing, police risk medium</title>"
    ) in html
    assert (
        "<table><caption>Changes of facts during episodes (2)</caption><thead><tr>"
        '<th scope="col">Episode</th><th scope="col">From</th><th scope="col">What changed</th>'
        '<th scope="col">Category from then</th><th scope="col">Police risk from then</th>'
        '</tr></thead><tbody><tr class="change-row"><th scope="row">E-1</th>'
        "<td>Sat 30 Mar 2024 14:00 GMT</td><td>police risk re-graded to high</td>"
        '<td>missing</td><td>high</td></tr><tr class="change-row"><th scope="row">E-2</th>'
        "<td>Fri 05 Apr 2024 08:00 BST</td><td>police risk re-graded to medium</td>"
        "<td>missing</td><td>medium</td></tr></tbody></table>"
    ) in html
    assert "2 episodes; 2 changes of facts; 41 required actions" in html
    # the marker stands on E-1's bar at the change: 16.5 of the bar's 34.75 hours
    bar = re.search(
        r'data-episode="E-1"><title>[^<]*</title><rect x="([\d.]+)" y="[\d.]+" '
        r'width="([\d.]+)"',
        html,
    )
    mark = re.search(
        r'<g class="change-marker" data-change="1"><title>episode E-1[^<]*'
        r'</title><line x1="([\d.]+)"',
        html,
    )
    assert bar is not None
    assert mark is not None
    left, width = float(bar[1]), float(bar[2])
    assert abs(float(mark[1]) - (left + width * 16.5 / 34.75)) < 0.15
    # the service's page is the same, under the same policy: nothing new is loaded or run
    posted = TestClient(create_app()).post(
        "/view",
        data={
            "timeline": REGRADED.read_text(encoding="utf-8"),
            "protocol": "camden",
            "as_of": AS_OF,
        },
    )
    assert posted.text == html
    assert posted.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    assert page.sources == []
    # an episode without changes: no marker, no table, nothing said
    plain = two_episodes()[0]
    assert parse(plain).classes["change-marker"] == 0
    assert "Changes of facts" not in plain
    assert "changes of facts" not in plain


def test_view_errors_are_problems() -> None:
    client = TestClient(create_app())
    no_protocol = client.get("/view", params={"timeline": "child: {}"})
    assert no_protocol.status_code == 400
    assert no_protocol.json()["detail"] == "protocol: give a protocol id"
    bad = client.post("/view", data={"timeline": "child: {}\nepisodes: []", "protocol": "camden"})
    assert bad.status_code == 422
    assert bad.headers["content-type"] == "application/problem+json"
    assert [p["path"] for p in bad.json()["problems"]] == [
        "child.date_of_birth",
        "child.id",
        "episodes",
    ]


# --- headless Chromium ------------------------------------------------------------------


def png_pixels(data: bytes) -> tuple[int, int, list[tuple[int, int, int]]]:
    """Width, height and RGB pixels of an 8-bit, non-interlaced RGB or RGBA PNG."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, header = 8, b"", b""
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]
        if kind == b"IHDR":
            header = body
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", header)
    assert (depth, interlace) == (8, 0)
    channels = {2: 3, 6: 4}[colour]
    raw = zlib.decompress(idat)
    stride = width * channels
    previous = bytearray(stride)
    pixels: list[tuple[int, int, int]] = []
    for y in range(height):
        kind = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1 : (y + 1) * (stride + 1)])
        for i in range(stride):
            left = line[i - channels] if i >= channels else 0
            up = previous[i]
            corner = previous[i - channels] if i >= channels else 0
            if kind == 1:
                line[i] = (line[i] + left) & 255
            elif kind == 2:
                line[i] = (line[i] + up) & 255
            elif kind == 3:
                line[i] = (line[i] + (left + up) // 2) & 255
            elif kind == 4:
                p = left + up - corner
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - corner)
                best = left if pa <= pb and pa <= pc else up if pb <= pc else corner
                line[i] = (line[i] + best) & 255
        pixels += [(line[i], line[i + 1], line[i + 2]) for i in range(0, stride, channels)]
        previous = line
    return width, height, pixels


def _rgb(colour: str) -> tuple[int, int, int]:
    return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)


def test_view_in_headless_chromium(tmp_path: Path) -> None:
    # the two episodes with changes of facts: every mark the view draws, changes included
    html, evaluation = two_episodes(REGRADED)
    page_file = tmp_path / "view.html"
    page_file.write_text(html, encoding="utf-8")
    dom = run_chromium(tmp_path, "--dump-dom", page_file.as_uri())
    rendered = parse(dom)
    assert rendered.classes["bar"] == len(evaluation.episodes)
    assert rendered.classes["action-marker"] == len(evaluation.actions)
    assert rendered.classes["upcoming-marker"] == len(evaluation.upcoming)
    assert rendered.classes["change-marker"] == rendered.classes["change-row"] == 2

    shot = tmp_path / "view.png"
    run_chromium(
        tmp_path,
        "--force-color-profile=srgb",
        "--hide-scrollbars",
        "--window-size=1100,1000",  # tall enough for both lanes
        f"--screenshot={shot}",
        page_file.as_uri(),
    )
    width, height, pixels = png_pixels(shot.read_bytes())
    assert (width, height) == (1100, 1000)
    counts = Counter(pixels)
    assert len(counts) > 50  # text, bars, markers: not a blank page
    # the background leaves at least 2% of the window to text, bars and markers
    assert counts.most_common(1)[0][1] < 0.98 * len(pixels)
    for status in ("met", "met_late", "due", "overdue"):  # each status's marker is drawn
        assert counts[_rgb(COLOURS[status])] > 20, status
    assert counts[_rgb(CHANGE_COLOUR)] > 20  # and the changes' marks on the bars
