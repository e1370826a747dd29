"""Review throughput against a local OpenAI-compatible server that takes 400 ms per answer.

    .venv/bin/python benchmarks/review_throughput.py [--concurrency 8] [--delay 0.4] [PATHS...]

Uses the repository built by dry_run.py (two Django releases) limited to PATHS (default: a ~70-file
slice), runs the dry run, then the review (no cache), and compares the review's wall time with
dry run + ceil(requests / concurrency) x delay. A second run shows the cache: zero requests sent."""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.support.fake_openai import Delay, FakeOpenAI  # noqa: E402

DEFAULT_PATHS = ["django/db", "django/template"]  # 69 changed files


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("paths", nargs="*", default=DEFAULT_PATHS)
    ap.add_argument("--repo", default=str(ROOT / "benchmarks" / ".data" / "repo-django-4.2-5.0"))
    ap.add_argument("--concurrency", type=int, default=8)
    ap.add_argument("--delay", type=float, default=0.4)
    args = ap.parse_args()
    if not Path(args.repo, ".git").is_dir():
        print("run benchmarks/dry_run.py first: it builds the repository")
        return 2
    server = FakeOpenAI()
    server.default = lambda body: Delay(args.delay, {"findings": []})
    exe = str(Path(sys.executable).with_name("codepilot"))
    with tempfile.TemporaryDirectory() as home:
        env = {
            **os.environ,
            "XDG_CACHE_HOME": home,
            "CODEPILOT_MODEL": "openai:bench",
            "OPENAI_BASE_URL": server.url,
            "OPENAI_API_KEY": "x",
        }
        base = [
            exe,
            "review",
            "--base",
            "A",
            "--head",
            "B",
            "--format",
            "json",
            "--concurrency",
            str(args.concurrency),
            "--",
            *args.paths,
        ]
        t0 = time.perf_counter()
        dry = json.loads(
            subprocess.run(
                [*base[:2], "--dry-run", *base[2:]],
                cwd=args.repo,
                env=env,
                capture_output=True,
                check=True,
            ).stdout
        )
        t_dry = time.perf_counter() - t0
        t0 = time.perf_counter()
        proc = subprocess.run(base, cwd=args.repo, env=env, capture_output=True)
        t_review = time.perf_counter() - t0
        doc = json.loads(proc.stdout)
        t0 = time.perf_counter()
        again = json.loads(subprocess.run(base, cwd=args.repo, env=env, capture_output=True).stdout)
        t_cached = time.perf_counter() - t0
    server.close()
    n = len(dry["requests"])
    ideal = t_dry + math.ceil(n / args.concurrency) * args.delay
    print(
        f"{len(dry['files'])} files, {n} requests, concurrency {args.concurrency}, "
        f"{args.delay:.1f} s per answer"
    )
    print(
        f"dry run {t_dry:.2f} s; review {t_review:.2f} s (exit {proc.returncode}, "
        f"{len(doc['errors'])} errors); "
        f"ideal {ideal:.2f} s; ratio {t_review / ideal:.2f} (goal <= 1.3)"
    )
    print(
        f"re-run {t_cached:.2f} s: {again['stats']['cached']} cached, {again['stats']['sent']} sent"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
