"""``--cache-compat-fuzz=N``: feeding ``loads`` corrupted variants of each golden archive.

Every variant (``fuzz.variants``) must be cleanly rejected or load a value
equal to the archive's. What a loader did with one variant falls in one of:

- ``rejected``: a declared rejection, or the declared miss value;
- ``loaded``: a value equal to the archive's expected value (trailing bytes
  ignored, say);
- ``undetected``: a value of the right record type whose field contents
  differ (a bit flipped inside a string, a small int changed). No loader can
  see such a change without a checksum in its format, so it is counted and
  reported, not failed;
- ``crashed``: anything else -- an exception that is not a declared
  rejection, a time-out, a dead worker process, a value of another type, a
  ``None`` without ``miss = "none"``. Crashes fail the golden item: one
  failure per archive, naming the first crashing seed and a command that
  reproduces it.

With ``--cache-compat-fuzz-save`` every crashing input is kept in the version
folder as ``archives/fuzz-<sha256[:12]>.bin`` and listed in
``REGRESSIONS.json`` pinned ``expect = "reject"``; the golden check loads
those in every later run. ``MANIFEST.json`` is never touched.
"""

from __future__ import annotations

import json
import shlex
from collections.abc import Iterator, Sequence
from contextlib import ExitStack
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs

from pytest_cachecompat import store
from pytest_cachecompat.layout import compare_shared, render, strict_equal, type_label
from pytest_cachecompat.store import ArchiveEntry

from . import _fuzz as fuzz
from ._archives import staged_many
from ._judge import Expectation
from ._regressions import Crash, save_regressions

if TYPE_CHECKING:
    from pytest_cachecompat.config import ResolvedFamily
    from pytest_cachecompat.loading import CallOutcome, Loader
    from pytest_cachecompat.run import Options


__all__ = [
    "CRASHED",
    "LOADED",
    "REJECTED",
    "UNDETECTED",
    "FuzzResult",
    "FuzzedArchive",
    "fuzz_archive",
    "reproduce_command",
]

REJECTED = "rejected"
LOADED = "loaded"
UNDETECTED = "undetected"
CRASHED = "crashed"

# A worker that dies or hangs costs a restart (or the whole time-out) per
# variant; after this many per archive the rest of its variants are skipped.
MAX_LOST_WORKERS = 3


@attrs.frozen
class FuzzedArchive:
    """One golden archive to corrupt: where it lives, its bytes, who wrote it.

    ``stage_as``: a path family's archive file name; each variant is then
    written to a file of that name and ``loads`` gets its path.
    """

    folder: Path
    entry: ArchiveEntry
    data: bytes
    written_by: str = ""
    stage_as: str | None = None

    @property
    def path(self) -> Path:
        return self.folder / self.entry.file


@attrs.frozen
class FuzzResult:
    """What the variants of one archive did: counts per verdict, and the failure if any crashed."""

    counts: dict[str, int]
    failure: str | None


def fuzz_archive(
    loader: Loader,
    family: ResolvedFamily,
    archive: FuzzedArchive,
    expectation: Expectation,
    count: int,
    options: Options,
) -> FuzzResult:
    """Feed ``count`` variants of one archive to ``loader``; count them, fail at most once."""
    variants = list(fuzz.variants(archive.data, count))
    with ExitStack() as stack:
        inputs: Iterator[bytes] = (v.data for v in variants)
        if archive.stage_as is not None:
            inputs = stack.enter_context(staged_many(inputs, archive.stage_as))
        counts, crashes = _feed(loader, expectation, variants, inputs)
    tried = sum(counts.values())
    counted = {key: value for key, value in counts.items() if value}
    if not crashes:
        return FuzzResult(counted, None)
    saved: list[str] = []
    if options.fuzz_save:
        saved = save_regressions(archive.folder, archive.entry, crashes)
    report = _crash_report(family, archive, crashes, tried, count, options.rootpath, saved)
    return FuzzResult(counted, report)


def _feed(
    loader: Loader,
    expectation: Expectation,
    variants: Sequence[fuzz.Variant],
    inputs: Iterator[bytes],
) -> tuple[dict[str, int], list[Crash]]:
    counts = {REJECTED: 0, LOADED: 0, UNDETECTED: 0, CRASHED: 0}
    crashes: list[Crash] = []
    lost = 0
    results = loader.call_many(inputs)
    try:
        for variant, result in zip(variants, results, strict=False):
            verdict, crash = classify(result, expectation, variant)
            counts[verdict] += 1
            if crash is not None:
                crashes.append(crash)
                if result.status in ("crashed", "timeout"):
                    lost += 1
                    if lost >= MAX_LOST_WORKERS:
                        break
    finally:
        close = getattr(results, "close", None)
        if close is not None:
            close()
    return counts, crashes


