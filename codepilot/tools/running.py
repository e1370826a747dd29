"""The project's checks run beside a review (issue 24, items 3 and 5): started as the pipeline's
plan is done, the linters' results are carried by the model's requests, the type checkers run while
the requests are in flight."""

from __future__ import annotations

from concurrent.futures import TimeoutError as FutureTimeout
from typing import TYPE_CHECKING

from codepilot.secrets.redact import Redactor

# the checks' module (tarfile, subprocess) loads when checks run, not with the review
if TYPE_CHECKING:
    from codepilot.check.findings import Finding
    from codepilot.prompt.prepared import Prepared
    from codepilot.tools.checks import Outcome


class RunningChecks:
    """The project's checks, started in threads of their own (they run tools, not Python, so they
    overlap the pipeline): the linters, quick, whose results the requests carry; the type checkers,
    slow, which run beside the model's requests (issue 24, items 3 and 5)."""

    LINT_WAIT = 2.0  # seconds the requests wait for the linters before going without their results

    def __init__(self, prepared: Prepared, time_limit: float | None) -> None:
        from concurrent.futures import ThreadPoolExecutor

        from codepilot.tools import checks

        pool = ThreadPoolExecutor(max_workers=2)
        trusted = prepared.config.checks_trusted
        planned = checks.plan(prepared.repo, prepared.config, trusted)  # once for both phases
        args = (prepared.repo, prepared.changeset, prepared.config, trusted, time_limit)
        self._lint = pool.submit(checks.run_all, *args, phase="lint", planned=planned)
        self._types = pool.submit(checks.run_all, *args, phase="types", planned=planned)
        pool.shutdown(wait=False)

    def linters(self) -> Outcome | None:
        """The linters' outcome, if it is there within LINT_WAIT seconds."""
        try:
            return self._lint.result(timeout=self.LINT_WAIT)
        except FutureTimeout:
            return None

    def outcome(self) -> Outcome:
        from codepilot.tools.checks import Outcome

        lint, types = self._lint.result(), self._types.result()
        return Outcome(lint.runs + types.runs, lint.findings + types.findings)


def carry(prepared: Prepared, findings: list[Finding]) -> None:
    """Each request carries what the checks reported on its lines (the model need not repeat it)."""
    from codepilot.prompt import tokens
    from codepilot.tools.checks import note_for

    for r in prepared.requests:
        mine = [
            f
            for f in findings
            if any(
                u.path == f.path and (u.span is None or u.span[0] <= f.line <= u.span[1])
                for u in r.units
            )
        ]
        if mine and r.messages:
            note = Redactor().text(note_for(mine))
            r.messages[-1] = {
                **r.messages[-1],
                "content": r.messages[-1]["content"] + "\n\n" + note,
            }
            r.prompt_tokens += tokens.count(note)
