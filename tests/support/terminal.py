"""Running codepilot in a real pseudo-terminal, answering its prompts key by key."""

from __future__ import annotations

import os
import pty
import select
import sys
import time
from pathlib import Path


def run_in_pty(
    args: list[str],
    cwd: Path,
    env: dict[str, str],
    keys: list[str | tuple[bytes, str]],
    prompt: bytes = b"? ",
    timeout: float = 60.0,
) -> tuple[int, str]:
    """Run `python -m codepilot ARGS` in a pty; each time a prompt appears, type the next key (a
    plain key answers `prompt`; a (prompt, text) pair answers that prompt). Returns (exit code,
    everything the terminal showed)."""
    pid, fd = pty.fork()
    if pid == 0:  # pragma: no cover - the child
        os.chdir(cwd)
        os.execve(sys.executable, [sys.executable, "-m", "codepilot", *args], env)
    out = b""
    pending = [k if isinstance(k, tuple) else (prompt, k) for k in keys]
    seen: dict[bytes, int] = {}
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.2)
        if ready:
            try:
                chunk = os.read(fd, 4096)
            except OSError:
                break
            if not chunk:
                break
            out += chunk
        while pending and out.count(pending[0][0]) > seen.get(pending[0][0], 0):
            seen[pending[0][0]] = seen.get(pending[0][0], 0) + 1
            os.write(fd, pending.pop(0)[1].encode())
    else:
        os.kill(pid, 9)
    _, status = os.waitpid(pid, 0)
    os.close(fd)
    return os.waitstatus_to_exitcode(status), out.decode("utf-8", "replace")
