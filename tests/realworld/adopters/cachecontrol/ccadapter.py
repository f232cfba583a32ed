"""CacheControl's cache entries as the plugin sees them: the real Serializer, both ways.

CacheControl stores ``Serializer().dumps(request, response)`` and reads
entries back with ``Serializer().loads(request, data)``, which needs the
request the entry answers (its Vary headers are matched against it).
"""

from __future__ import annotations

import dataclasses
import io

import requests
from cachecontrol.serialize import Serializer
from urllib3 import HTTPResponse


def cache_request() -> requests.PreparedRequest:
    """The request every entry answers: the family's loader context."""
    return requests.Request(
        "GET", "https://example.org/a", headers={"Accept": "text/plain"}
    ).prepare()


@dataclasses.dataclass
class Response:
    """What a cached response carries (what CacheControl hands back to requests)."""

    status: int
    version: int
    reason: str
    headers: dict[str, str]
    body: bytes
    decode_content: bool


def dumps(response: Response, request: requests.PreparedRequest) -> bytes:
    raw = HTTPResponse(
        body=io.BytesIO(response.body),
        headers=response.headers,
        status=response.status,
        version=response.version,
        reason=response.reason,
        preload_content=False,
        decode_content=response.decode_content,
    )
    return Serializer().dumps(request, raw)


def loads(data: bytes, request: requests.PreparedRequest) -> Response | None:
    raw = Serializer().loads(request, data)
    if raw is None:  # CacheControl's miss: an entry it cannot use
        return None
    return Response(
        status=raw.status,
        version=raw.version,
        reason=raw.reason,
        headers=dict(raw.headers),
        body=raw.read(),
        decode_content=raw.decode_content,
    )


def samples() -> list[Response]:
    return [
        Response(
            status=200,
            version=11,
            reason="OK",
            headers={"Content-Type": "text/plain", "Vary": "Accept", "Cache-Control": "max-age=60"},
            body=b"hello body",
            decode_content=False,
        )
    ]
