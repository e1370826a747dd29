"""Agreement of codepilot's Python symbols with Python's own `ast` on the changed lines of a real
release diff (the repository built by dry_run.py). Run by hand; prints the agreement and mismatches.

    .venv/bin/python benchmarks/symbols_vs_ast.py [REPO] [--base A --head B]"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import dry_run, range_args  # noqa: E402
from tests.support.ast_symbols import ast_symbols  # noqa: E402


def main() -> int:
    args = range_args(__doc__ or "")
    doc = dry_run(args.repo, args.base, args.head)
    agree = total = 0
    misses: list[str] = []
    for f in doc["files"]:
        if f["language"] != "python":
            continue
        for side, key, rev, path in (
            ("+", "added_lines", args.head, f["path"]),
            ("-", "removed_lines", args.base, f["old_path"] or f["path"]),
        ):
            lines = [n for c in f["changes"] for n in c[key]]
            if not lines:
                continue
            src = subprocess.run(
                ["git", "show", f"{rev}:{path}"], cwd=args.repo, capture_output=True
            ).stdout
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
                        misses.append(
                            f"{path}:{side}{n} codepilot={c['symbol']!r} ast={want.get(n)!r}"
                        )
    print(
        f"python changed lines: {total}, agreeing with ast: {agree} "
        f"({100 * agree / max(total, 1):.2f}%)"
    )
    print("\n".join(misses))
    return 0


if __name__ == "__main__":
    sys.exit(main())
