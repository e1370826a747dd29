"""The memory of texts found clean (secrets/memory.py): digests only, per kind of text and per
version of the rules; what one process notes is known to it at once, what is stored is known to the
next run."""

from __future__ import annotations

from pathlib import Path

from codepilot.secrets.memory import CleanTexts, rules_version


def test_a_digest_covers_the_kind_and_the_rules() -> None:
    a = CleanTexts.digest("py", "x = 1")
    assert a == CleanTexts.digest("py", "x = 1") and len(a) == 16
    assert a != CleanTexts.digest("yaml", "x = 1") and a != CleanTexts.digest("py", "x = 2")
    assert rules_version().count("/") == 2  # codepilot's, detect-secrets', Betterleaks' versions


def test_noted_then_stored_then_known_to_the_next_run(tmp_path: Path) -> None:
    path = tmp_path / "scanned.sqlite"
    digests = [CleanTexts.digest("py", f"line {i}") for i in range(3)]
    memory = CleanTexts(path)
    memory.ready()
    assert memory.clean(digests) == set()
    memory.note({digests[0]})
    assert memory.clean(digests) == {digests[0]}
    memory.store({digests[1]})
    memory.close()
    later = CleanTexts(path)
    assert later.clean(digests) == {digests[1]}  # noted is not stored: only the parent stores
    later.close()
    assert b"line 1" not in path.read_bytes()  # digests, never the texts


def test_without_a_file_the_memory_is_this_process_only() -> None:
    memory = CleanTexts(None)
    memory.ready()
    d = CleanTexts.digest("py", "x")
    memory.store({d})
    assert memory.clean([d]) == {d}
    assert CleanTexts(None).clean([d]) == set()
