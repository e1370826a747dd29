"""At the terminal (issue 15): the interactive walk in a real pseudo-terminal with the stand-in
model, and `codepilot init`."""

from __future__ import annotations

import os

import pytest

from tests.support.fake_openai import FakeOpenAI, finding
from tests.support.repos import GitRepo, run_cli
from tests.support.terminal import run_in_pty

OLD = "def average(values):\n    return 0\n\n\ndef ratio(a, b):\n    return 0\n"
NEW = (
    "def average(values):\n    return sum(values) / len(values)\n\n\ndef ratio(a, b):\n    return "
    "a / b\n"
)
FIX1 = {
    "find": "    return sum(values) / len(values)",
    "replace": "    return sum(values) / len(values) if values else 0",
}
FIX2 = {"find": "    return a / b", "replace": "    return a / b if b else 0"}


@pytest.fixture
def two(repo: GitRepo, llm: FakeOpenAI) -> GitRepo:
    repo.write("stats.py", OLD)
    repo.commit("base")
    repo.write("stats.py", NEW)
    llm.default = {
        "findings": [
            finding("stats.py", 2, title="Empty list", fix=FIX1),
            finding("stats.py", 6, severity="warning", title="Zero divisor", fix=FIX2),
        ]
    }
    return repo


def test_apply_then_skip_gives_exactly_the_first_fix(two: GitRepo) -> None:
    code, screen = run_in_pty(["review", "-i"], two.root, dict(os.environ), ["a", "s"])
    text = (two.root / "stats.py").read_text()
    assert "if values else 0" in text and "if b else 0" not in text, screen
    assert "1 applied, 1 skipped, 0 dismissed" in screen
    assert code == 0  # the error was applied; the warning left is below fail_on (error)
    assert "+    2 |     return sum(values) / len(values) if values else 0" in screen


def test_quit_leaves_the_rest(two: GitRepo) -> None:
    code, screen = run_in_pty(["review", "-i"], two.root, dict(os.environ), ["q"])
    assert (two.root / "stats.py").read_text() == NEW
    assert "0 applied, 0 skipped, 0 dismissed, 2 left" in screen and code == 1


def test_dismiss_with_a_reason_sticks(two: GitRepo, capsys, monkeypatch) -> None:
    code, screen = run_in_pty(
        ["review", "-i"], two.root, dict(os.environ), ["d", (b"(optional): ", "legacy code\r"), "s"]
    )
    assert "dismissed" in screen
    listed = (two.root / ".codepilot" / "dismissals.json").read_text()
    assert "Empty list" in listed and "legacy code" in listed


def test_staged_apply_goes_into_the_index(two: GitRepo) -> None:
    two.git("add", "stats.py")
    code, screen = run_in_pty(["review", "-i", "--staged"], two.root, dict(os.environ), ["a", "s"])
    staged = two.git("show", ":stats.py")
    assert "if values else 0" in staged and "if b else 0" not in staged, screen
    assert two.git("diff", "--name-only").strip() == ""


def test_refuses_without_a_terminal(two: GitRepo, capsys, monkeypatch) -> None:
    code, _, err = run_cli(["review", "-i"], two.root, capsys, monkeypatch)
    assert code == 2 and "needs a terminal" in err


def test_init_in_an_empty_repository_then_again(repo: GitRepo, capsys, monkeypatch) -> None:
    repo.commit("empty")
    code, out, err = run_cli(
        ["init", "--hook", "--github", "--gitlab"], repo.root, capsys, monkeypatch
    )
    assert code == 0, err
    text = (repo.root / ".codepilot.toml").read_text()
    assert "# model =" in text and "no OPENAI_API_KEY" in text
    assert ".codepilot/patches/" in (repo.root / ".gitignore").read_text()
    assert (repo.root / ".github/workflows/codepilot.yml").is_file() and (
        repo.root / ".gitlab-ci.yml"
    ).is_file()
    assert (repo.root / ".git/hooks/pre-commit").is_file() and "wrote" in out
    code, out, err = run_cli(["review", "--dry-run"], repo.root, capsys, monkeypatch)
    assert code == 0, err  # the configuration it wrote is accepted
    code, _, err = run_cli(["init"], repo.root, capsys, monkeypatch)
    assert code == 2 and "--force" in err
    code, out, err = run_cli(["init", "--force"], repo.root, capsys, monkeypatch)
    assert code == 0 and "replaced" in out


def test_init_picks_the_openai_model_and_pyproject(repo: GitRepo, capsys, monkeypatch) -> None:
    repo.write("pyproject.toml", '[project]\nname = "x"\n')
    repo.commit("base")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    code, out, err = run_cli(["init", "--pyproject"], repo.root, capsys, monkeypatch)
    assert code == 0, err
    text = (repo.root / "pyproject.toml").read_text()
    assert (
        '[project]\nname = "x"' in text
        and "[tool.codepilot]\n" in text
        and 'model = "openai:gpt-4.1-mini"' in text
    )
    code, _, err = run_cli(["review", "--dry-run"], repo.root, capsys, monkeypatch)
    assert code == 0, err
    code, _, err = run_cli(["init", "--pyproject"], repo.root, capsys, monkeypatch)
    assert code == 2


def test_init_finds_a_local_ollama_coder_model() -> None:
    import json
    import threading
    from http.server import BaseHTTPRequestHandler, HTTPServer

    from codepilot import scaffold as init

    class Tags(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            body = json.dumps(
                {"models": [{"name": "llama3:8b"}, {"name": "qwen2.5-coder:7b"}]}
            ).encode()
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Tags)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        model, why = init.choose_model(f"http://127.0.0.1:{server.server_port}/api/tags")
    finally:
        server.shutdown()
    assert model == "ollama:qwen2.5-coder:7b" and "Ollama" in why


def test_spending_over_confirm_over_is_asked_in_a_terminal(two: GitRepo, llm: FakeOpenAI) -> None:
    """Issue 23, item 17: a terminal asks before sending a run estimated above confirm_over; no
    sends."""
    from tests.support.repos import user_config

    user_config('[prices."test-model"]\ninput = 100000\noutput = 100000\n')
    code, screen = run_in_pty(["review"], two.root, dict(os.environ), [(b"Send? [y/N]: ", "n\r")])
    assert code == 2 and "over confirm_over $0.50" in screen and "nothing sent" in screen, screen
    assert llm.history == []
    code, screen = run_in_pty(["review"], two.root, dict(os.environ), [(b"Send? [y/N]: ", "y\r")])
    assert code == 1 and len(llm.history) == 1, screen


def test_spending_is_never_asked_outside_a_terminal(
    two: GitRepo, llm: FakeOpenAI, capsys, monkeypatch
) -> None:
    from tests.support.repos import user_config

    user_config('[prices."test-model"]\ninput = 100000\noutput = 100000\n')
    code, out, err = run_cli(["review"], two.root, capsys, monkeypatch)
    assert code == 1 and "Send?" not in out + err and len(llm.history) == 1
