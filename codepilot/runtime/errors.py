"""One error hierarchy; the CLI (codepilot/cli/main.py) turns each into an exit code and one line:
usage and configuration errors exit 2; a service (model server, GitHub, GitLab) or this machine
failing us exits 3; anything unexpected exits 3 with the traceback in a log file."""

from __future__ import annotations


class FatalError(Exception):
    """Something the user can cause or fix: printed as one line, never a traceback."""

    exit_code = 2


class UsageError(FatalError):
    """Bad option, bad configuration, no model configured."""


class GitError(FatalError):
    """Not a repository, unknown ref, missing history."""


class ServiceError(FatalError):
    """A service we depend on refused or failed: the model server, GitHub, GitLab."""

    exit_code = 3


class EnvironmentProblem(FatalError):
    """This machine stops us: a folder that cannot be created, a database that stays locked."""

    exit_code = 3
