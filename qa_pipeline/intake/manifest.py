"""Read a night's ``manifest.csv`` into :class:`Recording` objects plus per-row errors.

The recording system drops the night's audio (or vendor transcript JSON) into an inbox
folder together with ``manifest.csv``. One bad row must never stop the night, so every
problem a row has is collected as a :class:`RowError` naming the row and the reason, and
the good rows go on. Only a manifest that cannot be read at all, or whose header lacks
``call_id`` or ``file``, raises :class:`ManifestError`.

Columns: ``call_id, file, agent_id, team, started_at, call_type, duration_s,
satisfaction``; optional ``topic`` and ``agent_tenure_months``; any other column is kept
in ``CallMeta.extra``. ``file`` is relative to the inbox; a ``.json`` file is a vendor
transcript in the transcript format, anything else is audio.

Hostile or broken input costs one row, never the night:

* every record must sit on one line: a cell with an unterminated ``"`` is that row's
  error ("unterminated quote") and reading resumes on the next line, so no later rows
  are swallowed into it;
* a cell longer than :data:`MAX_CELL` characters, or any other CSV error, is that row's
  error (the ``csv`` module's field limit is never raised process-wide);
* a call id longer than :data:`MAX_CALL_ID` characters, or holding control characters,
  is rejected on its row;
* ``file`` must stay inside the inbox after symlinks are resolved;
* a WAV file whose header declares more audio than the file holds (a cut-off copy) is
  rejected with both durations in the reason, instead of being scored as a whole call.
"""

from __future__ import annotations

import csv
import hashlib
import io
import logging
import math
import re
import struct
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from qa_pipeline.errors import ConfigError, ManifestError
from qa_pipeline.intake.clean import clean_id, clean_text, describe_removed
from qa_pipeline.models import CallMeta, Recording

log = logging.getLogger(__name__)

MANIFEST_NAME = "manifest.csv"

#: Columns a manifest is expected to have (the header); see the module docstring.
EXPECTED_COLUMNS: tuple[str, ...] = (
    "call_id",
    "file",
    "agent_id",
    "team",
    "started_at",
    "call_type",
    "duration_s",
    "satisfaction",
)
#: Without these in the header nothing can be done with the manifest.
ESSENTIAL_COLUMNS: tuple[str, ...] = ("call_id", "file")
#: A row without a value in one of these is rejected.
ROW_REQUIRED: tuple[str, ...] = ("call_id", "file", "agent_id", "started_at")
OPTIONAL_COLUMNS: tuple[str, ...] = ("topic", "agent_tenure_months")
TRANSCRIPT_SUFFIXES: tuple[str, ...] = (".json",)
#: Longest call id accepted (it names files and database keys).
MAX_CALL_ID = 128
#: Longest value per stored column (the store's column sizes): a longer one costs its row.
COLUMN_LIMITS: dict[str, int] = {
    "call_id": MAX_CALL_ID,
    "agent_id": 64,
    "team": 128,
    "call_type": 64,
    "topic": 256,
}
#: Longest manifest cell accepted.
MAX_CELL = 10_000
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


@dataclass(frozen=True, slots=True)
class RowError:
    """One problem with one manifest row.

    Attributes:
        row: Line number in ``manifest.csv`` (the header is line 1); 1 for header problems.
        call_id: The row's call id where it has one.
        reason: What is wrong, in words an operator can act on.
        kind: Short failure name stored in the per-call error table.
    """

    row: int
    call_id: str | None
    reason: str
    kind: str = "manifest"

    def __str__(self) -> str:
        who = f" ({self.call_id})" if self.call_id else ""
        return f"row {self.row}{who}: {self.reason}"


@dataclass(frozen=True, slots=True)
class Manifest:
    """A parsed manifest: the usable recordings and every row's problems.

    Attributes:
        path: The manifest file.
        rows: Number of data rows (the calls the recording system says it delivered).
        recordings: Good rows, in file order.
        errors: Row problems, in file order (header problems first).
        warnings: Problems that did not cost a row (e.g. an optional column missing).
    """

    path: Path
    rows: int
    recordings: tuple[Recording, ...]
    errors: tuple[RowError, ...]
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ManifestOptions:
    """How to read a manifest.

    Attributes:
        name: File name of the manifest inside the inbox.
        timezone: Time zone given to ``started_at`` values without an offset.
        hash_files: Compute each file's SHA-256 (``Recording.content_hash``), which the
            transcript cache and re-runs key on.
    """

    name: str = MANIFEST_NAME
    timezone: str = "Asia/Shanghai"
    hash_files: bool = True


