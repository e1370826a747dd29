"""What the project's checks cost in wall time (issue 24, "Measured").

    .venv/bin/python benchmarks/checks_time.py [--commit REV] [--delay 0.4] [--repeat 3]

On this repository (ruff and mypy configured, installed in this venv), the change of one commit
(default HEAD: a typical pre-commit sized change):
1. `review --checks-only --commit REV` against the tools' own run time: ruff and mypy run by hand on
   the changed Python files with the flags codepilot gives them (cold: no cache), in the repository;
2. a review with a model that takes --delay seconds per answer (a local stand-in), with and without
   checks (no cache): the checks should hide behind the model's requests.
Each figure is the median of --repeat runs."""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.support.fake_openai import Delay, FakeOpenAI  # noqa: E402

BIN = Path(sys.executable).parent


def timed(cmd: list[str], env: dict[str, str], cwd: Path = ROOT) -> float:
    started = time.perf_counter()
    subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, check=False)
    return time.perf_counter() - started


def median(cmd: list[str], env: dict[str, str], n: int, cwd: Path = ROOT) -> float:
    return statistics.median(timed(cmd, env, cwd) for _ in range(n))


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--commit", default="HEAD")
    ap.add_argument("--delay", type=float, default=0.4)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    files = [
        p
        for p in subprocess.run(
            ["git", "diff", "--name-only", "--diff-filter=AM", f"{args.commit}~1", args.commit],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.split()
        if p.endswith(".py")
    ]
    exe = str(BIN / "codepilot")
    server = FakeOpenAI()
    server.default = lambda body: Delay(args.delay, {"findings": []})
    with tempfile.TemporaryDirectory() as home:
        env = {
            **os.environ,
            "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
            "HOME": home,
            "XDG_CACHE_HOME": f"{home}/cache",
            "XDG_CONFIG_HOME": f"{home}/config",
            "XDG_DATA_HOME": f"{home}/data",
            "XDG_STATE_HOME": f"{home}/state",
            "CODEPILOT_MODEL": "openai:bench",
            "OPENAI_BASE_URL": server.url,
            "OPENAI_API_KEY": "x",
        }
        ruff = [
            str(BIN / "ruff"),
            "check",
            "--output-format=json",
            "--exit-zero",
            "--no-cache",
            *files,
        ]
        mypy = [
            str(BIN / "mypy"),
            "--no-error-summary",
            "--show-column-numbers",
            "--show-error-codes",
        ]
        mypy += ["--no-color-output", "--hide-error-context", "--no-pretty", "--no-incremental"]
        mypy += ["--follow-imports=silent", *files]
        t_ruff, t_mypy = median(ruff, env, args.repeat), median(mypy, env, args.repeat)
        review = [
            exe,
            "review",
            "--commit",
            args.commit,
            "--no-history",
            "--format",
            "json",
            "--fail-on",
            "never",
        ]
        t_only = median([*review, "--checks-only"], env, args.repeat)
        t_with = median([*review, "--no-cache"], env, args.repeat)
        t_without = median([*review, "--no-cache", "--no-checks"], env, args.repeat)
    server.close()
    tools = t_ruff + t_mypy
    print(f"change: {args.commit} ({len(files)} Python files changed), median of {args.repeat}")
    print(f"tools by hand: ruff {t_ruff:.2f} s + mypy {t_mypy:.2f} s = {tools:.2f} s")
    print(
        f"review --checks-only: {t_only:.2f} s = {t_only / tools:.2f}x the tools' own time "
        "(goal <= 2x)"
    )
    print(
        f"review with a {args.delay:g} s model: {t_with:.2f} s with checks, {t_without:.2f} s "
        "without "
        f"= {t_with / t_without:.2f}x (goal <= 1.1x)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
