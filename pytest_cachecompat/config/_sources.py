"""Where a family's version comes from, who wrote its archives, how its cache is read.

``version`` (a reference, or a distribution's installed release),
``writers`` (distributions each manifest records), and the calling
convention of ``dumps``/``loads`` (``io`` and ``context``).
"""

from __future__ import annotations

from . import _versions as versions
from ._family import IO_MODES, Family
from ._refs import ConfigError, import_ref, resolve_callable
from ._versions import Distribution

__all__ = ["resolve_context", "resolve_io", "resolve_version", "resolve_writers"]


def resolve_version(value: object, where: str) -> tuple[versions.VersionValue, str, str | None]:
    """The version's value, how messages name it, and the distribution it comes from (if any)."""
    label = f"Distribution({value.name!r})" if isinstance(value, Distribution) else repr(value)
    try:
        distribution = versions.distribution_of(value)
    except ValueError as exc:
        raise ConfigError(f"{where} version = {label}: {exc}") from None
    if distribution is None:
        assert isinstance(value, str)
        version = import_ref(value, where, "version")
        problem = versions.validate(version)
        if problem:
            raise ConfigError(f"{where} version = {value!r}: the constant {problem}")
        return version, value, None
    installed = versions.installed_version(distribution)
    shown = f'{{ distribution = "{distribution.name}" }}'
    if installed is None:
        raise ConfigError(
            f"{where} version = {shown}: the distribution {distribution.name!r} is not installed "
            "in this environment (importlib.metadata finds no such distribution; install the "
            "project, e.g. `pip install -e .`, or fix the name)"
        )
    problem = versions.validate(installed) or versions.pep440_problem(installed)
    if problem:
        raise ConfigError(
            f"{where} version = {shown}: the installed version of {distribution.name} {problem}"
        )
    return installed, distribution.ref, distribution.name


def resolve_writers(family: Family, where: str) -> tuple[str, ...]:
    """The ``writers`` distributions; each must be installed, or the manifest could not say."""
    value = family.writers
    if isinstance(value, str) or not all(isinstance(name, str) and name for name in value):
        raise ConfigError(
            f"{where} writers = {value!r}: must be a list of distribution names, "
            'e.g. ["cachecontrol", "urllib3"]'
        )
    for name in value:
        if versions.installed_version(Distribution(name)) is None:
            raise ConfigError(
                f"{where} writers = {name!r}: the distribution {name!r} is not installed in this "
                "environment, so no archive could record its version (install it or fix the name)"
            )
    return tuple(value)


def resolve_io(family: Family, where: str) -> str:
    if family.io not in IO_MODES:
        raise ConfigError(
            f"{where} io = {family.io!r}: must be one of {', '.join(IO_MODES)} "
            '("path": dumps(obj, path) writes the cache file, loads(path) reads it)'
        )
    return family.io


def resolve_context(family: Family, where: str) -> tuple[str | None, object]:
    """The ``context`` factory's reference and the object it built (called here, once)."""
    if family.context is None:
        return None, None
    factory, ref = resolve_callable(family.context, where, "context")
    try:
        value = factory()
    except Exception as exc:
        raise ConfigError(
            f"{where} context = {ref!r}: calling it to build the loader context raised "
            f"{type(exc).__name__}: {exc}"
        ) from None
    return ref, value