def file_sha256(path: Path, chunk_size: int = 1 << 20) -> str:
    """SHA-256 of a file's bytes, read in chunks (recordings can be large)."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while block := fh.read(chunk_size):
            digest.update(block)
    return digest.hexdigest()


def _decode(raw: bytes, path: Path) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ManifestError(f"{path}: neither UTF-8 nor GB18030 text")


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ConfigError(f"unknown time zone {name!r}") from exc


def parse_started_at(value: str, tz: ZoneInfo) -> datetime:
    """Parse an ISO 8601 date-time (``T`` or space); naive values get ``tz``.

    Raises:
        ValueError: the value is not a date-time.
    """
    text = value.strip().replace("/", "-")
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    dt = datetime.fromisoformat(text)
    if len(text) <= 10:
        raise ValueError("a date without a time")
    return dt if dt.tzinfo is not None else dt.replace(tzinfo=tz)


def _number(row: Mapping[str, str], column: str, problems: list[str]) -> float | None:
    raw = (row.get(column) or "").strip()
    if not raw:
        return None
    try:
        value = float(raw)
    except ValueError:
        problems.append(f"{column} {raw!r} is not a number")
        return None
    if not math.isfinite(value) or value < 0:  # NaN, infinity or negative
        problems.append(f"{column} {raw!r} must be a finite number >= 0")
        return None
    return value


def _resolve_file(inbox: Path, name: str, problems: list[str]) -> Path | None:
    rel = Path(name.strip())
    if rel.is_absolute() or ".." in rel.parts:
        problems.append(f"file {name!r} must be a path inside the inbox")
        return None
    path = inbox / rel
    if not path.is_file():
        problems.append(f"file {name!r} not found in the inbox")
        return None
    try:
        # a symlink (of the file or a folder on its way) must not lead out of the inbox
        path.resolve(strict=True).relative_to(inbox.resolve(strict=True))
    except ValueError:
        problems.append(f"file {name!r} is a link to a place outside the inbox")
        return None
    except OSError as exc:
        problems.append(f"file {name!r} cannot be resolved: {exc.strerror or exc}")
        return None
    return path


def wav_shortfall(path: Path) -> tuple[float, float] | None:
    """``(declared seconds, held seconds)`` of a RIFF/WAVE file cut short, else ``None``.

    Reads only the header chunks: the ``fmt`` byte rate and the ``data`` size it
    declares, against the bytes the file really holds after the data chunk starts.
    A file that is not a plain WAV (or whose header does not parse) gives ``None``: the
    decoder judges it.
    """
    try:
        with path.open("rb") as fh:
            head = fh.read(12)
            if len(head) < 12 or head[:4] != b"RIFF" or head[8:12] != b"WAVE":
                return None
            byte_rate = 0
            while True:
                chunk = fh.read(8)
                if len(chunk) < 8:
                    return None
                cid, size = chunk[:4], struct.unpack("<I", chunk[4:])[0]
                if cid == b"fmt ":
                    fmt = fh.read(size + (size & 1))
                    if len(fmt) < 12:
                        return None
                    byte_rate = struct.unpack("<I", fmt[8:12])[0]
                elif cid == b"data":
                    if byte_rate <= 0 or size in (0, 0xFFFFFFFF):  # streamed: size unknown
                        return None
                    held = path.stat().st_size - fh.tell()
                    if held + byte_rate // 10 >= size:  # a tenth of a second of slack
                        return None
                    return size / byte_rate, max(0, held) / byte_rate
                else:
                    fh.seek(size + (size & 1), 1)
    except OSError:
        return None


def _clock(seconds: float) -> str:
    s = int(seconds)
    return f"{s // 3600}:{s // 60 % 60:02d}:{s % 60:02d}"


def _row_recording(
    inbox: Path,
    row: Mapping[str, str],
    extra_columns: Iterable[str],
    tz: ZoneInfo,
    options: ManifestOptions,
) -> tuple[Recording | None, list[str]]:
    """The row's recording, or ``None`` and every problem found in the row."""
    problems = _cell_problems(row)
    started_at = _started_at(row, tz, problems)
    duration = _number(row, "duration_s", problems)
    satisfaction = _number(row, "satisfaction", problems)
    tenure = _number(row, "agent_tenure_months", problems)
    path = _row_path(inbox, row, problems)
    if problems or path is None:
        return None, problems
    meta = CallMeta(
        call_id=row["call_id"].strip(),
        agent_id=row["agent_id"].strip(),
        team=(row.get("team") or "").strip() or None,
        started_at=started_at,
        call_type=(row.get("call_type") or "").strip() or None,
        duration_s=duration,
        satisfaction=satisfaction,
        topic=(row.get("topic") or "").strip() or None,
        agent_tenure_months=tenure,
        extra=tuple((c, row.get(c) or "") for c in extra_columns),
    )
    digest = None
    if options.hash_files:
        try:
            digest = file_sha256(path)
        except OSError as exc:
            return None, [f"file {row['file']!r} cannot be read: {exc.strerror or exc}"]
    recording = Recording(
        path=path,
        meta=meta,
        content_hash=digest,
        is_transcript=path.suffix.lower() in TRANSCRIPT_SUFFIXES,
    )
    return recording, []


