"""The CI files codepilot writes (`init --github/--gitlab/--bitbucket/--azure`) and the copies in
`examples/` validate against SchemaStore's schemas for those files (vendored by check-jsonschema, so
offline), and say the same thing (issue 27, item 9)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.support import ROOT
from tests.support.repos import GitRepo, run_cli

# init flag -> (file it writes, the example beside it, SchemaStore schema)
PIPELINES = {
    "--github": (
        ".github/workflows/codepilot.yml",
        "github-workflow.yml",
        "vendor.github-workflows",
    ),
    "--gitlab": (".gitlab-ci.yml", "gitlab-ci.yml", "vendor.gitlab-ci"),
    "--bitbucket": (
        "bitbucket-pipelines.yml",
        "bitbucket-pipelines.yml",
        "vendor.bitbucket-pipelines",
    ),
    "--azure": ("azure-pipelines.yml", "azure-pipelines.yml", "vendor.azure-pipelines"),
}


def _valid(path: Path, schema: str) -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "check_jsonschema",
            "--regex-variant",
            "python",
            "--builtin-schema",
            schema,
            str(path),
        ],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.parametrize("flag", list(PIPELINES))
def test_init_writes_a_pipeline_its_schema_accepts(
    flag: str, repo: GitRepo, capsys, monkeypatch
) -> None:
    written, example, schema = PIPELINES[flag]
    code, out, err = run_cli(["init", flag], repo.root, capsys, monkeypatch)
    assert code == 0, err
    _valid(repo.root / written, schema)
    _valid(ROOT / "examples" / example, schema)
    copy = (ROOT / "examples" / example).read_text()
    # a copy of what init writes, but for that line
    if "what `codepilot init" in copy.splitlines()[0]:
        assert copy.splitlines()[1:] == (repo.root / written).read_text().splitlines()[1:]
