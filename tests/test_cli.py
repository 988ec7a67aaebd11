"""Each subcommand through the command-line entry point, with exact output where it is short."""

from __future__ import annotations

import io
import json
from pathlib import Path

from missing_protocol.cli import main

ROOT = Path(__file__).parent.parent
EXAMPLE = ROOT / "examples" / "camden_looked_after_child.yaml"
AS_OF = "2024-04-05T12:00"


def run(*argv: str, stdin: str = "") -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), stdout=out, stderr=err, stdin=io.StringIO(stdin))
    return code, out.getvalue(), err.getvalue()


def test_evaluate_json() -> None:
    code, out, err = run("evaluate", str(EXAMPLE), "--as-of", AS_OF)
    assert (code, err) == (0, "")
    data = json.loads(out)
    assert data["protocol_id"] == "camden"
    assert data["as_of"] == "2024-04-05T12:00:00+01:00"
    rhi = next(a for a in data["actions"] if a["rule_id"] == "return_interview_72h")
    assert rhi["due_at"] == "2024-04-03T09:15:00+01:00"
    assert rhi["status"] == "met_late"
    assert rhi["citation"]["section"] == "13.2"


def test_evaluate_reads_stdin() -> None:
    code, out, _ = run("evaluate", "-", "--as-of", AS_OF, stdin=EXAMPLE.read_text())
    assert code == 0
    assert json.loads(out)["child_id"] == "C-1001"


def test_evaluate_table() -> None:
    code, out, _ = run("evaluate", str(EXAMPLE), "--as-of", AS_OF, "--format", "table")
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "camden (version 4), child C-1001, as at Fri 05 Apr 2024 12:00 BST"
    assert lines[1] == (
        "episode E-1: missing, police risk medium, age 14, returned Sun 31 Mar 2024 09:15 BST"
    )
    assert lines[3].split() == ["STATUS", "DUE", "ACTION", "WHO", "TO", "EPISODE", "RULE"]
    assert any(
        line.split()[:1] == ["met_late"] and line.endswith("return_interview_72h") for line in lines
    )


def test_explain_shows_rule_facts_citation_and_arithmetic() -> None:
    code, out, _ = run(
        "explain", str(EXAMPLE), "camden:C-1001:E-1:return_interview_72h", "--as-of", AS_OF
    )
    assert code == 0
    assert out.splitlines()[:4] == [
        "Action camden:C-1001:E-1:return_interview_72h",
        "  return home interview (must), episode E-1 [return_home_interview]",
        "  responsible: the Children's Society [childrens_society]"
        " (rhi_conductor option 2: age >= 12)",
        "  status as at Fri 05 Apr 2024 12:00 BST: met_late (done Wed 03 Apr 2024 11:00 BST)",
    ]
    assert (
        "    - category: ‘Missing’ (tested: category is one of "
        "[abducted, absconded, concerning_absence, missing])\n"
    ) in out
    assert (
        "  in words: on return, if classed as ‘Abducted’, ‘Absconded’, ‘Concerning absence’ "
        "or ‘Missing’ or at least 3 ‘Unauthorised absence’ episodes in 1 month, this one "
        "included\n"
    ) in out
    assert "  rule: within 72 hours of triggered" in out
    assert "  arithmetic: elapsed hours" in out
    assert "  due: Wed 03 Apr 2024 09:15 BST" in out
    assert "  Camden Missing Children Protocol, section 13.2:" in out


def test_explain_unknown_action() -> None:
    code, out, err = run("explain", str(EXAMPLE), "nope", "--as-of", AS_OF)
    assert (code, out) == (1, "")
    assert err == "error: no action 'nope' in this evaluation; run 'evaluate' to list the ids\n"


def test_validate_valid_files() -> None:
    code, out, _ = run("validate", str(ROOT / "rules" / "camden.yaml"), str(EXAMPLE))
    assert code == 0
    lines = out.splitlines()
    assert lines[0].startswith(
        f"{ROOT / 'rules' / 'camden.yaml'}: valid rule file (camden version 4, "
    )
    assert lines[1] == f"{EXAMPLE}: valid timeline"


def test_protocols_lists_bundled() -> None:
    code, out, _ = run("protocols")
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split()[:4] == ["ID", "VERSION", "EFFECTIVE", "RULES"]
    camden = next(line for line in lines if line.startswith("camden "))
    assert camden.split()[1:3] == ["4", "2018-01-01"]


def test_schema_commands_print_json_schema() -> None:
    for which, title in (
        ("rules", "RuleFile"),
        ("timeline", "Timeline"),
        ("result", "missing_protocol evaluation"),
    ):
        code, out, _ = run("schema", which)
        assert code == 0
        assert json.loads(out)["title"] == title


def test_usage_error_exits_2() -> None:
    code, out, err = run("evaluate")
    assert (code, out) == (2, "")
    assert "the following arguments are required: timeline" in err


def test_bad_as_of_is_a_command_line_error() -> None:
    code, out, err = run("evaluate", str(EXAMPLE), "--as-of", "yesterday")
    assert (code, out) == (2, "")
    assert err == (
        "error: --as-of: expected an ISO 8601 date-time such as 2024-04-05T12:00 (London time) "
        "or 2024-04-05T12:00+01:00, got 'yesterday'\n"
    )


def test_unknown_protocol() -> None:
    code, _, err = run("evaluate", str(EXAMPLE), "--protocol", "narnia", "--as-of", AS_OF)
    assert code == 1
    assert err.startswith("error: no bundled protocol 'narnia'; the bundled ones are: ")


def test_check_properties_reports_each_law() -> None:
    code, out, _ = run("check-properties", str(ROOT / "tests" / "data" / "mini.yaml"))
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "ok    deadline_after_trigger"
    assert lines[-1] == "mini: 9 laws hold, 0 broken"


def test_verify_with_texts_checks_quotes(tmp_path: Path) -> None:
    (tmp_path / "camden.txt").write_text("a text that quotes nothing", encoding="utf-8")
    code, out, _ = run("verify", "camden", "--texts", str(tmp_path))
    assert code == 1
    assert "[verify.quote_not_found]" in out
