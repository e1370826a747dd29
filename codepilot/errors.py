"""One error hierarchy; the CLI turns each into an exit code and one line."""

from __future__ import annotations


class FatalError(Exception):
    """Something the user can cause or fix: printed as one line, never a traceback."""

    exit_code = 2


class UsageError(FatalError):
    """Bad option, bad configuration, no model configured."""


class GitError(FatalError):
    """Not a repository, unknown ref, missing history."""
