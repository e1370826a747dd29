"""`codepilot review` end to end: the real openai/LangChain client against a scripted server on
127.0.0.1; answers good, hostile, malformed and failing."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tests.support.fake_openai import Delay, FakeOpenAI, Raw, Status, finding
from tests.support.repos import GitRepo, run_cli

BILLING = """class Invoice:
    def __init__(self, lines):
        self.lines = lines

    def total(self):
        return sum(line.price for line in self.lines)


def helper(x):
    return x


def far_away(y):
    a = y
    b = a
    c = b
    return c
"""
CHANGED = BILLING.replace(
    """        return sum(line.price for line in self.lines)
""",
    """        return sum(line.price for line in self.lines)

    def average(self):
        return self.total() / len(self.lines)
""",
)
AVG_LINE = 9  # "return self.total() / len(self.lines)" in CHANGED
FIX = {
    "find": "        return self.total() / len(self.lines)",
    "replace": "        return self.total() / len(self.lines) if self.lines else 0.0",
}


@pytest.fixture
def change(repo: GitRepo) -> GitRepo:
    repo.write("billing.py", BILLING)
    repo.write("other.py", "X = 1\n")
    repo.commit("base")
    repo.write("billing.py", CHANGED)
    return repo


def review(repo: GitRepo, capsys, monkeypatch, *args: str) -> tuple[int, dict, str]:  # type: ignore[type-arg]
    code, out, err = run_cli(["review", "--format", "json", *args], repo.root, capsys, monkeypatch)
    return code, (json.loads(out) if out.strip() else {}), err


def test_finding_on_the_right_line_with_a_patch(
    change: GitRepo, llm: FakeOpenAI, capsys, monkeypatch
) -> None:
    llm.enqueue(
        {
            "findings": [
                finding(
                    "billing.py", AVG_LINE, title="Division by zero on an empty invoice", fix=FIX
                )
            ]
        }
    )
    code, doc, err = review(change, capsys, monkeypatch)
    assert code == 1, err
    assert doc["version"] == 1 and doc["errors"] == []
    [f] = doc["findings"]
    assert (f["path"], f["line"], f["end_line"], f["severity"], f["symbol"]) == (
        "billing.py",
        AVG_LINE,
        AVG_LINE,
        "error",
        "Invoice.average",
    )
    assert f["patch"].startswith(".codepilot/patches/review/0001-billing.py-")
    subprocess.run(["git", "apply", "--check", f["patch"]], cwd=change.root, check=True)
    assert set(doc["stats"]) >= {
        "requests",
        "cached",
        "prompt_tokens",
        "completion_tokens",
        "cost_usd",
    }
    assert doc["stats"]["prompt_tokens"] > 0 and doc["stats"]["completion_tokens"] > 0
    body = llm.history[0]
    assert body["response_format"]["type"] == "json_schema"
    assert "billing.py" in body["messages"][1]["content"]
    # the work tree is untouched
    assert (change.root / "billing.py").read_text() == CHANGED


def test_stable_id_and_cache(change: GitRepo, llm: FakeOpenAI, capsys, monkeypatch) -> None:
    llm.enqueue({"findings": [finding("billing.py", AVG_LINE, fix=FIX)]})
    _, first, _ = review(change, capsys, monkeypatch)
    sent = len(llm.history)
    _, second, _ = review(change, capsys, monkeypatch)
    assert len(llm.history) == sent  # nothing sent the second time
    assert second["stats"]["cached"] == 1 and second["stats"]["prompt_tokens"] == 0
    assert [f["id"] for f in second["findings"]] == [f["id"] for f in first["findings"]]
    assert second["findings"][0]["patch"] == first["findings"][0]["patch"]
    llm.enqueue({"findings": [finding("billing.py", AVG_LINE, fix=FIX)]})
    _, third, _ = review(change, capsys, monkeypatch, "--no-cache")
    assert len(llm.history) == sent + 1 and third["stats"]["cached"] == 0
    # lines shift above the finding: the id stays
    change.write("billing.py", "# header\n\n" + CHANGED)
    llm.enqueue({"findings": [finding("billing.py", AVG_LINE + 2, fix=FIX)]})
    _, moved, _ = review(change, capsys, monkeypatch)
    assert moved["findings"][0]["id"] == first["findings"][0]["id"]
    assert moved["findings"][0]["line"] == AVG_LINE + 2


def test_line_off_by_a_few_is_reanchored_by_the_fix(
    change: GitRepo, llm: FakeOpenAI, capsys, monkeypatch
) -> None:
    llm.enqueue({"findings": [finding("billing.py", AVG_LINE - 3, fix=FIX)]})
    _, doc, _ = review(change, capsys, monkeypatch)
    assert doc["findings"][0]["line"] == AVG_LINE


def test_hostile_paths_are_dropped(change: GitRepo, llm: FakeOpenAI, capsys, monkeypatch) -> None:
    llm.enqueue(
        {
            "findings": [
                finding("../outside.py", 1),
                finding("/etc/passwd", 1),
                finding(".git/config", 1),
                finding("other.py", 1),
                finding("nope.py", 1),
                finding("billing.py", AVG_LINE, title="real"),
                finding("b/billing.py", AVG_LINE, title="division by zero", category="bug"),
            ]
        }
    )
    code, doc, _ = review(change, capsys, monkeypatch)
    assert [f["path"] for f in doc["findings"]] == ["billing.py", "billing.py"]
    assert sum(doc["stats"]["dropped"].values()) == 5
    assert doc["stats"]["dropped"]["path inside .git"] == 1
    assert not (change.root.parent / "outside.py").exists()


def test_fix_that_does_not_match_gives_no_patch(
    change: GitRepo, llm: FakeOpenAI, capsys, monkeypatch
) -> None:
    llm.enqueue(
        {
            "findings": [
                finding(
                    "billing.py",
                    AVG_LINE,
                    fix={"find": "return nothing_like_this()", "replace": "x"},
                )
            ]
        }
    )
    _, doc, _ = review(change, capsys, monkeypatch)
    f = doc["findings"][0]
    assert f["patch"] is None and "could not be placed" in f["note"]
    assert not list((change.root / ".codepilot" / "patches").glob("*.patch"))


def test_finding_off_the_change(change: GitRepo, llm: FakeOpenAI, capsys, monkeypatch) -> None:
    llm.enqueue(
        {
            "findings": [
                finding("billing.py", 2, title="init ignores None", severity="warning"),
                finding("billing.py", 20, title="far_away is odd", severity="info"),
            ]
        }
    )
    code, doc, _ = review(change, capsys, monkeypatch)
    assert code == 0  # warnings and infos don't fail at the default --fail-on error
    placements = {f["title"]: (f["line"], f["placement"]) for f in doc["findings"]}
    assert placements["far_away is odd"] == (20, "file")  # kept, outside the change
    assert placements["init ignores None"][1] in ("file", "context", "definition")
    code, _, _ = review(change, capsys, monkeypatch, "--fail-on", "info")
    assert code == 1


@pytest.mark.parametrize(
    "first",
    [
        Status(429, "slow down", {"Retry-After": "0"}),
        Status(500, "boom"),
        Raw("Sure! Here are my findings: the code looks fine."),
        Raw('{"findings": [{"path": "billing.py", "line": 9, "sev', finish="length"),
        {"findings": [{"path": "billing.py", "line": "nine"}]},
    ],
)
def test_survives_bad_first_answers(
    change: GitRepo, llm: FakeOpenAI, capsys, monkeypatch, first: object
) -> None:
    llm.enqueue(first, {"findings": [finding("billing.py", AVG_LINE)]})
    code, doc, err = review(change, capsys, monkeypatch)
    assert code == 1, err
    assert doc["errors"] == [] and len(doc["findings"]) == 1
    if isinstance(first, Raw | dict):
        assert doc["stats"]["reasks"] == 1
        assert "That answer was invalid" in llm.history[-1]["messages"][-1]["content"]


def test_one_bad_field_never_costs_the_other_findings(
    change: GitRepo, llm: FakeOpenAI, capsys, monkeypatch
) -> None:
    docs = finding("billing.py", 5, severity="info", category="docs", title="Docstring missing")
    bug = finding("billing.py", AVG_LINE, title="Division by zero on an empty invoice")
    odd = finding("billing.py", AVG_LINE, severity="catastrophic", title="Empty invoices crash")
    llm.enqueue({"findings": [docs, {"title": "no path or line"}, bug, odd]})
    code, doc, err = review(change, capsys, monkeypatch)
    assert code == 1, err
    # nothing re-asked, nothing paid twice
    assert len(llm.history) == 1 and doc["stats"]["reasks"] == 0
    by_title = {f["title"]: f for f in doc["findings"]}
    assert by_title["Division by zero on an empty invoice"]["severity"] == "error"
    assert by_title["Docstring missing"]["category"] == "maintainability"
    assert "category 'docs'" in by_title["Docstring missing"]["note"]
    assert by_title["Empty invoices crash"]["severity"] == "warning"
    assert "severity 'catastrophic'" in by_title["Empty invoices crash"]["note"]
    assert (
        sum(n for why, n in doc["stats"]["dropped"].items() if why.startswith("unusable finding"))
        == 1
    )


def test_billed_attempts_of_a_failed_request_count(
    change: GitRepo, llm: FakeOpenAI, capsys, monkeypatch
) -> None:
    llm.default = Raw("I think the code is fine.")
    code, doc, _ = review(change, capsys, monkeypatch)
    assert code == 3 and len(llm.history) == 3
    assert doc["stats"]["prompt_tokens"] > 0 and doc["stats"]["completion_tokens"] > 0
    assert doc["stats"]["reasks"] == 2


def test_invalid_after_retries_is_reported_not_hidden(
    change: GitRepo, llm: FakeOpenAI, capsys, monkeypatch
) -> None:
    llm.default = Raw("I think the code is fine.")
    code, doc, err = review(change, capsys, monkeypatch)
    assert code == 3
    assert doc["findings"] == [] and len(doc["errors"]) == 1
    assert "invalid answer after 3 attempt(s)" in doc["errors"][0]["error"]
    # progress, on a slow machine
    said = [ln for ln in err.strip().splitlines() if "reviewing:" not in ln]
    assert len(said) == 1 and "Traceback" not in err
    code, out, _ = run_cli(["review"], change.root, capsys, monkeypatch)
    assert (
        code == 3 and "INCOMPLETE" in out and "no findings" not in out.replace("no findings in", "")
    )


def test_server_down(change: GitRepo, capsys, monkeypatch) -> None:
    import socket

    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    monkeypatch.setenv("CODEPILOT_MODEL", "openai:test")
    monkeypatch.setenv("OPENAI_BASE_URL", f"http://127.0.0.1:{port}/v1")
    change.write(".codepilot.toml", "network_retries = 1\n")
    code, out, err = run_cli(["review"], change.root, capsys, monkeypatch)
    assert code == 3
    assert "cannot reach the model server" in err and len(err.strip().splitlines()) == 1
    assert "Traceback" not in err + out


def test_slow_answer_times_out(change: GitRepo, llm: FakeOpenAI, capsys, monkeypatch) -> None:
    change.write(".codepilot.toml", "timeout = 0.5\nnetwork_retries = 0\n")
    llm.enqueue(Delay(3, {"findings": []}))
    code, doc, _ = review(change, capsys, monkeypatch)
    assert code == 3 and "timed out" in doc["errors"][0]["error"]


def test_no_model_configured(change: GitRepo, capsys, monkeypatch) -> None:
    code, _, err = run_cli(["review"], change.root, capsys, monkeypatch)
    assert code == 2 and "no model configured" in err and "--dry-run" in err
    assert len(err.strip().splitlines()) == 1


def test_nothing_to_review_needs_no_model(repo: GitRepo, capsys, monkeypatch) -> None:
    repo.write("a.py", "A = 1\n")
    repo.commit("base")
    code, out, _ = run_cli(["review", "--staged"], repo.root, capsys, monkeypatch)
    assert code == 0 and "nothing staged to review" in out


@pytest.mark.parametrize(
    "refusal", ["response_format json_schema is not supported", "Invalid request"]
)
def test_fallback_when_json_schema_is_unsupported(
    change: GitRepo, llm: FakeOpenAI, capsys, monkeypatch, refusal: str
) -> None:
    llm.json_schema_supported = False
    llm.refusal = refusal
    llm.enqueue({"findings": [finding("billing.py", AVG_LINE)]})
    code, doc, _ = review(change, capsys, monkeypatch)
    assert code == 1 and len(doc["findings"]) == 1
    assert llm.history[-1].get("tools")


def test_many_requests_in_parallel_keep_their_order(
    repo: GitRepo, llm: FakeOpenAI, capsys, monkeypatch
) -> None:
    for i in range(6):
        repo.write(f"m{i}.py", BILLING)
    repo.commit("base")
    for i in range(6):
        repo.write(f"m{i}.py", CHANGED)

    def answer(body: dict) -> object:  # type: ignore[type-arg]
        text = body["messages"][1]["content"]
        path = next(f"m{i}.py" for i in range(6) if f"## m{i}.py" in text)
        return Delay(
            0.3 if path in ("m0.py", "m1.py") else 0.0, {"findings": [finding(path, AVG_LINE)]}
        )

    llm.default = answer
    code, doc, _ = review(
        repo, capsys, monkeypatch, "--max-request-tokens", "900", "--concurrency", "4"
    )
    assert doc["stats"]["requests"] >= 3
    assert [f["path"] for f in doc["findings"]] == sorted(f["path"] for f in doc["findings"])


def test_text_and_markdown_reports(change: GitRepo, llm: FakeOpenAI, capsys, monkeypatch) -> None:
    llm.default = {"findings": [finding("billing.py", AVG_LINE, title="Division by zero", fix=FIX)]}
    code, out, _ = run_cli(["review"], change.root, capsys, monkeypatch)
    assert code == 1 and "billing.py:9" in out and "Division by zero" in out and "1 error" in out
    assert "return self.total() / len(self.lines)" in out
    code, out, _ = run_cli(["review", "--format", "markdown"], change.root, capsys, monkeypatch)
    assert "## codepilot review" in out and "### `billing.py`" in out and "| error | 1 |" in out


def test_base_patch_checked_against_head_not_worktree(
    change: GitRepo, llm: FakeOpenAI, capsys, monkeypatch
) -> None:
    change.commit("average")
    change.write("billing.py", "totally different now\n")  # the work tree no longer matches head
    llm.default = {"findings": [finding("billing.py", AVG_LINE, fix=FIX)]}
    code, doc, _ = review(change, capsys, monkeypatch, "--base", "HEAD~1")
    assert doc["findings"][0]["patch"] is not None
    patch = Path(change.root / doc["findings"][0]["patch"]).read_text()
    assert "+        return self.total() / len(self.lines) if self.lines else 0.0" in patch
    assert (change.root / "billing.py").read_text() == "totally different now\n"


SECRETS = {
    "aws": 'AWS_ACCESS_KEY_ID = "AKIAZ7QX3MPL4KRT6WNB"',
    "github": 'GH = "ghp_Zx8Kq2Lm4Np6Rt8Vw0Yb2Dc4Fg6Hj8Kl0Mn2"',
    "openai": 'OPENAI_API_KEY = "sk-proj-8fK2mQ9xL4vN7wB1zR5tY3uC6hJ0aD2e"',
    "slack": 'SLACK = "xoxb-918273645012-918273645012-Zq8Lm3Nx7Rt2Vw9Yb4Dc6Fg1"',
    "stripe": 'STRIPE = "sk_live_51Hq8ZkLm3Nx7Rt2Vw9Yb4Dc6Fg1Hj5Kl"',
    "url": 'DB = "postgres://admin:Pr0dPassw0rd!@db.internal:5432/app"',
    "password": 'password = "correct-horse-battery"',
    "jwt": "TOKEN = "
    '"eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4ifQ.'
    'SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c"',
    "entropy": 'signing_salt = "q8Zr3vN1xP0wLk5Tf2Yh7Ue4Jm9Sa6DcWb"',
}
UNQUOTED = {  # config-style lines: (line, the secret in it)
    "AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYzz9qKEY": (
        "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzz9qKEY"
    ),
    "api_key: AIzaSyD-9tSrke72PouQMnMX-a7eZSW0jkFMBWY": "AIzaSyD-9tSrke72PouQMnMX-a7eZSW0jkFMBWY",
    'HEADERS = {"Authorization": "Bearer sk-ant-api03-Zq8Lm3Nx7Rt2Vw9Yb4Dc6Fg1Hj5Kl0Pq"}': (
        "sk-ant-api03-Zq8Lm3Nx7Rt2Vw9Yb4Dc6Fg1Hj5Kl0Pq"
    ),
    "password: changeme123": "changeme123",
}
PRIVATE_KEY = (
    'KEY = """-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEAv8QzLm3Nx7Rt2Vw9Yb4Dc6Fg1Hj5Kl\n'
    'Zq8Lm3Nx7Rt2Vw9Yb4Dc6Fg1Hj5KlMIIEowIBAAKCAQEA\n-----END RSA PRIVATE KEY-----"""\n'
)


