"""Ordinary tests of the cache.

They use only what every release of pkgindex has, so that they also pass
with an older release installed (see the tox environments of the plugin).
"""

from __future__ import annotations

from pathlib import Path

import msgpack
import pytest
from pkgindex.cache import CACHE_VERSION, MAGIC, Cache, CacheMiss, dumps, loads, normalize
from pkgindex.models import File, Hashes, ProjectPage, Yanked

PAGE = ProjectPage(
    name="attrs",
    files=[
        File(
            filename="attrs-24.2.0-py3-none-any.whl",
            url="https://files.example.org/attrs-24.2.0-py3-none-any.whl",
            hashes=Hashes(
                sha256="81921eb96de3191c8258c199618104dd27ac608d9366f5e35d011eae1867ede2"
            ),
            requires_python=">=3.7",
            size=63001,
        ),
        File(
            filename="attrs-21.1.0.tar.gz",
            url="https://files.example.org/attrs-21.1.0.tar.gz",
            hashes=Hashes(),
            yanked=Yanked.YES,
        ),
    ],
    etag='"5f2c-17c1"',
)


def test_round_trip() -> None:
    assert loads(dumps(PAGE)) == PAGE
    assert loads(dumps(ProjectPage(name="empty"))) == ProjectPage(name="empty")


def test_dumps_is_deterministic() -> None:
    assert dumps(PAGE) == dumps(PAGE)


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"\x93",
        dumps(PAGE)[:-3],
        dumps(PAGE) + b"\x00",
        msgpack.packb([MAGIC, CACHE_VERSION + 1]) + msgpack.packb(["attrs", [], None]),
        msgpack.packb(["something-else", CACHE_VERSION]),
    ],
    ids=["empty", "truncated-header", "truncated", "trailing", "future-version", "foreign"],
)
def test_bad_entries_are_a_miss(data: bytes) -> None:
    with pytest.raises(CacheMiss):
        loads(data)


def test_cache_put_get(tmp_path: Path) -> None:
    cache = Cache(tmp_path / "simple")
    assert cache.get("attrs") is None
    cache.put(PAGE)
    assert cache.get("attrs") == PAGE
    assert cache.get("ATTRS") == PAGE
    assert [p.name for p in (tmp_path / "simple").iterdir()] == ["attrs.msgpack"]


def test_cache_heals_damaged_entries(tmp_path: Path) -> None:
    cache = Cache(tmp_path)
    cache.put(PAGE)
    cache.path("attrs").write_bytes(dumps(PAGE)[:10])
    assert cache.get("attrs") is None
    assert not cache.path("attrs").exists()


def test_cache_heals_entries_of_another_version(tmp_path: Path) -> None:
    cache = Cache(tmp_path)
    old = msgpack.packb([MAGIC, CACHE_VERSION - 1]) + msgpack.packb(["attrs", [], None])
    cache.path("attrs").write_bytes(old)
    assert cache.get("attrs") is None
    assert not cache.path("attrs").exists()
    cache.put(PAGE)
    assert cache.get("attrs") == PAGE


@pytest.mark.parametrize(
    ("name", "normalized"),
    [("Attrs", "attrs"), ("zope.interface", "zope-interface"), ("typing__ext", "typing-ext")],
)
def test_normalize(name: str, normalized: str) -> None:
    assert normalize(name) == normalized
