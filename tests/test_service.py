"""The decision service through the ASGI test client: every endpoint and every error shape."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from openapi_spec_validator import validate

from missing_protocol import (
    __version__,
    bundled_protocol_ids,
    compare_scenario,
    evaluate,
    evaluate_placement,
    evaluation_json_schema,
    explain_action,
    load_protocol,
    parse_timeline,
    to_jsonable,
)
from missing_protocol.cli import main
from missing_protocol.compare.render import comparison_jsonable
from missing_protocol.errors import TimelineError
from missing_protocol.schema import RuleFile
from missing_protocol.service.app import create_app
from missing_protocol.service.body import parse_record
from missing_protocol.service.examples import EXAMPLE_TIMELINE
from missing_protocol.service.registry import parse_as_of
from missing_protocol.service.settings import Settings
from missing_protocol.timeline import Timeline

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE_YAML = (ROOT / "examples" / "camden_looked_after_child.yaml").read_text(encoding="utf-8")
AS_OF = "2024-04-05T12:00"
PROBLEM = "application/problem+json"
TYPE = "https://missing-protocol.invalid/problems/"


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient]:
    with TestClient(create_app(Settings(max_body_bytes=4000, max_batch_bytes=20000))) as c:
        yield c


def expected_evaluation(protocol_id: str = "camden", timeline: str = EXAMPLE_YAML) -> Any:
    return to_jsonable(
        evaluate(load_protocol(protocol_id), parse_timeline(timeline), parse_as_of(AS_OF))
    )


def problem(status: int, code: str, title: str, detail: str, instance: str, **more: Any) -> Any:
    return {
        "type": TYPE + code,
        "title": title,
        "status": status,
        "detail": detail,
        "instance": instance,
        "code": code,
        "problems": more.pop("problems", []),
        **more,
    }


# --- what is served ---------------------------------------------------------------


def test_health(client: TestClient) -> None:
    response = client.get("/health")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "version": __version__,
        "protocols": len(bundled_protocol_ids()),
    }


def test_protocols_lists_every_bundled_protocol(client: TestClient) -> None:
    listed = client.get("/protocols").json()["protocols"]
    assert [p["id"] for p in listed] == list(bundled_protocol_ids())
    camden = load_protocol("camden")
    assert listed[[p["id"] for p in listed].index("camden")] == {
        "id": "camden",
        "title": camden.title,
        "version": camden.version,
        "effective": "2018-01-01",
        "rules": len(camden.rules),
    }


def test_one_protocol_has_its_rules_with_citations(client: TestClient) -> None:
    data = client.get("/protocols/camden").json()
    camden = load_protocol("camden")
    assert [r["id"] for r in data["rules"]] == [r.id for r in camden.rules]
    assert [c["id"] for c in data["categories"]] == [c.id for c in camden.categories]
    assert data["rules"][0] == {
        "id": "report_missing",
        "topic": "reporting",
        "action": "report_to_police",
        "obligation": "must",
        "responsible": None,
        "allocation": "who_reports",
        "recipients": [None],
        "when": "category is missing and missing_from is not one of [care_placement]",
        "trigger": "when the child is noticed missing (last seen, if not recorded)",
        "deadline": "immediately",
        "satisfied_by": ["completed", "declined", "done", "offered"],
        "citation": {
            "section": "6.1",
            "quote": "All children missing under these circumstances must be reported to the "
            "police immediately.",
        },
        "see_also": [],
        "note": camden.rule("report_missing").note,
        "source": str(load_protocol("camden").rule("report_missing").source),
    }


def test_unknown_protocol_is_404(client: TestClient) -> None:
    response = client.get("/protocols/nowhere")
    assert response.status_code == 404
    assert response.headers["content-type"] == PROBLEM
    known = ", ".join(bundled_protocol_ids())
    assert response.json() == problem(
        404,
        "protocol.unknown",
        "No such protocol",
        f"no protocol 'nowhere' here; the protocols served are: {known}",
        "/protocols/nowhere",
    )


def test_a_protocol_id_is_never_a_path(client: TestClient) -> None:
    response = client.post("/evaluate?protocol=rules/camden.yaml", content=EXAMPLE_YAML)
    assert response.status_code == 404
    assert response.json()["code"] == "protocol.unknown"


# --- evaluation ---------------------------------------------------------------------


def test_evaluate_json_body_gives_the_libraries_json(client: TestClient) -> None:
    response = client.post(f"/evaluate?protocol=camden&as_of={AS_OF}", json=EXAMPLE_TIMELINE)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.json() == expected_evaluation()
    assert len(response.json()["actions"]) == 20  # foster placement: no registration authority;
    # out of hours: the EDT's two duties on location (4.5)


def test_evaluate_yaml_body(client: TestClient) -> None:
    response = client.post(
        f"/evaluate?protocol=brent&as_of={AS_OF}",
        content=EXAMPLE_YAML,
        headers={"content-type": "application/yaml"},
    )
    assert response.status_code == 200
    assert response.json() == expected_evaluation("brent")


def test_bad_timeline_is_422_with_every_problem(client: TestClient) -> None:
    body = '{"child": {"id": "C-1"},\n "episodes": [{"id": "E-1", "started_at": "soon"}]}'
    response = client.post("/evaluate?protocol=camden", content=body)
    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM
    assert response.json() == problem(
        422,
        "timeline.invalid",
        "The timeline cannot be evaluated",
        "2 problems in the timeline",
        "/evaluate",
        problems=[
            {
                "code": "schema.missing_field",
                "message": "missing required field 'date_of_birth'; add it",
                "in": "body",
                "path": "child.date_of_birth",
                "line": 1,
                "column": 2,
            },
            {
                "code": "schema.invalid_moment",
                "message": "expected a date-time such as 2024-03-29T21:30 (London time) or "
                "2024-03-29T21:30+01:00, got text",
                "in": "body",
                "path": "episodes[0].started_at",
                "line": 2,
                "column": 43,
            },
        ],
    )
    assert "soon" not in response.text  # timeline values are never repeated


def test_bad_as_of_is_400(client: TestClient) -> None:
    response = client.post("/evaluate?protocol=camden&as_of=yesterday", content=EXAMPLE_YAML)
    assert response.status_code == 400
    assert response.headers["content-type"] == PROBLEM
    assert response.json() == problem(
        400,
        "request.bad_as_of",
        "as_of is not an ISO 8601 date-time",
        "as_of: expected an ISO 8601 date-time such as 2024-04-05T12:00 "
        "(no offset means London time)",
        "/evaluate",
        problems=[
            {
                "code": "request.bad_as_of",
                "message": "expected an ISO 8601 date-time",
                "in": "query",
                "path": "as_of",
            }
        ],
    )


def test_missing_protocol_parameter_is_400(client: TestClient) -> None:
    response = client.post("/evaluate", content=EXAMPLE_YAML)
    assert response.status_code == 400
    assert response.json() == problem(
        400,
        "request.invalid",
        "The request's parameters are wrong",
        "1 problem in the query",
        "/evaluate",
        problems=[
            {
                "code": "request.missing",
                "message": "Field required",
                "in": "query",
                "path": "protocol",
            }
        ],
    )


def test_body_past_the_limit_is_413(client: TestClient) -> None:
    expected = problem(
        413,
        "request.body_too_large",
        "The body is larger than this service accepts",
        "the body is larger than the limit of 4000 bytes",
        "/evaluate",
    )
    declared = client.post("/evaluate?protocol=camden", content="#" * 4001)
    assert declared.status_code == 413
    assert declared.headers["content-type"] == PROBLEM
    assert declared.json() == expected

    def chunks() -> Iterator[bytes]:  # no Content-Length: the bytes are counted as they come
        for _ in range(5):
            yield b"#" * 1000

    streamed = client.post("/evaluate?protocol=camden", content=chunks())
    assert streamed.status_code == 413
    assert streamed.json() == expected
    at_limit = client.post("/evaluate?protocol=camden", content="#" * 4000)
    assert at_limit.status_code == 422  # read, and found empty of YAML


def test_body_not_utf8_is_400(client: TestClient) -> None:
    response = client.post("/evaluate?protocol=camden", content=b"\xff\xfe")
    assert response.status_code == 400
    assert response.json() == problem(
        400,
        "request.not_utf8",
        "The body is not UTF-8 text",
        "the body must be UTF-8 text",
        "/evaluate",
    )


def test_timeline_a_protocol_cannot_evaluate_is_422(client: TestClient) -> None:
    data = json.loads(json.dumps(EXAMPLE_TIMELINE))
    data["episodes"][0]["category"] = "no_such_category"
    response = client.post("/evaluate?protocol=camden", json=data)
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "timeline.invalid"
    assert [(p["code"], p["path"]) for p in body["problems"]] == [
        ("timeline.unknown_category", "episodes[0].category")
    ]


def test_explain_gives_the_clis_explanation(client: TestClient) -> None:
    evaluation = evaluate(load_protocol("camden"), parse_timeline(EXAMPLE_YAML), parse_as_of(AS_OF))
    action = evaluation.actions[8]
    response = client.post(
        f"/explain?protocol=camden&as_of={AS_OF}&action={action.id}", content=EXAMPLE_YAML
    )
    assert response.status_code == 200
    data = response.json()
    assert data["explanation"] == explain_action(load_protocol("camden"), evaluation, action.id)
    assert data["action"] == to_jsonable(evaluation)["actions"][8]
    assert (data["protocol_id"], data["child_id"], data["as_of"]) == (
        "camden",
        "C-1001",
        "2024-04-05T12:00:00+01:00",
    )


def test_explain_unknown_action_is_404(client: TestClient) -> None:
    response = client.post(
        f"/explain?protocol=camden&as_of={AS_OF}&action=nope", content=EXAMPLE_YAML
    )
    assert response.status_code == 404
    assert response.json() == problem(
        404,
        "action.unknown",
        "No such action in this evaluation",
        "no action 'nope' in this evaluation; run 'evaluate' to list the ids",
        "/explain",
    )


# --- batch ----------------------------------------------------------------------------


def _lines(response: Any) -> list[dict[str, Any]]:
    return [json.loads(line) for line in response.text.splitlines()]


def test_batch_streams_one_line_per_record_and_protocol(client: TestClient) -> None:
    good = json.dumps(EXAMPLE_TIMELINE)
    other = json.loads(good)
    other["child"]["id"] = "C-2002"
    bad = '{"child": {"id": "C-3003"}, "episodes": [{"id": "E-1"}]}'
    cut_short = '{"child": {"id": "C-4"}'
    body = "\n".join([good, "", cut_short, bad, json.dumps(other)]) + "\n"
    response = client.post(
        f"/evaluate/batch?protocol=camden&protocol=brent&as_of={AS_OF}", content=body
    )
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/x-ndjson"
    lines = _lines(response)
    assert lines[0] == expected_evaluation("camden", good)
    assert lines[1] == expected_evaluation("brent", good)
    assert lines[2] == problem(
        422,
        "timeline.invalid",
        "The timeline cannot be evaluated",
        "1 problem in the timeline",
        "/evaluate/batch",
        problems=[
            {
                "code": "yaml.syntax",
                "message": "not valid YAML or JSON: did not find expected ',' or '}'",
                "in": "body",
                "path": "",
                "line": 3,
                "column": 24,
            }
        ],
        line=3,
    )
    assert lines[3]["line"] == 4
    assert lines[3]["record"] == "C-3003"
    assert [(p["code"], p["path"], p["line"]) for p in lines[3]["problems"]] == [
        ("schema.missing_field", "child.date_of_birth", 4),
        ("schema.missing_field", "episodes[0].started_at", 4),
    ]
    assert lines[4] == expected_evaluation("camden", json.dumps(other))
    assert lines[5]["child_id"] == "C-2002"
    assert len(lines) == 6


def test_batch_line_past_the_limit_is_a_problem_line(client: TestClient) -> None:
    long_line = json.dumps({**EXAMPLE_TIMELINE, "events": EXAMPLE_TIMELINE["events"] * 40})
    body = long_line + "\n" + json.dumps(EXAMPLE_TIMELINE) + "\n"
    lines = _lines(client.post(f"/evaluate/batch?protocol=camden&as_of={AS_OF}", content=body))
    assert lines[0] == problem(
        413,
        "request.body_too_large",
        "The body is larger than this service accepts",
        "the body is larger than the limit of 4000 bytes",
        "/evaluate/batch",
        line=1,
        record="C-1001",
    )
    assert lines[1]["child_id"] == "C-1001"
    assert len(lines) == 2


def test_batch_refuses_a_body_past_its_limit_and_unknown_protocols(client: TestClient) -> None:
    too_big = client.post("/evaluate/batch?protocol=camden", content="\n" * 20001)
    assert too_big.status_code == 413
    assert too_big.json()["detail"] == "the body is larger than the limit of 20000 bytes"
    unknown = client.post("/evaluate/batch?protocol=camden&protocol=nope", content="\n")
    assert unknown.status_code == 404
    assert unknown.json()["code"] == "protocol.unknown"
    none = client.post("/evaluate/batch", content="\n")
    assert none.status_code == 400
    assert none.json()["problems"][0]["path"] == "protocol"


# --- comparison -------------------------------------------------------------------------


def test_compare_one_timeline_under_several_protocols(client: TestClient) -> None:
    response = client.post(
        f"/compare?protocol=camden&protocol=brent&as_of={AS_OF}", content=EXAMPLE_YAML
    )
    assert response.status_code == 200
    protocols = [load_protocol("camden"), load_protocol("brent")]
    expected = compare_scenario(protocols, parse_timeline(EXAMPLE_YAML), parse_as_of(AS_OF))
    assert response.json() == comparison_jsonable(expected)
    assert response.json()["comparison"] == "scenario"


def test_compare_defaults_to_every_protocol(client: TestClient) -> None:
    data = client.post(f"/compare?as_of={AS_OF}", content=EXAMPLE_YAML).json()
    assert [p["id"] for p in data["protocols"]] == list(bundled_protocol_ids())


def test_compare_placement(client: TestClient) -> None:
    response = client.post(
        f"/compare?protocol=camden&placed_in=brent&as_of={AS_OF}", content=EXAMPLE_YAML
    )
    assert response.status_code == 200
    expected = evaluate_placement(
        load_protocol("camden"),
        load_protocol("brent"),
        parse_timeline(EXAMPLE_YAML),
        parse_as_of(AS_OF),
    )
    assert response.json() == comparison_jsonable(expected)


def test_compare_placement_needs_one_responsible_protocol(client: TestClient) -> None:
    response = client.post("/compare?protocol=camden&protocol=brent&placed_in=cumbria", content="")
    assert response.status_code == 400
    assert response.json() == problem(
        400,
        "request.conflicting_options",
        "The request's parameters do not fit together",
        "placed_in needs exactly one protocol (the responsible authority's)",
        "/compare",
    )
    assert client.post("/compare?placed_in=cumbria", content="").status_code == 400


# --- schemas and the OpenAPI document ------------------------------------------------------


@pytest.mark.parametrize(
    ("which", "schema"),
    [
        ("rules", RuleFile.model_json_schema()),
        ("timeline", Timeline.model_json_schema()),
        ("result", evaluation_json_schema()),
    ],
)
def test_schemas(client: TestClient, which: str, schema: dict[str, Any]) -> None:
    response = client.get(f"/schema/{which}")
    assert response.status_code == 200
    assert response.json() == schema


def test_unknown_schema_and_unknown_path_are_404(client: TestClient) -> None:
    response = client.get("/schema/everything")
    assert response.status_code == 404
    assert response.json() == problem(
        404,
        "request.not_found",
        "Nothing here",
        "nothing at /schema/everything",
        "/schema/everything",
        problems=[
            {
                "code": "request.literal_error",
                "message": "Input should be 'rules', 'timeline' or 'result'",
                "in": "path",
                "path": "which",
            }
        ],
    )
    nowhere = client.get("/nowhere")
    assert nowhere.status_code == 404
    assert nowhere.json() == problem(
        404, "request.not_found", "Nothing here", "nothing at /nowhere", "/nowhere"
    )
    wrong_method = client.get("/evaluate")
    assert wrong_method.status_code == 405
    assert wrong_method.json()["code"] == "request.method_not_allowed"
    assert wrong_method.headers["allow"] == "POST"


def test_openapi_document_validates_and_has_examples(client: TestClient) -> None:
    document = client.get("/openapi.json").json()
    validate(document)
    assert sorted(document["paths"]) == [
        "/compare",
        "/evaluate",
        "/evaluate/batch",
        "/explain",
        "/health",
        "/protocols",
        "/protocols/{protocol_id}",
        "/schema/{which}",
        "/view",
    ]
    evaluate_op = document["paths"]["/evaluate"]["post"]
    body = evaluate_op["requestBody"]["content"]["application/json"]
    assert body["example"] == EXAMPLE_TIMELINE
    assert body["schema"] == {"$ref": "#/components/schemas/Timeline"}
    ok = evaluate_op["responses"]["200"]["content"]["application/json"]
    assert ok["example"] == expected_evaluation()
    assert sorted(evaluate_op["responses"]) == ["200", "400", "404", "413", "422"]
    assert "HTTPValidationError" not in json.dumps(document)
    assert client.get("/docs").status_code == 404  # no Swagger UI: it would load from a CDN
    schemas = document["components"]["schemas"]
    assert {"Timeline", "Evaluation", "ProblemDetails", "RequiredAction"} <= set(schemas)


# --- logs and failures ---------------------------------------------------------------------


def test_access_log_has_method_path_and_status_only(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="missing_protocol.service")
    client.post(f"/evaluate?protocol=camden&as_of={AS_OF}", content=EXAMPLE_YAML)
    client.get("/view", params={"protocol": "camden", "timeline": EXAMPLE_YAML})
    lines = [r.getMessage() for r in caplog.records if r.name == "missing_protocol.service.access"]
    assert [line.rsplit(" ", 1)[0] for line in lines] == ["POST /evaluate 200", "GET /view 200"]
    assert all(line.endswith("ms") for line in lines)
    logged = caplog.text
    assert "C-1001" not in logged
    assert "as_of" not in logged
    assert "camden" not in logged


def test_unexpected_error_is_a_500_problem_logged_by_type_only(
    client: TestClient, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    def crash(*_: object) -> None:
        raise RuntimeError("C-1001 was born on 2009-06-14")

    monkeypatch.setattr("missing_protocol.service.routes.evaluation.evaluate", crash)
    caplog.set_level(logging.INFO, logger="missing_protocol.service")
    response = client.post(f"/evaluate?protocol=camden&as_of={AS_OF}", content=EXAMPLE_YAML)
    assert response.status_code == 500
    assert response.json() == problem(
        500,
        "service.internal_error",
        "The service failed",
        "the service could not answer",
        "/evaluate",
    )
    batch = client.post(
        f"/evaluate/batch?protocol=camden&as_of={AS_OF}", content=json.dumps(EXAMPLE_TIMELINE)
    )
    assert _lines(batch) == [
        problem(
            500,
            "service.internal_error",
            "The service failed",
            "the service could not answer",
            "/evaluate/batch",
            line=1,
            record="C-1001",
        )
    ]
    messages = [r.getMessage() for r in caplog.records]
    assert "unexpected RuntimeError on POST /evaluate" in messages
    assert "unexpected RuntimeError on line 1 of a batch" in messages
    assert "2009-06-14" not in caplog.text


# --- settings ---------------------------------------------------------------------------------


def test_settings_from_the_environment() -> None:
    assert Settings.from_env({}) == Settings(1_048_576, 67_108_864)
    env = {"MISSING_PROTOCOL_MAX_BODY_BYTES": "10", "MISSING_PROTOCOL_MAX_BATCH_BYTES": "20"}
    assert Settings.from_env(env) == Settings(10, 20)
    with pytest.raises(ValueError, match=r"^MISSING_PROTOCOL_MAX_BODY_BYTES must be a whole "):
        Settings.from_env({"MISSING_PROTOCOL_MAX_BODY_BYTES": "1MB"})
    with pytest.raises(
        ValueError, match=r"^MISSING_PROTOCOL_MAX_BATCH_BYTES must be more than 0, got 0$"
    ):
        Settings.from_env({"MISSING_PROTOCOL_MAX_BATCH_BYTES": "0"})


def test_serve_refuses_bad_options() -> None:
    out, err = io.StringIO(), io.StringIO()
    assert main(["serve", "--workers", "0"], out, err) == 2
    assert err.getvalue().endswith(
        "missing-protocol serve: error: argument --workers: must be more than 0, got 0\n"
    )
    assert out.getvalue() == ""


def test_a_json_body_gives_what_the_full_reader_gives() -> None:
    text = json.dumps(EXAMPLE_TIMELINE)
    assert parse_record(text) == parse_timeline(text)
    duplicated = text.replace('"id": "C-1001"', '"id": "C-1001", "id": "C-1002"')
    with pytest.raises(TimelineError) as caught:
        parse_record(duplicated)
    assert [(p.code, p.path, p.line, p.column) for p in caught.value.problems] == [
        ("yaml.duplicate_key", "child.id", 1, 49)
    ]
