"""A client-side cache of package-index project pages."""

from pkgindex.cache import CACHE_VERSION, Cache, CacheMiss, dumps, loads
from pkgindex.models import File, Hashes, ProjectPage, Yanked

__version__ = "0.3.0"
__all__ = [
    "CACHE_VERSION",
    "Cache",
    "CacheMiss",
    "File",
    "Hashes",
    "ProjectPage",
    "Yanked",
    "dumps",
    "loads",
]