def _cell_problems(row: Mapping[str, str]) -> list[str]:
    """Missing required values, a call_id with control characters, cells too long."""
    problems: list[str] = []
    missing = [c for c in ROW_REQUIRED if not (row.get(c) or "").strip()]
    if missing:
        problems.append("missing value for " + ", ".join(missing))
    call_id = (row.get("call_id") or "").strip()
    if _CONTROL.search(call_id):
        problems.append("call_id holds control characters")
    for column, limit in COLUMN_LIMITS.items():
        value = (row.get(column) or "").strip()
        if len(value) > limit:
            problems.append(f"{column} is {len(value)} characters long (at most {limit})")
    long_cells = [c for c, v in row.items() if c not in COLUMN_LIMITS and len(v or "") > MAX_CELL]
    if long_cells:
        problems.append(f"{', '.join(long_cells)} longer than {MAX_CELL} characters")
    return problems


def _started_at(row: Mapping[str, str], tz: ZoneInfo, problems: list[str]) -> datetime | None:
    """The row's ``started_at``; a value that is not a date-time goes to ``problems``."""
    raw_started = (row.get("started_at") or "").strip()
    if not raw_started:
        return None
    try:
        return parse_started_at(raw_started, tz)
    except ValueError:
        problems.append(
            f"started_at {raw_started!r} is not a date-time "
            "(expected ISO 8601, e.g. 2026-11-21T09:15:00+08:00)"
        )
        return None


def _row_path(inbox: Path, row: Mapping[str, str], problems: list[str]) -> Path | None:
    """The row's file inside the inbox; a WAV cut short is a problem (when none yet)."""
    path = None
    if (row.get("file") or "").strip():
        path = _resolve_file(inbox, row["file"], problems)
    if path is not None and not problems and path.suffix.lower() == ".wav":
        short = wav_shortfall(path)
        if short is not None:
            problems.append(
                f"file {row['file']!r} is cut short: its header declares "
                f"{_clock(short[0])} of audio, the file holds {short[1]:.1f} s"
            )
    return path


def _records(text: str) -> Iterator[tuple[int, list[str] | str]]:
    """``(line number, cells)`` per line, or ``(line number, reason)`` if it is not CSV.

    A line is not CSV with an unterminated quote or a cell over the csv module's field
    limit. One record per line: a quote left open never swallows the lines after it. A
    quoted cell holding a line break (Excel writes them) is named as such, and the line it
    runs on to is part of that one error, not a second, confusing one.
    """
    lines = io.StringIO(text, newline="").readlines()
    k = 0
    while k < len(lines):
        number, body = k + 1, lines[k].rstrip("\r\n")
        k += 1
        parsed = _parse_line(body)
        if isinstance(parsed, list):
            yield number, parsed
        elif parsed.startswith("unterminated") and k < len(lines) and _closes(body, lines[k]):
            k += 1
            yield (
                number,
                (
                    f"a line break inside a quoted cell (the record runs on to line {number + 1}); "
                    "a record must fit on one line"
                ),
            )
        else:
            yield number, f"not a CSV line: {parsed}"


