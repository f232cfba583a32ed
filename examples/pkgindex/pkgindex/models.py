"""The records the cache holds: one project page of a simple package index (PEP 503/691)."""

from __future__ import annotations

import datetime
import enum

import attrs


class Yanked(enum.Enum):
    """Whether the index marks a file as yanked (PEP 592)."""

    NO = 0
    YES = 1


@attrs.frozen
class Hashes:
    """Digests of a distribution file, as the index lists them."""

    md5: str | None = None
    sha256: str | None = None


@attrs.frozen
class File:
    """One distribution file of a project."""

    filename: str
    url: str
    hashes: Hashes
    requires_python: str | None = None
    yanked: Yanked = Yanked.NO
    size: int | None = None
    upload_time: datetime.datetime | None = None  # PEP 700


@attrs.frozen
class ProjectPage:
    """Everything the index said about one project: the cache's root record."""

    name: str
    files: list[File] = attrs.field(factory=list)
    etag: str | None = None
