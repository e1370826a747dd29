"""Fix placement on real upstream hunks, offered as a model offers them.

    .venv/bin/python benchmarks/placement_accuracy.py [REPO] [--base A --head B] [--limit 3000]

For every hunk of a real release diff (default: the Django repository built by dry_run.py), the
hunk's old side is the `find`, its new side the `replace`, the old file the reviewed file. Each is
offered exact, with trailing blanks, dedented (common indentation removed), with every line's
indentation stripped, with CRLF, with blank lines around, 12 lines off, and with one name misspelt.
Prints, per kind, how often the patch yields exactly the intended file, how often no patch is made,
and (the number that must stay 0) how often a patch yields anything else."""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import textwrap
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from codepilot.check.placement import NotPlaced, place, split_lines  # noqa: E402


def hunks(
    repo: str, base: str, head: str, limit: int
) -> list[tuple[str, int, list[str], list[str]]]:
    """(old file text, hunk old start, old side lines, new side lines) for Python files' hunks."""
    from unidiff.patch import PatchSet

    diff = subprocess.run(
        ["git", "-C", repo, "diff", "-U3", "--no-renames", base, head, "--", "*.py"],
        capture_output=True,
        check=True,
    ).stdout.decode("utf-8", "replace")
    out = []
    for pf in PatchSet(diff):
        if pf.is_added_file or pf.is_removed_file:
            continue
        old = subprocess.run(
            ["git", "-C", repo, "show", f"{base}:{pf.path}"], capture_output=True
        ).stdout
        text = old.decode("utf-8", "replace")
        for h in pf:
            olds = [ln.value.rstrip("\n") for ln in h if ln.line_type in " -"]
            news = [ln.value.rstrip("\n") for ln in h if ln.line_type in " +"]
            out.append((text, h.source_start, olds, news))
            if len(out) >= limit:
                return out
    return out


def misspell(lines: list[str]) -> list[str] | None:
    """One identifier in a removed/context line changed by a letter (the model's typo)."""
    for i, ln in enumerate(lines):
        for m in re.finditer(r"[A-Za-z_][A-Za-z_0-9]{3,}", ln):
            w = m.group()
            typo = w[:-1] + ("x" if w[-1] != "x" else "y")
            return lines[:i] + [ln[: m.start()] + typo + ln[m.end() :]] + lines[i + 1 :]
    return None


def variants(find: list[str], replace: list[str], start: int) -> dict[str, tuple[str, str, int]]:
    f, r = "\n".join(find) + "\n", "\n".join(replace) + "\n"
    dedent_f, dedent_r = _dedent_pair(find, replace)
    out = {
        "exact": (f, r, start),
        "trailing blanks": (
            "\n".join(ln + "  " for ln in find) + "\n",
            "\n".join(ln + " " for ln in replace) + "\n",
            start,
        ),
        "dedented": (dedent_f, dedent_r, start),
        "dedented apart": (textwrap.dedent(f), textwrap.dedent(r), start),
        "no indentation": (
            "\n".join(ln.strip() for ln in find) + "\n",
            "\n".join(ln.strip() for ln in replace) + "\n",
            start,
        ),
        "crlf": (f.replace("\n", "\r\n"), r.replace("\n", "\r\n"), start),
        "blank lines around": ("\n\n" + f + "\n", "\n\n" + r + "\n", start),
        "12 lines off": (f, r, start + 12),
    }
    typo = misspell(find)
    if typo is not None:
        out["misspelt"] = ("\n".join(typo) + "\n", r, start)
    return out


def _dedent_pair(find: list[str], replace: list[str]) -> tuple[str, str]:
    """The indentation common to the quote and the replacement removed from both (as models
    quote)."""
    common = textwrap.dedent("\n".join(ln for ln in find + replace if ln.strip()))
    first = next((ln for ln in find + replace if ln.strip()), "")
    width = (
        len(first)
        - len(first.lstrip())
        - (len(common.split("\n")[0]) - len(common.split("\n")[0].lstrip()))
    )
    return (
        "\n".join(ln[width:] for ln in find) + "\n",
        "\n".join(ln[width:] for ln in replace) + "\n",
    )


