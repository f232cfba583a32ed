"""Two decoded trees of one sample, their differences named by record and field.

The walk follows the record layouts (``_positional``): an array written for
a record is read by position, a map by key (name or alias), a pickled object
by its state; so every line names the field (``File.hashes.sha256``), and a
value of another type says so in words (``(float -> str)``, ``bytes are now
written as str``). Parts of the tree outside the record (a version header
in a stream) keep their tree path (``decoded[0][1]``).

``sources`` are the samples' canonical values: where a field held the same
bytes in both samples but they were written differently, the line says which
encoding each used.
"""

from __future__ import annotations

import difflib
from typing import Any

import attrs

from pytest_cachecompat.layout import DiffLines, render, strict_equal

from . import _tree_reading as reading
from ._encodings import bytes_encoding
from ._positional import ANY, Schema, TypeExpr, View, object_pairs

__all__ = ["TreeDiff", "locate"]

_MISSING = object()


def locate(tree: object, schema: Schema, record: str, *, stream: bool) -> list[object] | None:
    """Steps from the top of ``tree`` to the node written for ``record``, or None.

    The payload comes last in a stream (after a version header), and a
    wrapper map holds it as one of its values; at most three levels down.
    """
    return _locate(tree, schema, record, 3, top=not stream)


def _locate(
    tree: object, schema: Schema, record: str, depth: int, *, top: bool
) -> list[object] | None:
    if top and schema.view(record, tree) is not None:
        return []
    if depth == 0:
        return None
    children: list[tuple[object, object]] = []
    if isinstance(tree, list):
        children = [(i, tree[i]) for i in reversed(range(len(tree)))]
    elif isinstance(tree, dict) and not any(str(k).startswith("$") for k in tree):
        children = list(tree.items())
    for step, child in children:
        found = _locate(child, schema, record, depth - 1, top=True)
        if found is not None:
            return [step, *found]
    return None


