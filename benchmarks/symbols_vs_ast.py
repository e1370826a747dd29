"""Agreement of codepilot's Python symbols with Python's own `ast` on the changed lines of a real
release diff (the repository built by dry_run.py). Run by hand; prints the agreement and mismatches.

    .venv/bin/python benchmarks/symbols_vs_ast.py [REPO] [--base A --head B]"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.ast_symbols import ast_symbols  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("repo", nargs="?", default=str(Path(__file__).parent / ".data" / "repo-django-4.2-5.0"))
    ap.add_argument("--base", default="A")
    ap.add_argument("--head", default="B")
    args = ap.parse_args()
    exe = Path(sys.executable).with_name("codepilot")
    doc = json.loads(subprocess.run([str(exe), "review", "--base", args.base, "--head", args.head, "--dry-run",
                                     "--format", "json"], cwd=args.repo, capture_output=True, check=True).stdout)
    agree = total = 0
    misses: list[str] = []
    for f in doc["files"]:
        if f["language"] != "python":
            continue
        for side, key, rev, path in (("+", "added_lines", args.head, f["path"]),
                                     ("-", "removed_lines", args.base, f["old_path"] or f["path"])):
            lines = [n for c in f["changes"] for n in c[key]]
            if not lines:
                continue
            src = subprocess.run(["git", "show", f"{rev}:{path}"], cwd=args.repo, capture_output=True).stdout
            try:
                want = ast_symbols(src.decode("utf-8", "replace"))
            except SyntaxError:
                continue
            for c in f["changes"]:
                for n in c[key]:
                    total += 1
                    if c["symbol"] == want.get(n):
                        agree += 1
                    elif len(misses) < 15:
                        misses.append(f"{path}:{side}{n} codepilot={c['symbol']!r} ast={want.get(n)!r}")
    print(f"python changed lines: {total}, agreeing with ast: {agree} ({100 * agree / max(total, 1):.2f}%)")
    print("\n".join(misses))
    return 0


if __name__ == "__main__":
    sys.exit(main())