def _quoted_blank_edges(
    lines: list[str], start: int, find: list[str], replace: list[str]
) -> tuple[str, str, int] | None:
    """A model quoting blank context lines at the quote's edges that its replacement leaves out: the
    hunk's own blank edge context (or the file's blank lines right around it) stays in the quote and
    is dropped from the replacement; the intended file keeps those blank lines."""
    lead = 0
    while (
        lead < min(len(find), len(replace)) and not find[lead].strip() and not replace[lead].strip()
    ):
        lead += 1
    trail = 0
    while (
        trail < min(len(find), len(replace)) - lead
        and not find[-1 - trail].strip()
        and not replace[-1 - trail].strip()
    ):
        trail += 1
    quote, repl = find, replace[lead : len(replace) - trail]
    if not lead and start > 1 and not lines[start - 2].strip():
        quote, start = [""] + quote, start - 1
    end = start - 1 + len(quote)
    if not trail and end < len(lines) and not lines[end].strip():
        quote = quote + [""]
    if quote == find and (lead, trail) == (0, 0) or not any(ln.strip() for ln in repl):
        return None
    return "\n".join(quote) + "\n", "\n".join(repl) + "\n", start


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument(
        "repo", nargs="?", default=str(ROOT / "benchmarks" / ".data" / "repo-django-4.2-5.0")
    )
    ap.add_argument("--base", default="A")
    ap.add_argument("--head", default="B")
    ap.add_argument("--limit", type=int, default=3000)
    ap.add_argument("--show", help="print the first wrong results of this kind")
    args = ap.parse_args()
    from codepilot.syntax import detect, string_lines, syntax_errors

    python = detect("x.py")

    def check(t: str) -> int:
        return syntax_errors(python, t)

    def strings(t: str) -> set[int]:
        return string_lines(python, t)

    good, none, wrong = Counter(), Counter(), Counter()
    examples: dict[str, str] = {}
    for text, start, find, replace in hunks(args.repo, args.base, args.head, args.limit):
        lines = split_lines(text)
        s = start if start > 0 else 1
        final = "\n" if text.endswith("\n") else ""
        intended = "\n".join(lines[: s - 1] + replace + lines[s - 1 + len(find) :]) + final
        offered = variants(find, replace, s)
        quoted = _quoted_blank_edges(lines, s, find, replace)
        if quoted is not None:
            offered["quoted blank edges"] = quoted
        for kind, (f, r, hint) in offered.items():
            got = place(text, f, r, hint, check, string_lines=strings)
            if isinstance(got, NotPlaced):
                none[kind] += 1
                if kind != "misspelt":
                    examples.setdefault(f"{kind} none", got.reason)
            elif got.new_text == intended:
                good[kind] += 1
            else:
                wrong[kind] += 1
                examples.setdefault(f"{kind} wrong", f"{got.how} at {got.start}, hunk at {s}")
                if args.show and kind == args.show and wrong[kind] <= 3:
                    got_lines = split_lines(got.new_text)[s - 1 : s - 1 + len(replace) + 2]
                    print(
                        "--- intended\n" + "\n".join(replace) + "\n--- got\n" + "\n".join(got_lines)
                    )
    kinds = list(dict.fromkeys([*good, *none, *wrong]))
    total_good = sum(good[k] for k in kinds if k != "misspelt")
    total = sum(good[k] + none[k] + wrong[k] for k in kinds if k != "misspelt")
    for k in kinds:
        n = good[k] + none[k] + wrong[k]
        print(
            f"{k:20} {n:6} offered  {100 * good[k] / n:6.2f}% intended  "
            f"{100 * none[k] / n:6.2f}% no patch  "
            f"{wrong[k]:4} wrong"
        )
    print(f"all but misspelt: {100 * total_good / max(total, 1):.2f}% give the intended code")
    for k, v in examples.items():
        print(f"  e.g. {k}: {v}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
