"""The local history across runs, the hand-off report (HTML in headless Chromium, Markdown
snapshot), and usage totals."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.support import DATA
from tests.support.fake_openai import FakeOpenAI, finding
from tests.support.repos import GitRepo, run_cli

SRC = """def average(values):
    return sum(values) / len(values)


def discount(total, percent):
    return total - total * percent / 10
"""
FIXED = SRC.replace(
    "return sum(values) / len(values)", "return sum(values) / len(values) if values else 0.0"
)
DIV = finding(
    "stats.py",
    2,
    title="Division by zero on an empty list",
    fix={"find": "    return sum(values) / len(values)", "replace": "    return 0.0"},
)
DISC = finding("stats.py", 6, severity="warning", title="Discount divides by 10, not 100")


def commit_at(repo: GitRepo, message: str, day: int) -> str:
    when = f"2026-03-{day:02d}T10:00:00+00:00"
    repo.git("add", "-A")
    repo.git(
        "commit", "-q", "-m", message, env={"GIT_AUTHOR_DATE": when, "GIT_COMMITTER_DATE": when}
    )
    return repo.git("rev-parse", "HEAD").strip()


@pytest.fixture
def worked(repo: GitRepo, llm: FakeOpenAI, capsys, monkeypatch) -> GitRepo:
    """v1.0, then three commits of work, reviewed twice: after the second commit (two findings) and
    after the third, which fixes the division (one resolved, one still present)."""
    repo.write("README.md", "# shop\n")
    commit_at(repo, "start", 1)
    repo.git("tag", "v1.0")
    repo.write("stats.py", SRC)
    commit_at(repo, "add statistics", 3)
    repo.write("notes.txt", "todo\n")
    commit_at(repo, "notes", 4)
    llm.default = {"findings": [DIV, DISC]}
    code, out, err = run_cli(
        ["review", "--base", "v1.0", "--format", "json"], repo.root, capsys, monkeypatch
    )
    first = json.loads(out)
    assert {f["status"] for f in first["findings"]} == {"new"}
    repo.write("stats.py", FIXED)
    commit_at(repo, "guard the empty list", 6)
    llm.default = {"findings": [DISC]}
    code, out, err = run_cli(
        ["review", "--base", "v1.0", "--format", "json"], repo.root, capsys, monkeypatch
    )
    assert [f["status"] for f in json.loads(out)["findings"]] == ["still present"]
    return repo


def test_history_marks_fixed_findings_resolved(worked: GitRepo) -> None:
    from codepilot.output import history

    with history.opened() as db:
        rows = {r["title"]: r["status"] for r in db.execute("SELECT title, status FROM findings")}
        assert rows == {
            "Division by zero on an empty list": "resolved",
            "Discount divides by 10, not 100": "still present",
        }
        assert len(history.runs(db)) == 2


def test_no_history_opt_out(repo: GitRepo, llm: FakeOpenAI, capsys, monkeypatch) -> None:
    repo.write("a.py", "A = 1\n")
    repo.commit("base")
    repo.write("a.py", "A = 2\n")
    run_cli(["review", "--no-history"], repo.root, capsys, monkeypatch)
    from codepilot.output import history

    with history.opened() as db:
        assert history.runs(db) == []


def _normalise(text: str, repo: GitRepo) -> str:
    for sha in repo.git("log", "--all", "--format=%H").split():
        text = text.replace(sha[:10], "<sha>")
    return text.replace(f"# {repo.root.name}:", "# <repo>:")


def test_markdown_report_snapshot(worked: GitRepo, capsys, monkeypatch) -> None:
    code, out, err = run_cli(
        ["report", "--base", "v1.0", "--format", "markdown", "--no-ai"],
        worked.root,
        capsys,
        monkeypatch,
    )
    assert code == 0, err
    snapshot = DATA / "report.md"
    got = _normalise(out, worked)
    if os.environ.get("UPDATE_SNAPSHOTS"):
        snapshot.write_text(got)
    assert got == snapshot.read_text()


def test_report_summary_by_the_model(worked: GitRepo, llm: FakeOpenAI, capsys, monkeypatch) -> None:
    llm.default = {"summary": "Statistics were added; one problem is fixed, one is still open."}
    code, out, _ = run_cli(
        ["report", "--base", "v1.0", "--format", "markdown"], worked.root, capsys, monkeypatch
    )
    assert code == 0 and "Statistics were added; one problem is fixed" in out
    facts = llm.history[-1]["messages"][1]["content"]
    assert "Discount divides by 10, not 100" in facts and "guard the empty list" in facts


def test_report_of_an_unreviewed_range_says_so(repo: GitRepo, capsys, monkeypatch) -> None:
    repo.write("a.py", "A = 1\n")
    commit_at(repo, "one", 1)
    repo.git("tag", "v1")
    repo.write("a.py", "A = 2\n")
    commit_at(repo, "two", 2)
    code, out, err = run_cli(["report", "--format", "markdown"], repo.root, capsys, monkeypatch)
    assert code == 0 and "not been reviewed" in out and "Since the latest tag, v1" in out
    # no developer hints for the client
    assert "no model configured" in err and "--model" not in out


def test_report_credits_exactly_the_content_reviewed(
    repo: GitRepo, llm: FakeOpenAI, capsys, monkeypatch
) -> None:
    repo.write("README.md", "# shop\n")
    commit_at(repo, "start", 1)
    repo.git("tag", "v1")
    repo.write("stats.py", SRC)
    repo.git("add", "stats.py")
    llm.default = {"findings": []}
    # reviewed at commit time
    code, _, err = run_cli(["hook", "run"], repo.root, capsys, monkeypatch)
    assert code == 0, err
    commit_at(repo, "stats", 2)
    code, out, _ = run_cli(
        ["report", "--format", "json", "--no-ai"], repo.root, capsys, monkeypatch
    )
    doc = json.loads(out)
    assert (
        doc["version"] == 1
        and doc["base"] == "v1"
        and doc["head"] == "HEAD"
        and len(doc["head_sha"]) == 40
    )
    assert [(f["path"], f["reviewed"]) for f in doc["files"]] == [("stats.py", True)]
    assert doc["reviews"][0]["source"] == "staged changes" and doc["reviews"][0]["files"] == [
        "stats.py"
    ]
    # changed again after the review: the delivered content is not what was reviewed
    repo.write("stats.py", FIXED)
    commit_at(repo, "fix", 3)
    repo.write("other.py", "X = 1\n")  # someone reviews something else
    run_cli(["review", "other.py"], repo.root, capsys, monkeypatch)
    code, out, _ = run_cli(
        ["report", "--format", "json", "--no-ai"], repo.root, capsys, monkeypatch
    )
    doc = json.loads(out)
    assert [(f["path"], f["reviewed"]) for f in doc["files"]] == [("stats.py", False)] and doc[
        "reviews"
    ] == []
    code, out, _ = run_cli(
        [
            "report",
            "--format",
            "markdown",
            "--no-ai",
            "--title",
            "Delivery 3",
            "--client",
            "ACME",
            "--hide-cost",
            "--hide-model",
        ],
        repo.root,
        capsys,
        monkeypatch,
    )
    assert "# Delivery 3" in out and "ACME" in out and "$" not in out and "not been reviewed" in out


def test_report_without_a_tag_covers_the_first_commit(repo: GitRepo, capsys, monkeypatch) -> None:
    repo.write("a.py", "A = 1\n")
    commit_at(repo, "one", 1)
    code, out, _ = run_cli(
        ["report", "--format", "json", "--no-ai"], repo.root, capsys, monkeypatch
    )
    doc = json.loads(out)
    assert code == 0 and [f["path"] for f in doc["files"]] == ["a.py"] and len(doc["commits"]) == 1


def _chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        if shutil.which(name):
            return shutil.which(name)
    if os.environ.get("CODEPILOT_REQUIRE_CHROMIUM"):
        pytest.fail("Chromium is required here (CODEPILOT_REQUIRE_CHROMIUM) but not installed")
    pytest.skip("no Chromium on this machine (.ci/run installs Debian's chromium)")


FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def test_html_report_in_headless_chromium(
    worked: GitRepo, capsys, monkeypatch, tmp_path: Path
) -> None:
    browser = _chromium()
    out_file = tmp_path / "delivery.html"
    code, _, err = run_cli(
        ["report", "--base", "v1.0", "--no-ai", "-o", str(out_file)],
        worked.root,
        capsys,
        monkeypatch,
    )
    assert code == 0, err
    html = out_file.read_text()
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", html)  # self-contained
    assert "<script" not in html
    dom = subprocess.run(
        [
            browser,
            *FLAGS,
            f"--user-data-dir={tmp_path / 'profile'}",
            "--enable-logging=stderr",
            "--v=0",
            "--dump-dom",
            out_file.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    console = [ln for ln in dom.stderr.splitlines() if ":CONSOLE" in ln]
    assert console == []
    assert dom.stdout.count("<svg") == 3 and "Division by zero on an empty list" in dom.stdout
    assert "resolved since" in dom.stdout and "still open" in dom.stdout
    pdf = tmp_path / "delivery.pdf"
    subprocess.run(
        [
            browser,
            *FLAGS,
            f"--user-data-dir={tmp_path / 'profile2'}",
            f"--print-to-pdf={pdf}",
            "--no-pdf-header-footer",
            out_file.as_uri(),
        ],
        capture_output=True,
        timeout=120,
    )
    pages = len(re.findall(rb"/Type\s*/Page[^s]", pdf.read_bytes()))
    assert 1 <= pages <= 6


def test_usage_totals_equal_the_recorded_runs(worked: GitRepo, capsys, monkeypatch) -> None:
    from codepilot.output import history

    with history.opened() as db:
        runs = history.runs(db)
    code, out, _ = run_cli(
        ["usage", "--format", "json", "--by", "day"], worked.root, capsys, monkeypatch
    )
    doc = json.loads(out)
    total = doc["total"]
    assert total["runs"] == len(runs) == 2
    assert total["prompt_tokens"] == sum(r["prompt_tokens"] for r in runs) > 0
    assert total["completion_tokens"] == sum(r["completion_tokens"] for r in runs)
    assert abs(total["cost_usd"] - sum(r["cost_usd"] or 0 for r in runs)) < 1e-9
    code, out, _ = run_cli(["usage"], worked.root, capsys, monkeypatch)
    assert code == 0 and "total" in out


def test_report_judges_each_finding_against_the_delivered_content(
    repo: GitRepo, llm: FakeOpenAI, capsys, monkeypatch
) -> None:
    """Issue 23, item 3: statuses by content, not shared across sources; findings of the work tree
    only never appear; every run a finding comes from is listed; deletions and pure renames said as
    such."""
    import json

    repo.write("README.md", "# shop\n")
    repo.write("old.py", "X = 1\n")
    repo.write("keep.py", "Y = 1\n" * 12)
    commit_at(repo, "start", 1)
    repo.git("tag", "v1")
    repo.write("stats.py", SRC)
    repo.git("rm", "-q", "old.py")
    repo.git("mv", "keep.py", "kept.py")
    commit_at(repo, "stats", 2)
    llm.default = {"findings": [finding("stats.py", 2, title="Division by zero on an empty list")]}
    code, _, err = run_cli(["review", "--commit", "HEAD"], repo.root, capsys, monkeypatch)
    assert code == 1, err
    # uncommitted: the error fixed, and a new line with a problem of its own, reviewed from the work
    # tree
    repo.write(
        "stats.py",
        SRC.replace("return sum(values) / len(values)", "return sum(values) / max(len(values), 1)")
        + "\n\ndef leak():\n    return open('x')\n",
    )
    llm.default = {"findings": [finding("stats.py", 14, title="File never closed")]}
    run_cli(["review"], repo.root, capsys, monkeypatch)
    code, out, err = run_cli(
        ["report", "--format", "json", "--no-ai"], repo.root, capsys, monkeypatch
    )
    doc = json.loads(out)
    statuses = {f["title"]: f["status"] for f in doc["findings"]}
    # as delivered (HEAD)
    assert statuses == {"Division by zero on an empty list": "open"}, statuses
    assert len(doc["reviews"]) == 1 and doc["reviews"][0]["source"].startswith("commit")
    states = {f["path"]: f for f in doc["files"]}
    assert (
        states["old.py"]["status"] == "deleted"
        and states["kept.py"]["status"] == "renamed (content unchanged)"
    )
    code, out, err = run_cli(
        ["report", "--format", "markdown", "--no-ai"], repo.root, capsys, monkeypatch
    )
    # the deletion and the rename are not "unreviewed"
    assert "reviewable file(s) were reviewed" not in out, out
