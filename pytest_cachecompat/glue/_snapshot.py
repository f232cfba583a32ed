"""The syrupy extension that keeps recorded layouts and serialized forms in the store.

syrupy deletes files it finds in snapshot folders but cannot tie to a test,
so this extension makes syrupy see nothing of the store: it discovers no
snapshots and refuses to delete any. syrupy still decides what to write
(``--snapshot-update``, never over a frozen version), but the extension
writes nothing itself: it hands each write to the item that asserted, which
reports it to the controller, and the controller writes the version whole or
not at all at the end of the run (glue/_record.py). It takes no constructor
arguments and keeps no state, because pytest-xdist re-creates extensions by
dotted path.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from syrupy.assertion import SnapshotAssertion
from syrupy.data import SnapshotCollection, SnapshotCollections
from syrupy.extensions.single_file import SingleFileSnapshotExtension, WriteMode
from syrupy.location import PyTestLocation

if TYPE_CHECKING:
    from syrupy.types import (
        PropertyFilter,
        PropertyMatcher,
        SerializableData,
        SerializedData,
        SnapshotIndex,
    )


class StoreLocation(PyTestLocation):
    """A test location whose snapshots live in a store folder, not next to a test file."""

    def matches_snapshot_name(self, snapshot_name: str) -> bool:
        return True

    def matches_snapshot_location(self, snapshot_location: str) -> bool:
        return True


class StoreExtension(SingleFileSnapshotExtension):
    """One text file per snapshot, named by the assertion's index, in the item's store folder."""

    _write_mode = WriteMode.TEXT
    file_extension = "json"

    def serialize(
        self,
        data: SerializableData,
        *,
        exclude: PropertyFilter | None = None,
        include: PropertyFilter | None = None,
        matcher: PropertyMatcher | None = None,
    ) -> SerializedData:
        if not isinstance(data, str):
            raise TypeError(f"cachecompat snapshots are rendered text, not {type(data).__name__}")
        return data

    @classmethod
    def dirname(cls, *, test_location: PyTestLocation) -> str:
        # syrupy also asks about every ordinary test it collected; those own
        # nothing here, and discover_snapshots never looks.
        folder = getattr(test_location.item, "cachecompat_folder", None)
        return str(folder if folder is not None else Path(test_location.filepath).parent)

    @classmethod
    def discovery_dirname(cls, *, test_location: PyTestLocation) -> str:
        return cls.dirname(test_location=test_location)

    @classmethod
    def get_snapshot_name(cls, *, test_location: PyTestLocation, index: Any = 0) -> str:
        return str(index)

    @classmethod
    def get_file_basename(cls, *, test_location: PyTestLocation, index: Any) -> str:
        return str(index)

    def discover_snapshots(
        self, *, test_location: PyTestLocation, ignore_extensions: list[str] | None = None
    ) -> SnapshotCollections:
        # Stale records are found by the plugin, which knows the families;
        # anything syrupy discovers here it would be free to delete.
        return SnapshotCollections()

    def delete_snapshots(self, *, snapshot_location: str, snapshot_names: set[str]) -> None:
        """Recorded layouts are the user's data: never deleted through syrupy."""

    @classmethod
    def matches_test_location(
        cls, *, test_location: PyTestLocation, snapshot_location: str
    ) -> bool:
        return True

    @classmethod
    def write_snapshot(
        cls,
        *,
        snapshot_location: str,
        snapshots: list[tuple[SerializedData, PyTestLocation, SnapshotIndex]],
        name_order: dict[str, int] | None = None,
    ) -> None:
        """Stage, do not write: the item keeps the text until the run knows the version is whole.

        syrupy's own ``write_snapshot`` would also create the version folder
        on the spot, which would make a version appear before it is recorded.
        """
        for data, test_location, _index in snapshots:
            stage = getattr(test_location.item, "stage_file", None)
            if not isinstance(data, str) or stage is None:
                raise TypeError(f"cachecompat cannot stage a snapshot at {snapshot_location}")
            stage(Path(snapshot_location).name, data)

    @classmethod
    def write_snapshot_collection(
        cls, *, snapshot_collection: SnapshotCollection, name_order: dict[str, int] | None = None
    ) -> None:
        """Never called: ``write_snapshot`` stages instead (and nothing else may write)."""
        raise TypeError(f"cachecompat does not write {snapshot_collection.location} directly")


def make_assertion(item: pytest.Item, *, frozen: bool) -> SnapshotAssertion:
    """A syrupy assertion bound to ``item``'s store folder.

    A frozen version must not be rewritten even under ``--snapshot-update``;
    syrupy has no veto, but an assertion built without update rights that may
    still create missing snapshots does exactly that.
    """
    update = bool(item.config.getoption("update_snapshots", False))
    return SnapshotAssertion(
        session=item.config._syrupy,  # type: ignore[attr-defined]
        extension_class=StoreExtension,
        test_location=StoreLocation(item),
        update_snapshots=update and not frozen,
        update_new_snapshots_only=update,
    )
