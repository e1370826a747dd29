"""The one place that forks (issue 25, item 3): results in order, every wait limited, and no fork
while another thread runs. Each check runs in a fresh process: the test process has stand-in
servers' threads."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from codepilot.runtime import parallel
from tests.support.fake_openai import FakeOpenAI
from tests.support.repos import GitRepo

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


# a Python 3.12 with codepilot installed, where os.fork() warns beside a running thread (.ci/run
# makes one when the machine has 3.12, and then requires this test)
PYTHON312 = os.environ.get("CODEPILOT_PYTHON312", "")
COUNT_FORKS = """
import sys
forks = []
sys.addaudithook(lambda event, args: event == "os.fork" and forks.append(1))
from codepilot.cli.main import main
code = main(sys.argv[1:])
print(f"forks={len(forks)}", file=sys.stderr)
sys.exit(code)
"""


@pytest.mark.skipif(
    not PYTHON312 and not os.environ.get("CODEPILOT_REQUIRE_PYTHON312"),
    reason="no Python 3.12 with codepilot installed (CODEPILOT_PYTHON312)",
)
@pytest.mark.parametrize("changed", [30, 260])
def test_a_review_on_python_312_never_forks_beside_a_thread(
    repo: GitRepo, llm: FakeOpenAI, changed: int
) -> None:
    """Issue 25, item 3: Python 3.12 warns "This process is multi-threaded, use of fork() may lead
    to deadlocks in the child" at every fork beside another thread. A review of 30 changed files
    (the index filled beside it) and one large enough to fork for the diff and the plan too, with a
    model answering and the project's linter running in threads of its own, must fork and never
    warn."""
    assert PYTHON312, "CODEPILOT_REQUIRE_PYTHON312 is set but CODEPILOT_PYTHON312 is not"
    repo.write("pyproject.toml", "[tool.ruff]\nline-length = 100\n")
    for i in range(200):
        repo.write(f"lib/u{i}.py", f"def u{i}(x):\n    return x\n")
    for i in range(changed):
        repo.write(
            f"pkg/m{i}.py", f"def f{i}(x):\n    return x + {i}\n\n\ndef g{i}(y):\n    return y\n"
        )
    repo.commit("base")
    for i in range(changed):
        repo.write(
            f"pkg/m{i}.py",
            f"import os\n\n\ndef f{i}(x):\n    return x - {i}\n\n\n"
            f"def g{i}(y):\n    return f{i}(y)\n",
        )
    # the linter of the environment running the tests (ruff), found on PATH as a user's would be
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    proc = subprocess.run(
        [PYTHON312, "-W", "always::DeprecationWarning", "-c", COUNT_FORKS, "review", "--no-cache"]
        + ["--format", "json"],
        cwd=repo.root,
        capture_output=True,
        text=True,
        timeout=600,
        env=env,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "use of fork()" not in proc.stderr and "DeprecationWarning" not in proc.stderr
    forks = int(proc.stderr.rsplit("forks=", 1)[1].split()[0])
    assert forks > 0, "nothing forked: the test no longer covers the fork path"
    assert llm.history, "no request reached the model"
    doc = json.loads(proc.stdout)
    (ruff,) = [c for c in doc["checks"] if c["name"] == "ruff"]
    assert (ruff["status"], ruff["findings"]) == ("ran", changed)  # F401 in every changed file
