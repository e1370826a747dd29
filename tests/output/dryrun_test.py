"""The dry-run JSON shape, the text summary, and the request plan under a token budget."""

from __future__ import annotations

from codepilot.prompt import tokens
from tests.support.repos import GitRepo, dry_json, expected_lines, run_cli, seen_lines

SRC = """import math


class Cart:
    def __init__(self):
        self.items = []

    def total(self):
        return sum(i.price for i in self.items)


def helper(x):
    return x
"""


def test_json_shape(repo: GitRepo, capsys, monkeypatch) -> None:
    repo.write("shop/cart.py", SRC)
    repo.commit("base")
    repo.write("shop/cart.py", SRC.replace("return sum(", "subtotal = sum(") + "\n\nVAT = 0.2\n")
    doc = dry_json([], repo.root, capsys, monkeypatch)
    assert doc["version"] == 1
    f = doc["files"][0]
    assert set(f) >= {"path", "old_path", "status", "language", "changes"}
    assert (
        f["path"] == "shop/cart.py"
        and f["old_path"] == "shop/cart.py"
        and f["language"] == "python"
    )
    for ch in f["changes"]:
        assert set(ch) >= {
            "symbol",
            "kind",
            "start_line",
            "end_line",
            "added_lines",
            "removed_lines",
        }
    total = next(c for c in f["changes"] if c["symbol"] == "Cart.total")
    assert (total["kind"], total["start_line"], total["end_line"]) == ("method", 8, 9)
    assert total["added_lines"] == [9] and total["removed_lines"] == [9]
    module = [c for c in f["changes"] if c["symbol"] is None]
    assert module and module[0]["kind"] == "module"
    req = doc["requests"][0]
    assert set(req) >= {"id", "paths", "prompt_tokens", "messages"}
    assert req["paths"] == ["shop/cart.py"] and req["prompt_tokens"] > 100
    assert [m["role"] for m in req["messages"]] == ["system", "user"]
    user = req["messages"][1]["content"]
    assert "    9+|         subtotal = sum(" in user  # new-file numbers, added lines marked
    # the removed line, in place: one view, no second copy
    assert "     -|         return sum(" in user
    assert "Diff:" not in user and user.count("subtotal = sum(") == 1
    assert doc["skipped"] == []


def test_text_summary(repo: GitRepo, capsys, monkeypatch) -> None:
    repo.write("shop/cart.py", SRC)
    repo.write("logo.png", b"\x89PNG\x00")
    repo.commit("base")
    repo.write("shop/cart.py", SRC.replace("return x", "return x * 2"))
    repo.write("logo.png", b"\x89PNG\x01")
    code, out, _ = run_cli(["review", "--dry-run"], repo.root, capsys, monkeypatch)
    assert code == 0
    assert (
        "helper" in out and "r1" in out and "logo.png: binary" in out and "nothing is sent" in out
    )


def test_large_definition_is_split_by_hunks(repo: GitRepo, capsys, monkeypatch) -> None:
    body = "".join(
        f"    v{i} = compute({i}, 'some text to make this line longer')\n" for i in range(600)
    )
    src = f"def big():\n{body}    return v0\n"
    repo.write("big.py", src)
    repo.commit("base")
    new = src.replace("compute(", "compute_v2(")  # every line changed: no window makes it fit
    repo.write("big.py", new)
    doc = dry_json(["--max-request-tokens", "2000"], repo.root, capsys, monkeypatch)
    units = [u for r in doc["requests"] for u in r["units"]]
    n = len(units)
    assert n >= 2 and [u["part"] for u in units] == [f"{i}/{n}" for i in range(1, n + 1)]
    assert all(u["symbol"] == "big" for u in units)
    assert all(r["prompt_tokens"] <= 2000 for r in doc["requests"])
    assert "split by hunks" in doc["requests"][0]["messages"][1]["content"]


def test_long_definition_shows_its_signature_and_windows_around_the_changes(
    repo: GitRepo, capsys, monkeypatch
) -> None:
    body = "".join(
        f"    v{i} = compute({i}, 'some text to make this line longer')\n" for i in range(600)
    )
    src = f"def big(a, b):\n{body}    return v0\n"
    repo.write("big.py", src)
    repo.commit("base")
    repo.write(
        "big.py",
        src.replace("compute(10,", "compute(-10,").replace("compute(500,", "compute(-500,"),
    )
    doc = dry_json(["--max-request-tokens", "2000"], repo.root, capsys, monkeypatch)
    (request,) = doc["requests"]
    text = request["messages"][1]["content"]
    assert [u["part"] for u in request["units"]] == [None]
    assert "    1 | def big(a, b):" in text
    assert "   12+|     v10 = compute(-10," in text and "  502+|     v500 = compute(-500," in text
    assert "     -|     v10 = compute(10," in text
    assert "unchanged lines not shown" in text and "v250 = " not in text


def test_many_files_packed_under_budget(repo: GitRepo, capsys, monkeypatch) -> None:
    for i in range(30):
        repo.write(f"m{i}.py", SRC)
    repo.commit("base")
    for i in range(30):
        repo.write(f"m{i}.py", SRC.replace("return x", f"return x + {i}"))
    doc = dry_json(["--max-request-tokens", "1500"], repo.root, capsys, monkeypatch)
    assert len(doc["requests"]) > 1
    assert all(r["prompt_tokens"] <= 1500 for r in doc["requests"])
    planned = [p for r in doc["requests"] for p in r["paths"]]
    assert sorted(planned) == sorted(f"m{i}.py" for i in range(30))  # each file in one request
    assert set(seen_lines(doc)) == expected_lines(repo)


