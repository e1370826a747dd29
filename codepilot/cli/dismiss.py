"""`codepilot dismiss`: keep a finding away in later runs (recorded in
.codepilot/dismissals.json)."""

from __future__ import annotations

import click

from codepilot.runtime.errors import UsageError


@click.command("dismiss")
@click.argument("finding_id", metavar="ID", required=False)
@click.option("--reason", help="Why (shared with the team; recent reasons guide the model).")
@click.option("--list", "list_", is_flag=True, help="List the dismissed findings.")
@click.option("--undo", is_flag=True, help="Take the dismissal of ID back.")
@click.option(
    "--force",
    is_flag=True,
    help="Record ID although no finding of the local history has it (an id from a PR).",
)
def command(
    finding_id: str | None, reason: str | None, list_: bool, undo: bool, force: bool
) -> int:
    """Dismiss the finding ID (from a report or the JSON): later runs drop it, also after its code
    moves. The file .codepilot/dismissals.json is meant to be committed, so the team and CI share
    it."""
    from codepilot.source import dismissals
    from codepilot.source.git import open_repo

    repo = open_repo()
    if list_:
        items = dismissals.load(repo.root)
        for d in items:
            click.echo(f"{d.id}  {d.path}  {d.title}" + (f"  — {d.reason}" if d.reason else ""))
        if not items:
            click.echo("codepilot: nothing dismissed")
        return 0
    if not finding_id:
        raise UsageError("give the ID of a finding (or --list)")
    if undo:
        if not dismissals.undo(repo.root, finding_id):
            raise UsageError(f"{finding_id} is not dismissed")
        click.echo(f"codepilot: {finding_id} is no longer dismissed")
        return 0
    item = dismissals.Dismissal(finding_id, reason=reason or "")
    known = _from_history(repo, finding_id)
    if known is not None:
        item.id, item.path, item.category, item.title = known
    elif not force:  # a typo must not read as "dismissed" (see issue 23)
        raise UsageError(
            f"no finding of this repository's history has the id {finding_id}: check it, or "
            "give --force "
            "to record it anyway (an id from a pull request's comment)"
        )
    if dismissals.dismiss(repo.root, item):
        click.echo(
            f"codepilot: dismissed {item.id}"
            + (f" ({item.title})" if item.title else "")
            + f"; commit {dismissals.FILE} to share it"
        )
    else:
        click.echo(f"codepilot: {item.id} was dismissed already")
    return 0


def _from_history(repo: object, finding_id: str) -> tuple[str, str, str, str] | None:
    """The finding's full id, path, category and title from the local history (an id prefix
    works)."""
    from codepilot.output import history
    from codepilot.output.history import repo_key
    from codepilot.source.git import Repo

    assert isinstance(repo, Repo)
    if len(finding_id) < 6:
        raise UsageError("give at least 6 characters of the finding's id")
    with history.opened() as db:
        rows = list(
            db.execute(
                "SELECT id, path, category, title FROM findings WHERE repo = ? AND id LIKE ?",
                (repo_key(repo), finding_id + "%"),
            )
        )
    if len(rows) > 1:
        raise UsageError(f"{finding_id} matches {len(rows)} findings: give more of the id")
    return (rows[0]["id"], rows[0]["path"], rows[0]["category"], rows[0]["title"]) if rows else None