CODE = """
def check(password, password2, user):
    if password != password2:
        raise ValueError("mismatch")
    user.secret_token = user.sensitive_password
    return self.sensitive_password


class PasswordResetToken:
    token = PasswordResetTokenGenerator
"""


def _secret_values() -> list[str]:
    import re

    values = [re.search(r'"([^"]+)"', v).group(1) for v in SECRETS.values()]  # type: ignore[union-attr]
    values[values.index("postgres://admin:Pr0dPassw0rd!@db.internal:5432/app")] = "Pr0dPassw0rd!"
    return values + ["MIIEowIBAAKCAQEAv8QzLm3Nx7Rt2Vw9Yb4Dc6Fg1Hj5Kl", *UNQUOTED.values()]


def test_secrets_never_leave_the_machine(
    repo: GitRepo, llm: FakeOpenAI, capsys, monkeypatch
) -> None:
    repo.write("settings.py", "DEBUG = False\n")
    repo.commit("base")
    body = "\n".join(SECRETS.values()) + "\n" + PRIVATE_KEY + CODE
    repo.write("settings.py", "DEBUG = False\n" + body)
    # config: unquoted values are values
    repo.write("deploy/settings.yaml", "\n".join(UNQUOTED) + "\n")
    repo.write(".env", "API_KEY=sk-live-zzzzzzzzzzzzzzzzzzzzzzzz\n")
    repo.git("add", "-A")
    code, out, _ = run_cli(
        ["review", "--dry-run", "--format", "json"], repo.root, capsys, monkeypatch
    )
    dry = json.loads(out)
    sent = json.dumps(dry["requests"])
    for value in _secret_values():
        assert value not in sent, value
    assert "[REDACTED:" in sent
    for name in ("password != password2", "self.sensitive_password", "class PasswordResetToken"):
        assert name in sent, name  # code is never hidden
    assert ".env" in {s["path"] for s in dry["skipped"]}
    lines = dry["requests"][0]["messages"][1]["content"].count("\n")
    review(repo, capsys, monkeypatch)
    wire = json.dumps(llm.history)
    for value in _secret_values() + ["sk-live-zzzz"]:
        assert value not in wire, value
    assert llm.history[0]["messages"][1]["content"].count("\n") == lines  # line numbers intact


