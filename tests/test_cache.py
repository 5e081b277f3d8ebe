"""The disk cache: used when it can be, never in the way when it cannot."""

from __future__ import annotations

from pathlib import Path

import pytest

from kgraph.cache import CACHE_ENV, cached


def test_a_value_is_built_once_then_loaded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(CACHE_ENV, str(tmp_path))
    builds: list[int] = []

    def build() -> dict[str, int]:
        builds.append(1)
        return {"answer": 42}

    assert cached("thing", "k1", build) == {"answer": 42}
    assert cached("thing", "k1", build) == {"answer": 42}
    assert len(builds) == 1
    assert [p.name for p in tmp_path.iterdir()] == ["thing-k1.pickle"]


def test_a_new_key_replaces_the_old_entry(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(CACHE_ENV, str(tmp_path))
    cached("thing", "old", lambda: 1)
    assert cached("thing", "new", lambda: 2) == 2
    assert [p.name for p in tmp_path.iterdir()] == ["thing-new.pickle"]


def test_a_damaged_entry_is_rebuilt(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(CACHE_ENV, str(tmp_path))
    (tmp_path / "thing-k.pickle").write_bytes(b"not a pickle")
    assert cached("thing", "k", lambda: "rebuilt") == "rebuilt"
    assert cached("thing", "k", lambda: "again") == "rebuilt"


def test_an_unwritable_cache_is_not_used(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("a file where the cache folder would be")
    monkeypatch.setenv(CACHE_ENV, str(blocker / "cache"))
    assert cached("thing", "k", lambda: 7) == 7


def test_an_empty_setting_turns_the_cache_off(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(CACHE_ENV, "")
    monkeypatch.setenv("HOME", str(tmp_path))
    assert cached("thing", "k", lambda: 7) == 7
    assert list(tmp_path.iterdir()) == []
