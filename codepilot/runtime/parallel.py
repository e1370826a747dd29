"""Large changes spread over the machine's processors. tree-sitter and the regex engine hold the
GIL, so threads would not help; forked workers inherit the data and only indices and results cross
the pipe. Linux with more than one core only; elsewhere, for small inputs, and while another thread
runs (a fork then may deadlock its child: our own background threads are waited for first), a plain
loop. Every wait for a forked process has a limit."""

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


def _run(span: tuple[int, int]) -> list[Any]:
    func, items = _JOB
    return [func(items[i]) for i in range(*span)]


_BACKGROUND: list[Any] = []  # threads of ours a fork waits for (registered with `background`)
BACKGROUND_WAIT = (
    30.0  # seconds a fork waits for them; past that, no fork (the work is done in this process)
)
WAIT_LIMIT = 600.0  # seconds any wait for a forked process may take before it is called a hang


def background(thread: Any) -> None:
    """Register a thread of ours that runs beside the pipeline: a fork first waits for it to end."""
    _BACKGROUND.append(thread)


def _alone() -> bool:
    """No other thread runs in this process, after waiting for our own background ones: fork() while
    another thread holds a lock may deadlock the child (Python 3.12 warns of it; see issue 25)."""
    import threading

    for thread in _BACKGROUND:
        thread.join(BACKGROUND_WAIT)
    me = threading.current_thread()
    return not any(t is not me and t.is_alive() for t in threading.enumerate())


# processes that started a runtime which a fork would deadlock (Go's, in Betterleaks)
_UNSAFE: set[int] = set()


def forbid_forking() -> None:
    """This process has started a runtime that does not survive fork(): no more forking here."""
    _UNSAFE.add(os.getpid())


MAX_WORKERS = 8  # beyond this, each worker's start-up and copy of the data cost more than it brings


def cores() -> int:
    """The processors this process may run on (its affinity, which a container or `taskset` may
    narrow)."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def can_fork() -> bool:
    return sys.platform == "linux" and cores() >= 2 and os.getpid() not in _UNSAFE and _alone()


def will_fork(n: int) -> bool:
    """`n` items go to forked workers (else a plain loop)."""
    return n >= MIN_ITEMS and can_fork()


@dataclass
class Child:
    """A forked process doing work whose results go to disk."""

    pid: int

    def wait(self, limit: float = WAIT_LIMIT) -> bool:
        """Wait for it to end, at most `limit` seconds (how it ended does not matter: see
        `fork_call`); a child still running then is stopped, and False says so (a hang must never
        hang the run)."""
        import signal
        import time

        deadline = time.monotonic() + limit
        delay = 0.001
        with contextlib.suppress(ChildProcessError):  # already reaped
            while True:
                pid, _ = os.waitpid(self.pid, os.WNOHANG)
                if pid:
                    return True
                if time.monotonic() >= deadline:
                    with contextlib.suppress(ProcessLookupError):
                        os.kill(self.pid, signal.SIGKILL)
                    os.waitpid(self.pid, 0)
                    return False
                time.sleep(delay)
                delay = min(delay * 2, 0.05)
        return True


def fork_call(func: Callable[[], object]) -> Child | None:
    """`func()` in a forked process of its own, beside this one, which goes on (None where forking
    is not possible). The child ends when `func` returns or fails, silently either way: the caller
    must not need its work, only gain from it (what it stored is found, what it did not is done
    again)."""
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


def fork_map(func: Callable[[T], R], items: Sequence[T]) -> list[R]:
    return list(fork_iter(func, items))


def fork_iter(func: Callable[[T], R], items: Sequence[T]) -> Started[R]:
    """`func` over `items`, started now, results in order as they come: the caller works on the
    first (or on work of its own, see `Started`) while the workers go on with the rest."""
    return Started(func, items)


class Started(Iterator[R]):
    """`func` over `items` under way: with workers (`forked`), they are already at work when this
    is made, so the caller can do work of its own before taking the results, in order, by
    iterating. Closed when the results are all taken, or by `close` (the workers stop)."""

    def __init__(self, func: Callable[[T], R], items: Sequence[T]) -> None:
        self.forked = will_fork(len(items))
        self._results: Iterator[R] = _forked(func, items) if self.forked else map(func, items)
        if self.forked:
            next(self._results)  # the pool is up and the work handed out

    def __next__(self) -> R:
        return next(self._results)

    def close(self) -> None:
        close = getattr(self._results, "close", None)
        if close is not None:
            close()


def _forked(func: Callable[[T], R], items: Sequence[T]) -> Iterator[Any]:
    """The workers' results in order, after one first item (None) once they are at work."""
    import multiprocessing

    _JOB[:] = [func, items]
    gc.freeze()  # what the workers inherit is never scanned by their collector (nor copied for it)
    try:
        with multiprocessing.get_context("fork").Pool(min(cores(), MAX_WORKERS)) as pool:
            # chunks of indices: each result waited for with a limit
            size = max(1, len(items) // 64)
            spans = [(i, min(i + size, len(items))) for i in range(0, len(items), size)]
            results = pool.imap(_run, spans)
            yield None
            for _ in spans:
                try:
                    yield from results.next(WAIT_LIMIT)
                except multiprocessing.TimeoutError:
                    from codepilot.runtime.errors import EnvironmentProblem

                    raise EnvironmentProblem(
                        f"a worker process gave no result for {WAIT_LIMIT:g} s (a hang): "
                        "stopped; run again"
                    ) from None
    finally:
        gc.unfreeze()
        _JOB.clear()
