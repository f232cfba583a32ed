"""Resolving ``"module:attribute"`` references, and the error every bad declaration raises."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pytest_cachecompat.errors import CacheCompatError
from pytest_cachecompat.references import BadReference, resolve_ref

__all__ = ["ConfigError", "import_ref", "ref_of", "resolve_callable", "resolve_value"]


class ConfigError(CacheCompatError):
    """A declaration that cannot be used; the message says which and why."""


def import_ref(ref: str, where: str, key: str) -> Any:
    """Import ``"package.module:attr.sub"``; errors name the family, key and reference."""
    try:
        return resolve_ref(ref)
    except BadReference as exc:
        raise ConfigError(f"{where} {key} = {ref!r}: {exc.problem}") from None


def ref_of(obj: Any, where: str, key: str) -> str:
    """The import reference of an object given directly; it must be importable by that name."""
    module = getattr(obj, "__module__", None)
    qualname = getattr(obj, "__qualname__", None)
    if not module or not qualname or "<locals>" in qualname:
        raise ConfigError(
            f"{where} {key} = {obj!r}: must be importable by name "
            "(a module-level function or class), or given as 'module:attribute'"
        )
    return f"{module}:{qualname}"


def resolve_value(value: Any, where: str, key: str) -> tuple[Any, str]:
    if isinstance(value, str):
        return import_ref(value, where, key), value
    return value, ref_of(value, where, key)


def resolve_callable(value: Any, where: str, key: str) -> tuple[Callable[..., Any], str]:
    obj, ref = resolve_value(value, where, key)
    if not callable(obj):
        raise ConfigError(f"{where} {key} = {ref!r}: is not callable ({type(obj).__name__})")
    return obj, ref
