"""What the package ships: the wheel, built here offline with the project's own build backend,
holds every file codepilot reads at run time besides its modules — the prompts, the grammars'
queries, the hand-off report's templates. (ruff and mypy run in .ci/run and as pre-commit hooks,
not in the suite: see issue 25.)"""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

from tests.support import ROOT


def test_the_wheel_ships_what_codepilot_reads_at_run_time(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q"]
        + ["-w", str(tmp_path), str(ROOT)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    (wheel,) = tmp_path.glob("codepilot_review-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    wanted = {f"codepilot/prompts/{p.name}" for p in (ROOT / "prompts").glob("*.md")}
    wanted |= {
        p.relative_to(ROOT).as_posix()
        for folder in ("codepilot/syntax/queries", "codepilot/output/handoff/templates")
        for p in (ROOT / folder).rglob("*")
        if p.is_file()
    }
    assert "codepilot/prompts/review-system.md" in wanted and len(wanted) > 30
    assert wanted <= names, sorted(wanted - names)
    assert not any(n.startswith(("tests/", "benchmarks/")) for n in names)
