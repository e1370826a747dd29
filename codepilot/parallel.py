"""Large changes spread over the machine's processors. tree-sitter and the regex engine hold the GIL, so threads
would not help; forked workers inherit the data and only indices and results cross the pipe.
Linux with more than one core only; elsewhere, and for small inputs, a plain loop."""

from __future__ import annotations

import contextlib
import gc
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

T = TypeVar("T")
R = TypeVar("R")

MIN_ITEMS = 200  # below this, forking costs more than it saves
_JOB: list[Any] = []  # [function, items]: inherited by the forked workers


def _run(i: int) -> Any:
    func, items = _JOB
    return func(items[i])


def busy() -> bool:
    """Another thread of ours is working (the model library loading in the background): then even a
    small input is better parsed in workers, leaving that thread the interpreter."""
    import threading

    return any(t.name == "codepilot-preload" and t.is_alive() for t in threading.enumerate())


_UNSAFE: set[int] = set()  # processes that started a runtime which a fork would deadlock (Go's, in Betterleaks)


def fork_unsafe() -> None:
    """This process has started a runtime that does not survive fork(): no more forking here."""
    _UNSAFE.add(os.getpid())


MAX_WORKERS = 8  # beyond this, each worker's start-up and copy of the data cost more than it brings


def cores() -> int:
    """The processors this process may run on (its affinity, which a container or `taskset` may narrow)."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def can_fork() -> bool:
    return sys.platform == "linux" and cores() >= 2 and os.getpid() not in _UNSAFE


def will_fork(n: int) -> bool:
    """`n` items go to forked workers (else a plain loop)."""
    return n >= (2 if busy() else MIN_ITEMS) and can_fork()


@dataclass
class Child:
    """A forked process doing work whose results go to disk."""

    pid: int

    def wait(self) -> None:
        """Wait for it to end (how it ended does not matter: see `fork_call`)."""
        with contextlib.suppress(ChildProcessError):  # already reaped
            os.waitpid(self.pid, 0)


def fork_call(func: Callable[[], object]) -> Child | None:
    """`func()` in a forked process of its own, beside this one, which goes on (None where forking is
    not possible). The child ends when `func` returns or fails, silently either way: the caller must
    not need its work, only gain from it (what it stored is found, what it did not is done again)."""
    if not can_fork():
        return None
    gc.freeze()
    try:
        pid = os.fork()
    finally:
        gc.unfreeze()
    if pid:
        return Child(pid)
    code = 1
    try:
        func()
        code = 0
    except BaseException:  # noqa: BLE001, S110 - the child's failure (or Ctrl-C) only costs the parent time
        pass
    finally:
        os._exit(code)


def fork_map(func: Callable[[T], R], items: Sequence[T], meanwhile: Callable[[], object] | None = None) -> list[R]:
    return list(fork_iter(func, items, meanwhile))


def fork_iter(func: Callable[[T], R], items: Sequence[T], meanwhile: Callable[[], object] | None = None) -> Iterator[R]:
    """`func` over `items`, results in order as they come: the caller works on the first while the
    workers go on with the rest. `meanwhile`: work of this process's own for the time the workers
    take (done only when there are workers: it must not be needed)."""
    if not will_fork(len(items)):
        yield from map(func, items)
        return
    import multiprocessing

    _JOB[:] = [func, items]
    gc.freeze()  # what the workers inherit is never scanned by their collector (nor copied for it)
    try:
        with multiprocessing.get_context("fork").Pool(min(cores(), MAX_WORKERS)) as pool:
            results = pool.imap(_run, range(len(items)), chunksize=max(1, len(items) // 64))
            if meanwhile is not None:
                meanwhile()
            yield from results
    finally:
        gc.unfreeze()
        _JOB.clear()
