"""The floor of docs/performance.md: the plugin's `dumps`/`loads` calls, in a plain loop.

Imports the synthetic project, dumps every sample of every family twice (the
plugin checks that ``dumps`` is deterministic), then reads every golden
archive one at a time, loads it with the current ``loads`` and compares the
canonical form of the value with the manifest's expected value (exactly for
the current version, on shared fields for older ones). No pytest, no
reporting: what any check of the same archives has to do at the least.

    python benchmarks/floor.py PROJECT_DIR
"""

from __future__ import annotations

import importlib
import json
import sys
from pathlib import Path

from pytest_cachecompat.layout import canonical


def shared_equal(expected: object, actual: object) -> bool:
    if isinstance(expected, dict) and "$record" in expected:
        if not (isinstance(actual, dict) and "$record" in actual):
            return False
        theirs = actual["fields"]
        return all(shared_equal(v, theirs[k]) for k, v in expected["fields"].items() if k in theirs)
    if isinstance(expected, list):
        return (
            isinstance(actual, list)
            and len(expected) == len(actual)
            and all(shared_equal(a, b) for a, b in zip(expected, actual, strict=True))
        )
    if isinstance(expected, dict):
        return (
            isinstance(actual, dict)
            and expected.keys() == actual.keys()
            and all(shared_equal(v, actual[k]) for k, v in expected.items())
        )
    return expected == actual


def main(root: Path) -> int:
    sys.path.insert(0, str(root))
    params = json.loads((root / "params.json").read_text())
    store = root / "tests" / "cachecompat"
    problems = 0
    calls = 0
    for f in range(params["families"]):
        module = importlib.import_module(f"synth.fam{f}")
        for sample in module.samples():
            if module.dumps(sample) != module.dumps(sample):
                problems += 1
            calls += 2
        for folder in sorted((store / f"fam{f}").iterdir()):
            manifest = folder / "MANIFEST.json"
            if not manifest.exists():
                continue
            document = json.loads(manifest.read_text(encoding="utf-8"))
            current = int(document["version"]) == module.VERSION
            for entry in document["archives"]:
                data = (folder / entry["file"]).read_bytes()
                calls += 1
                try:
                    value = module.loads(data)
                except module.CacheMiss:
                    problems += current
                    continue
                form = canonical(value)
                if not (
                    form == entry["expected"] if current else shared_equal(entry["expected"], form)
                ):
                    problems += 1
    print(f"floor: {calls} dumps/loads calls, {problems} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1])))
