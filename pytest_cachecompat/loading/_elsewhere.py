"""``dumps`` called in another Python process, under another hash seed.

Two ``dumps`` calls in one process agree even when the bytes follow the
hash seed (a set written in iteration order): only another process can show
that the format is not deterministic (SPEC §4, rule 6). The samples travel
to the child as a pickle, which also rebuilds their sets in the child's own
order, exactly as the project's own objects would be in another run.
"""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
from collections.abc import Sequence

__all__ = ["dumps_elsewhere"]

# The child: read (sys.path, dumps reference, pickled samples), answer the
# pickled list of what dumps returned. Nothing of pytest is imported there.
_CHILD = """\
import importlib, pickle, sys
path, ref, context_ref, samples = pickle.loads(sys.stdin.buffer.read())
sys.path[:] = path
def resolve(ref):
    module, _, attrs = ref.partition(":")
    obj = importlib.import_module(module)
    for part in attrs.split("."):
        obj = getattr(obj, part)
    return obj
dumps = resolve(ref)
extra = () if context_ref is None else (resolve(context_ref)(),)
out = [bytes(dumps(sample, *extra)) for sample in pickle.loads(samples)]
sys.stdout.buffer.write(pickle.dumps(out))
"""


def dumps_elsewhere(
    dumps_ref: str,
    samples: Sequence[object],
    *,
    seed: str,
    timeout: float,
    context_ref: str | None = None,
    sys_path: Sequence[str] | None = None,
) -> list[bytes] | None:
    """What ``dumps`` writes for ``samples`` in a fresh process with ``PYTHONHASHSEED=seed``.

    ``context_ref``: the family's context factory, called once in the child
    and passed to every ``dumps`` call, as in this process.

    None when that cannot be known: samples that cannot be pickled, a child
    that fails, times out or answers something else.
    """
    try:
        path = list(sys.path if sys_path is None else sys_path)
        payload = pickle.dumps((path, dumps_ref, context_ref, pickle.dumps(samples)))
    except Exception:  # samples of a class pickle cannot send: nothing to compare
        return None
    env = {**os.environ, "PYTHONHASHSEED": seed}
    try:
        result = subprocess.run(
            [sys.executable, "-c", _CHILD],
            input=payload,
            capture_output=True,
            env=env,
            timeout=timeout,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    if result.returncode != 0:
        return None
    try:
        answer = pickle.loads(result.stdout)
    except Exception:
        return None
    if not (isinstance(answer, list) and all(isinstance(data, bytes) for data in answer)):
        return None
    return answer if len(answer) == len(samples) else None
