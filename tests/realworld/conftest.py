"""The realworld suite: the plugin adopted on real third-party caches (``pytest -m realworld``).

Each test copies a small adopter project from ``adopters/`` (a pyproject with
a ``[tool.cachecompat]`` family over a real project's cache, written with the
plugin's documented features only), freezes golden archives in an environment
with an old release from the package index, checks them in one with a newer
release, and asserts the verdict those releases really give (README.md here).
The environments are cached between runs: see ``rwenv.py``.
"""

# The adopter projects are run by the environments' own pytest, never collected here.
collect_ignore = ["adopters"]
