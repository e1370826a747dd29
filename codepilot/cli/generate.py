"""`codepilot generate`: draft code from an instruction; patches, --apply, --dry-run."""

from __future__ import annotations

import json

import click

from codepilot.cli.options import model_choice, report_options
from codepilot.cli.output import write_output


@click.command("generate")
@click.argument("instruction")
@click.option(
    "--path",
    "paths",
    multiple=True,
    metavar="FILE",
    help="Aim at this file (repeatable; may not exist yet).",
)
@click.option("--symbol", metavar="NAME", help="Aim at this definition, e.g. Cart.total.")
@model_choice(server_help="OpenAI-compatible server [env: OPENAI_BASE_URL].")
@click.option(
    "--dry-run", is_flag=True, help="Build the request, call no model: print what would be sent."
)
@report_options(["text", "json"], "text")
@click.option(
    "--patch-dir", metavar="DIR", help="Where patches are written [default: .codepilot/patches]."
)
@click.option("--no-cache", is_flag=True, help="Do not read or write the response cache.")
@click.option(
    "--apply",
    "apply_",
    is_flag=True,
    help="Apply the patches to the work tree (all of a patch or none).",
)
@click.option(
    "--allow-path",
    "allow",
    multiple=True,
    metavar="GLOB",
    help="Let the answer also change these files (existing files not aimed at; CI, hook and "
    "codepilot configuration). Repeatable.",
)
@click.option(
    "--checks/--no-checks",
    default=True,
    help="Apply the draft in a temporary copy of the work tree and run the project's linters and "
    "the tests "
    "that use the target; send failures back for a corrected draft [default: on].",
)
@click.option(
    "--rounds",
    type=click.IntRange(0, 10),
    default=2,
    show_default=True,
    metavar="N",
    help="Corrections after a failed check (0 to 10).",
)
@click.option(
    "--test-cmd", metavar="CMD", help="The test command to run on the draft (as typed: trusted)."
)
@click.option(
    "--lint-cmd",
    metavar="CMD",
    help="The lint command, given the touched files (as typed: trusted).",
)
@click.option("--force", is_flag=True, help="With --apply: apply a draft whose checks still fail.")
def command(
    instruction: str,
    paths: tuple[str, ...],
    symbol: str | None,
    model: str | None,
    base_url: str | None,
    dry_run: bool,
    fmt: str,
    output: str | None,
    patch_dir: str | None,
    no_cache: bool,
    apply_: bool,
    allow: tuple[str, ...],
    checks: bool,
    rounds: int,
    test_cmd: str | None,
    lint_cmd: str | None,
    force: bool,
) -> int:
    """Draft code for INSTRUCTION; the edits become patch files.

    The draft is first run in a temporary copy of the work tree (the project's linters, the tests
    that use the target) and corrected up to --rounds times; exit 1 while a check still fails.

    Examples: "write pytest tests for parse_invoice", "add docstrings to the public functions in
    billing.py" --path billing.py, "implement the TODO" --symbol Cart.total."""
    from codepilot import generate
    from codepilot.model import models

    opts = generate.Options(
        instruction,
        paths,
        symbol,
        overrides={"model": model, "base_url": base_url, "patch_dir": patch_dir},
        allow=allow,
        checks=checks,
        rounds=rounds,
        test_cmd=test_cmd,
        lint_cmd=lint_cmd,
    )
    prepared = generate.prepare(opts)
    if dry_run:
        doc = {
            "version": 1,
            "targets": [t.path for t in prepared.targets],
            "prompt_tokens": prepared.prompt_tokens,
            "messages": prepared.messages,
            "redacted": dict(prepared.redactions),
            "checks": _planned_checks(prepared) if checks else [],
        }
        text = (
            json.dumps(doc, ensure_ascii=False, indent=2) + "\n"
            if fmt == "json"
            else _dry_text(prepared)
        )
        write_output(text, output)
        return 0
    spec = models.resolve(prepared.config.model, prepared.config.base_url)
    result = generate.run(prepared, spec, use_cache=not no_cache)
    if apply_ and result.patches and result.errors:  # a run that failed applies nothing (issue 28)
        result.errors.append(
            "--apply: nothing applied, since the run did not complete (the patches are written)"
        )
    elif apply_ and result.patches and result.failed and not force:
        result.notes.append(
            "--apply: nothing applied, since the draft's checks fail (--force applies it anyway)"
        )
    elif apply_ and result.patches:
        _apply(prepared, result)
    write_output(
        json.dumps(result.to_json(), indent=2, ensure_ascii=False) + "\n"
        if fmt == "json"
        else _text(result),
        output,
    )
    if result.errors:
        if fmt == "json" or output:  # the text on stdout lists them already: said once
            click.echo(f"codepilot: {result.errors[0]}", err=True)
        return 3
    if result.failed:
        if fmt == "json" or output:
            click.echo(f"codepilot: {result.checks_line()}", err=True)
        return 1
    return 0


