"""``"package.module:attr.sub"`` references, resolved to the objects they name.

One resolver for every place the plugin resolves the user's references: the
configuration (which turns a failure into a usage error naming the family and
the key) and the loaders, in this process or in the worker of ``isolate = true``
(which reports it to its parent as the ImportError or AttributeError it is).
"""

from __future__ import annotations

import importlib

__all__ = ["BadReference", "MissingAttributeReference", "UnimportableReference", "resolve_ref"]


class BadReference(Exception):
    """Mixin of the errors of :func:`resolve_ref`; ``problem`` says what is wrong in words."""

    problem: str = ""


class UnimportableReference(BadReference, ImportError):
    """A malformed reference, or one whose module cannot be imported."""


class MissingAttributeReference(BadReference, AttributeError):
    """A reference whose module has no such attribute."""


def resolve_ref(ref: str) -> object:
    """The object named by ``"pkg.mod:attr.sub"``.

    Raises an ImportError (a malformed reference, or a module that cannot be
    imported, whatever its own error) or an AttributeError, each a
    :class:`BadReference` whose message names the reference.
    """
    module_name, sep, attr_path = ref.partition(":")
    if not sep or not module_name or not attr_path:
        raise _error(UnimportableReference, ref, "expected 'module:attribute'", "invalid reference")
    try:
        target: object = importlib.import_module(module_name)
    except Exception as exc:  # the module's own errors too (a SyntaxError, a RuntimeError)
        problem = f"cannot import {module_name!r}: {type(exc).__name__}: {exc}"
        raise _error(UnimportableReference, ref, problem, "cannot resolve reference") from exc
    for part in attr_path.split("."):
        try:
            target = getattr(target, part)
        except AttributeError as exc:
            missing = "" if part == attr_path else f" (no {part!r})"
            problem = f"{module_name!r} has no attribute {attr_path!r}{missing}"
            raise _error(
                MissingAttributeReference, ref, problem, "cannot resolve reference"
            ) from exc
    return target


def _error(cls: type[BadReference], ref: str, problem: str, lead: str) -> BadReference:
    error = cls(f"{lead} {ref!r}: {problem}")
    error.problem = problem
    return error
