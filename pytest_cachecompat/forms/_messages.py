"""The words of every failure: what changed, why it matters, and the exact next step."""

from __future__ import annotations

from collections.abc import Sequence

from pytest_cachecompat.config import ResolvedFamily, versions

UPDATE_COMMAND = "pytest --cache-compat --snapshot-update"


def next_version(value: versions.VersionValue) -> str:
    if isinstance(value, int):
        return str(value + 1)
    return "a higher version" if versions.sort_key(value) is not None else "a new value"


def constant(family: ResolvedFamily) -> str:
    """``SIMPLE_CACHE_VERSION`` as a developer sees it in their code."""
    return family.version_label


def bullet(lines: Sequence[str]) -> str:
    return "\n".join(f"  - {line}" for line in lines)


def sentence(text: str) -> str:
    """``text`` with its first letter upper-cased (and nothing else changed)."""
    return text[:1].upper() + text[1:]


def bump_action(family: ResolvedFamily, target: str) -> str:
    """What raises the family's version to ``target``: a bumped constant, or a new release.

    A family whose version is a distribution's installed release (``version =
    { distribution = "NAME" }``) has no constant to edit.
    """
    if family.version_distribution is not None:
        return (
            f"release a new version of {family.version_distribution} ({target}) and install it "
            "(e.g. `pip install -e .`), so that importlib.metadata reports it"
        )
    return f"bump {family.version_ref} {target}"


def bump_fix(family: ResolvedFamily) -> str:
    if family.version_distribution is not None:
        target = f"above {family.version!r}"
    else:
        target = f"from {family.version!r} to {next_version(family.version)}"
    return (
        f"Fix: {bump_action(family, target)}, "
        f"then run `{UPDATE_COMMAND}` to record the new version. "
        f"v{family.version} stays recorded as it is: it describes caches that users already have."
    )


def layout_changed(
    family: ResolvedFamily, record: str, changes: Sequence[str], *, frozen: bool = True
) -> str:
    return (
        f"layout of {record} changed but {constant(family)} is still {family.version!r} "
        f"(family {family.name!r})\n"
        f"What changed against the recorded v{family.version}:\n{bullet(changes)}\n"
        f"{bump_fix(family) if frozen else rerecord_fix(family)}"
    )


def rerecord_fix(family: ResolvedFamily) -> str:
    return (
        f'v{family.version} has no golden archives yet (freeze = "released"): if it was never '
        f"released, re-record it with `{UPDATE_COMMAND}`. If it was, "
        f"{bump_action(family, f'to {next_version(family.version)}')} and freeze "
        f"v{family.version} from the released code."
    )


def serialized_changed(
    family: ResolvedFamily,
    record: str,
    differences: Sequence[str],
    *,
    frozen: bool = True,
    changed_samples: Sequence[int] = (),
) -> str:
    if changed_samples:
        # The samples are not the recorded ones: what dumps writes for them differs,
        # but whether dumps itself changed cannot be told from these bytes.
        plural = "s" if len(changed_samples) > 1 else ""
        numbers = ", ".join(str(i) for i in changed_samples)
        cause = (
            f"the samples are not the recorded ones (sample{plural} {numbers} changed), "
            f"and what {family.dumps_ref} writes for them differs"
        )
    else:
        cause = f"{family.dumps_ref} now writes different bytes for the same samples"
    return (
        f"serialized form of {record} changed but {constant(family)} is still {family.version!r} "
        f"(family {family.name!r}): {cause}.\n"
        f"Decoded difference (recorded -> now):\n{bullet(differences)}\n"
        f"{bump_fix(family) if frozen else rerecord_fix(family)}"
    )


def not_recorded(
    family: ResolvedFamily,
    record: str,
    previous: versions.VersionValue | None,
    changes: Sequence[str],
    what: str = "layout",
) -> str:
    if previous is None:
        history = no_previous_version(family)
    elif changes:
        history = f"Changes against v{previous}:\n{bullet(changes)}"
    else:
        history = f"No change against v{previous}."
    bumped = f" ({constant(family)} was bumped from {previous!r})" if previous is not None else ""
    return (
        f"no {what} of {record} is recorded for v{family.version} of family "
        f"{family.name!r}{bumped}.\n{history}\n"
        f"Record it: `{UPDATE_COMMAND}`, then commit {family.version_folder.name}/ in the store."
    )


def no_previous_version(family: ResolvedFamily) -> str:
    """Why there is nothing to compare with: no other version, or versions without an order."""
    from pytest_cachecompat import store

    others = [
        v for v in store.recorded_versions(family.folder, family.version) if v != family.version
    ]
    if not others or versions.sort_key(family.version) is not None:
        return "No earlier version is recorded."
    return (
        f"Recorded: {', '.join(f'v{v}' for v in others)}; {family.version!r} is not a number "
        "or a PEP 440 version, so which one came before it is unknown and nothing is compared."
    )


def version_lowered(family: ResolvedFamily, highest: versions.VersionValue) -> str:
    return (
        f"{family.version_ref} is {family.version!r}, lower than v{highest}, which is already "
        f"recorded for family {family.name!r}. Cache versions only go up: a lower version would "
        f"make users' caches written by v{highest} look current. "
        f"{_raise_above(family, highest)}."
    )


def _raise_above(family: ResolvedFamily, highest: versions.VersionValue) -> str:
    if family.version_distribution is not None:
        return f"Install a release of {family.version_distribution} above {highest!r}"
    to = f" (to {highest + 1} or higher)" if isinstance(highest, int) else ""
    return f"Set {constant(family)} above {highest!r}{to}"


def not_deterministic_across_processes(
    family: ResolvedFamily, record: str, seed: str, differences: Sequence[str]
) -> str:
    import os

    ours = os.environ.get("PYTHONHASHSEED", "random")
    return (
        f"family {family.name!r}: dumps = {family.dumps_ref} is not deterministic across "
        f"processes: for the same samples of {record}, a process with PYTHONHASHSEED={seed} "
        f"writes a value that decodes differently from this one (PYTHONHASHSEED={ours}), "
        "so the recorded serialized form cannot be compared.\n"
        f"Decoded difference (this process -> the other one):\n{bullet(differences)}\n"
        "A reader gets a different value depending on the process that wrote the entry: "
        "write sets (and lists or keys built from them) in a sorted order, so that the same "
        "value always gives the same bytes."
    )