def test_token_estimate_is_sane() -> None:
    assert tokens.count("") == 0
    assert (
        8 <= tokens.count("def total(self):\n    return sum(i.price for i in self.items)\n") <= 25
    )
    text = SRC * 20
    assert len(text) / 6 < tokens.count(text) < len(text) / 2


def test_ascii_text_is_counted_as_the_general_pattern_counts_it() -> None:
    """The faster pattern for ASCII text finds the same pieces: on this project's own files, and on
    runs of spaces, tabs and newlines before words, numbers, underscores and punctuation."""
    import re
    from pathlib import Path

    texts = [p.read_text() for p in sorted(Path(tokens.__file__).parent.rglob("*.py"))]
    texts += ["  \tfoo  12345 __x__ \n\n  ->  a_b9 " * 3, "x" * 40, " 1234567 ", "\t\t;;;", "  _  "]
    general = re.compile(tokens._PIECES.pattern)
    for text in (t for t in texts if t.isascii()):
        assert tokens.count(text) == len(general.findall(text))


def test_parallel_mapping_gives_the_same_result(repo: GitRepo, capsys, monkeypatch) -> None:
    from codepilot.runtime import parallel

    for i in range(12):
        repo.write(f"pkg/m{i}.py", SRC)
    repo.commit("base")
    for i in range(12):
        repo.write(
            f"pkg/m{i}.py",
            SRC.replace("return x", f"return x + {i}") + f"\n\ndef extra{i}():\n    pass\n",
        )
    sequential = dry_json([], repo.root, capsys, monkeypatch)
    monkeypatch.setattr(parallel, "MIN_ITEMS", 2)
    parallel = dry_json([], repo.root, capsys, monkeypatch)
    assert (
        parallel["files"] == sequential["files"] and parallel["requests"] == sequential["requests"]
    )


def test_the_prompts_own_texts_are_redacted_by_the_workers_too(
    repo: GitRepo, capsys, monkeypatch
) -> None:
    """The instructions go to the model in every request: a key pasted into them is replaced whether
    the plan is made here or by forked workers (which redact them along with the first file, so this
    process never starts the secret engine), and counted. Forked in a fresh process: this one may
    have started the engine already, after which it no longer forks."""
    import json
    import subprocess
    import sys

    key = "AKIA" + "QYLPMN5HHHFPZAM2"
    repo.write("pyproject.toml", f'[tool.codepilot]\ninstructions = "Deploy with {key} only."\n')
    for i in range(6):
        repo.write(f"pkg/m{i}.py", SRC)
    repo.commit("base")
    for i in range(6):
        repo.write(f"pkg/m{i}.py", SRC.replace("return x", f"return x + {i}"))
    sequential = dry_json([], repo.root, capsys, monkeypatch)
    script = (
        "import sys\nfrom codepilot.runtime import parallel\nfrom codepilot.cli.main import main\n"
        "parallel.MIN_ITEMS = 2\ncode = main(['review', '--dry-run', '--format', 'json'])\n"
        "from betterleaks import _lib\nprint('engine here:', _lib._binding_instance is not "
        "None, file=sys.stderr)\n"
        "sys.exit(code)\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", script], cwd=repo.root, capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stderr
    assert "engine here: False" in proc.stderr  # the workers redacted everything
    forked = json.loads(proc.stdout)
    for doc in (sequential, forked):
        users = [r["messages"][1]["content"] for r in doc["requests"]]
        assert users and all("Deploy with [REDACTED:" in u and key not in u for u in users)
        assert sum(doc["stats"]["redacted"].values()) == 1
    assert forked["requests"] == sequential["requests"]


def test_no_fork_while_another_thread_runs(repo: GitRepo, llm) -> None:  # type: ignore[no-untyped-def]
    """Issue 25, item 3: a model-bound review loads the model library in a thread; every fork of the
    run (the index filler, the workers) happens with that thread done and no other running (Python
    3.12 warns that such a fork may deadlock the child). Counted with os.register_at_fork, in a
    fresh process."""
    import json
    import os
    import subprocess
    import sys

    for i in range(6):
        repo.write(f"pkg/m{i}.py", SRC)
    repo.commit("base")
    for i in range(6):
        repo.write(f"pkg/m{i}.py", SRC.replace("return x", f"return x + {i}"))
    script = (
        "import os, sys, threading\nfrom codepilot.runtime import parallel\nfrom "
        "codepilot.cli.main import main\n"
        "seen = []\nos.register_at_fork(before=lambda: seen.append(threading.active_count()))\n"
        "parallel.MIN_ITEMS = 2\ncode = main(['review', '--format', 'json'])\n"
        "print('forks:', seen, file=sys.stderr)\nsys.exit(code)\n"
    )
    proc = subprocess.run(
        [sys.executable, "-W", "error::DeprecationWarning", "-c", script],
        cwd=repo.root,
        capture_output=True,
        text=True,
        env=os.environ.copy(),
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    forks = json.loads(proc.stderr.split("forks:", 1)[1].strip().splitlines()[0])
    assert forks and all(n == 1 for n in forks), forks
