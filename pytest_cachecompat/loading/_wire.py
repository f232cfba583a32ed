"""The wire format between the parent and the worker process.

Both directions: frames of an 8-byte big-endian length and a payload.
Requests carry a one-byte kind first (``CALL`` + the raw bytes to load, or
``QUIT``) so the archive bytes are not pickled; the config, the handshake
answer and every response are pickles of plain tuples.
"""

from __future__ import annotations

import struct
from typing import Final

LENGTH: Final = struct.Struct(">Q")
CALL: Final = b"C"
QUIT: Final = b"Q"