def _planned_checks(prepared: object) -> list[dict[str, str]]:
    """What would check the draft, and what would not run (why)."""
    from codepilot import generate
    from codepilot.tools import drafts

    assert isinstance(prepared, generate.Prepared) and prepared.options is not None
    o = prepared.options
    plan = drafts.plan(
        prepared.repo,
        prepared.config,
        prepared.config.checks_trusted,
        o.test_cmd,
        o.lint_cmd,
        prepared.tests,
    )
    return [
        {"name": r.name, "status": "would run", "output": r.shell or ""} for r in plan.runners
    ] + [c.to_json() for c in plan.not_run]


def _apply(prepared: object, result: object) -> None:
    from codepilot import generate
    from codepilot.check import apply

    assert isinstance(prepared, generate.Prepared) and isinstance(result, generate.Result)
    for a in apply.apply_all(prepared.repo, result.planned):
        if a.ok:
            result.applied.append(a.patch)
        else:
            result.errors.append(a.note or f"{a.patch} not applied")


def _dry_text(p: object) -> str:
    from codepilot import generate

    assert isinstance(p, generate.Prepared)
    targets = (
        ", ".join(t.path for t in p.targets) or "(none found: the model sees only the instruction)"
    )
    return (
        "codepilot generate dry run — nothing is sent\ntargets: "
        f"{targets}\n~{p.prompt_tokens} prompt tokens "
        f"(estimated)\n\n{p.messages[1]['content']}\n"
    )


def _text(result: object) -> str:
    from codepilot import generate

    assert isinstance(result, generate.Result)
    lines = [
        result.summary
        or ("no draft: the model's answer did not arrive" if result.errors else "(no summary)"),
        "",
    ]
    for e in result.edits:
        lines.append(
            f"  {'placed' if e.placed else 'NOT placed'}: {e.path}"
            + (f" ({e.how})" if e.how else "")
            + (f" — {e.note}" if e.note else "")
        )
    lines += [f"patch: {p}" + (" (applied)" if p in result.applied else "") for p in result.patches]
    if result.rounds and result.checks:
        lines += ["", f"checks: {result.checks_line()}"]
        for c in result.failed:
            lines += [f"  {c.name} failed:", *[f"    {ln}" for ln in c.output.splitlines()[-12:]]]
    if result.mutation is not None:
        m = result.mutation
        lines.append(
            f"mutation check: the drafted tests {'fail' if m.noticed else 'still PASS'} with "
            f"{m.symbol}'s body "
            f"replaced by raise NotImplementedError"
            + ("" if m.noticed else ": they prove nothing about it")
        )
    lines += [f"note: {n}" for n in result.notes]
    lines += [f"error: {e}" for e in result.errors]
    cost = "cost unknown" if result.cost_usd is None else f"${result.cost_usd:.4f}"
    lines.append(
        f"{'cached' if result.cached else 'sent'}; {result.requests} request(s), "
        f"{result.usage_prompt} prompt + "
        f"{result.usage_completion} completion tokens; {cost}"
    )
    return "\n".join(lines) + "\n"