def classify(
    result: CallOutcome, expectation: Expectation, variant: fuzz.Variant
) -> tuple[str, Crash | None]:
    """The verdict on one variant, and the crash when it is one."""
    if result.status == "timeout":
        return CRASHED, Crash(variant, f"time-out: {result.message}", result.traceback)
    if result.status == "crashed":
        died = f"the loader's process died: {result.message}"
        return CRASHED, Crash(variant, died, result.traceback)
    if result.status == "raised":
        if result.exc_is_rejection:
            return REJECTED, None
        return CRASHED, Crash(
            variant,
            f"unexpected exception {result.exc_type}: {result.message}",
            f"{result.details}\n{result.traceback}" if result.details else result.traceback,
        )
    value, expected = result.value, expectation.expected
    if value is None and expected is not None:
        if expectation.miss == "none":
            return REJECTED, None
        return CRASHED, Crash(
            variant,
            'loads returned None, but the family declares no miss value (set miss = "none" '
            "if None means a cache miss)",
            "",
        )
    if not _same_type(expected, value):
        return CRASHED, Crash(
            variant,
            f"returned a value of the wrong type: expected {type_label(expected)}, "
            f"got {type_label(value)}",
            render(value),
        )
    if compare_shared(expected, value) or (expectation.exact and not strict_equal(expected, value)):
        return UNDETECTED, None
    return LOADED, None


def _same_type(expected: Any, actual: Any) -> bool:
    left, right = type_label(expected), type_label(actual)
    if ":" in left and ":" in right:
        return left.rpartition(":")[2] == right.rpartition(":")[2]
    return left == right


def reproduce_command(
    loads_ref: str,
    archive: Path,
    seed: int,
    rootpath: Path,
    *,
    io: str = "bytes",
    context_ref: str | None = None,
) -> str:
    """A shell command (run from the rootdir) feeding variant ``seed`` of ``archive`` to loads.

    It calls ``loads`` the way the plugin does: on a file holding the variant
    for ``io = "path"``, with a context built by ``context_ref`` when set.
    """
    module, _, attr_path = loads_ref.partition(":")
    try:
        shown = archive.relative_to(rootpath).as_posix()
    except ValueError:
        shown = str(archive)
    imports = ["pytest_cachecompat.golden as f", f"{module} as m"]
    data = f'f.variant(open({json.dumps(shown)}, "rb").read(), {seed}).data'
    steps = []
    argument = data
    if io == "path":
        imports += ["pathlib", "tempfile"]
        steps.append(f"p = pathlib.Path(tempfile.mkdtemp()) / {json.dumps(archive.name)}")
        steps.append(f"p.write_bytes({data})")
        argument = "p"
    if context_ref is not None:
        context_module, _, context_attr = context_ref.partition(":")
        imports.append(f"{context_module} as c")
        argument += f", c.{context_attr}()"
    steps.append(f"m.{attr_path}({argument})")
    code = f"import {', '.join(imports)}; " + "; ".join(steps)
    return f"python -c {shlex.quote(code)}"


def _crash_report(
    family: ResolvedFamily,
    archive: FuzzedArchive,
    crashes: Sequence[Crash],
    tried: int,
    count: int,
    rootpath: Path,
    saved: Sequence[str],
) -> str:
    first = crashes[0]
    path, written_by = archive.path, archive.written_by
    others = len(crashes) - 1
    seeds = ", ".join(str(c.variant.seed) for c in crashes[1:11]) + (", ..." if others > 10 else "")
    lines = [
        f"fuzzing golden archive {path} (family {family.name!r}, "
        f"record {archive.entry.record}) with "
        f"{family.loads_ref}: {len(crashes)} of {tried} corrupted variants crashed the loader "
        "(each must be cleanly rejected or load equal)",
        *([f"written by {written_by}"] if written_by else []),
        f"first crash: seed {first.variant.seed} "
        f"({first.variant.kind}: {first.variant.description})",
        f"  {first.what}",
    ]
    if first.detail:
        lines.extend("  " + line for line in first.detail.rstrip().splitlines())
    if others:
        lines.append(f"{others} other crashing seeds: {seeds}")
    if tried < count:
        lines.append(
            f"stopped after {tried} of {count} variants: the worker process was lost "
            f"{MAX_LOST_WORKERS} times"
        )
    lines.append(f"reproduce (from {rootpath}):")
    command = reproduce_command(
        family.loads_ref,
        path,
        first.variant.seed,
        rootpath,
        io=family.io,
        context_ref=family.context_ref,
    )
    lines.append(f"  {command}")
    if saved:
        lines.append(
            f"kept {len(saved)} crashing inputs as regression archives in "
            f"{archive.folder / store.REGRESSIONS_NAME} (expect = 'reject'): "
            + ", ".join(saved[:5])
            + (", ..." if len(saved) > 5 else "")
        )
    else:
        lines.append(
            "keep the crashing inputs as regression archives: add --cache-compat-fuzz-save"
        )
    return "\n".join(lines)
