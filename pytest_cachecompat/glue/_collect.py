"""The collector and the test items of ``--cache-compat``.

The store folder becomes a collector in the normal collection tree (next to
the test files of its parent folder), so counts, ``--co``, node ids, ``-k``,
``-m``, JUnit XML and xdist treat the generated checks like any test:

    tests/cachecompat/simple::layout[mypkg.models:File]
    tests/cachecompat/simple::golden[v0]
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from pytest_cachecompat.errors import CacheCompatError

from ._xdist import is_xdist_worker

if TYPE_CHECKING:
    from _pytest._code.code import TerminalRepr

    from pytest_cachecompat.config import ResolvedFamily
    from pytest_cachecompat.run import Run

MARK = "cachecompat"
LAYOUT_MARK = "cachecompat_layout"
GOLDEN_MARK = "cachecompat_golden"
RESULT_PROPERTY = "cachecompat"
# The files a layout item prepared for its version (what syrupy would have
# written), sent to the controller with the report: it writes the version
# whole or not at all (glue/_record.py). Removed from reports there before
# any other plugin (JUnit XML) sees them.
STAGED_PROPERTY = "cachecompat-staged"


class CheckFailure(CacheCompatError):
    """A check found a problem; its message is the whole failure report."""


def rootdir_relative(config: pytest.Config, path: Path) -> str:
    try:
        return path.relative_to(config.rootpath).as_posix()
    except ValueError:
        return path.as_posix()


def argument_paths(config: pytest.Config) -> list[Path]:
    """The paths of the command-line arguments (node ids without their ``::`` parts), resolved."""
    return [
        (config.invocation_params.dir / arg.partition("::")[0]).resolve() for arg in config.args
    ]


def uncollected_store(config: pytest.Config, store: Path) -> str | None:
    """Why no check would be collected: the store lies outside every collected path.

    The store becomes a collector inside its parent folder, so that folder (or
    the store itself) must be at or below one of the paths pytest collects.
    """
    paths = argument_paths(config)
    for path in paths:
        if path == store or store.parent == path or path in store.parents or store in path.parents:
            return None
    where = ", ".join(rootdir_relative(config, p) for p in paths) or "(nothing)"
    return (
        f"store = {rootdir_relative(config, store)!r} lies outside the paths pytest collects "
        f"({where}), "
        "so no cache-compat check would run. Put the store in a collected folder (the default "
        "is tests/cachecompat) or collect its parent folder (testpaths)"
    )


class NodeIdSelection:
    """Generated items named by node id on the command line.

    A family's node id is a folder (``tests/cachecompat/simple::layout[...]``),
    and pytest refuses ``::`` parts after a folder. Such an argument is
    collected as the nearest existing folder, and ``deselect`` keeps only the
    items it named (plus whatever the other arguments collect).
    """

    def __init__(self, requested: list[str], plain_paths: list[Path]) -> None:
        self.requested = requested
        self.plain_paths = plain_paths

    @classmethod
    def rewrite_args(cls, config: pytest.Config, store: Path) -> NodeIdSelection | None:
        args: list[str] = []
        requested: list[str] = []
        plain_paths: list[Path] = []
        for arg in config.args:
            base, sep, rest = arg.partition("::")
            path = (config.invocation_params.dir / base).resolve()
            inside = path == store or store in path.parents
            if not inside or not (sep or not path.exists()):
                args.append(arg)
                plain_paths.append(path)
                continue
            requested.append(rootdir_relative(config, path) + sep + rest)
            target = str(next(p for p in (path, *path.parents) if p.is_dir()))
            if target not in args:
                args.append(target)
        if not requested:
            return None
        config.args[:] = args
        return cls(requested, plain_paths)

    def _wanted(self, item: pytest.Item) -> bool:
        nodeid = item.nodeid
        for wanted in self.requested:
            if nodeid == wanted or nodeid.startswith((f"{wanted}::", f"{wanted}[", f"{wanted}/")):
                return True
        return any(p == item.path or p in item.path.parents for p in self.plain_paths)

    def deselect(self, config: pytest.Config, items: list[pytest.Item]) -> None:
        kept = [item for item in items if self._wanted(item)]
        if len(kept) < len(items):
            dropped = [item for item in items if not self._wanted(item)]
            config.hook.pytest_deselected(items=dropped)
            items[:] = kept


class StoreCollector(pytest.Collector):
    """The store folder: one child per family.

    ``kinds`` are the kinds of check to build (``"layout"``, ``"golden"``):
    those the run's ``-m`` can select (glue/_only_checks.py).
    """

    def __init__(self, *, run: Run, kinds: frozenset[str], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.run = run
        self.kinds = kinds

    def collect(self) -> Iterator[pytest.Item | pytest.Collector]:
        for family in self.run.families:
            yield FamilyCollector.from_parent(
                self,
                name=family.name,
                path=family.folder,
                nodeid=rootdir_relative(self.config, family.folder),
                family=family,
            )


class FamilyCollector(pytest.Collector):
    """One family: a layout item per record type, a golden item per archived version."""

    def __init__(self, *, family: ResolvedFamily, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.family = family

    def collect(self) -> Iterator[pytest.Item]:
        from pytest_cachecompat.golden import archived_versions

        store: StoreCollector = self.parent  # type: ignore[assignment]
        run = store.run
        if "layout" in store.kinds:
            roots = set(self.family.records)
            for name, cls in run.record_types(self.family).items():
                yield LayoutItem.from_parent(
                    self,
                    name=f"layout[{name}]",
                    record=name,
                    record_type=cls,
                    is_root=cls in roots,
                    run=run,
                )
        if "golden" in store.kinds:
            for version in archived_versions(self.family):
                yield GoldenItem.from_parent(
                    self, name=f"golden[v{version}]", version=version, run=run
                )


def _check_function() -> None:
    """Stands in for a test function where syrupy and reporters expect one."""


class CacheCompatItem(pytest.Item):
    def __init__(self, *, run: Run, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.run = run
        self.family: ResolvedFamily = self.parent.family  # type: ignore[union-attr]
        self.obj = _check_function
        self.add_marker(MARK)

    @functools.cached_property
    def cachecompat_folder(self) -> Path:
        """The folder the syrupy extension reads and writes for this item (asked per assertion)."""
        return self.family.version_folder

    def report_result(self, **result: Any) -> None:
        payload = {"family": self.family.name, "version": str(self.family.version), **result}
        if is_xdist_worker(self.config):
            # An xdist worker sends one JSON text, not the dict: execnet
            # serializes reports in Python, and a golden item's 1,000 archive
            # results cost more there than checking them (docs/performance.md,
            # figure (f)). In one process the dict stays: decoding it again
            # would copy every string (figure (e), memory).
            self.user_properties.append(
                (RESULT_PROPERTY, json.dumps(payload, separators=(",", ":")))
            )
        else:
            self.user_properties.append((RESULT_PROPERTY, payload))

    def repr_failure(
        self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None
    ) -> str | TerminalRepr:
        from pytest_cachecompat.forms import CheckError
        from pytest_cachecompat.store import StoreError

        if isinstance(excinfo.value, CheckFailure | CheckError | StoreError):
            # Files named relative to the rootdir, as pytest names them.
            return self.run.options.relative(str(excinfo.value))
        return super().repr_failure(excinfo, style=style)

    def reportinfo(self) -> tuple[Path, int | None, str]:
        return self.path, None, self.nodeid


class LayoutItem(CacheCompatItem):
    """Checks one record type's layout and, for roots, its serialized forms (docs/failures.md)."""

    def __init__(self, *, record: str, record_type: type, is_root: bool, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.record = record
        self.record_type = record_type
        self.is_root = is_root
        self.staged: dict[str, dict[str, Any]] = {}
        self.add_marker(LAYOUT_MARK)

    def stage_file(self, name: str, text: str) -> None:
        """What syrupy would write into the version folder (see glue/_snapshot.py)."""
        existed = (self.cachecompat_folder / name).exists()
        self.staged[name] = {"text": text, "new": not existed}

    def runtest(self) -> None:
        from ._layoutcheck import check_record

        verdict = check_record(
            self, self.family, self.record, self.record_type, self.is_root, self.run
        )
        summary = verdict.summary()
        if verdict.failures:
            summary["failure"] = verdict.failures[0].partition("\n")[0][:300]
        self.report_result(check="layout", record=self.record, **summary)
        if verdict.failures:
            raise CheckFailure("\n\n".join(verdict.failures))
        if self.staged:
            payload = {
                "family": self.family.name,
                "version": str(self.family.version),
                "record": self.record,
                "files": self.staged,
            }
            self.user_properties.append((STAGED_PROPERTY, payload))


class GoldenItem(CacheCompatItem):
    """Loads every golden archive of one version with the current ``loads`` (docs/golden.md)."""

    def __init__(self, *, version: Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.version = version
        self.add_marker(GOLDEN_MARK)

    def runtest(self) -> None:
        from pytest_cachecompat.forms import CheckError
        from pytest_cachecompat.golden import check_version
        from pytest_cachecompat.store import StoreError

        try:
            outcome = check_version(self.family, self.version, self.run)
        except (CheckError, StoreError):
            # An unreadable manifest still counts in the summary as a failed version.
            self.report_result(check="golden", archive_version=str(self.version), error=True)
            raise
        self.report_result(check="golden", archive_version=str(self.version), **outcome.summary())
        if outcome.failures:
            raise CheckFailure("\n\n".join(outcome.failures))
