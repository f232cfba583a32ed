"""Reading ``[tool.cachecompat]`` and turning declarations into resolved families.

Everything here raises ``ConfigError`` with a message that names the family,
the key and the reference at fault; the plugin turns it into a pytest usage
error, so a user never sees a traceback from inside the plugin.
"""

from __future__ import annotations

import difflib
import tomllib
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import attrs

from . import _versions as versions
from ._family import EXPECT_MODES, FREEZE_MODES, MISS_MODES, Family
from ._refs import ConfigError, import_ref, ref_of, resolve_callable, resolve_value
from ._sources import resolve_context, resolve_io, resolve_version, resolve_writers

__all__ = [
    "FAMILY_KEYS",
    "ConfigError",
    "ResolvedFamily",
    "Settings",
    "families_from_table",
    "find_pyproject",
    "import_ref",
    "parse_settings",
    "read_tool_table",
    "ref_of",
    "resolve_all",
    "resolve_family",
]

DEFAULT_STORE = "tests/cachecompat"
DEFAULT_TIMEOUT = 10.0

TOP_KEYS = ("store", "timeout", "isolate", "families")
FAMILY_KEYS = tuple(f.name for f in attrs.fields(Family) if f.name != "name")


@attrs.frozen
class Settings:
    """The top level of ``[tool.cachecompat]``."""

    store: Path
    timeout: float = DEFAULT_TIMEOUT
    isolate: bool = False
    source: str = "pyproject.toml"


@attrs.frozen
class ResolvedFamily:
    """A family whose references were imported and checked."""

    name: str
    version_ref: str
    version: versions.VersionValue
    records: tuple[type, ...]
    dumps: Callable[[Any], Any]
    dumps_ref: str
    loads: Callable[[bytes], Any]
    loads_ref: str
    rejects: tuple[type[BaseException], ...]
    rejects_refs: tuple[str, ...]
    miss: str | None
    samples: Callable[[], Iterable[object]] | None
    default_samples: bool
    freeze: str
    expect: Mapping[str, str]
    timeout: float
    isolate: bool
    store: Path
    # The distribution whose installed version is the family's version, if
    # it is one (``version = { distribution = "NAME" }``): messages then ask
    # for a new release instead of a bumped constant.
    version_distribution: str | None = None
    # Distributions whose installed versions each frozen manifest records.
    writers: tuple[str, ...] = ()
    # ``framing``: splits the bytes dumps wrote into (header, payload), for
    # headers that the decoder cannot find by itself (docs/configuration.md).
    framing: Callable[[bytes], tuple[bytes, bytes]] | None = None
    framing_ref: str | None = None
    # How dumps and loads are called (``calling_args``): on bytes or on a path,
    # with or without the object the ``context`` factory built.
    io: str = "bytes"
    context_ref: str | None = None
    context: object = attrs.field(default=None, eq=False, repr=False)

    def dumps_args(self, obj: object, path: Path | None = None) -> tuple[object, ...]:
        """The arguments of one ``dumps`` call (docs/configuration.md, calling convention)."""
        args: tuple[object, ...] = (obj,) if path is None else (obj, path)
        return (*args, self.context) if self.context_ref is not None else args

    @property
    def folder(self) -> Path:
        return self.store / self.name

    @property
    def version_folder(self) -> Path:
        return self.folder / versions.folder_name(self.version)

    @property
    def version_label(self) -> str:
        """The constant as a developer sees it in their code (or the installed release)."""
        if self.version_distribution is not None:
            return f"the installed {self.version_distribution}"
        return self.version_ref.rpartition(":")[2]


def find_pyproject(rootpath: Path, inipath: Path | None) -> Path | None:
    if inipath is not None and inipath.name == "pyproject.toml":
        return inipath
    candidate = rootpath / "pyproject.toml"
    return candidate if candidate.is_file() else None


def read_tool_table(pyproject: Path | None) -> dict[str, Any]:
    if pyproject is None:
        return {}
    try:
        data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{pyproject}: cannot be read: {exc}") from None
    table = data.get("tool", {}).get("cachecompat", {})
    if not isinstance(table, dict):
        raise ConfigError(f"{pyproject}: [tool.cachecompat] must be a table")
    return table


