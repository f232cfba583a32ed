"""State of one ``--cache-compat`` run: families, options, what the checks reported.

Each process (the controller and every xdist worker) builds its own run from
the configuration; results reach the controller only through test reports,
so a single process and ``-n 4`` produce the same summary.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import attrs

from pytest_cachecompat import forms, store
from pytest_cachecompat.config import ResolvedFamily, Settings, versions
from pytest_cachecompat.forms import CheckError, is_frozen
from pytest_cachecompat.kinds import qualified_name
from pytest_cachecompat.layout import Change, collect_types, diff_layouts, layout_of
from pytest_cachecompat.store import recorded_layouts


@attrs.frozen(kw_only=True)
class Options:
    """The command-line options that the plugin's checks read, read once from pytest."""

    rootpath: Path
    invocation_dir: Path
    update_snapshots: bool = False
    collect_only: bool = False
    freeze: bool = False
    fuzz: int = 0
    fuzz_save: bool = False
    base: str | None = None
    release: bool = False
    report: str | None = None

    def relative(self, text: str) -> str:
        """``text`` with every path under the rootdir written relative to it, as pytest does."""
        roots = {str(self.rootpath), str(self.rootpath.resolve())}
        for root in sorted(roots, key=len, reverse=True):
            text = text.replace(root.rstrip(os.sep) + os.sep, "")
        return text


@attrs.define
class Run:
    """One run's families, options, cached layouts and the results items reported."""

    options: Options
    settings: Settings
    families: list[ResolvedFamily]
    results: list[dict[str, Any]] = attrs.field(factory=list)
    # Files the layout items prepared, by family and file name (``{"text", "new", "record"}``);
    # the controller writes each version whole or not at all at the end of the run.
    staged: dict[str, dict[str, dict[str, Any]]] = attrs.field(factory=dict)
    problems: list[str] = attrs.field(factory=list)
    report: dict[str, Any] | None = None
    # Run-wide findings of the controller for the report: "stale", "base", "release".
    gates: dict[str, Any] = attrs.field(factory=dict)
    _frozen: dict[str, bool] = attrs.field(factory=dict)
    _samples: dict[str, list[object]] = attrs.field(factory=dict)
    _recorded: dict[tuple[str, str], dict[str, dict[str, Any]]] = attrs.field(factory=dict)
    _current: dict[str, dict[str, dict[str, Any]]] = attrs.field(factory=dict)
    _higher: dict[str, list[versions.VersionValue]] = attrs.field(factory=dict)
    _types: dict[str, dict[str, type]] = attrs.field(factory=dict)

    def is_frozen(self, family: ResolvedFamily) -> bool:
        """Frozen as the store was when this process first asked (see ``forms.is_frozen``)."""

        if family.name not in self._frozen:
            self._frozen[family.name] = is_frozen(family)
        return self._frozen[family.name]

    def higher_versions(self, family: ResolvedFamily) -> list[versions.VersionValue]:
        """Recorded versions above the current one, listed once per process.

        A run records only the current version, so the answer cannot change
        while it runs; listing the store once instead of once per layout item
        saves a directory scan of every version folder per record type.
        """
        if family.name not in self._higher:
            recorded = store.recorded_versions(family.folder, family.version)
            self._higher[family.name] = [
                v for v in recorded if versions.is_lower(family.version, v)
            ]
        return self._higher[family.name]

    def family(self, name: str) -> ResolvedFamily:
        return next(f for f in self.families if f.name == name)

    def user_samples(self, family: ResolvedFamily) -> list[object]:
        if family.name not in self._samples:
            samples: list[object] = []
            if family.samples is not None:
                try:
                    samples = list(family.samples())
                except Exception as exc:
                    raise CheckError(
                        f"family {family.name!r}: the samples hook raised "
                        f"{type(exc).__name__}: {exc}"
                    ) from exc
            self._samples[family.name] = samples
        return self._samples[family.name]

    def recorded_layouts(
        self, family: ResolvedFamily, version: versions.VersionValue
    ) -> dict[str, dict[str, Any]]:
        key = (family.name, str(version))
        if key not in self._recorded:
            folder = family.folder / versions.folder_name(version)
            self._recorded[key] = recorded_layouts(folder)
        return self._recorded[key]

    def record_types(self, family: ResolvedFamily) -> dict[str, type]:
        """The family's record types by qualified name (``collect_types``), found once.

        Collection, the stale-store scan and the changelog all need them, and
        finding them introspects every class.
        """
        if family.name not in self._types:
            self._types[family.name] = collect_types(family.records)
        return self._types[family.name]

    def current_layouts(self, family: ResolvedFamily) -> dict[str, dict[str, Any]]:
        if family.name not in self._current:
            types = self.record_types(family)
            self._current[family.name] = {name: layout_of(cls) for name, cls in types.items()}
        return self._current[family.name]

    def family_changes(
        self, family: ResolvedFamily, version: versions.VersionValue
    ) -> list[Change]:
        """What differs between the layouts recorded for ``version`` and the current code."""
        return diff_layouts(self.recorded_layouts(family, version), self.current_layouts(family))

    def form_changes(self, family: ResolvedFamily, version: versions.VersionValue) -> list[Change]:
        """How the serialized forms recorded for ``version`` differ from the current ones.

        The current forms are the recorded ones of the current version, or,
        for a root not recorded yet, what ``dumps`` writes now.
        """
        decode = forms.decoder_for(family)
        old = forms.recorded_forms(family.folder / versions.folder_name(version), decode)
        new = forms.recorded_forms(family.version_folder, decode)
        for cls in family.records:
            record = qualified_name(cls)
            if record in old and record not in new:
                samples = forms.samples_for(family, cls, self.user_samples(family))
                new[record] = forms.serialized_forms(family, cls, samples).forms
        return forms.form_changes(
            old,
            new,
            old_layouts=self.recorded_layouts(family, version),
            new_layouts=self.current_layouts(family),
        )

    def previous_version(self, family: ResolvedFamily) -> versions.VersionValue | None:
        recorded = store.recorded_versions(family.folder, family.version)
        return versions.previous(recorded, family.version)
