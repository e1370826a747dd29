"""What the tests share: real git repositories in temp folders, strict stand-ins for the model
server and the platforms' APIs on 127.0.0.1, and where things are (`ROOT`, `DATA`), whatever folder
a test lives in."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]  # the checkout
DATA = ROOT / "tests" / "data"  # test inputs kept as files
