"""Recordings reachable by call id, so no stored path or report link names the file.

A recording system often names files after the caller's number
(``13600003333_20261105.wav``). The store masks personal data in paths, which would
break every "▶ listen" link; instead the night links each recording into one folder
under a name made from its call id (``QA_DATA_DIR/recordings/<call id>.wav``) and
stores and links that path. A hard link is the recording itself under a second name
(no copy, no raw name anywhere); where the folder is on another file system the link
is symbolic. Vendor transcripts have no audio and get no link.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
from dataclasses import replace
from pathlib import Path

from qa_pipeline.models import Recording
from qa_pipeline.pii.redact import _HEX_TO_LETTERS, redact_path

log = logging.getLogger(__name__)

_SAFE = re.compile(r"[^A-Za-z0-9_.\-]")


def call_file_stem(call_id: str) -> str:
    """A file-name-safe stem made from a call id.

    The call id itself where it is plain (``c-001``); otherwise (odd characters, a path,
    or a call id that carries personal data) a hash of it, so it can neither escape the
    folder nor leak the data.
    """
    safe = _SAFE.sub("_", call_id).strip("._")
    if safe and safe == call_id and len(safe) <= 80 and redact_path(call_id) == call_id:
        return safe
    # letters only: a run of digits in the hash could itself look like a phone number
    digest = hashlib.sha256(call_id.encode("utf-8")).hexdigest()[:16]
    return "call-" + digest.translate(_HEX_TO_LETTERS)


def link_recording(recording: Recording, folder: Path) -> Recording:
    """The recording, now at ``folder/<call id stem><suffix>`` (a link to the original).

    Returns ``recording`` unchanged for a vendor transcript or when no link can be made
    (the store then keeps the masked original path).
    """
    if recording.is_transcript or not recording.path.is_file():
        return recording
    target = folder / (call_file_stem(recording.call_id) + recording.path.suffix.lower())
    src = recording.path.resolve()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        if target.exists() or target.is_symlink():
            try:
                same = os.path.samefile(target, src)
            except OSError:  # a dangling link from an earlier night
                same = False
            if same:
                return replace(recording, path=target)
            target.unlink()
        try:
            os.link(src, target)
        except OSError:
            target.symlink_to(src)
    except OSError as exc:
        log.warning("cannot link the recording of %s: %s", recording.call_id, exc.strerror)
        return recording
    return replace(recording, path=target)
