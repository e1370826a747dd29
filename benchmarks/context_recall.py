"""Context recall against an independent resolver (jedi), and characters sent for a whole run, on
real releases of popular Python packages (source archives from PyPI, committed as two commits A and
B).

    .venv/bin/pip install -e . --group bench   # jedi
    .venv/bin/python benchmarks/context_recall.py \
        [--pair requests:2.31.0:2.32.0 --pair flask:2.3.0:3.0.0]

For each release pair, from `codepilot review --base A --head B --dry-run --format json`:
- callee recall: of the repository definitions that jedi resolves a call on an added line to
  (`goto`, following imports), the share whose `def`/`class` line is in the change's request (its
  own code or a `requests[].context` item);
- caller recall: for each function or method whose `def` line is added, jedi's references to it
  elsewhere (not its own definition or body); per function min(found, 5) / min(all, 5), averaged;
- characters: every message of every request, against PR-Agent 0.49's figures on the same releases
  (`--pr-agent NAME=CHARS`; the issue gives requests 132,948 and flask 170,863).
Run by hand; nothing here is asserted."""

from __future__ import annotations

import argparse
import ast
import json
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from dry_run import build_repo  # noqa: E402

PR_AGENT = {"requests": 132_948, "flask": 170_863}
MISSES = False  # --misses: print each missed callee and caller


def dry_run(repo: Path) -> dict:  # type: ignore[type-arg]
    exe = Path(sys.executable).with_name("codepilot")
    out = subprocess.run(
        [str(exe), "review", "--base", "A", "--head", "B", "--dry-run", "--format", "json"],
        cwd=repo,
        capture_output=True,
        check=True,
    ).stdout
    return json.loads(out)


def checkout(repo: Path, into: Path) -> None:
    archive = subprocess.run(
        ["git", "-C", str(repo), "archive", "B"], capture_output=True, check=True
    ).stdout
    tar = into / "b.tar"
    tar.write_bytes(archive)
    with tarfile.open(tar) as t:
        t.extractall(into / "tree", filter="data")


def in_request(req: dict, path: str, line: int) -> bool:  # type: ignore[type-arg]
    for item in req.get("context", []):
        if item["path"] == path and item["start_line"] <= line <= item["end_line"]:
            return True
    for u in req["units"]:
        if u["path"] == path and u.get("start_line") and u["start_line"] <= line <= u["end_line"]:
            return True
    return False


def requests_of(doc: dict, path: str, symbol: str | None) -> list[dict]:  # type: ignore[type-arg]
    return [
        r
        for r in doc["requests"]
        if any(u["path"] == path and u["symbol"] == symbol for u in r["units"])
    ]


def call_positions(tree: ast.AST, lines: set[int]) -> list[tuple[int, int]]:
    """(line, column) of the called name of every call on these lines."""
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and node.func.end_lineno in lines:
            f = node.func
            if isinstance(f, ast.Attribute) and f.end_col_offset is not None:
                out.append((f.end_lineno or 0, f.end_col_offset - len(f.attr)))
            elif isinstance(f, ast.Name):
                out.append((f.lineno, f.col_offset))
    return out


