"""The process's own lifetime, in one place (issue 25, item 2): the garbage collector tuned for a
run that builds many long-lived objects, a run's data left to the exit instead of freed piece by
piece, and the immediate exit once the output is flushed. Forking and its safety live in
`parallel`."""

from __future__ import annotations

import gc
import os
import sys

_KEPT: list[object] = []


def tune_collector() -> None:
    """A run builds many long-lived objects and frees few cycles: the default thresholds would have
    the collector rescan them hundreds of times (0.5 s on a large change); at 20,000 its young
    collections still took ~0.07 s of a large change's run, most of it in the main process."""
    gc.set_threshold(100_000, 20, 20)


def keep_until_exit(data: object) -> None:
    """Leave a run's data to the process's exit instead of freeing it when the command returns: the
    console script ends with `exit_now`, which frees nothing, while freeing a large change's objects
    one by one takes ~0.05 s. Only the latest is kept (tests run many commands in one process)."""
    _KEPT[:] = [data]


def exit_now(code: int) -> None:
    """Flush the output and end the process at once: nothing is left to clean up by then (caches and
    the history are closed), and a time-limited hook must not wait at exit for model requests still
    in flight, nor a finished run for the model library's teardown."""
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except OSError:
        pass
    finally:
        os._exit(code)
