"""Decoding: :class:`DecodedAudio`, :func:`decode_audio`, content hash, format sniffing."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from qa_pipeline.audio.budget import BYTES_PER_SAMPLE, Reserver
from qa_pipeline.audio.constants import (
    DEFAULT_MAX_DURATION_S,
    DEFAULT_MIN_SAMPLE_RATE,
    MANIFEST_RATIO,
    MANIFEST_SLACK_S,
    SAMPLE_RATE,
    log,
)
from qa_pipeline.errors import AudioDecodeError, LongerThanManifestError, UnsupportedAudioError

_HASH_BLOCK = 1 << 20  # bytes per read when hashing


@dataclass(frozen=True, slots=True)
class DecodedAudio:
    """A decoded recording.

    Attributes:
        samples: float32 ``(channels, n)`` at :data:`SAMPLE_RATE`; rows are contiguous.
        source_sample_rate: Sample rate of the file, ``None`` when the codec does not say.
        source_channels: Channel count of the file (1 or 2).
        duration_s: Length of the decoded audio in seconds.
        source_codec: FFmpeg codec name, e.g. ``pcm_s16le``, ``pcm_mulaw``, ``mp3``.
        source_format: FFmpeg container name, e.g. ``wav``, ``ogg``, ``mov,mp4,m4a,...``.
        reserved_bytes: What this audio holds of an :class:`AudioBudget` (to release).
    """

    samples: np.ndarray
    source_sample_rate: int | None
    source_channels: int
    duration_s: float
    source_codec: str | None = None
    source_format: str | None = None
    reserved_bytes: int = 0


def audio_content_hash(path: Path) -> str:
    """SHA-256 (hex) of the file's bytes, read in 1 MiB blocks.

    Args:
        path: The recording.

    Returns:
        The hex digest; equal files give equal hashes whatever their names.

    Raises:
        AudioDecodeError: The file does not exist or cannot be read.
    """
    h = hashlib.sha256()
    try:
        with Path(path).open("rb") as fh:
            for block in iter(lambda: fh.read(_HASH_BLOCK), b""):
                h.update(block)
    except FileNotFoundError as exc:
        raise AudioDecodeError(f"{path}: file not found") from exc
    except OSError as exc:
        raise AudioDecodeError(f"{path}: cannot read file: {exc}") from exc
    return h.hexdigest()


_MAGIC: tuple[tuple[bytes, int, str], ...] = (
    (b"ftyp", 4, "MP4/M4A"),
    (b"OggS", 0, "OGG"),
    (b"fLaC", 0, "FLAC"),
    (b"ID3", 0, "MP3"),
)


def _sniff(path: Path) -> str:
    """Why FFmpeg could not open the file, from its first bytes."""
    try:
        with path.open("rb") as fh:
            head = fh.read(4096)
        size = path.stat().st_size
    except OSError as exc:
        return f"cannot read file: {exc}"
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        pos = head.find(b"data")
        if pos >= 0 and size <= pos + 8:
            return "WAV header but no audio samples (zero-length audio)"
        if size <= 64:
            return "WAV header but no audio samples (zero-length audio)"
        return "WAV file is truncated or corrupt (invalid header or data)"
    for magic, offset, kind in _MAGIC:
        if head[offset : offset + len(magic)] == magic:
            return f"{kind} file is truncated or corrupt (cannot read its structure)"
    if b"\x00" not in head:
        try:
            head.decode("utf-8")
        except UnicodeDecodeError:
            pass
        else:
            return "a text file, not audio"
    return "not a recognised audio format, or the file is corrupt"


@dataclass(frozen=True, slots=True)
class _Limits:
    """How long a recording may decode to, and what to say when it is longer."""

    seconds: float | None
    manifest_s: float | None  # the manifest's duration, when it sets the limit

    def refuse(self, path: Path, seconds: float, what: str) -> UnsupportedAudioError:
        if self.manifest_s is not None:
            return LongerThanManifestError(
                f"{path}: longer_than_manifest: {what} {seconds:.0f} s of audio, the "
                f"manifest says {self.manifest_s:.0f} s"
            )
        return UnsupportedAudioError(
            f"{path}: recording is {seconds:.0f} s long; the limit is {self.seconds:.0f} s"
        )


def _limits(max_duration_s: float | None, expected_duration_s: float | None) -> _Limits:
    """The tighter of the absolute limit and the manifest's duration (× 2 + 60 s)."""
    if expected_duration_s is None or expected_duration_s <= 0:
        return _Limits(max_duration_s, None)
    by_manifest = expected_duration_s * MANIFEST_RATIO + MANIFEST_SLACK_S
    if max_duration_s is not None and max_duration_s <= by_manifest:
        return _Limits(max_duration_s, None)
    return _Limits(by_manifest, expected_duration_s)