@attrs.define
class TreeDiff:
    """One walk over two trees; ``lines`` collects one sentence per difference."""

    old_schema: Schema
    new_schema: Schema
    # Version-to-version mode: report only fields whose sample value is the
    # same on both sides (other differences are layout changes, told elsewhere).
    same_values_only: bool = False
    out: DiffLines = attrs.field(factory=lambda: DiffLines(50))

    def add(self, path: str, text: str) -> None:
        self.out.add(path, text)

    def result(self) -> list[str]:
        return self.out.result()

    # -- entry ------------------------------------------------------------

    def compare(
        self,
        old: object,
        new: object,
        record: str | None,
        sources: tuple[object, object],
        *,
        stream: bool,
    ) -> None:
        """Walk two whole decoded trees whose payload is a ``record``."""
        steps = None
        if record is not None:
            steps = locate(new, self.new_schema, record, stream=stream)
            if steps is not None and reading.follow(old, steps) is _MISSING:
                steps = None
        if steps is None or record is None:
            if not self.same_values_only:
                self.walk(old, new, "decoded", ANY, ANY, (None, None))
            return
        self._around(old, new, steps, "decoded", record, sources)

    def _around(
        self,
        old: Any,
        new: Any,
        steps: list[object],
        path: str,
        record: str,
        sources: tuple[object, object],
    ) -> None:
        if not steps:
            root = TypeExpr(record)
            self.walk(old, new, record.rpartition(":")[2], root, root, sources)
            return
        step, rest = steps[0], steps[1:]
        if not self.same_values_only:
            # What surrounds the record (a header, a wrapper): named by tree path.
            if isinstance(old, list) and isinstance(new, list) and len(old) != len(new):
                self.add(path, f"{len(old)} items -> {len(new)} items")
            keys = range(len(new)) if isinstance(new, list) else list(new)
            for key in keys:
                if key != step:
                    before = reading.child(old, key)
                    step_path = f"{path}[{render(key, 60)}]"
                    if before is _MISSING:
                        self.add(step_path, f"added {render(reading.child(new, key), 80)}")
                    else:
                        self.walk(
                            before, reading.child(new, key), step_path, ANY, ANY, (None, None)
                        )
        self._around(
            reading.child(old, step),
            reading.child(new, step),
            rest,
            f"{path}[{step}]",
            record,
            sources,
        )

    # -- any node ---------------------------------------------------------

    def walk(
        self,
        old: Any,
        new: Any,
        path: str,
        old_type: TypeExpr,
        new_type: TypeExpr,
        sources: tuple[object, object],
    ) -> None:
        if strict_equal(old, new):
            return
        record_old = self.old_schema.record_of(old_type, old)
        record_new = self.new_schema.record_of(new_type, new)
        if record_old is not None and record_new is not None:
            view_old = self.old_schema.view(record_old, old)
            view_new = self.new_schema.view(record_new, new)
            if view_old is not None and view_new is not None:
                self._records(old, new, view_old, view_new, path, sources)
                return
        if reading.is_object(old) and reading.is_object(new):
            self._objects(old, new, path, sources)
            return
        pairs_old, pairs_new = reading.pairs(old), reading.pairs(new)
        if pairs_old is not None and pairs_new is not None:
            self._maps(pairs_old, pairs_new, path, old_type, new_type, sources)
            return
        items_old, items_new = reading.items(old), reading.items(new)
        if items_old is not None and items_new is not None and reading.tag(old) == reading.tag(new):
            self._lists(items_old, items_new, path, old_type, new_type, sources)
            return
        self._leaf(old, new, path, new_type, sources)

    # -- records ----------------------------------------------------------

    def _records(
        self,
        old: Any,
        new: Any,
        view_old: View,
        view_new: View,
        path: str,
        sources: tuple[object, object],
    ) -> None:
        if reading.is_object(old) and reading.is_object(new):
            self._class_change(old, new, path)
        if view_old.positional != view_new.positional:
            # A reader of one cannot read the other, whatever the values.
            shapes = ("an array by position", "a map of field names")
            before, after = shapes[not view_old.positional], shapes[not view_new.positional]
            self.add(path, f"written as {after} instead of {before}")
        fields_old = dict(view_old.entries)
        fields_new = dict(view_new.entries)
        types_old = {f.name: f.type for f in self.old_schema.fields(view_old.record) or []}
        types_new = {f.name: f.type for f in self.new_schema.fields(view_new.record) or []}
        removed = [name for name in fields_old if name not in fields_new]
        added = [name for name in fields_new if name not in fields_old]
        renamed = self._renamed_keys(fields_old, fields_new, removed, added)
        for name, value in fields_new.items():
            step = f"{path}.{name}"
            src = (reading.field(sources[0], name), reading.field(sources[1], name))
            if name in fields_old:
                key_old, key_new = view_old.keys.get(name), view_new.keys.get(name)
                if key_old != key_new and not self.same_values_only:
                    self.add(step, reading.moved_key(key_old, key_new))
                self.walk(
                    fields_old[name],
                    value,
                    step,
                    types_old.get(name, ANY),
                    types_new.get(name, ANY),
                    src,
                )
            elif name not in renamed.values() and not self.same_values_only:
                self.add(step, f"now written, as {render(value, 80)} (was left out)")
        for name in removed:
            if name in renamed:
                if not self.same_values_only:
                    old_key, new_key = view_old.keys.get(name), view_new.keys.get(renamed[name])
                    self.add(f"{path}.{name}", reading.moved_key(old_key, new_key))
            elif not self.same_values_only:
                self.add(
                    f"{path}.{name}", f"no longer written (was {render(fields_old[name], 80)})"
                )

    @staticmethod
    def _renamed_keys(
        old: dict[str, object], new: dict[str, object], removed: list[str], added: list[str]
    ) -> dict[str, str]:
        """A key that vanished and one that appeared holding the same value: one field, renamed."""
        pairs: dict[str, str] = {}
        free = list(added)
        for name in removed:
            for other in free:
                if strict_equal(old[name], new[other]):
                    pairs[name] = other
                    free.remove(other)
                    break
        return pairs

    def _class_change(self, old: Any, new: Any, path: str) -> None:
        for tag in ("$object", "$call"):
            if old.get(tag) != new.get(tag) and not self.same_values_only:
                before, after = old.get(tag), new.get(tag)
                if before is not None and after is not None:
                    self.add(
                        path, f"pickled as {render(after, 80)} instead of {render(before, 80)}"
                    )

    def _objects(self, old: Any, new: Any, path: str, sources: tuple[object, object]) -> None:
        """Pickled objects of a class no layout describes: compared by their state's keys."""
        self._class_change(old, new, path)
        pairs_old, pairs_new = object_pairs(old), object_pairs(new)
        if pairs_old is None or pairs_new is None:
            before = {k: v for k, v in old.items() if k not in ("$object", "$call")}
            after = {k: v for k, v in new.items() if k not in ("$object", "$call")}
            self.walk(before, after, path, ANY, ANY, sources)
            return
        fields_old, fields_new = dict(pairs_old), dict(pairs_new)
        for name, value in fields_new.items():
            src = (reading.field(sources[0], name), reading.field(sources[1], name))
            if name in fields_old:
                self.walk(fields_old[name], value, f"{path}.{name}", ANY, ANY, src)
            elif not self.same_values_only:
                self.add(f"{path}.{name}", f"now written, as {render(value, 80)} (was left out)")
        for name, value in fields_old.items():
            if name not in fields_new and not self.same_values_only:
                self.add(f"{path}.{name}", f"no longer written (was {render(value, 80)})")

    # -- containers -------------------------------------------------------

    def _maps(
        self,
        old: list[tuple[Any, Any]],
        new: list[tuple[Any, Any]],
        path: str,
        old_type: TypeExpr,
        new_type: TypeExpr,
        sources: tuple[object, object],
    ) -> None:
        theirs = {reading.key(k): v for k, v in new}
        ours = {reading.key(k) for k, _ in old}
        value_old = self.old_schema.item_type(old_type, 0)
        value_new = self.new_schema.item_type(new_type, 0)
        for key, value in old:
            step = f"{path}[{render(key, 60)}]"
            src = (reading.entry(sources[0], key), reading.entry(sources[1], key))
            if reading.key(key) in theirs:
                self.walk(value, theirs[reading.key(key)], step, value_old, value_new, src)
            elif not self.same_values_only:
                self.add(step, f"removed {render(value, 80)}")
        for key, value in new:
            if reading.key(key) not in ours and not self.same_values_only:
                self.add(f"{path}[{render(key, 60)}]", f"added {render(value, 80)}")

    def _lists(
        self,
        old: list[Any],
        new: list[Any],
        path: str,
        old_type: TypeExpr,
        new_type: TypeExpr,
        sources: tuple[object, object],
    ) -> None:
        def types(index: int) -> tuple[TypeExpr, TypeExpr]:
            return (
                self.old_schema.item_type(old_type, index),
                self.new_schema.item_type(new_type, index),
            )

        if len(old) == len(new) and len(old) > 1 and reading.reordered(old, new):
            if not self.same_values_only:
                self.add(path, f"the same {len(new)} items, in another order: {render(new, 80)}")
            return
        if len(old) == len(new):
            for index, (a, b) in enumerate(zip(old, new, strict=True)):
                src = (reading.item(sources[0], index), reading.item(sources[1], index))
                self.walk(a, b, f"{path}[{index}]", *types(index), src)
            return
        if self.same_values_only:
            return
        self.add(path, f"{len(old)} items -> {len(new)} items")
        # Aligned first, so that one inserted item is one line, not every later one shifted.
        matcher = difflib.SequenceMatcher(
            None, [reading.key(x) for x in old], [reading.key(x) for x in new], autojunk=False
        )
        for op, i1, i2, j1, j2 in matcher.get_opcodes():
            if op == "equal":
                continue
            paired = min(i2 - i1, j2 - j1)
            for k in range(paired):
                self.walk(
                    old[i1 + k], new[j1 + k], f"{path}[{j1 + k}]", *types(j1 + k), (None, None)
                )
            for i in range(i1 + paired, i2):
                self.add(f"{path}[{i}]", f"removed {render(old[i], 80)}")
            for j in range(j1 + paired, j2):
                self.add(f"{path}[{j}]", f"added {render(new[j], 80)}")

    # -- leaves -----------------------------------------------------------

    def _leaf(
        self,
        old: object,
        new: object,
        path: str,
        new_type: TypeExpr,
        sources: tuple[object, object],
    ) -> None:
        src_old, src_new = sources
        same_value = src_old is not None and strict_equal(src_old, src_new)
        if self.same_values_only and not same_value:
            return
        before = after = None
        if same_value and reading.is_bytes(src_new):
            raw = bytes.fromhex(str(src_new["$bytes"]))  # type: ignore[index]
            before, after = bytes_encoding(old, raw), bytes_encoding(new, raw)
            if isinstance(old, str) and isinstance(new, str) and before and after:
                # The same bytes, as other text: the values alone would read as noise.
                self.add(path, f"bytes written as {after} instead of {before}")
                return
        text = f"{render(old, 80)} -> {render(new, 80)}"
        note = reading.type_note(old, new)
        if note and after is not None and after != "bytes":
            note += f", as {after}"
        enum = self.new_schema.enum_of(new_type)
        if enum is not None:
            note = reading.enum_note(self.new_schema.members(enum) or [], old, new) or note
        self.add(path, f"{text} ({note})" if note else text)
