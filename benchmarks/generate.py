"""Generate the synthetic project that the benchmarks of docs/performance.md run against.

The project (package ``synth``) has ``families`` cache families, one module
``synth/fam<f>.py`` each, with ``records`` record types in total (groups of
five per root: the root, a nested tuple-ish record, a nested record in a list,
a record nested in that, and an enum; kinds mixed: attrs, dataclass, msgspec
Struct, NamedTuple, Enum). Every family is written by a careful msgpack cache:
a version header, a CRC of the body, records as positional arrays. Even
families reject entries of other versions; odd families read older entries
(fields added since then get their defaults).

The store is produced by the plugin itself: the generator writes the code of
version 0, runs ``pytest --cache-compat --snapshot-update --cache-compat-freeze``,
writes version 1 (a field added to some records of every family), runs it
again, and so on up to ``versions - 1``. It then records the snapshots of the
hand-written syrupy baseline (``baseline_tests/``) and checks that a plain
``pytest --cache-compat`` passes.

The result is cached under ``$TMPDIR/cachecompat-bench/project-<key>``, ``key``
a hash of the parameters and of ``GENERATOR_VERSION``.

    python benchmarks/generate.py [--small] [--records N] [--families N]
        [--versions N] [--archives N] [--force]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
import time
from dataclasses import asdict, dataclass
from pathlib import Path

# Bump when the generated project changes (it keys the cached copy).
GENERATOR_VERSION = 1
GROUP = 5  # record types per root: R (root), A, B, C (nested), E (enum)
ROOT_KINDS = ("attrs", "dataclass", "msgspec")


@dataclass(frozen=True)
class Params:
    records: int = 500
    families: int = 5
    versions: int = 20
    archives: int = 10_000
    # The hand-written syrupy baseline of figure (b); the scale project (SCALE) has none,
    # because parametrizing 100,000 ordinary tests is not what it measures.
    baseline: bool = True

    def __post_init__(self) -> None:
        if self.records % (self.families * GROUP):
            raise ValueError(f"records must be a multiple of {GROUP} x families")
        if self.archives < self.families * self.versions:
            raise ValueError("need at least one archive per family and version")

    @property
    def roots(self) -> int:
        """Roots per family."""
        return self.records // (self.families * GROUP)

    @property
    def archives_per_version(self) -> int:
        """Archives per (family, version): the samples of one family, all roots together."""
        return self.archives // (self.families * self.versions)

    def samples_of_root(self, group: int) -> int:
        base, extra = divmod(self.archives_per_version, self.roots)
        return base + (1 if group < extra else 0)

    @property
    def current(self) -> int:
        return self.versions - 1


FULL = Params()
SMALL = Params(records=50, families=5, versions=5, archives=500)
# The scale figure (e) and the xdist figure (f) of benchmarks/run.py.
SCALE = Params(records=2000, families=5, versions=20, archives=100_000, baseline=False)

# --- the project's code ---------------------------------------------------------


def root_added(params: Params, family: int, group: int, version: int) -> list[int]:
    """Versions (<= version) that added a field to root ``group``: at least one root per bump."""
    return [
        v
        for v in range(1, version + 1)
        if group == (v - 1 + family) % params.roots or (group + v + family) % 4 == 0
    ]


def nested_added(params: Params, family: int, group: int, version: int) -> list[int]:
    return [v for v in range(1, version + 1) if (group + 2 * v + family) % 5 == 0]


def family_module(params: Params, family: int, version: int) -> str:
    """Source of ``synth/fam<family>.py`` as released at ``version``."""
    out = [
        f'"""Family {family} of the synthetic project, cache version {version}."""',
        "",
        "from __future__ import annotations",
        "",
        "import dataclasses",
        "import enum",
        "import typing",
        "import zlib",
        "",
        "import attrs",
        "import msgpack",
        "import msgspec",
        "",
        f"VERSION = {version}",
        f"READS_OLDER = {bool(family % 2)}",
        "",
        "",
        "class CacheMiss(Exception):",
        '    """A cache entry this version cannot use."""',
        "",
    ]
    for g in range(params.roots):
        out += _group_classes(params, family, g, version)
    out += _codec(params, family, version)
    return "\n".join(out) + "\n"


def _group_classes(params: Params, family: int, g: int, version: int) -> list[str]:
    members = 3 + g % 3
    lines = ["", f"class E{g}(enum.Enum):"]
    lines += [f"    M{m} = {m}" for m in range(members)]
    # C: the innermost record
    c_fields = ["x: int", "label: str", "flags: list[bool]"]
    if g % 2:
        lines += ["", "", "@dataclasses.dataclass(frozen=True)", f"class C{g}:"]
    else:
        lines += ["", "", f"class C{g}(msgspec.Struct, frozen=True):"]
    lines += [f"    {f}" for f in c_fields]
    # B: in a list of the root, holds an optional C
    lines += ["", "", "@attrs.frozen", f"class B{g}:"]
    lines += ["    key: str", f"    c: C{g} | None", "    weights: dict[str, int]"]
    lines += [f'    b_v{v}: str = ""' for v in nested_added(params, family, g, version)]
    # A: a NamedTuple or a dataclass
    if g % 2:
        lines += ["", "", f"class A{g}(typing.NamedTuple):"]
    else:
        lines += ["", "", "@dataclasses.dataclass", f"class A{g}:"]
    lines += ["    ident: int", "    name: str", "    ratio: float"]
    # R: the root
    kind = ROOT_KINDS[g % len(ROOT_KINDS)]
    head = {
        "attrs": ["@attrs.define", f"class R{g}:"],
        "dataclass": ["@dataclasses.dataclass", f"class R{g}:"],
        "msgspec": [f"class R{g}(msgspec.Struct):"],
    }[kind]
    lines += ["", "", *head]
    lines += [
        "    id: int",
        "    name: str",
        f"    a: A{g}",
        f"    items: list[B{g}]",
        f"    status: E{g}",
        "    note: str | None",
    ]
    lines += [f"    added_v{v}: int = 0" for v in root_added(params, family, g, version)]
    lines.append("")
    return lines


def _codec(params: Params, family: int, version: int) -> list[str]:
    lines = ["", "# --- the cache format: positional msgpack arrays -------------------", ""]
    for g in range(params.roots):
        b_extra = nested_added(params, family, g, version)
        r_extra = root_added(params, family, g, version)
        lines += [
            f"def _enc_R{g}(o):",
            f"    return [o.id, o.name, [o.a.ident, o.a.name, o.a.ratio], "
            f"[_enc_B{g}(b) for b in o.items], o.status.value, o.note"
            + "".join(f", o.added_v{v}" for v in r_extra)
            + "]",
            "",
            "",
            f"def _enc_B{g}(b):",
            "    c = None if b.c is None else [b.c.x, b.c.label, list(b.c.flags)]",
            "    return [b.key, c, b.weights" + "".join(f", b.b_v{v}" for v in b_extra) + "]",
            "",
            "",
            f"def _dec_B{g}(a):",
            "    n = len(a)",
            "    c = a[1]",
            f"    return B{g}(a[0], None if c is None else C{g}(c[0], c[1], c[2]), a[2]"
            + "".join(f', a[{3 + i}] if n > {3 + i} else ""' for i in range(len(b_extra)))
            + ")",
            "",
            "",
            f"def _dec_R{g}(a):",
            "    n = len(a)",
            "    t = a[2]",
            f"    return R{g}(a[0], a[1], A{g}(t[0], t[1], t[2]), "
            f"[_dec_B{g}(b) for b in a[3]], E{g}(a[4]), a[5]"
            + "".join(f", a[{6 + i}] if n > {6 + i} else 0" for i in range(len(r_extra)))
            + ")",
            "",
            "",
        ]
    names = ", ".join(f'"R{g}": _dec_R{g}' for g in range(params.roots))
    encs = ", ".join(f"R{g}: _enc_R{g}" for g in range(params.roots))
    lines += [
        f"_DECODERS = {{{names}}}",
        f"_ENCODERS = {{{encs}}}",
        "",
        "",
        "def dumps(obj):",
        "    body = msgpack.packb([type(obj).__name__, _ENCODERS[type(obj)](obj)])",
        "    return msgpack.packb(VERSION) + msgpack.packb(zlib.crc32(body)) + body",
        "",
        "",
        "def loads(data):",
        "    unpacker = msgpack.Unpacker(raw=False)",
        "    unpacker.feed(data)",
        "    try:",
        "        version = unpacker.unpack()",
        "        crc = unpacker.unpack()",
        "    except Exception as exc:",
        '        raise CacheMiss(f"unreadable header: {exc}") from None',
        "    if type(version) is not int or version > VERSION or (",
        "        version != VERSION and not READS_OLDER",
        "    ):",
        '        raise CacheMiss(f"entry of cache version {version!r}")',
        "    body = data[unpacker.tell():]",
        "    if zlib.crc32(body) != crc:",
        '        raise CacheMiss("checksum mismatch")',
        "    try:",
        "        name, payload = msgpack.unpackb(body, raw=False)",
        "        return _DECODERS[name](payload)",
        "    except Exception as exc:",
        '        raise CacheMiss(f"bad entry: {type(exc).__name__}: {exc}") from None',
        "",
        "",
        "# --- deterministic samples (the family's `samples` hook) -------------",
        "",
        "",
        "def samples():",
        "    out = []",
    ]
    for g in range(params.roots):
        b_extra = nested_added(params, family, g, version)
        r_extra = root_added(params, family, g, version)
        b_kw = "".join(f", b_v{v}=f'b{{j}}v{v}'" for v in b_extra)
        r_kw = "".join(f", added_v{v}=i * 100 + {v}" for v in r_extra)
        lines += [
            f"    for i in range({params.samples_of_root(g)}):",
            f"        members = list(E{g})",
            f"        items = [B{g}(f'k{{i}}.{{j}}', None if j % 2 else C{g}(i + j, f'c{{j}}', "
            f"[bool(j % 2), True][: j + 1]), {{}} if j % 2 else {{'w': j, 'v': i}}{b_kw}) "
            f"for j in range(i % 4)]",
            f"        out.append(R{g}(id=i * 7 + {g}, name=f'r{g}-{{i}}', "
            f"a=A{g}(i, f'a{{i}}', i / 4), items=items, status=members[i % len(members)], "
            f"note=None if i % 2 else f'n{{i}}'{r_kw}))",
        ]
    lines += ["    return out", ""]
    return lines


PLAIN_TEST = "def test_plain():\n    assert 1 + 1 == 2\n"

# Present only while the store is generated: the plugin fsyncs every file it
# writes (some 22,000 here, ~8 ms each on a VM disk); skipping fsync changes
# no byte that is written, only how durable it is if the machine crashes.
NO_FSYNC_CONFTEST = "import os\n\nos.fsync = lambda fd: None\n"


def pyproject(params: Params) -> str:
    text = textwrap.dedent(
        """\
        [tool.pytest.ini_options]
        testpaths = ["tests"]
        pythonpath = ["."]

        [tool.cachecompat]
        store = "tests/cachecompat"
        """
    )
    for f in range(params.families):
        records = ", ".join(f'"synth.fam{f}:R{g}"' for g in range(params.roots))
        text += textwrap.dedent(
            f"""
            [tool.cachecompat.families.fam{f}]
            version = "synth.fam{f}:VERSION"
            records = [{records}]
            dumps = "synth.fam{f}:dumps"
            loads = "synth.fam{f}:loads"
            rejects = ["synth.fam{f}:CacheMiss"]
            samples = "synth.fam{f}:samples"
            default_samples = false
            """
        )
    return text


# --- the hand-written syrupy baseline ---------------------------------------------

BASELINE = '''\
"""The checks of pytest-cachecompat, hand-written as ordinary syrupy tests."""

import dataclasses
import enum
import importlib
import json
import pathlib

import attrs
import msgspec
import pytest

from pytest_cachecompat.layout import canonical

FAMILIES = {families}
ROOTS = {roots}
STORE = pathlib.Path(__file__).parent.parent / "tests" / "cachecompat"
MODULES = {{f: importlib.import_module(f"synth.{{f}}") for f in FAMILIES}}


def default(value):
    missing = (dataclasses.MISSING, attrs.NOTHING, msgspec.NODEFAULT)
    return None if any(value is m for m in missing) else repr(value)


def describe(cls):
    """A hand-written layout: kind, fields (name, type, default) or enum members."""
    if issubclass(cls, enum.Enum):
        return {{"enum": cls.__qualname__, "members": [[m.name, m.value] for m in cls]}}
    if attrs.has(cls):
        fields = [[a.name, str(a.type), default(a.default)] for a in attrs.fields(cls)]
    elif dataclasses.is_dataclass(cls):
        fields = [[f.name, str(f.type), default(f.default)] for f in dataclasses.fields(cls)]
    elif issubclass(cls, msgspec.Struct):
        info = msgspec.structs.fields(cls)
        fields = [[f.name, str(f.type), default(f.default)] for f in info]
    else:
        fields = [[name, str(cls.__annotations__[name]), repr(cls._field_defaults.get(name))]
                  for name in cls._fields]
    return {{"record": f"{{cls.__module__}}:{{cls.__qualname__}}", "fields": fields}}


def all_types():
    for f in FAMILIES:
        for name in ROOTS:
            for prefix in "RABCE":
                yield f"{{f}}:{{prefix}}{{name[1:]}}"


@pytest.mark.parametrize("name", list(all_types()))
def test_layout(name, snapshot):
    family, cls = name.split(":")
    assert describe(getattr(MODULES[family], cls)) == snapshot


@pytest.mark.parametrize("family", FAMILIES)
@pytest.mark.parametrize("root", ROOTS)
def test_serialized(family, root, snapshot):
    module = MODULES[family]
    samples = [s for s in module.samples() if type(s).__name__ == root]
    forms = [module.dumps(s) for s in samples]
    assert forms == [module.dumps(s) for s in samples], "dumps is not deterministic"
    assert forms == snapshot


def archives():
    for f in FAMILIES:
        current = MODULES[f].VERSION
        for folder in sorted((STORE / f).iterdir()):
            manifest = folder / "MANIFEST.json"
            if not manifest.exists():
                continue
            document = json.loads(manifest.read_text())
            version = int(document["version"])
            for entry in document["archives"]:
                yield pytest.param(
                    f, version, current, folder / entry["file"], entry["expected"],
                    id=f"{{f}}-v{{version}}-{{entry['file']}}",
                )


def shared_equal(expected, actual):
    if isinstance(expected, dict) and "$record" in expected:
        if not (isinstance(actual, dict) and "$record" in actual):
            return False
        theirs = actual["fields"]
        return all(shared_equal(v, theirs[k]) for k, v in expected["fields"].items() if k in theirs)
    if isinstance(expected, list):
        return (isinstance(actual, list) and len(expected) == len(actual)
                and all(shared_equal(a, b) for a, b in zip(expected, actual)))
    if isinstance(expected, dict):
        return (isinstance(actual, dict) and expected.keys() == actual.keys()
                and all(shared_equal(v, actual[k]) for k, v in expected.items()))
    return expected == actual


@pytest.mark.parametrize("family, version, current, path, expected", list(archives()))
def test_archive(family, version, current, path, expected):
    module = MODULES[family]
    try:
        value = module.loads(path.read_bytes())
    except module.CacheMiss:
        assert version != current, "the current version must load"
        return
    if version == current:
        assert canonical(value) == expected
    else:
        assert shared_equal(expected, canonical(value))
'''


def baseline_tests(params: Params) -> str:
    families = [f"fam{f}" for f in range(params.families)]
    roots = [f"R{g}" for g in range(params.roots)]
    return BASELINE.format(families=families, roots=roots)


# --- building and caching ---------------------------------------------------------


def cache_root() -> Path:
    return Path(tempfile.gettempdir()) / "cachecompat-bench"


def project_key(params: Params) -> str:
    fields = asdict(params)
    if fields["baseline"]:
        del fields["baseline"]  # projects with a baseline keep the keys they had before
    blob = json.dumps({**fields, "generator": GENERATOR_VERSION}, sort_keys=True).encode()
    return hashlib.sha256(blob).hexdigest()[:16]


def project_dir(params: Params) -> Path:
    return cache_root() / f"project-{project_key(params)}"


def pytest_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "pytest", *args]


def _run(cmd: list[str], cwd: Path, what: str) -> None:
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        tail = (proc.stdout + proc.stderr)[-6000:]
        raise SystemExit(
            f"generate: {what} failed (exit {proc.returncode}): {' '.join(cmd)}\n{tail}"
        )


def write_version(root: Path, params: Params, version: int) -> None:
    for f in range(params.families):
        path = root / "synth" / f"fam{f}.py"
        path.write_text(family_module(params, f, version), encoding="utf-8")


def build(params: Params, target: Path, *, log: bool = True) -> Path:
    """Generate the project into ``target`` (replaced if it exists)."""
    started = time.perf_counter()
    work = target.with_name(target.name + ".building")
    shutil.rmtree(work, ignore_errors=True)
    (work / "synth").mkdir(parents=True)
    (work / "tests").mkdir()
    (work / "baseline_tests").mkdir()
    (work / "pyproject.toml").write_text(pyproject(params), encoding="utf-8")
    (work / "synth" / "__init__.py").write_text("", encoding="utf-8")
    (work / "tests" / "test_plain.py").write_text(PLAIN_TEST, encoding="utf-8")
    (work / "params.json").write_text(json.dumps(asdict(params)), encoding="utf-8")
    (work / "conftest.py").write_text(NO_FSYNC_CONFTEST, encoding="utf-8")
    for version in range(params.versions):
        write_version(work, params, version)
        _run(
            pytest_command(
                # Layout items only: the golden items of older versions are
                # checked once, by verify(), not once per version.
                "-q",
                "-p",
                "no:cacheprovider",
                "-m",
                "cachecompat_layout",
                "--cache-compat",
                "--snapshot-update",
                "--cache-compat-freeze",
            ),
            work,
            f"recording and freezing version {version}",
        )
        if log:
            print(
                f"  version {version}: recorded and frozen ({time.perf_counter() - started:.0f} s)",
                file=sys.stderr,
            )
    (work / "conftest.py").unlink()
    if params.baseline:
        (work / "baseline_tests" / "test_baseline.py").write_text(
            baseline_tests(params), encoding="utf-8"
        )
        _run(
            pytest_command(
                "-q",
                "-p",
                "no:cacheprovider",
                "-p",
                "no:cachecompat",
                "baseline_tests",
                "--snapshot-update",
            ),
            work,
            "recording the syrupy baseline",
        )
    verify(work, baseline=params.baseline)
    shutil.rmtree(target, ignore_errors=True)
    work.rename(target)
    if log:
        print(f"generated {target} in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    return target


def verify(root: Path, *, baseline: bool = True) -> None:
    """The generated project passes the plugin's own checks and the baseline."""
    _run(
        pytest_command("-q", "-p", "no:cacheprovider", "--cache-compat"),
        root,
        "checking the generated project with pytest --cache-compat",
    )
    if baseline:
        _run(
            pytest_command(
                "-q", "-p", "no:cacheprovider", "-p", "no:cachecompat", "baseline_tests"
            ),
            root,
            "checking the syrupy baseline",
        )
    _run(
        [sys.executable, str(Path(__file__).with_name("floor.py")), str(root)],
        root,
        "checking the floor script",
    )