def decode_audio(
    path: Path,
    *,
    max_duration_s: float | None = DEFAULT_MAX_DURATION_S,
    min_sample_rate: int = DEFAULT_MIN_SAMPLE_RATE,
    expected_duration_s: float | None = None,
    budget: Reserver | None = None,
) -> DecodedAudio:
    """Decode a recording to float32 at 16 kHz, one row per channel.

    Any format FFmpeg reads works: WAV (PCM 16/24/32-bit, G.711 μ-law/A-law), MP3, FLAC,
    OGG/Opus, M4A/AAC, at any sample rate, frame by frame into one float32 buffer sized
    from the container's duration (grown when that is unknown or wrong). A truncated file
    or a decoder error after some audio keeps what decoded (with a warning).

    Args:
        path: The recording.
        max_duration_s: Refuse longer recordings (checked up front when the container
            knows its duration, and while decoding); ``None`` for no limit.
        min_sample_rate: Refuse a file whose header declares a lower sample rate (a WAV
            declaring 1 Hz decodes a few KB into hours of samples), before decoding.
        expected_duration_s: The manifest's duration: audio longer than twice it plus
            60 s is refused as ``longer_than_manifest`` (up front, and while decoding).
        budget: Where the decoded size is reserved before allocating
            (``QA_NIGHT_MAX_AUDIO_MB``); the caller releases ``reserved_bytes``.

    Returns:
        The decoded audio.

    Raises:
        AudioDecodeError: Missing, empty, zero-length, truncated beyond use, corrupt,
            or not audio at all.
        UnsupportedAudioError: No audio stream, 3+ channels, a codec FFmpeg cannot
            decode, a sample rate under ``min_sample_rate``, or longer than
            ``max_duration_s``; :class:`LongerThanManifestError` when much longer than
            ``expected_duration_s``; over ``budget`` alone, or outgrowing its reservation
            with no room left. Nothing is allocated for the samples before these checks.
    """
    import av

    path = Path(path)
    if not path.exists():
        raise AudioDecodeError(f"{path}: file not found")
    if not path.is_file():
        raise AudioDecodeError(f"{path}: not a regular file")
    if path.stat().st_size == 0:
        raise AudioDecodeError(f"{path}: file is empty (0 bytes)")
    try:
        container = av.open(str(path), mode="r")
    except av.error.InvalidDataError as exc:
        raise AudioDecodeError(f"{path}: {_sniff(path)}") from exc
    except av.error.EOFError as exc:
        raise AudioDecodeError(f"{path}: file is truncated (unexpected end of file)") from exc
    except (av.error.FFmpegError, UnicodeDecodeError) as exc:
        raise AudioDecodeError(f"{path}: cannot open: {exc}") from exc
    with container:
        return _decode_container(
            path, container, max_duration_s, min_sample_rate, expected_duration_s, budget
        )


def _audio_stream(path: Path, container: Any) -> tuple[Any, str, int]:
    """The first audio stream, its codec name and channel count, or why it is refused."""
    if not container.streams.audio:
        if _sniff(path) == "a text file, not audio":  # FFmpeg reads some text as video
            raise AudioDecodeError(f"{path}: a text file, not audio")
        kinds = sorted({s.type for s in container.streams}) or ["none"]
        raise UnsupportedAudioError(f"{path}: no audio stream (streams found: {', '.join(kinds)})")
    stream = container.streams.audio[0]
    ctx = stream.codec_context
    if ctx is None:
        name = getattr(getattr(stream, "codec", None), "name", None) or "unknown"
        raise UnsupportedAudioError(f"{path}: audio codec {name!r} is not supported")
    channels = int(ctx.layout.nb_channels or getattr(ctx, "channels", 0) or 0)
    if channels > 2:
        raise UnsupportedAudioError(
            f"{path}: {channels} channels; only mono or stereo calls are supported"
        )
    if channels < 1:
        raise UnsupportedAudioError(f"{path}: audio stream has no channels")
    return stream, ctx.name, channels


def _declared_duration(container: Any, stream: Any) -> float | None:
    """The duration the stream or container claims, in seconds; ``None`` if unknown or <= 0."""
    import av

    declared: float | None = None
    if stream.duration is not None and stream.time_base is not None:
        declared = float(stream.duration * stream.time_base)
    elif container.duration is not None:
        declared = container.duration / av.time_base
    if declared is not None and declared <= 0:
        declared = None
    return declared


