"""Every `--format` from a result made by hand (output/*.py): renderers read the result and nothing
of the pipeline. An incomplete run says so in each format and never reads as "no findings"; markup
in a finding's text stays text; SARIF validates against the 2.1.0 schema."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from codepilot.output import MODULES, render_review
from codepilot.output.results import RequestError, ReviewResult, Stats
from codepilot.source.changes import ChangeSet
from codepilot.source.diff import Source
from codepilot.tools.checks import CheckRun
from tests.support import DATA
from tests.support.findings import make_finding

SOURCE = Source("range", "a" * 40, "b" * 40, "v1..v2")


def _result(findings: int = 1, failed: int = 0, planned: int = 2) -> ReviewResult:
    found = []
    for i in range(findings):
        f = make_finding(f"f{i}", 3 + i, "Division by zero <b>bold</b>", "error", 4 + i)
        f.body = "Explained `x`; 100% sure."
        found.append(f)
    errors = [RequestError(f"r{i + 2}", ["b.py"], "timed out") for i in range(failed)]
    return ReviewResult(
        "v1..v2",
        "openai:m",
        found,
        errors,
        Stats(requests=planned, planned=planned, sent=planned),
        ChangeSet(SOURCE, [], []),
        Path("/nowhere"),
        reviewed_paths=["a.py"] if failed < planned else [],
        checks=[CheckRun("ruff", "ran", "", 0, 0.1)],
    )


@pytest.mark.parametrize("fmt", list(MODULES))
def test_an_incomplete_run_says_so_in_every_format(fmt: str) -> None:
    out = render_review(_result(findings=0, failed=1), fmt)
    # only ever qualified: "no findings in the part that was reviewed"
    assert "no findings" not in out.lower().replace("no findings in the part that was reviewed", "")
    if fmt in ("json", "sarif", "gitlab"):
        return  # machine formats: their own fields say it (below)
    assert "INCOMPLETE" in out and "timed out" in out


@pytest.mark.parametrize("fmt", ["text", "markdown", "github"])
def test_a_complete_run_without_findings_says_no_findings(fmt: str) -> None:
    assert "no findings" in render_review(_result(findings=0, planned=1), fmt)


def test_json_is_the_contracts_shape() -> None:
    doc = json.loads(render_review(_result(failed=1), "json"))
    assert {"version", "source", "model", "findings", "errors", "stats", "skipped"} <= doc.keys()
    (f,) = doc["findings"]
    assert (f["id"], f["path"], f["line"], f["end_line"], f["severity"]) == (
        "f0",
        "a.py",
        3,
        4,
        "error",
    )
    assert doc["errors"] == [{"request": "r2", "paths": ["b.py"], "error": "timed out"}]
    assert doc["checks"][0]["name"] == "ruff"


def test_sarif_validates_and_an_incomplete_run_is_unsuccessful() -> None:
    schema = json.loads((DATA / "sarif-schema-2.1.0.json").read_text())
    doc = json.loads(render_review(_result(failed=1), "sarif"))
    jsonschema.validate(doc, schema)
    run = doc["runs"][0]
    (result,) = run["results"]
    region = result["locations"][0]["physicalLocation"]["region"]
    assert (result["ruleId"], result["level"]) == ("bug", "error")
    assert (region["startLine"], region["endLine"]) == (3, 4)
    assert run["invocations"][0]["executionSuccessful"] is False
    complete = json.loads(render_review(_result(), "sarif"))
    jsonschema.validate(complete, schema)
    assert complete["runs"][0]["invocations"][0]["executionSuccessful"] is True


def test_gitlab_code_quality() -> None:
    (issue,) = json.loads(render_review(_result(), "gitlab"))
    assert issue["severity"] == "critical" and issue["fingerprint"] == "f0"
    assert issue["location"] == {"path": "a.py", "lines": {"begin": 3, "end": 4}}


def test_github_annotations_escape_their_properties_and_data() -> None:
    out = render_review(_result(failed=1), "github").split("\n")
    assert out[0].startswith("::error file=a.py,line=3,endLine=4,title=bug%3A Division by zero")
    assert out[0].endswith("::Explained `x`; 100%25 sure.")
    assert out[1] == "::error title=codepilot%3A not reviewed::r2 (b.py): timed out"


def test_markup_in_a_finding_stays_text_in_markdown() -> None:
    out = render_review(_result(), "markdown")
    assert "<b>" not in out and "&lt;b&gt;bold&lt;/b&gt;" in out
