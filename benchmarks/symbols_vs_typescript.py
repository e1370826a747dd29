"""Agreement of codepilot's JavaScript/TypeScript symbols with the TypeScript compiler's own parser
on the changed lines of a real release diff. Needs Node.js and the `typescript` npm package:

    (cd benchmarks/.data/node && npm install typescript@5)
    .venv/bin/python benchmarks/symbols_vs_typescript.py REPO --base A --head B"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from benchmarks.common import dry_run, range_args  # noqa: E402


def main() -> int:
    args = range_args(__doc__ or "", default_repo=None)
    doc = dry_run(args.repo, args.base, args.head)
    env = {**os.environ, "TS_MODULE": str(HERE / ".data" / "node" / "node_modules" / "typescript")}
    agree = total = 0
    misses: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        for f in doc["files"]:
            if f["language"] not in ("javascript", "typescript", "tsx"):
                continue
            for key, rev, path in (
                ("added_lines", args.head, f["path"]),
                ("removed_lines", args.base, f["old_path"] or f["path"]),
            ):
                lines = [(n, c["symbol"]) for c in f["changes"] for n in c[key]]
                if not lines:
                    continue
                src = subprocess.run(
                    ["git", "show", f"{rev}:{path}"], cwd=args.repo, capture_output=True
                ).stdout
                copy = Path(tmp) / ("x" + Path(path).suffix)
                copy.write_bytes(src)
                labels = json.loads(
                    subprocess.run(
                        ["node", str(HERE / "ts_symbols.cjs"), str(copy)],
                        env=env,
                        capture_output=True,
                        check=True,
                    ).stdout
                )[str(copy)]
                for n, ours in lines:
                    total += 1
                    theirs = labels.get(str(n))
                    if ours == theirs:
                        agree += 1
                    elif len(misses) < 20:
                        misses.append(
                            f"{path}:{key[0]}{n} codepilot={ours!r} typescript={theirs!r}"
                        )
    print(
        f"JS/TS changed lines: {total}, agreeing with the TypeScript parser: {agree} "
        f"({100 * agree / max(total, 1):.2f}%)"
    )
    print("\n".join(misses))
    return 0


if __name__ == "__main__":
    sys.exit(main())
