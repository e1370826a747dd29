"""True verdicts (issue 10): nothing to review said as such, paths that match nothing, conflicting
sources, the patch folder, --apply and --fail-on, the hook's options and its blocked message,
progress in logs, exit codes for a broken machine, configuration errors, providers, usage."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tests.support.fake_openai import FakeOpenAI, finding
from tests.support.repos import GitRepo, run_cli
from tests.support.samples import FIX, SRC


def test_nothing_to_review_is_said_as_such(
    repo: GitRepo, llm: FakeOpenAI, capsys, monkeypatch
) -> None:
    repo.write("a.py", "A = 1\n")
    repo.commit("base")
    code, out, _ = run_cli(["review"], repo.root, capsys, monkeypatch)
    assert (
        code == 0
        and "nothing to review" in out
        and "no findings" not in out
        and "unknown" not in out
    )
    repo.write("logo.png", b"\x89PNG\r\n\x1a\n\x00\x00")
    code, out, _ = run_cli(["review"], repo.root, capsys, monkeypatch)
    assert "nothing to review: every changed file was skipped" in out and llm.history == []
    code, out, _ = run_cli(["review", "--format", "json"], repo.root, capsys, monkeypatch)
    assert json.loads(out)["nothing_to_review"] is True


def test_paths_matching_nothing_and_conflicting_sources(
    changed: GitRepo, capsys, monkeypatch
) -> None:
    code, _, err = run_cli(["review", "--dry-run", "stats.pyy"], changed.root, capsys, monkeypatch)
    assert code == 2 and "stats.pyy: matches no file" in err and len(err.strip().splitlines()) == 1
    for args in (
        ["--staged", "--base", "HEAD"],
        ["--staged", "--commit", "HEAD"],
        ["--head", "HEAD"],
    ):
        # nothing staged here
        code, _, err = run_cli(["review", *args], changed.root, capsys, monkeypatch)
        assert code == 2, args
    changed.git("rm", "-q", "--cached", "stats.py")  # a deleted file is still a path of the change
    code, _, err = run_cli(
        ["review", "--dry-run", "--staged", "stats.py"], changed.root, capsys, monkeypatch
    )
    assert code == 0, err


def test_patch_folder_holds_this_runs_patches_only(
    changed: GitRepo, llm: FakeOpenAI, capsys, monkeypatch
) -> None:
    folder = changed.root / ".codepilot" / "patches"
    (folder / "review").mkdir(parents=True)
    (folder / "review" / "0001-mine.patch").write_text("the user's own file\n")
    (folder / "generate").mkdir()
    (folder / "generate" / "keep.txt").write_text("x\n")
    llm.enqueue({"findings": [finding("stats.py", 2, title="Empty list", fix=FIX)]})
    code, out, _ = run_cli(["review", "--format", "json"], changed.root, capsys, monkeypatch)
    patch = json.loads(out)["findings"][0]["patch"]
    assert patch.startswith(".codepilot/patches/review/0001-") and (changed.root / patch).is_file()
    llm.enqueue({"findings": []})
    # fixed by hand
    changed.write("stats.py", SRC.replace("/ len(values)", "/ max(len(values), 1)"))
    run_cli(["review", "--format", "json"], changed.root, capsys, monkeypatch)
    assert not (changed.root / patch).exists()  # stale: gone with the next run
    # never ours
    assert (folder / "review" / "0001-mine.patch").read_text() == "the user's own file\n"
    assert (folder / "generate" / "keep.txt").exists()


def test_git_apply_command_works_from_a_subfolder(
    repo: GitRepo, llm: FakeOpenAI, capsys, monkeypatch
) -> None:
    repo.write("pkg/stats.py", "def average(values):\n    return 0\n")
    repo.commit("base")
    repo.write("pkg/stats.py", SRC)
    llm.enqueue({"findings": [finding("pkg/stats.py", 2, title="Empty list", fix=FIX)]})
    code, out, _ = run_cli(["review"], repo.root / "pkg", capsys, monkeypatch)
    assert code == 1
    command = (
        next(line for line in out.splitlines() if "git -C" in line).split("(", 1)[1].rstrip(")")
    )
    # the fix, shown
    assert "-    2 |     return sum(values) / len(values)" in out and "if values else 0" in out
    subprocess.run(command, shell=True, cwd=repo.root / "pkg", check=True)
    assert "if values else 0" in (repo.root / "pkg" / "stats.py").read_text()


def test_applied_fixes_say_so_and_do_not_fail(
    changed: GitRepo, llm: FakeOpenAI, capsys, monkeypatch
) -> None:
    llm.default = {"findings": [finding("stats.py", 2, title="Empty list", fix=FIX)]}
    code, out, err = run_cli(
        ["review", "--apply", "--format", "json"], changed.root, capsys, monkeypatch
    )
    doc = json.loads(out)
    assert code == 0 and doc["findings"][0]["applied"] is True, err
    assert "if values else 0" in (changed.root / "stats.py").read_text()
    changed.write("stats.py", SRC)
    for fmt, word in (("text", "applied"), ("markdown", "Fix applied"), ("github", "Fix applied")):
        code, out, _ = run_cli(
            ["review", "--apply", "--no-cache", "--format", fmt], changed.root, capsys, monkeypatch
        )
        assert code == 0 and word in out, fmt
        changed.write("stats.py", SRC)


def test_hook_takes_review_options_and_says_what_blocked(
    changed: GitRepo, llm: FakeOpenAI, capsys, monkeypatch
) -> None:
    changed.git("add", "stats.py")
    llm.default = {"findings": [finding("stats.py", 2, title="Empty list")]}
    code, _, err = run_cli(
        [
            "hook",
            "run",
            "--no-cache",
            "--model",
            "openai:test-model",
            "--time-limit",
            "30",
            "--concurrency",
            "2",
            "--max-request-tokens",
            "4000",
            "--no-history",
            "--fail-on",
            "error",
            "--",
            "stats.py",
        ],
        changed.root,
        capsys,
        monkeypatch,
    )
    assert code == 1
    assert "commit blocked by findings at or above error" in err and "CODEPILOT_SKIP=1" in err


def test_progress_lines_for_logs() -> None:
    from codepilot.cli.output import PlainProgress

    now = [0.0]
    bar = PlainProgress(20, "reviewing", clock=lambda: now[0])
    printed = []
    for _ in range(20):
        now[0] += 0.5
        printed.append(bar.tick())
    lines = [p for p in printed if p]
    assert lines and all(p.startswith("codepilot: reviewing: ") for p in lines)
    assert printed[:3] == [None, None, None]  # short runs stay quiet
    assert lines[-1].startswith("codepilot: reviewing: 20/20 requests (100%)")


def test_broken_machine_is_one_line_and_exit_3(
    changed: GitRepo, llm: FakeOpenAI, capsys, monkeypatch, hermetic
) -> None:
    cache = hermetic / "xdg_cache_home"
    cache.mkdir(parents=True, exist_ok=True)
    (cache / "codepilot").write_text("a file where the cache folder should be\n")
    llm.enqueue({"findings": []})
    code, out, err = run_cli(["review"], changed.root, capsys, monkeypatch)
    assert code == 3 and "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert "cache" in err


def test_unexpected_errors_exit_3_with_a_log(changed: GitRepo, capsys, monkeypatch) -> None:
    from codepilot import review

    def boom(*args: object, **kwargs: object) -> None:
        raise RuntimeError("something nobody expected")

    monkeypatch.setattr(review, "prepare", boom)
    code, _, err = run_cli(["review"], changed.root, capsys, monkeypatch)
    assert code == 3 and "internal error: RuntimeError: something nobody expected" in err
    log = err.rsplit("details in ", 1)[1].rstrip(")\n")
    assert "Traceback" in Path(log).read_text(encoding="utf-8") and "Traceback" not in err


@pytest.mark.parametrize(
    ("text", "words"),
    [
        (
            '[prices."gpt-4.1-mini"]\ninput = 1\noutput = 2\nfail_on = "never"\n',
            'prices."gpt-4.1-mini".fail_on',
        ),
        ('prices = "cheap"\n', "prices must be a table"),
        ("fail_on = 3\n", "fail_on"),
    ],
)
def test_configuration_errors_name_the_key(
    changed: GitRepo, capsys, monkeypatch, text: str, words: str
) -> None:
    changed.write(".codepilot.toml", text)
    code, _, err = run_cli(["review", "--dry-run"], changed.root, capsys, monkeypatch)
    assert code == 2 and words in err and len(err.strip().splitlines()) == 1


def test_pyproject_odd_values(changed: GitRepo, capsys, monkeypatch) -> None:
    for text in ('[tool]\ncodepilot = "yes"\n', "tool = 5\n"):
        changed.write("pyproject.toml", text)
        code, _, err = run_cli(["review", "--dry-run"], changed.root, capsys, monkeypatch)
        assert code == 2 and "Traceback" not in err


def test_unknown_provider_names_the_known_ones(changed: GitRepo, capsys, monkeypatch) -> None:
    code, _, err = run_cli(
        ["review", "--model", "opnai:gpt-4.1-mini"], changed.root, capsys, monkeypatch
    )
    assert code == 2 and "unknown provider 'opnai'" in err and "openai, ollama, anthropic" in err
    assert "pip install" not in err


def test_usage_csv_names_and_since(changed: GitRepo, llm: FakeOpenAI, capsys, monkeypatch) -> None:
    llm.default = {"findings": []}
    run_cli(["review"], changed.root, capsys, monkeypatch)
    code, out, _ = run_cli(
        ["usage", "--format", "csv", "--by", "model"], changed.root, capsys, monkeypatch
    )
    rows = out.strip().splitlines()
    assert (
        code == 0
        and rows[0].startswith("model,runs,")
        and rows[1].startswith("openai:test-model (local server),1,")
    )
    code, out, _ = run_cli(["usage", "--by", "repo"], changed.root, capsys, monkeypatch)
    assert str(changed.root) in out.replace("\n", "")
    code, _, err = run_cli(["usage", "--since", "99999999d"], changed.root, capsys, monkeypatch)
    assert code == 0, err


def test_verbose_shows_what_is_sent_and_received(
    changed: GitRepo, llm: FakeOpenAI, capsys, monkeypatch
) -> None:
    llm.default = {"findings": [finding("stats.py", 2, title="Empty list")]}
    code, out, err = run_cli(["review", "--verbose"], changed.root, capsys, monkeypatch)
    assert "sent to openai:test-model" in err and "return sum(values) / len(values)" in err
    assert "received (" in err and '"Empty list"' in err and "Empty list" in out


def test_usage_is_readable_at_80_columns(
    repo: GitRepo, llm: FakeOpenAI, capsys, monkeypatch
) -> None:
    """Issue 23, item 14: in an 80-column terminal every header and the model's name show whole."""
    import os

    from tests.support.terminal import run_in_pty

    repo.write("a.py", "A = 1\n")
    repo.commit("base")
    repo.write("a.py", "A = 2\n")
    run_cli(["review"], repo.root, capsys, monkeypatch)
    code, screen = run_in_pty(
        ["usage"], repo.root, {**os.environ, "COLUMNS": "80", "LINES": "40"}, []
    )
    import re

    screen = re.sub(r"\x1b\[[0-9;]*m", "", screen).replace("\r", "")
    assert code == 0 and all(len(ln) <= 80 for ln in screen.splitlines()), [
        len(ln) for ln in screen.splitlines()
    ]
    for word in ("run(s)", "request(s)", "cached", "prompt", "completion", "tokens", "$"):
        assert word in screen, screen
    assert "openai:test-model (local server)\n" in screen and "total\n" in screen, screen


def test_staged_apply_fixes_what_gets_committed(
    repo: GitRepo, llm: FakeOpenAI, capsys, monkeypatch
) -> None:
    """Issue 23, item 8: `--staged --apply` puts the fix in the index and the work tree, like -i."""
    from tests.support.samples import OLD

    repo.write("stats.py", OLD)
    repo.commit("base")
    repo.write("stats.py", SRC)
    repo.git("add", "stats.py")
    llm.default = {"findings": [finding("stats.py", 3, title="Empty list", fix=FIX)]}
    code, out, err = run_cli(["review", "--staged", "--apply"], repo.root, capsys, monkeypatch)
    assert "applied" in err, err
    # staged, nothing left unstaged
    assert repo.git("status", "--porcelain").strip() == "M  stats.py"
    assert repo.git("show", ":stats.py") == (repo.root / "stats.py").read_text() != SRC
    code, out, err = run_cli(["review", "--staged", "--no-cache"], repo.root, capsys, monkeypatch)
    assert "does not apply" not in out + err