def _parse_line(body: str) -> list[str] | str:
    """The cells of one line, or why it is not CSV."""
    if "\r" in body or "\n" in body:
        return "a line break inside a cell (a record must fit on one line)"
    try:
        parsed = list(csv.reader([body], strict=True))
    except csv.Error as exc:
        message = str(exc)
        if "field larger than field limit" in message:
            return f"a cell longer than {csv.field_size_limit()} characters"
        if "unexpected end of data" in message or "EOF" in message:
            return 'unterminated quote (") in this line'
        return message
    return parsed[0] if parsed else []


def _closes(body: str, following: str) -> bool:
    """Whether ``body`` and the next line read as one CSV record (a quoted line break)."""
    joined = body + "\n" + following.rstrip("\r\n")
    try:
        return len(list(csv.reader(io.StringIO(joined, newline=""), strict=True))) == 1
    except csv.Error:
        return False


def parse_manifest_text(
    text: str, inbox: Path, options: ManifestOptions | None = None, *, source: Path | None = None
) -> Manifest:
    """Parse manifest CSV text whose ``file`` column is relative to ``inbox``.

    Args:
        text: The CSV text (header line first).
        inbox: Folder the ``file`` paths are relative to.
        options: Reading options; defaults as documented on :class:`ManifestOptions`.
        source: Path to name in messages and on the result.

    Returns:
        The good recordings and every row problem (missing values, unknown files,
        duplicate call ids, bad dates or numbers, rows with missing or extra cells).

    Raises:
        ManifestError: the manifest is empty or its header lacks ``call_id`` or ``file``.
    """
    options = options or ManifestOptions()
    source = source or inbox / options.name
    tz = _zone(options.timezone)
    lines = _records(text)
    header = _read_header(lines, source)
    errors, warnings = _header_gaps(header, source)
    known = set(EXPECTED_COLUMNS) | set(OPTIONAL_COLUMNS)
    extra_columns = [c for c in header if c and c not in known]
    for warning in warnings:
        log.warning("%s", warning)
    rows = _RowReader(header, inbox, extra_columns, tz, options, errors, warnings)
    for line, cells in lines:
        rows.add(line, cells)
    return Manifest(
        path=source,
        rows=rows.rows,
        recordings=tuple(rows.recordings),
        errors=tuple(rows.errors),
        warnings=tuple(warnings),
    )


def _read_header(lines: Iterator[tuple[int, list[str] | str]], source: Path) -> list[str]:
    """The header's column names (lower case), or a ManifestError when it is unusable."""
    try:
        _, header_cells = next(lines)
    except StopIteration:
        raise ManifestError(f"{source}: the manifest is empty") from None
    if isinstance(header_cells, str):
        raise ManifestError(f"{source}: the header line cannot be read: {header_cells}")
    header = [h.strip().lower() for h in header_cells]
    lacking = [c for c in ESSENTIAL_COLUMNS if c not in header]
    if lacking:
        raise ManifestError(
            f"{source}: the header lacks {', '.join(lacking)} "
            f"(expected columns: {', '.join(EXPECTED_COLUMNS)})"
        )
    return header


def _header_gaps(header: list[str], source: Path) -> tuple[list[RowError], list[str]]:
    """Row errors and warnings for expected columns the header lacks."""
    errors: list[RowError] = []
    warnings: list[str] = []
    absent = [c for c in EXPECTED_COLUMNS if c not in header]
    if absent:
        warnings.append(f"{source}: the header lacks column(s) {', '.join(absent)}")
        for column in absent:
            if column in ROW_REQUIRED:
                errors.append(RowError(1, None, f"missing column {column!r}: every row needs it"))
    return errors, warnings


