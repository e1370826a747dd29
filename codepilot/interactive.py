"""`review --interactive`: walk the findings most severe first, one key each — `a` apply this fix
now (all of it or none, as --apply), `s` skip, `d` dismiss (with an optional reason), `e` open
$EDITOR at the line, `q` quit — then a summary. With --staged an applied fix goes into the index too
(the commit being made includes it) and nothing else is staged. The terminal is the caller's: this
module reads keys and writes text through the functions it is given."""

from __future__ import annotations

import os
import shlex
import subprocess
from collections.abc import Callable
from dataclasses import dataclass, field

from codepilot.check import apply
from codepilot.check.findings import Finding
from codepilot.output.results import ReviewResult
from codepilot.prompt.prepared import Prepared
from codepilot.source import dismissals

KEYS = "[a]pply  [s]kip  [d]ismiss  [e]dit  [q]uit"


@dataclass
class Walked:
    applied: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    dismissed: list[str] = field(default_factory=list)
    left: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return (
            f"{len(self.applied)} applied, {len(self.skipped)} skipped, {len(self.dismissed)} "
            "dismissed, "
            f"{len(self.left)} left"
        )


@dataclass
class Terminal:
    key: Callable[[], str]  # one key press
    line: Callable[[str], str]  # a line of input after a prompt
    say: Callable[[str], None]
    show: Callable[[Finding], str]  # the finding as the text report shows it


def walk(prepared: Prepared, result: ReviewResult, term: Terminal) -> Walked:
    done = Walked()
    order = sorted(result.findings, key=lambda f: (-_rank(f.severity), f.path, f.line))
    for i, f in enumerate(order):
        term.say(f"\n[{i + 1}/{len(order)}]\n" + term.show(f))
        while True:
            choices = KEYS if f.patch else KEYS.replace("[a]pply  ", "")
            term.say(f"  {choices} ? ")
            key = term.key().lower()
            if key == "a" and f.patch:
                term.say(_apply(prepared, result, f))
                (done.applied if f.applied else done.left).append(f.id)
            elif key == "s":
                done.skipped.append(f.id)
            elif key == "d":
                reason = term.line("  reason (optional): ").strip()
                dismissals.dismiss(
                    prepared.repo.root,
                    dismissals.Dismissal(f.id, f.path, f.category, f.title, reason),
                )
                done.dismissed.append(f.id)
                term.say(f"  dismissed {f.id}")
            elif key == "e":
                term.say(_edit(prepared, f))
                continue
            elif key == "q":
                done.left += [g.id for g in order[i:]]
                return done
            else:
                continue
            break
    return done


def _rank(severity: str) -> int:
    return {"error": 3, "warning": 2, "info": 1}.get(severity, 0)


def _apply(prepared: Prepared, result: ReviewResult, f: Finding) -> str:
    mine = [p for p in result.planned if p.patch == f.patch]
    outcome = apply.apply_all(prepared.repo, mine)[0]
    if not outcome.ok:
        return f"  NOT applied: {(outcome.note or '').removeprefix('not applied: ')}"
    f.applied = True
    done = mine[0]
    delta = len(done.lines) - (done.end - done.start + 1)
    now = prepared.repo.worktree_text(f.path)
    for p in result.planned:  # the file's other fixes were placed against the text before this one
        if p.file != f.path or p.patch == f.patch or (p.start <= done.end and done.start <= p.end):
            continue  # an overlapping fix stays placed against the old text: it will not apply
        if p.start > done.end:
            p.start, p.end = p.start + delta, p.end + delta
        p.expected = now
    if prepared.changeset.source.kind == "staged" and f.patch:
        from codepilot.check.apply import to_index

        why = to_index(prepared.repo, f.patch)
        if why:
            return f"  applied to the work tree; NOT staged ({why}): stage it yourself"
        return "  applied (work tree and index)"
    return "  applied"


def _edit(prepared: Prepared, f: Finding) -> str:
    editor = os.environ.get("VISUAL") or os.environ.get("EDITOR") or "vi"
    try:
        subprocess.run(
            [*shlex.split(editor), f"+{f.line}", str(prepared.repo.root / f.path)], check=False
        )
    except OSError as e:
        return f"  cannot start {editor}: {e.strerror}"
    return ""