def measure(name: str, old: str, new: str) -> dict[str, float]:
    import jedi

    repo = build_repo(name, old, new, sdist=True)
    t0 = time.perf_counter()
    doc = dry_run(repo)
    seconds = time.perf_counter() - t0
    chars = sum(len(m["content"]) for r in doc["requests"] for m in r["messages"])
    callee_hit = callee_all = 0
    caller_scores: list[float] = []
    with tempfile.TemporaryDirectory() as tmp:
        checkout(repo, Path(tmp))
        root = Path(tmp) / "tree"
        extra = [str(root / "src")] if (root / "src").is_dir() else []
        project = jedi.Project(root, added_sys_path=extra, smart_sys_path=False)
        for f in doc["files"]:
            if f["language"] != "python" or f["status"] in ("deleted", "binary"):
                continue
            source = (root / f["path"]).read_text(encoding="utf-8")
            try:
                tree = ast.parse(source)
            except SyntaxError:
                continue
            script = jedi.Script(source, path=root / f["path"], project=project)
            for c in f["changes"]:
                reqs = requests_of(doc, f["path"], c["symbol"])
                if not reqs or not c["added_lines"]:
                    continue
                for line, col in call_positions(tree, set(c["added_lines"])):
                    for d in script.goto(line, col, follow_imports=True):
                        p = d.module_path
                        if (
                            p is None
                            or root not in Path(p).parents
                            or d.type not in ("function", "class")
                        ):
                            continue
                        rel = Path(p).relative_to(root).as_posix()
                        if rel == f["path"] and c["start_line"] <= (d.line or 0) <= c["end_line"]:
                            continue  # the change's own code
                        callee_all += 1
                        hit = any(in_request(r, rel, d.line or 0) for r in reqs)
                        callee_hit += hit
                        if not hit and MISSES:
                            call = source.split("\n")[line - 1].strip()[:70]
                            print(
                                f"  miss callee: {f['path']}:{line} {call!r} -> "
                                f"{rel}:{d.line} {d.name}"
                            )
                if (
                    c["kind"] in ("function", "method")
                    and c["start_line"] in c["added_lines"]
                    or any(
                        source.split("\n")[n - 1].lstrip().startswith(("def ", "async def "))
                        for n in c["added_lines"]
                        if c["start_line"] <= n <= c["end_line"]
                    )
                ):
                    caller_scores += callers(script, root, f, c, reqs, source)
    return {
        "callee": callee_hit / callee_all if callee_all else float("nan"),
        "callee_n": callee_all,
        "caller": sum(caller_scores) / len(caller_scores) if caller_scores else float("nan"),
        "caller_n": len(caller_scores),
        "chars": chars,
        "requests": len(doc["requests"]),
        "seconds": seconds,
    }


def callers(script, root: Path, f: dict, c: dict, reqs: list[dict], source: str) -> list[float]:  # type: ignore[no-untyped-def, type-arg]
    lines = source.split("\n")
    for n in c["added_lines"]:
        text = lines[n - 1]
        stripped = text.lstrip()
        if stripped.startswith(("def ", "async def ")) and c["start_line"] <= n <= c["end_line"]:
            col = text.index("def ") + 4
            refs = []
            for r in script.get_references(n, col, include_builtins=False):
                if (
                    r.is_definition()
                    or r.module_path is None
                    or root not in Path(r.module_path).parents
                ):
                    continue
                rel = Path(r.module_path).relative_to(root).as_posix()
                if rel == f["path"] and c["start_line"] <= (r.line or 0) <= c["end_line"]:
                    continue
                refs.append((rel, r.line or 0))
            if not refs:
                return []
            found = sum(any(in_request(q, p, ln) for q in reqs) for p, ln in refs)
            if found < min(len(refs), 5) and MISSES:
                print(
                    f"  miss callers of {f['path']}:{n} {stripped[:60]!r}: "
                    f"{found}/{len(refs)} {refs[:5]}"
                )
            return [min(found, 5) / min(len(refs), 5)]
    return []


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--pair", action="append", help="package:old:new (default requests and flask)")
    ap.add_argument("--pr-agent", action="append", default=[], help="package=characters")
    ap.add_argument("--misses", action="store_true", help="print each missed callee and caller")
    args = ap.parse_args()
    global MISSES
    MISSES = args.misses
    pairs = args.pair or ["requests:2.31.0:2.32.0", "flask:2.3.0:3.0.0"]
    peer = dict(PR_AGENT)
    peer.update({k: int(v) for k, v in (x.split("=") for x in args.pr_agent)})
    for pair in pairs:
        name, old, new = pair.split(":")
        m = measure(name, old, new)
        ratio = (
            f"{m['chars'] / peer[name]:.2f}x PR-Agent ({peer[name]:,})"
            if name in peer
            else "no PR-Agent figure"
        )
        print(
            f"{name} {old} -> {new}: callee recall {m['callee']:.2f} ({m['callee_n']} calls), "
            f"caller recall {m['caller']:.2f} ({m['caller_n']} functions), {m['requests']} "
            "requests, "
            f"{m['chars']:,} characters = {ratio}, dry run {m['seconds']:.1f} s"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
