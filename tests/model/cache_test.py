"""The answer cache (model/cache.py): a key is the model, the prompt version, the schema and the
exact messages — nothing else, whatever the order of a dict's keys; `--no-cache` is a cache that
holds nothing; answers and their token counts round-trip."""

from __future__ import annotations

from pathlib import Path

from codepilot.model.cache import Cache, key

MESSAGES = [{"role": "system", "content": "s"}, {"role": "user", "content": "u"}]
SCHEMA = {"type": "object", "properties": {"a": {"type": "string"}}}


def test_the_key_is_what_was_asked_and_nothing_else() -> None:
    base = key("openai:m", "v1", SCHEMA, MESSAGES)
    reordered = {"properties": {"a": {"type": "string"}}, "type": "object"}
    assert key("openai:m", "v1", reordered, MESSAGES) == base
    assert key("openai:other", "v1", SCHEMA, MESSAGES) != base
    assert key("openai:m", "v2", SCHEMA, MESSAGES) != base
    assert key("openai:m", "v1", {**SCHEMA, "required": ["a"]}, MESSAGES) != base
    changed = [MESSAGES[0], {"role": "user", "content": "u "}]
    assert key("openai:m", "v1", SCHEMA, changed) != base


def test_round_trip_and_the_disabled_cache(tmp_path: Path) -> None:
    cache = Cache(tmp_path / "answers.sqlite3")
    k = key("openai:m", "v1", SCHEMA, MESSAGES)
    assert cache.get(k) is None
    cache.put(k, "openai:m", {"findings": ["é"]}, 120, 30)
    assert cache.get(k) == ({"findings": ["é"]}, 120, 30)
    cache.close()
    again = Cache(tmp_path / "answers.sqlite3")  # kept on disk
    assert again.get(k) == ({"findings": ["é"]}, 120, 30)
    again.close()
    off = Cache(None)
    off.put(k, "openai:m", {"findings": []}, 1, 1)
    assert off.get(k) is None
