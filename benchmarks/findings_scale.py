"""How checking a model's findings scales: one answer with N findings (each with a fix) on a
4,000-line changed file, reviewed end to end through the stand-in model server.

    .venv/bin/python benchmarks/findings_scale.py [--sizes 1000 2000 4000 8000]

Prints seconds per run and per 1,000 findings; about linear means the last column stays flat."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.support.fake_openai import FakeOpenAI  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", type=int, nargs="+", default=[1000, 2000, 4000, 8000])
    args = ap.parse_args()
    lines = [f"def f{i}(x):\n    return x + {i}\n" for i in range(2000)]
    with tempfile.TemporaryDirectory() as tmp:
        repo = Path(tmp) / "repo"
        repo.mkdir()
        env = {
            **os.environ,
            "HOME": tmp,
            "XDG_CACHE_HOME": tmp,
            "XDG_DATA_HOME": tmp,
            "GIT_AUTHOR_NAME": "b",
            "GIT_AUTHOR_EMAIL": "b@b",
            "GIT_COMMITTER_NAME": "b",
            "GIT_COMMITTER_EMAIL": "b@b",
        }
        subprocess.run(["git", "init", "-q"], cwd=repo, check=True, env=env)
        (repo / "big.py").write_text("X = 0\n")
        subprocess.run(["git", "add", "-A"], cwd=repo, check=True, env=env)
        subprocess.run(["git", "commit", "-qm", "a"], cwd=repo, check=True, env=env)
        (repo / "big.py").write_text("".join(lines))
        server = FakeOpenAI()
        exe = str(Path(sys.executable).with_name("codepilot"))
        for n in args.sizes:
            found = [
                {
                    "path": "big.py",
                    "line": 2 * (i % 2000) + 2,
                    "end_line": None,
                    "severity": "warning",
                    "category": "bug",
                    "title": f"Problem number {i} in f{i % 2000}",
                    "body": "x",
                    "fix": {
                        "find": f"    return x + {i % 2000}",
                        "replace": f"    return x - {i % 2000}",
                    },
                }
                for i in range(n)
            ]
            server.default = {"findings": found}
            run_env = {
                **env,
                "CODEPILOT_MODEL": "openai:bench",
                "OPENAI_BASE_URL": server.url,
                "OPENAI_API_KEY": "x",
            }
            t0 = time.perf_counter()
            proc = subprocess.run(
                [
                    exe,
                    "review",
                    "--no-cache",
                    "--no-history",
                    "--format",
                    "json",
                    "--max-request-tokens",
                    "200000",
                ],
                cwd=repo,
                env=run_env,
                capture_output=True,
            )
            took = time.perf_counter() - t0
            print(
                f"{n:6} findings: {took:6.2f} s  ({took / n * 1000:.2f} s per 1,000; exit "
                f"{proc.returncode})"
            )
        server.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
