"""Streaming a recording with HTTP Range (seeking in an ``<audio>`` element needs it)."""

from __future__ import annotations

import mimetypes
import re
from collections.abc import Iterator
from pathlib import Path

from fastapi.responses import Response, StreamingResponse

CHUNK = 64 * 1024
_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")
_TYPES = {".wav": "audio/wav", ".mp3": "audio/mpeg", ".ogg": "audio/ogg", ".m4a": "audio/mp4",
          ".flac": "audio/flac", ".opus": "audio/ogg"}  # fmt: skip


def _read(path: Path, start: int, length: int) -> Iterator[bytes]:
    with path.open("rb") as fh:
        fh.seek(start)
        left = length
        while left > 0:
            chunk = fh.read(min(CHUNK, left))
            if not chunk:
                break
            left -= len(chunk)
            yield chunk


def parse_range(header: str | None, size: int) -> tuple[int, int] | str | None:
    """The byte range a ``Range`` header asks for.

    Args:
        header: The request's ``Range`` header, if any.
        size: The file's size in bytes.

    Returns:
        ``(start, end)`` inclusive for a single byte range, ``None`` without a usable
        header (send the whole file), or ``"unsatisfiable"``.
    """
    if not header:
        return None
    m = _RANGE.match(header.strip())
    if m is None:
        return None  # multiple ranges or another unit: send the whole file
    first, last = m.groups()
    if not first and not last:
        return None
    if not first:  # the last N bytes
        n = int(last)
        if n == 0:
            return "unsatisfiable"
        return max(0, size - n), size - 1
    start = int(first)
    end = min(int(last), size - 1) if last else size - 1
    if start >= size or end < start:
        return "unsatisfiable"
    return start, end


def stream_file(path: Path, range_header: str | None) -> Response:
    """A 200 or 206 response with the file's bytes (416 for a range past its end).

    Args:
        path: The recording (a path from the store, never from the request).
        range_header: The request's ``Range`` header, if any.

    Returns:
        The streamed response.
    """
    size = path.stat().st_size
    media = _TYPES.get(path.suffix.lower()) or mimetypes.guess_type(path.name)[0]
    media = media or "application/octet-stream"
    headers = {"Accept-Ranges": "bytes", "Cache-Control": "private, max-age=0"}
    rng = parse_range(range_header, size)
    if rng == "unsatisfiable":
        return Response(status_code=416, headers={**headers, "Content-Range": f"bytes */{size}"})
    if rng is None:
        headers["Content-Length"] = str(size)
        return StreamingResponse(_read(path, 0, size), media_type=media, headers=headers)
    assert isinstance(rng, tuple)
    start, end = rng
    length = end - start + 1
    headers["Content-Range"] = f"bytes {start}-{end}/{size}"
    headers["Content-Length"] = str(length)
    return StreamingResponse(
        _read(path, start, length), status_code=206, media_type=media, headers=headers
    )
