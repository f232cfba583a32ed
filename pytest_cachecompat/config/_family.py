"""The public API: declare a family of cached record types in Python.

A ``conftest.py`` returns these from the ``pytest_cachecompat_families`` hook;
``[tool.cachecompat.families.<name>]`` in ``pyproject.toml`` builds the very
same objects, so both ways of declaring behave identically.

Every reference may be given as a ``"module:attribute"`` string or as the
object itself. The version is a reference string (messages must be able to
name the constant that a developer has to bump; an attribute path such as
``"pkg.serialize:Serializer.serde_version"`` works too) or the installed
version of a distribution: ``Distribution("requests-cache")``, or the
``{"distribution": "requests-cache"}`` table that ``pyproject.toml`` gives.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, Literal

import attrs

from ._versions import Distribution

FREEZE_MODES = ("recorded", "released")
EXPECT_MODES = ("reject", "load")
MISS_MODES = ("none",)
IO_MODES = ("bytes", "path")

Ref = str | Callable[..., Any]


@attrs.frozen(kw_only=True)
class Family:
    """A group of cached record types guarded by one cache version constant."""

    name: str
    version: str | Distribution | Mapping[str, str]
    records: Sequence[str | type]
    dumps: Ref
    loads: Ref
    rejects: Sequence[str | type[BaseException]] = ()
    miss: Literal["none"] | None = None
    samples: Ref | None = None
    default_samples: bool = True
    freeze: Literal["recorded", "released"] = "recorded"
    expect: Mapping[str, Literal["reject", "load"]] = attrs.field(factory=dict)
    timeout: float | None = None
    isolate: bool | None = None
    writers: Sequence[str] = ()
    framing: Ref | None = None
    # "path": dumps(obj, path) writes the cache file/folder/database at path,
    # loads(path) reads it (docs/configuration.md, "Caches that are files").
    io: Literal["bytes", "path"] = "bytes"
    # () -> object, called once per family (per process); the object is
    # passed to dumps and loads as their last argument.
    context: Ref | None = None
