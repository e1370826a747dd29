"""Dry-run speed on a large real change: two releases of a public package from the package registry,
committed as two commits of a scratch repository, reviewed with `--base A --head B --dry-run`.

    .venv/bin/python benchmarks/dry_run.py [--package django --old 4.2 --new 5.0] [--runs 3]

Prints files/s and changed lines/s for the dry run and for the floor: `git diff` (raw + patch) plus
one tree-sitter parse of each changed file's old and new version; and, per round, the warm run
(cache filled) against that floor and the cold run (empty cache: the repository index built) against
the floor plus one parse of every source file at the head. Run by hand; nothing here is asserted."""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
DATA = HERE / ".data"
ENV = {
    **os.environ,
    "GIT_AUTHOR_NAME": "b",
    "GIT_AUTHOR_EMAIL": "b@b",
    "GIT_COMMITTER_NAME": "b",
    "GIT_COMMITTER_EMAIL": "b@b",
    "GIT_CONFIG_NOSYSTEM": "1",
}


def fetch(package: str, version: str, sdist: bool = False) -> Path:
    """The release's wheel (pure files, no build step) or source archive (with its tests and docs),
    downloaded once into benchmarks/.data."""
    DATA.mkdir(exist_ok=True)
    stem = package.replace("-", "_").lower()

    def found() -> list[Path]:
        if sdist:
            return [
                p for p in DATA.glob("*.tar.gz") if p.name.lower() in (f"{stem}-{version}.tar.gz",)
            ]
        return [p for p in DATA.glob("*.whl") if p.name.lower().startswith(f"{stem}-{version}-")]

    if not found():
        kind = ["--no-binary", ":all:"] if sdist else ["--only-binary", ":all:"]
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "download",
                "-q",
                "--no-deps",
                *kind,
                "-d",
                str(DATA),
                f"{package}=={version}",
            ],
            check=True,
        )
    return found()[0]


def _unpack(archive: Path, into: Path) -> None:
    if archive.suffix == ".whl":
        with zipfile.ZipFile(archive) as z:
            z.extractall(into)
        return
    with tarfile.open(archive) as t:  # one top folder (name-version/): its content goes to the root
        for member in t.getmembers():
            parts = member.name.split("/", 1)
            if len(parts) < 2 or not parts[1] or not (member.isfile() or member.isdir()):
                continue
            member.name = parts[1]
            t.extract(member, into, filter="data")


def build_repo(package: str, old: str, new: str, sdist: bool = False) -> Path:
    """A scratch repository with the two releases as commits tagged A and B."""
    repo = DATA / f"repo-{package}-{old}-{new}{'-src' if sdist else ''}"
    if (repo / ".git").is_dir():
        return repo
    shutil.rmtree(repo, ignore_errors=True)
    repo.mkdir(parents=True)
    git = ["git", "-C", str(repo)]
    subprocess.run([*git, "init", "-q"], check=True, env=ENV)
    for tag, version in (("A", old), ("B", new)):
        for child in repo.iterdir():
            if child.name != ".git":
                shutil.rmtree(child) if child.is_dir() else child.unlink()
        _unpack(fetch(package, version, sdist), repo)
        subprocess.run([*git, "add", "-A"], check=True, env=ENV)
        subprocess.run([*git, "commit", "-qm", version], check=True, env=ENV)
        subprocess.run([*git, "tag", tag], check=True, env=ENV)
    return repo


def floor(repo: Path) -> tuple[float, int]:
    """git diff (raw + patch) and one tree-sitter parse of each changed text file's two versions."""
    from codepilot.source.git import open_repo
    from codepilot.syntax import detect
    from codepilot.syntax.outline import parser_for

    t0 = time.perf_counter()
    raw = subprocess.run(
        ["git", "-C", str(repo), "diff", "--raw", "-z", "-M", "--no-abbrev", "A", "B"],
        capture_output=True,
        check=True,
    ).stdout
    subprocess.run(
        ["git", "-C", str(repo), "diff", "-M", "A", "B"], capture_output=True, check=True
    )
    t_git = time.perf_counter() - t0
    fields = raw.split(b"\0")
    pairs, i = [], 0
    while i < len(fields) - 1:
        meta = fields[i].decode().lstrip(":").split()
        step = 3 if meta[4][0] in "RC" else 2
        pairs.append((fields[i + step - 1].decode(), meta[2], meta[3]))
        i += step
    r = open_repo(repo)
    data = r.blobs([s for _, a, b in pairs for s in (a, b) if set(s) != {"0"}])
    blobs = [(p, [data[s] for s in (a, b) if set(s) != {"0"}]) for p, a, b in pairs]
    t1 = time.perf_counter()
    for path, versions in blobs:
        lang = detect(path)
        if lang.parsed:
            for data in versions:
                parser_for(lang).parse(data)
    return t_git + time.perf_counter() - t1, len(pairs)


