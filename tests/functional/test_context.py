"""Loader context: what a reader needs beside the bytes (docs/configuration.md).

An HTTP cache's ``loads(data, request)`` needs the request an entry
answers. ``context = "module:factory"`` builds that object once per family
(per process); ``dumps(obj, context)`` and ``loads(data, context)`` get it
as their last argument, in process and in the worker of ``isolate = true``,
which builds its own (the object need not be picklable).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from helpers import assert_clean

if TYPE_CHECKING:
    from conftest import Project

# A reader in the style of an HTTP cache: an entry is only valid for the
# request it answers, and the request is not in the bytes.
HTTP_CACHE = """\
import os
import threading

import msgpack

from mypkg.cache import CacheMiss, SIMPLE_CACHE_VERSION, _fields
from mypkg.models import File, Hashes, Yanked


class Request:
    def __init__(self, url):
        self.url = url
        self.lock = threading.Lock()  # not picklable: the worker must build its own


def make_request():
    with open(os.environ["CONTEXT_LOG"], "a") as log:
        log.write(f"{os.getpid()}\\n")
    return Request("https://index.example/simple/pkg/")


def dumps(entry, request):
    return msgpack.packb([SIMPLE_CACHE_VERSION, request.url, _fields(entry)])


def loads(data, request):
    try:
        version, url, payload = msgpack.unpackb(data)
    except Exception as exc:
        raise CacheMiss(f"unreadable: {exc}") from exc
    if version != SIMPLE_CACHE_VERSION:
        raise CacheMiss(f"cache version {version}")
    if url != request.url:
        raise CacheMiss(f"entry answers {url}, not {request.url}")
    filename, hashes, requires_python, yanked = payload
    return File(filename, Hashes(*hashes), requires_python, Yanked(yanked))
