"""Terminal escapes never reach a terminal, a report or a file through codepilot (issue 28, item 8):
a fix that would write control characters is refused, and code shown from the reviewed file shows
its control characters as visible escapes."""

from __future__ import annotations

import json

from tests.support.fake_openai import FakeOpenAI, finding
from tests.support.repos import GitRepo, run_cli

OSC52 = "\x1b]52;c;ZXZpbA==\x07"
CLEAR = "\x1b[2J\x1b[H"


def test_a_fix_with_escapes_is_refused(repo: GitRepo, llm: FakeOpenAI, capsys, monkeypatch) -> None:
    repo.write("a.py", "def f(x):\n    return x\n")
    repo.commit("base")
    repo.write("a.py", "def f(x):\n    return 1 / x\n")
    fix = {"find": "    return 1 / x", "replace": f"    return 1 / x if x else 0  # {OSC52}{CLEAR}"}
    llm.default = {"findings": [finding("a.py", 2, title="x may be zero", fix=fix)]}
    for fmt in ("text", "markdown", "json"):
        code, out, err = run_cli(
            ["review", "--format", fmt, "--no-cache"], repo.root, capsys, monkeypatch
        )
        assert code == 1, err
        assert "\x1b" not in out and "\x07" not in out and "\x1b" not in err
    doc = json.loads(out)
    assert doc["findings"][0]["patch"] is None
    assert "control characters" in json.dumps(doc)
    assert not list((repo.root / ".codepilot").rglob("*.patch"))


def test_code_shown_from_the_file_shows_its_escapes(
    repo: GitRepo, llm: FakeOpenAI, capsys, monkeypatch
) -> None:
    repo.write("a.py", "def f(x):\n    return x\n")
    repo.commit("base")
    repo.write("a.py", f"def f(x):\n    return '{OSC52}' + x\n")
    llm.default = {"findings": [finding("a.py", 2, title="odd string")]}
    for fmt in ("text", "markdown"):
        code, out, err = run_cli(
            ["review", "--format", fmt, "--no-cache"], repo.root, capsys, monkeypatch
        )
        assert "\x1b" not in out and "\\x1b]52" in out, out
