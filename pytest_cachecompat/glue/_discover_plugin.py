"""The pytest side of ``--cache-compat-discover``: which test wrote what, merged across xdist."""

from __future__ import annotations

import types
from collections.abc import Generator
from typing import TYPE_CHECKING, Any

import pytest

from pytest_cachecompat import discover
from pytest_cachecompat.kinds import qualified_name

from ._xdist import is_xdist_worker

if TYPE_CHECKING:
    from pytest_cachecompat.config import ResolvedFamily


class DiscoverPlugin:
    """Hooks of a ``--cache-compat-discover`` run (does not need ``--cache-compat``)."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.families: list[ResolvedFamily] = []
        self.targets: dict[types.CodeType, discover.Target] = {}
        self.covered: dict[str, tuple[set[type], set[str]]] = {}
        self.findings: dict[tuple[str, str], discover.Finding] = {}
        self.calls: dict[str, int] = {}
        self.watcher: discover.Watcher | None = None
        self.index: dict[str, int] = {}
        self.current: tuple[int, str] | None = None
        self.problems: list[str] = []

    # --- setup ---
    @pytest.hookimpl(tryfirst=True)
    def pytest_sessionstart(self, session: pytest.Session) -> None:
        from pytest_cachecompat.config import ConfigError
        from pytest_cachecompat.layout import collect_types

        from ._session import run_from_config

        try:
            self.families = run_from_config(self.config).families
            self.targets = discover.targets_of(self.families)
        except (ConfigError, discover.WatchError) as exc:
            raise pytest.UsageError(f"cachecompat: {exc}") from None
        for family in self.families:
            try:
                types_ = collect_types(list(family.records)).values()
            except Exception as exc:
                raise pytest.UsageError(
                    f"cachecompat: family {family.name!r}: cannot collect its record types: {exc}"
                ) from None
            classes = {_origin(cls) for cls in types_}
            self.covered[family.name] = (classes, {qualified_name(cls) for cls in classes})
            self.calls[family.name] = 0
        if self.targets and not _is_xdist_controller(self.config):
            self.watcher = discover.Watcher(self.targets, self._on_call)
            self.watcher.start()

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        self.index = {item.nodeid: index for index, item in enumerate(session.items)}

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_protocol(self, item: pytest.Item) -> Generator[None, object, object]:
        self.current = (self.index.get(item.nodeid, len(self.index)), item.nodeid)
        try:
            return (yield)
        finally:
            self.current = None

    # --- watching ---
    def _on_call(self, code: types.CodeType, frame: types.FrameType) -> None:
        target = self.targets.get(code)
        if target is None:
            return
        for name in target.families:
            self.calls[name] = self.calls.get(name, 0) + 1
        try:
            arguments = discover.call_arguments(frame, target.skip_first)
        except Exception:
            return
        for argument in arguments:
            discover.walk(argument, lambda cls, path: self._found(target, cls, path))

    def _found(self, target: discover.Target, cls: type, path: str) -> None:
        if any(self._is_covered(family, cls) for family in target.families):
            return
        record = qualified_name(cls)
        family = target.families[0]
        index, test = self.current if self.current is not None else (-1, None)
        key = (family, record)
        finding = self.findings.get(key)
        if finding is None:
            self.findings[key] = discover.Finding(
                record, family, target.refs[0], path, index, test, [test] if test else []
            )
        elif (
            test is not None
            and test not in finding.tests
            and len(finding.tests) < discover.MAX_TESTS
        ):
            finding.tests.append(test)

    def _is_covered(self, family: str, cls: type) -> bool:
        classes, names = self.covered.get(family, (set(), set()))
        return cls in classes or qualified_name(cls) in names

    # --- xdist ---
    @pytest.hookimpl(optionalhook=True)
    def pytest_testnodedown(self, node: Any, error: object) -> None:
        output = getattr(node, "workeroutput", None) or {}
        data = output.get(discover.WORKER_KEY)
        if not isinstance(data, dict):
            return
        for name, count in data.get("calls", {}).items():
            self.calls[name] = self.calls.get(name, 0) + int(count)
        for entry in data.get("findings", []):
            self._merge(discover.Finding.from_json(entry))

    def _merge(self, finding: discover.Finding) -> None:
        key = (finding.family, finding.record)
        known = self.findings.get(key)
        if known is None:
            self.findings[key] = finding
        else:
            known.merge(finding)

    # --- the end ---
    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        if self.watcher is not None:
            self.watcher.stop()
            self.watcher = None
        workeroutput = getattr(self.config, "workeroutput", None)
        if workeroutput is not None:
            workeroutput[discover.WORKER_KEY] = {
                "calls": dict(self.calls),
                "findings": [finding.to_json() for finding in self.findings.values()],
            }
            return
        if self.findings and session.exitstatus == pytest.ExitCode.OK:
            session.exitstatus = pytest.ExitCode.TESTS_FAILED

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        if is_xdist_worker(self.config):
            return
        terminalreporter.section(discover.SECTION)
        for line in self.summary_lines():
            terminalreporter.line(line)

    def summary_lines(self) -> list[str]:
        lines: list[str] = []
        never = [family.name for family in self.families if not self.calls.get(family.name)]
        for family in self.families:
            count = self.calls.get(family.name, 0)
            lines.append(f"{family.name}: {family.dumps_ref} called {count} times")
        for name in never:
            lines.append(
                f"warning: the test suite never called dumps of family {name!r}: "
                "nothing of it was checked"
            )
        if not self.findings:
            lines.append("every record type that reached dumps is declared")
            return lines
        findings = sorted(self.findings.values(), key=lambda f: (f.family, f.record))
        lines.append(f"{len(findings)} undeclared record type(s) reached dumps:")
        for finding in findings:
            lines.append(f"  {finding.record} (family {finding.family!r}, {finding.dumps})")
            lines.append(f"    first written by {_written_by(finding)}, at {finding.path}")
        for name in sorted({finding.family for finding in findings}):
            lines.append(
                f"Fix: add each to records of family {name!r} "
                f"([tool.cachecompat.families.{name}] records), or make it reachable from a "
                "declared root (a field typed with it), so that its layout is recorded and "
                "guarded by the family's version."
            )
        return lines


def _written_by(finding: discover.Finding) -> str:
    if finding.first_test is None:
        return "no test (during collection or outside any test)"
    others = [test for test in finding.tests if test != finding.first_test]
    text = finding.first_test
    if others:
        text += f" (and {len(others)} more test{'s' if len(others) > 1 else ''})"
    return text


def _origin(cls: object) -> type:
    from typing import get_origin

    origin = get_origin(cls)
    return origin if isinstance(origin, type) else cls  # type: ignore[return-value]


def _is_xdist_controller(config: pytest.Config) -> bool:
    """The xdist controller runs no tests: only its workers need watching."""
    if is_xdist_worker(config):
        return False
    numprocesses = getattr(config.option, "numprocesses", None)
    dist = getattr(config.option, "dist", "no")
    return bool(numprocesses) and dist != "no"
