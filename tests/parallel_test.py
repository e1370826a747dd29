"""The one place that forks (issue 25, item 3): results in order, every wait limited, and no fork
while another thread runs. Each check runs in a fresh process: the test process has stand-in
servers' threads."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from codepilot.runtime import parallel

pytestmark = pytest.mark.skipif(
    sys.platform != "linux" or parallel.cores() < 2, reason="forking needs Linux and 2 processors"
)


def _fresh(code: str) -> None:
    script = "from codepilot.runtime import parallel\nimport threading, time\n" + textwrap.dedent(
        code
    )
    proc = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 0, proc.stderr[-2000:]


def test_fork_iter_keeps_order_over_many_chunks() -> None:
    _fresh(
        """
        def square(x):
            return x * x
        items = list(range(1000))
        assert parallel.will_fork(len(items))
        assert list(parallel.fork_iter(square, items)) == [x * x for x in items]
        """
    )


def test_a_hung_child_is_stopped_at_the_limit() -> None:
    _fresh(
        """
        child = parallel.fork_call(lambda: time.sleep(60))
        assert child is not None
        started = time.monotonic()
        assert child.wait(limit=0.3) is False and time.monotonic() - started < 5
        """
    )


def test_no_fork_beside_a_running_thread() -> None:
    _fresh(
        """
        def square(x):
            return x * x
        stop = threading.Event()
        other = threading.Thread(target=stop.wait, daemon=True)
        other.start()
        assert not parallel.can_fork() and not parallel.will_fork(1000)
        # a plain loop
        assert list(parallel.fork_iter(square, list(range(300)))) == [x * x for x in range(300)]
        stop.set()
        other.join()
        assert parallel.can_fork()
        """
    )


def test_a_background_thread_of_ours_is_waited_for() -> None:
    _fresh(
        """
        done = threading.Thread(target=time.sleep, args=(0.2,), daemon=True)
        done.start()
        parallel.background(done)
        assert parallel.can_fork() and not done.is_alive()
        """
    )