def parse_head(repo: Path) -> float:
    """One tree-sitter parse of every source file at B: what building the repository index costs at
    least."""
    from codepilot.source.git import open_repo
    from codepilot.syntax import detect
    from codepilot.syntax.outline import parser_for

    out = subprocess.run(
        ["git", "-C", str(repo), "ls-tree", "-r", "-z", "B"], capture_output=True, check=True
    ).stdout
    rows = [e.split(b"\t", 1) for e in out.split(b"\0") if e]
    files = [(p.decode(), m.split()[2].decode()) for m, p in rows if detect(p.decode()).parsed]
    data = open_repo(repo).blobs([sha for _, sha in files])
    t0 = time.perf_counter()
    for path, sha in files:
        parser_for(detect(path)).parse(data[sha])
    return time.perf_counter() - t0


def dry_run(repo: Path, cache: Path | None = None) -> tuple[float, dict]:  # type: ignore[type-arg]
    """The whole command; with `cache`, in that (empty) cache folder: the repository index built
    cold."""
    exe = Path(sys.executable).with_name("codepilot")
    env = dict(os.environ)
    # as installed: modules compiled once, not on every run
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    if cache:
        env["XDG_CACHE_HOME"] = str(cache)
    t0 = time.perf_counter()
    proc = subprocess.run(
        [str(exe), "review", "--base", "A", "--head", "B", "--dry-run", "--format", "json"],
        cwd=repo,
        capture_output=True,
        env=env,
    )
    if proc.returncode:
        raise SystemExit(
            f"the dry run failed (exit {proc.returncode}): "
            f"{proc.stderr.decode(errors='replace')[-2000:]}"
        )
    return time.perf_counter() - t0, json.loads(proc.stdout)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--package", default="django")
    ap.add_argument("--old", default="4.2")
    ap.add_argument("--new", default="5.0")
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    repo = build_repo(args.package, args.old, args.new)
    # rounds interleave the floor and the command, so that both see the machine in the same state (a
    # shared 2-vCPU machine drifts by tens of percent within minutes); ratios are per round
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        # the first run writes the modules' bytecode, as pip install does
        dry_run(repo, Path(tmp) / "compile")
        dry_run(repo, Path(tmp) / "warm")
        for i in range(args.runs):
            (t_floor, nfiles), t_parse = floor(repo), parse_head(repo)
            t_cold = dry_run(repo, Path(tmp) / f"cold-{i}")[0]
            t_dry, doc = dry_run(repo, Path(tmp) / "warm")
            rows.append((t_floor, t_parse, t_cold, t_dry))
            print(
                f"round {i + 1}: floor {t_floor:5.2f} s, parse of every file at B "
                f"{t_parse:5.2f} s, "
                f"warm {t_dry:5.2f} s (ratio {t_dry / t_floor:.2f}), cold {t_cold:5.2f} s "
                f"(ratio {t_cold / (t_floor + t_parse):.2f})"
            )
    lines = sum(
        len(c["added_lines"]) + len(c["removed_lines"]) for f in doc["files"] for c in f["changes"]
    )
    t_floor = statistics.median(r[0] for r in rows)
    t_dry = statistics.median(r[3] for r in rows)
    print(
        f"{args.package} {args.old} -> {args.new}: {nfiles} changed files, "
        f"{len(doc['files'])} in report, "
        f"{len(doc['skipped'])} skipped, {lines} changed lines, {len(doc['requests'])} requests"
    )
    print(
        f"floor   (median): {t_floor:6.2f} s  {nfiles / t_floor:8.0f} files/s  "
        f"{lines / t_floor:9.0f} lines/s"
    )
    print(
        f"dry run (median): {t_dry:6.2f} s  {nfiles / t_dry:8.0f} files/s  "
        f"{lines / t_dry:9.0f} lines/s"
    )
    warm = statistics.median(r[3] / r[0] for r in rows)
    cold = statistics.median(r[2] / (r[0] + r[1]) for r in rows)
    print(f"warm: ratio dry run / floor, median of {args.runs} rounds: {warm:.2f}  (goal <= 2.0)")
    print(
        "cold (empty cache: the repository index built) / (floor + one parse of every source "
        "file at B), "
        f"median of {args.runs} rounds: {cold:.2f}  (goal <= 1.5)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