class _SampleBuffer:
    """A growing ``(channels, n)`` float32 buffer that refuses audio past ``limit`` samples."""

    def __init__(
        self,
        path: Path,
        channels: int,
        declared: float | None,
        limits: _Limits,
        budget: Reserver | None = None,
    ) -> None:
        self.path = path
        self.channels = channels
        self.limits = limits
        self.budget = budget
        self.reserved_bytes = 0
        max_duration_s = limits.seconds
        self.limit = (
            None if max_duration_s is None else int(max_duration_s * SAMPLE_RATE) + SAMPLE_RATE
        )
        estimate = int((declared if declared is not None else 60.0) * SAMPLE_RATE) + SAMPLE_RATE
        if declared is not None:  # a header that rounds down: a little room, not a regrowth
            estimate += int(declared * 0.05 * SAMPLE_RATE)
        elif self.limit is not None and budget is not None:
            estimate = self.limit  # nothing declared: reserve what the limits allow
        if self.limit is not None:
            estimate = min(estimate, self.limit)
        estimate = max(estimate, SAMPLE_RATE)
        if budget is not None:
            budget.reserve(self._bytes(estimate), str(path))  # may wait; refuses if too big
            self.reserved_bytes = self._bytes(estimate)
        self.buf = np.empty((channels, estimate), dtype=np.float32)
        self.n = 0

    def _bytes(self, samples: int) -> int:
        return samples * self.channels * BYTES_PER_SAMPLE

    def release(self) -> None:
        """Hand the reservation back (a recording that failed to decode)."""
        if self.budget is not None:
            self.budget.release(self.reserved_bytes)
        self.reserved_bytes = 0

    def put(self, frames: Sequence[Any]) -> None:
        """Append resampled frames, growing the buffer (up to the limit) as needed."""
        for out in frames:
            chunk = out.to_ndarray()
            if chunk.ndim == 1:
                chunk = chunk.reshape(self.channels, -1)
            k = chunk.shape[1]
            if self.n + k > self.buf.shape[1]:
                self._grow(self.n + k)
            self.buf[:, self.n : self.n + k] = chunk
            self.n += k

    def _grow(self, needed: int) -> None:
        """Make room for ``needed`` samples, or refuse a recording over the limit."""
        limit = self.limit
        if limit is not None and needed > limit:
            raise self.limits.refuse(self.path, needed / SAMPLE_RATE, "decoding gave over")
        grown = max(needed, int(self.buf.shape[1] * 1.5))
        if limit is not None:
            grown = min(grown, limit)
        if self.budget is not None:
            extra = self._bytes(grown) - self.reserved_bytes
            if extra > 0 and not self.budget.try_reserve(extra):
                raise UnsupportedAudioError(
                    f"{self.path}: decodes to more than its header declares "
                    f"({needed / SAMPLE_RATE:.0f} s so far) and the night's audio budget "
                    "(QA_NIGHT_MAX_AUDIO_MB) has no room for it"
                )
            self.reserved_bytes += max(0, extra)
        new = np.empty((self.channels, grown), dtype=np.float32)
        new[:, : self.n] = self.buf[:, : self.n]
        self.buf = new

    def samples(self) -> np.ndarray:
        """The decoded samples; trimmed by a copy only when the slack is large."""
        # Trim the buffer only when the slack is large: a copy of a long call costs memory.
        n = self.n
        samples = self.buf[:, :n]
        if self.buf.shape[1] - n > max(SAMPLE_RATE, self.buf.shape[1] // 10):
            samples = samples.copy()
        return samples


def _decode_packets(
    path: Path, container: Any, stream: Any, codec: str, out: _SampleBuffer, resampler: Any
) -> tuple[int, str | None]:
    """Demux and decode every packet into ``out``; returns (bad packets, why it stopped early)."""
    import av

    bad_packets = 0
    packets = container.demux(stream)
    while True:
        try:
            packet = next(packets)
        except StopIteration:
            break
        except (av.error.FFmpegError, EOFError) as exc:
            if out.n == 0:
                raise AudioDecodeError(
                    f"{path}: file is truncated or corrupt, no audio decoded: {exc}"
                ) from exc
            return bad_packets, f"reading stopped: {exc}"
        try:
            frames = packet.decode()
        except (av.error.DecoderNotFoundError, av.error.PatchWelcomeError) as exc:
            raise UnsupportedAudioError(
                f"{path}: audio codec {codec!r} cannot be decoded: {exc}"
            ) from exc
        except (av.error.FFmpegError, EOFError) as exc:
            # A damaged packet: skip it like FFmpeg's own tools do, but not forever.
            bad_packets += 1
            if bad_packets > 50:
                if out.n == 0:
                    raise AudioDecodeError(f"{path}: corrupt audio data: {exc}") from exc
                return bad_packets, f"too many corrupt packets: {exc}"
            continue
        for frame in frames:
            out.put(resampler.resample(frame))
    return bad_packets, None


def _flush_resampler(path: Path, out: _SampleBuffer, resampler: Any) -> None:
    """Push the resampler's last samples into ``out``."""
    import av

    try:
        out.put(resampler.resample(None))
    except (av.error.FFmpegError, ValueError) as exc:
        # Flushing a resampler that never saw a frame fails on some PyAV versions.
        if out.n:
            log.debug("%s: resampler flush failed: %s", path, exc)


def _warn_shortfall(
    path: Path,
    fmt: str | None,
    duration: float,
    declared: float | None,
    stopped_early: str | None,
    bad_packets: int,
) -> None:
    """Log what was lost: an early stop, skipped packets, a truncated file."""
    if stopped_early:
        log.warning("%s: kept %.2f s of audio; %s", path, duration, stopped_early)
    if bad_packets:
        log.warning("%s: skipped %d corrupt audio packet(s)", path, bad_packets)
    missing = _wav_missing_bytes(path) if fmt == "wav" else 0
    if missing > 0:
        log.warning(
            "%s: WAV file is truncated (%d bytes of audio missing); kept %.2f s",
            path,
            missing,
            duration,
        )
    elif declared is not None and duration < declared * 0.9 - 0.5:
        log.warning(
            "%s: file looks truncated: header says %.2f s, decoded %.2f s",
            path,
            declared,
            duration,
        )


def _decode_container(
    path: Path,
    container: Any,
    max_duration_s: float | None,
    min_sample_rate: int = DEFAULT_MIN_SAMPLE_RATE,
    expected_duration_s: float | None = None,
    budget: Reserver | None = None,
) -> DecodedAudio:
    """Decode the first audio stream of an open container (see :func:`decode_audio`)."""
    import av

    limits = _limits(max_duration_s, expected_duration_s)

    fmt = getattr(container.format, "name", None)
    stream, codec, channels = _audio_stream(path, container)
    ctx = stream.codec_context
    src_rate = int(ctx.sample_rate) if ctx.sample_rate else None
    if src_rate is not None and src_rate < min_sample_rate:
        raise UnsupportedAudioError(
            f"{path}: sample rate {src_rate} Hz is below the minimum of {min_sample_rate} Hz"
        )
    declared = _declared_duration(container, stream)  # the header's frames ÷ its rate
    if limits.seconds is not None and declared is not None and declared > limits.seconds:
        raise limits.refuse(path, declared, "its header declares")
    layout = "stereo" if channels == 2 else "mono"
    resampler = av.AudioResampler(format="fltp", layout=layout, rate=SAMPLE_RATE)
    out = _SampleBuffer(path, channels, declared, limits, budget)
    try:
        bad_packets, stopped_early = _decode_packets(path, container, stream, codec, out, resampler)
        _flush_resampler(path, out, resampler)
        if out.n == 0:
            raise AudioDecodeError(f"{path}: contains no audio samples (zero-length audio)")
    except BaseException:
        out.release()
        raise
    duration = out.n / SAMPLE_RATE
    _warn_shortfall(path, fmt, duration, declared, stopped_early, bad_packets)
    return DecodedAudio(
        samples=out.samples(),
        source_sample_rate=src_rate,
        source_channels=channels,
        duration_s=duration,
        source_codec=codec,
        source_format=fmt,
        reserved_bytes=out.reserved_bytes,
    )


def _wav_missing_bytes(path: Path) -> int:
    """Bytes the WAV ``data`` chunk header promises beyond the end of the file (0 if none).

    FFmpeg reads a truncated WAV to its end without complaint; this says it was cut.
    Streaming writers put 0 or 0xFFFFFFFF in the size, which is not a truncation.
    """
    try:
        size = path.stat().st_size
        with path.open("rb") as fh:
            head = fh.read(12)
            if head[:4] != b"RIFF" or head[8:12] != b"WAVE":
                return 0
            pos = 12
            while pos + 8 <= size:
                fh.seek(pos)
                chunk = fh.read(8)
                if len(chunk) < 8:
                    return 0
                length = int.from_bytes(chunk[4:8], "little")
                if chunk[:4] == b"data":
                    if length in (0, 0xFFFFFFFF):
                        return 0
                    return max(0, pos + 8 + length - size)
                pos += 8 + length + (length & 1)
    except OSError:
        return 0
    return 0