def ensure(params: Params, *, force: bool = False) -> Path:
    """The cached project for ``params``, generated first if needed."""
    target = project_dir(params)
    if force or not (target / "params.json").exists():
        print(f"generating the synthetic project {asdict(params)} ...", file=sys.stderr)
        build(params, target)
    return target


def parse_params(args: argparse.Namespace) -> Params:
    if getattr(args, "scale", False):
        return SCALE
    base = SMALL if args.small else FULL
    return Params(
        records=args.records or base.records,
        families=args.families or base.families,
        versions=args.versions or base.versions,
        archives=args.archives or base.archives,
    )


def add_param_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--small", action="store_true", help=f"a quick preset: {asdict(SMALL)}")
    parser.add_argument(
        "--scale", action="store_true", help=f"the scale project of (e) and (f): {asdict(SCALE)}"
    )
    parser.add_argument("--records", type=int, help=f"record types (default {FULL.records})")
    parser.add_argument("--families", type=int, help=f"families (default {FULL.families})")
    parser.add_argument(
        "--versions", type=int, help=f"recorded versions per family (default {FULL.versions})"
    )
    parser.add_argument(
        "--archives", type=int, help=f"golden archives in total (default {FULL.archives})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_param_arguments(parser)
    parser.add_argument("--force", action="store_true", help="regenerate even if cached")
    args = parser.parse_args()
    print(ensure(parse_params(args), force=args.force))


if __name__ == "__main__":
    main()