"""


def use_http_cache(project: Project, extra: str = "") -> None:
    project.write("mypkg/httpcache.py", HTTP_CACHE)
    project.declare(extra=f'context = "mypkg.httpcache:make_request"\n{extra}')
    project.edit("pyproject.toml", '"mypkg.cache:dumps"', '"mypkg.httpcache:dumps"')
    project.edit("pyproject.toml", '"mypkg.cache:loads"', '"mypkg.httpcache:loads"')


@pytest.fixture
def log(project: Project, monkeypatch: pytest.MonkeyPatch) -> str:
    path = project.root / "context.log"
    monkeypatch.setenv("CONTEXT_LOG", str(path))
    return str(path)


def built_in(log: str) -> dict[str, int]:
    """How many times each process built the context."""
    counts: dict[str, int] = {}
    with open(log) as lines:
        for pid in lines.read().split():
            counts[pid] = counts.get(pid, 0) + 1
    return counts


@pytest.mark.parametrize("isolate", [False, True], ids=["in-process", "isolated"])
def test_dumps_and_loads_get_the_context(project: Project, log: str, isolate: bool) -> None:
    use_http_cache(project, "isolate = true" if isolate else "")
    assert project.run("--cache-compat", "--snapshot-update").ret == 0
    result = project.run("--cache-compat", "--cache-compat-freeze")
    assert result.ret == 0, result.stdout.str()
    assert "froze 2 archives" in result.stdout.str()
    # The request's URL is in every archive: dumps got the context.
    archive = project.root / "tests/cachecompat/simple/v0/archives/mypkg.models.File-0.bin"
    assert b"https://index.example/simple/pkg/" in archive.read_bytes()

    (project.root / "context.log").write_text("")
    result = project.run("--cache-compat", "--cache-compat-fuzz=10")
    assert result.ret == 0, result.stdout.str()
    assert "archives v0 (current): 2 loaded; fuzz:" in result.stdout.str()
    # Built once per family and process: here, then in the worker if isolated.
    counts = built_in(log)
    assert sorted(counts.values()) == ([1, 1] if isolate else [1]), counts


def test_loads_gets_the_request_the_context_builds_now(project: Project, log: str) -> None:
    use_http_cache(project)
    assert project.run("--cache-compat", "--snapshot-update").ret == 0
    assert project.run("--cache-compat", "--cache-compat-freeze").ret == 0
    project.edit(
        "mypkg/httpcache.py",
        'Request("https://index.example/simple/pkg/")',
        'Request("https://mirror.example/pkg/")',
    )

    result = project.run("--cache-compat", "-m", "cachecompat_golden")

    assert result.ret == 1
    out = result.stdout.str()
    assert (
        "rejected (mypkg.cache.CacheMiss: entry answers https://index.example/simple/pkg/, "
        "not https://mirror.example/pkg/) but it must load: it is the current version" in out
    )


def test_the_python_api_takes_a_context(project: Project, log: str) -> None:
    project.write("mypkg/httpcache.py", HTTP_CACHE)
    project.write(
        "pyproject.toml", '[tool.pytest.ini_options]\ntestpaths = ["tests"]\npythonpath = ["."]\n'
    )
    project.write(
        "tests/conftest.py",
        """\
        from pytest_cachecompat import Family

        from mypkg import httpcache


        def pytest_cachecompat_families(config):
            return [
                Family(
                    name="simple",
                    version="mypkg.cache:SIMPLE_CACHE_VERSION",
                    records=["mypkg.models:File"],
                    dumps=httpcache.dumps,
                    loads=httpcache.loads,
                    rejects=["mypkg.cache:CacheMiss"],
                    context=httpcache.make_request,
                    isolate=True,
                )
            ]
        """,
    )
    assert project.run("--cache-compat", "--snapshot-update").ret == 0
    result = project.run("--cache-compat", "--cache-compat-freeze")
    assert result.ret == 0, result.stdout.str()
    result = project.run("--cache-compat")
    assert result.ret == 0, result.stdout.str()
    assert "archives v0 (current): 2 loaded" in result.stdout.str()


@pytest.mark.parametrize(
    ("context", "expected"),
    [
        pytest.param(
            '"mypkg.httpcache:make_requests"',
            "family 'simple': context = 'mypkg.httpcache:make_requests': 'mypkg.httpcache' has "
            "no attribute 'make_requests'",
            id="missing",
        ),
        pytest.param(
            '"mypkg.cache:SIMPLE_CACHE_VERSION"',
            "family 'simple': context = 'mypkg.cache:SIMPLE_CACHE_VERSION': is not callable (int)",
            id="not-callable",
        ),
        pytest.param(
            '"mypkg.httpcache:Request"',
            "family 'simple': context = 'mypkg.httpcache:Request': calling it to build the loader "
            "context raised TypeError: ",
            id="raises",
        ),
    ],
)
def test_a_bad_context_is_a_usage_error(
    project: Project, log: str, context: str, expected: str
) -> None:
    use_http_cache(project)
    project.edit("pyproject.toml", '"mypkg.httpcache:make_request"', context)
    result = project.run("--cache-compat")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    err = result.stderr.str()
    assert expected in err
    assert_clean(result.stdout.str() + err)
    assert project.store_state() == {}


@pytest.mark.parametrize("isolate", [False, True], ids=["in-process", "isolated"])
def test_a_crash_shows_the_loaders_frames_only(project: Project, log: str, isolate: bool) -> None:
    use_http_cache(project, "isolate = true" if isolate else "")
    assert project.run("--cache-compat", "--snapshot-update").ret == 0
    assert project.run("--cache-compat", "--cache-compat-freeze").ret == 0
    project.edit(
        "mypkg/httpcache.py",
        "    try:\n        version, url",
        "    1 / 0\n    try:\n        version, url",
    )

    result = project.run("--cache-compat", "-m", "cachecompat_golden")

    assert result.ret == 1
    out = result.stdout.str()
    assert "unexpected exception builtins.ZeroDivisionError: division by zero" in out
    lines = out.splitlines()
    first = lines.index("Traceback (most recent call last):") + 1
    assert lines[first].endswith('httpcache.py", line 27, in loads'), lines[first]
    assert lines[first + 1] == "    1 / 0"
    assert "pytest_cachecompat/" not in out
