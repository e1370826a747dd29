"""The hook path's start-up, as a ratio to a bare `python -c "import click, git"`.

    # GitPython: the floor's `import git` (codepilot does not use it)
    .venv/bin/pip install -e . --group bench
    .venv/bin/python benchmarks/hook_path.py [--runs 10]

Budget (issue 26): nothing staged < 1x; the same staged change again (its verdict remembered) <= 2x.
Also shown: the pipeline with every answer from the cache (the verdict memory forgotten)."""

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

from tests.support.fake_openai import FakeOpenAI  # noqa: E402


def timed(
    cmd: list[str], cwd: str, env: dict[str, str], runs: int, forget: Path | None = None
) -> float:
    samples = []
    for _ in range(runs):
        if forget is not None:
            forget.unlink(missing_ok=True)
        t0 = time.perf_counter()
        subprocess.run(cmd, cwd=cwd, env=env, capture_output=True)
        samples.append(time.perf_counter() - t0)
    return statistics.median(samples)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=10)
    args = ap.parse_args()
    try:
        import git  # noqa: F401  (the floor imports it; codepilot runs git's plumbing itself)
    except ImportError:
        print("the floor imports GitPython: pip install -e . --group bench first", file=sys.stderr)
        return 2
    server = FakeOpenAI()
    exe = str(Path(sys.executable).with_name("codepilot"))
    with tempfile.TemporaryDirectory() as tmp:
        repo = os.path.join(tmp, "repo")
        env = {
            **os.environ,
            "XDG_CACHE_HOME": os.path.join(tmp, "cache"),
            "CODEPILOT_MODEL": "openai:bench",
            "OPENAI_BASE_URL": server.url,
            "OPENAI_API_KEY": "x",
            "GIT_AUTHOR_NAME": "b",
            "GIT_AUTHOR_EMAIL": "b@b",
            "GIT_COMMITTER_NAME": "b",
            "GIT_COMMITTER_EMAIL": "b@b",
        }
        os.makedirs(repo)
        (Path(repo) / "app.py").write_text(
            "".join(f"def f{i}(x):\n    return x + {i}\n\n\n" for i in range(40))
        )
        for c in (["init", "-q"], ["add", "-A"], ["commit", "-qm", "base"]):
            subprocess.run(["git", *c], cwd=repo, env=env, check=True)
        base = timed([sys.executable, "-c", "import click, git"], repo, env, args.runs)
        empty = timed([exe, "hook", "run"], repo, env, args.runs)
        (Path(repo) / "app.py").write_text(
            (Path(repo) / "app.py").read_text().replace("x + 7", "x - 7")
        )
        subprocess.run(["git", "add", "app.py"], cwd=repo, env=env, check=True)
        # fills the cache
        subprocess.run([exe, "hook", "run"], cwd=repo, env=env, capture_output=True)
        sent = len(server.history)
        cached = timed([exe, "hook", "run"], repo, env, args.runs)
        # the answer cache alone: the verdict memory forgotten before each run (settings changed)
        verdicts = Path(tmp, "cache", "codepilot", "hook-verdicts.json")
        answers = timed([exe, "hook", "run"], repo, env, args.runs, forget=verdicts)
        assert len(server.history) == sent, "the cached runs sent requests"
    server.close()
    print(f"baseline python -c 'import click, git': {base * 1000:6.0f} ms")
    print(
        f"hook run, nothing staged:               {empty * 1000:6.0f} ms  ratio "
        f"{empty / base:.2f} (budget 1)"
    )
    print(
        f"hook run, same staged change again:     {cached * 1000:6.0f} ms  ratio "
        f"{cached / base:.2f} (budget 2)"
    )
    print(
        f"hook run, cached answer, new settings:  {answers * 1000:6.0f} ms  ratio "
        f"{answers / base:.2f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