def test_fenced_answers_and_synonyms_need_no_reask(
    change: GitRepo, llm: FakeOpenAI, capsys, monkeypatch
) -> None:
    f = finding("billing.py", AVG_LINE)
    f.update(severity="Critical", category="correctness", line=str(AVG_LINE))
    del f["end_line"], f["fix"]
    llm.enqueue(Raw("```json\n" + json.dumps({"findings": [f]}) + "\n```"))
    code, doc, _ = review(change, capsys, monkeypatch)
    assert doc["stats"]["reasks"] == 0
    assert [(x["severity"], x["category"], x["line"]) for x in doc["findings"]] == [
        ("error", "bug", AVG_LINE)
    ]


def test_ctrl_c_keeps_the_answers_that_came_in(repo: GitRepo, llm: FakeOpenAI) -> None:
    """Issue 23, item 11: Ctrl-C reports and records what was answered, marked INCOMPLETE; exit
    130."""
    import json
    import os
    import signal
    import subprocess
    import sys
    import time

    from tests.support.fake_openai import Delay, finding

    body = "".join(f"def f{i}(x):\n    return x + {i}\n\n\n" for i in range(40))
    repo.write(".codepilot.toml", "max_request_tokens = 600\n")
    repo.write("a.py", body)
    repo.write("b.py", body)
    repo.commit("base")
    repo.write("a.py", body.replace("x + 3\n", "x / 0\n"))
    repo.write("b.py", body.replace("x + 5\n", "x // 0\n"))

    def answer(req: dict) -> object:  # type: ignore[type-arg]
        text = req["messages"][1]["content"]
        if "## a.py" in text:
            return {"findings": [finding("a.py", 14, title="Division by zero in a")]}
        return Delay(60, {"findings": []})

    llm.default = answer
    proc = subprocess.Popen(
        [sys.executable, "-m", "codepilot", "review", "--format", "json"],
        cwd=repo.root,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=os.environ.copy(),
        # as a terminal's Ctrl-C finds it: a suite started in the background (`.ci/run &`) ignores
        # SIGINT, and a child keeps what its parent ignores
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    deadline = time.monotonic() + 60
    while len(llm.history) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.5)  # the answer about a.py is in; b.py's is 60 s away
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    doc = json.loads(out)
    assert [f["title"] for f in doc["findings"]] == ["Division by zero in a"] and doc["interrupted"]
    assert any("interrupted" in e["error"] for e in doc["errors"]) and "INCOMPLETE" in err
    usage = subprocess.run(
        [sys.executable, "-m", "codepilot", "usage", "--format", "json"],
        cwd=repo.root,
        capture_output=True,
        text=True,
        env=os.environ.copy(),
    )
    assert json.loads(usage.stdout)["total"]["runs"] == 1  # recorded