class _RowReader:
    """Turns manifest lines into recordings and row errors, catching duplicate call ids."""

    def __init__(
        self,
        header: list[str],
        inbox: Path,
        extra_columns: list[str],
        tz: ZoneInfo,
        options: ManifestOptions,
        errors: list[RowError],
        warnings: list[str] | None = None,
    ) -> None:
        self.warnings = warnings if warnings is not None else []
        self.header = header
        self.inbox = inbox
        self.extra_columns = extra_columns
        self.tz = tz
        self.options = options
        self.errors = errors
        self.recordings: list[Recording] = []
        self.first_row: dict[str, int] = {}
        self.rows = 0
        self.id_column = header.index("call_id")

    def add(self, line: int, cells: list[str] | str) -> None:
        """Read one line: a recording, or a row error; blank lines are skipped."""
        if isinstance(cells, str):  # the line is not CSV: its error, and on to the next
            self.rows += 1
            self.errors.append(RowError(line, None, cells))
            return
        if not any(c.strip() for c in cells):
            return  # blank lines are not calls
        self.rows += 1
        call_id = cells[self.id_column].strip() if len(cells) > self.id_column else ""
        # an id too long for the store is named by its start only
        shown_id = call_id if len(call_id) <= MAX_CALL_ID else None
        if len(cells) != len(self.header):
            what = "missing" if len(cells) < len(self.header) else "extra"
            self.errors.append(
                RowError(
                    line,
                    shown_id or None,
                    f"{what} columns: {len(cells)} cells for {len(self.header)} header columns",
                )
            )
            return
        if call_id and call_id in self.first_row:
            message = f"duplicate call_id (first on row {self.first_row[call_id]})"
            self.errors.append(RowError(line, call_id, message))
            return
        if call_id:
            self.first_row[call_id] = line
        self._add_row(line, call_id, shown_id, dict(zip(self.header, cells, strict=True)))

    def _add_row(
        self, line: int, call_id: str, shown_id: str | None, row: Mapping[str, str]
    ) -> None:
        """Keep the row's recording, or its problems as one row error."""
        row, cleaned = _clean_cells(row)
        if cleaned:
            warning = f"row {line}: removed invisible or control characters from {cleaned}"
            log.warning("%s", warning)
            self.warnings.append(warning)
        recording, problems = _row_recording(
            self.inbox, row, self.extra_columns, self.tz, self.options
        )
        if recording is not None:
            self.recordings.append(recording)
            return
        if shown_id is None:
            problems.insert(0, f"call_id {call_id[:32]!r}…")
        self.errors.append(RowError(line, shown_id or None, "; ".join(problems)))


#: columns naming a person or a group: invisible characters there make look-alike names
_ID_COLUMNS = ("agent_id", "team")
# a call id with control characters is a row error (below); a file name is looked up as is
_KEPT_AS_IS = ("call_id", "file")


def _clean_cells(row: Mapping[str, str]) -> tuple[dict[str, str], str]:
    """The row with NUL, control and invisible characters removed from ids and text.

    ``A1001\u200b`` and ``A1001`` are one agent; a NUL is refused by PostgreSQL. Returns
    the row and a description of what was removed (empty when nothing was).
    """
    out = dict(row)
    changed = []
    for column, value in row.items():
        if not value or column in _KEPT_AS_IS:
            continue
        clean = clean_id(value) if column in _ID_COLUMNS else clean_text(value)
        if clean != value:
            out[column] = clean
            changed.append(f"{column} ({describe_removed(value, clean)})")
    return out, ", ".join(changed)


def read_manifest(inbox: str | Path, options: ManifestOptions | None = None) -> Manifest:
    """Read ``<inbox>/manifest.csv`` (UTF-8 or GB18030).

    Raises:
        ManifestError: the inbox or manifest is missing or unreadable as a whole.
    """
    options = options or ManifestOptions()
    folder = Path(inbox)
    path = folder / options.name
    if not folder.is_dir():
        raise ManifestError(f"inbox {folder} is not a folder")
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ManifestError(f"{path}: cannot read the manifest: {exc.strerror or exc}") from exc
    return parse_manifest_text(_decode(raw, path), folder, options, source=path)