def _unknown_key_error(where: str, key: str, known: Sequence[str]) -> ConfigError:
    close = difflib.get_close_matches(key, known, n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    return ConfigError(f"{where}: unknown key {key!r}{hint}; known keys: {', '.join(known)}")


def parse_settings(table: Mapping[str, Any], rootpath: Path, source: str) -> Settings:
    for key in table:
        if key not in TOP_KEYS:
            raise _unknown_key_error(f"{source} [tool.cachecompat]", key, TOP_KEYS)
    store = table.get("store", DEFAULT_STORE)
    if not isinstance(store, str) or not store:
        raise ConfigError(f"{source} [tool.cachecompat] store: must be a non-empty path string")
    timeout = _check_timeout(table.get("timeout", DEFAULT_TIMEOUT), f"{source} [tool.cachecompat]")
    isolate = table.get("isolate", False)
    if not isinstance(isolate, bool):
        raise ConfigError(f"{source} [tool.cachecompat] isolate: must be true or false")
    return Settings(
        store=(rootpath / store).resolve(), timeout=timeout, isolate=isolate, source=source
    )


def _check_timeout(value: object, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        raise ConfigError(f"{where} timeout: must be a positive number of seconds, not {value!r}")
    return float(value)


def families_from_table(table: Mapping[str, Any], source: str) -> list[Family]:
    declared = table.get("families", {})
    if not isinstance(declared, dict):
        raise ConfigError(f"{source} [tool.cachecompat.families] must be a table of tables")
    families = []
    for name, body in declared.items():
        where = f"{source} [tool.cachecompat.families.{name}]"
        if not isinstance(body, dict):
            raise ConfigError(f"{where} must be a table")
        for key in body:
            if key not in FAMILY_KEYS:
                raise _unknown_key_error(where, key, FAMILY_KEYS)
        for required in ("version", "records", "dumps", "loads"):
            if required not in body:
                raise ConfigError(f"{where}: missing required key {required!r}")
        try:
            families.append(Family(name=name, **body))
        except (TypeError, ValueError) as exc:
            raise ConfigError(f"{where}: {exc}") from None
    return families


def _resolve_records(family: Family, where: str) -> tuple[type, ...]:
    from pytest_cachecompat.kinds import (
        UnsupportedType,
        alias_record,
        claim_project_modules,
        inspect_record,
        is_record_type,
        is_type_alias,
    )

    if isinstance(family.records, str) or not family.records:
        raise ConfigError(f"{where} records: must be a non-empty list of 'module:Class' references")
    records = []
    for value in family.records:
        obj, ref = resolve_value(value, where, "records")
        if is_type_alias(obj) and not is_record_type(obj):
            obj = _alias_root(obj, ref, isinstance(value, str), where, alias_record)
        elif not isinstance(obj, type) and not is_record_type(obj):
            raise ConfigError(
                f"{where} records = {ref!r}: is neither a class nor a type alias "
                f"({type(obj).__name__})"
            )
        # A declared root is the project's, wherever it is installed.
        claim_project_modules([str(getattr(obj, "__module__", ""))])
        try:
            inspect_record(obj)
        except UnsupportedType as exc:
            raise ConfigError(f"{where} records = {ref!r}: {exc}") from None
        records.append(obj)
    return tuple(records)


def _alias_root(obj: object, ref: str, by_reference: bool, where: str, alias_record: Any) -> type:
    """The record that stands for a type alias root, named by its reference."""
    module, _, name = ref.partition(":")
    if type(obj).__name__ == "TypeAliasType":  # a `type X = ...` statement knows its name
        module, name = str(getattr(obj, "__module__", module)), str(getattr(obj, "__name__", name))
    elif not by_reference:
        raise ConfigError(
            f"{where} records = {ref!r}: a type alias must be given by reference "
            "('module:Name'), so that its layout has a name"
        )
    result: type = alias_record(module, name, obj)
    return result


def _resolve_rejects(
    family: Family, where: str
) -> tuple[tuple[type[BaseException], ...], tuple[str, ...]]:
    if isinstance(family.rejects, str):
        raise ConfigError(f"{where} rejects: must be a list of exception references")
    classes, refs = [], []
    for value in family.rejects:
        obj, ref = resolve_value(value, where, "rejects")
        if not (isinstance(obj, type) and issubclass(obj, BaseException)):
            raise ConfigError(f"{where} rejects = {ref!r}: is not an exception class")
        classes.append(obj)
        refs.append(ref)
    return tuple(classes), tuple(refs)


def _check_choices(family: Family, where: str) -> None:
    if family.freeze not in FREEZE_MODES:
        raise ConfigError(
            f"{where} freeze = {family.freeze!r}: must be one of {', '.join(FREEZE_MODES)}"
        )
    if family.miss is not None and family.miss not in MISS_MODES:
        raise ConfigError(f"{where} miss = {family.miss!r}: must be one of {', '.join(MISS_MODES)}")
    for key in ("default_samples", "isolate"):
        value = getattr(family, key)
        if not isinstance(value, bool) and not (key == "isolate" and value is None):
            raise ConfigError(f"{where} {key}: must be true or false, not {value!r}")
    if not isinstance(family.expect, Mapping):
        raise ConfigError(f"{where} expect: must be a table of version = 'reject' | 'load'")
    for version, mode in family.expect.items():
        if mode not in EXPECT_MODES:
            raise ConfigError(
                f"{where} expect.{version} = {mode!r}: must be one of {', '.join(EXPECT_MODES)}"
            )


def resolve_family(family: Family, settings: Settings, source: str) -> ResolvedFamily:
    """Import and check every reference of one family."""
    where = f"{source} family {family.name!r}:"
    version, version_ref, distribution = resolve_version(family.version, where)
    _check_choices(family, where)
    dumps, dumps_ref = resolve_callable(family.dumps, where, "dumps")
    loads, loads_ref = resolve_callable(family.loads, where, "loads")
    samples = resolve_callable(family.samples, where, "samples")[0] if family.samples else None
    framing, framing_ref = (
        resolve_callable(family.framing, where, "framing")
        if family.framing is not None
        else (None, None)
    )
    rejects, rejects_refs = _resolve_rejects(family, where)
    context_ref, context = resolve_context(family, where)
    timeout = settings.timeout if family.timeout is None else _check_timeout(family.timeout, where)
    return ResolvedFamily(
        name=family.name,
        version_ref=version_ref,
        version=version,
        version_distribution=distribution,
        writers=resolve_writers(family, where),
        records=_resolve_records(family, where),
        dumps=dumps,
        dumps_ref=dumps_ref,
        loads=loads,
        loads_ref=loads_ref,
        rejects=rejects,
        rejects_refs=rejects_refs,
        miss=family.miss,
        samples=samples,
        default_samples=family.default_samples,
        freeze=family.freeze,
        expect={str(k): v for k, v in family.expect.items()},
        timeout=timeout,
        isolate=settings.isolate if family.isolate is None else family.isolate,
        store=settings.store,
        framing=framing,
        framing_ref=framing_ref,
        io=resolve_io(family, where),
        context_ref=context_ref,
        context=context,
    )


def check_family_name(name: object, source: str) -> None:
    if not isinstance(name, str) or versions.validate(name) is not None:
        raise ConfigError(
            f"{source}: family name {name!r} must be a non-empty string of letters, "
            "digits and '.', '_', '+', '-' (it names a folder in the store)"
        )


def resolve_all(
    pyproject_families: Sequence[Family],
    hook_families: Sequence[object],
    settings: Settings,
) -> list[ResolvedFamily]:
    """Resolve families from both sources; a name declared twice is an error."""
    seen: dict[str, str] = {}
    resolved = []
    tagged: list[tuple[object, str]] = [(f, settings.source) for f in pyproject_families]
    tagged += [(f, "conftest hook pytest_cachecompat_families") for f in hook_families]
    for family, source in tagged:
        if not isinstance(family, Family):
            raise ConfigError(
                f"{source}: returned {family!r}; expected pytest_cachecompat.Family objects"
            )
        check_family_name(family.name, source)
        if family.name in seen:
            raise ConfigError(
                f"family {family.name!r} is declared twice: in {seen[family.name]} and in {source}"
            )
        seen[family.name] = source
        resolved.append(resolve_family(family, settings, source))
    return resolved
