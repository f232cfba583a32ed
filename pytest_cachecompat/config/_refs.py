"""Resolving ``"module:attribute"`` references, and the error every bad declaration raises."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

from pytest_cachecompat.errors import CacheCompatError

__all__ = ["ConfigError", "import_ref", "ref_of", "resolve_callable", "resolve_value"]


class ConfigError(CacheCompatError):
    """A declaration that cannot be used; the message says which and why."""


def import_ref(ref: str, where: str, key: str) -> Any:
    """Import ``"package.module:attr.sub"``; errors name the family, key and reference."""
    module_name, sep, attr_path = ref.partition(":")
    if not sep or not module_name or not attr_path:
        raise ConfigError(f"{where} {key} = {ref!r}: expected 'module:attribute'")
    try:
        obj: Any = importlib.import_module(module_name)
    except Exception as exc:
        raise ConfigError(
            f"{where} {key} = {ref!r}: cannot import {module_name!r}: {type(exc).__name__}: {exc}"
        ) from None
    for part in attr_path.split("."):
        try:
            obj = getattr(obj, part)
        except AttributeError:
            raise ConfigError(
                f"{where} {key} = {ref!r}: {module_name!r} has no attribute {attr_path!r}"
            ) from None
    return obj


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
