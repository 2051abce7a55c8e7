"""Writers of a :class:`~qa_pipeline.reports.model.Document`.

Self-contained HTML (Jinja2, inline CSS and SVG), Markdown, CSV, and PDF via headless
Chromium (optional).
"""

from __future__ import annotations

import csv
import logging
import re
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from qa_pipeline.errors import ReportError
from qa_pipeline.reports.labels import labels
from qa_pipeline.reports.model import Document, Link

log = logging.getLogger(__name__)

FORMATS = ("html", "md", "csv", "pdf")
_TEMPLATES = Path(__file__).parent / "templates"


def _cell_text(cell: Any) -> str:
    if isinstance(cell, Link):
        return cell.text
    return "" if cell is None else str(cell)


def render_html(doc: Document) -> str:
    """The document as one self-contained HTML page."""
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(_TEMPLATES)),
        autoescape=jinja2.select_autoescape(["html", "j2"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.tests["link"] = lambda c: isinstance(c, Link)
    return env.get_template("report.html.j2").render(doc=doc, labels=labels(doc.language))


#: Markdown metacharacters, written backslash-escaped (``<``, ``>`` and ``&`` become
#: entities), so no text can open a tag, a link, an image or emphasis, or end its cell.
_MD_SPECIAL = re.compile(r"([\\`*_\[\]!|~])")
#: OWASP's formula-injection triggers: a CSV cell starting with one of these is a
#: formula in Excel / LibreOffice.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?\d+(?:\.\d+)?%?")


def _md_escape(text: str) -> str:
    """Text for a Markdown document: one line, metacharacters escaped, no raw HTML."""
    flat = " ".join(str(text).splitlines())
    flat = flat.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _MD_SPECIAL.sub(r"\\\1", flat)


#: Public name: the nightly summary's Markdown escapes with it too.
md_escape = _md_escape


def _md_href(href: str) -> str:
    """A link target that cannot close the link or run script.

    Hrefs are built percent-encoded; this guards the characters Markdown itself gives
    meaning.
    """
    if href.split(":", 1)[0].lower() in ("javascript", "data", "vbscript"):
        return ""
    return href.replace(" ", "%20").replace("(", "%28").replace(")", "%29").replace("<", "%3C")


def csv_cell(value: str) -> str:
    """A CSV cell that a spreadsheet shows as text, not runs as a formula.

    OWASP: a leading ``'`` before ``= + - @``, tab or carriage return; plain numbers
    such as ``-2.5`` stay numbers.
    """
    if value.startswith(_FORMULA_START) and not _PLAIN_NUMBER.fullmatch(value):
        return "'" + value
    return value


def render_markdown(doc: Document) -> str:
    """The document as Markdown (charts left out; their data is in the tables/CSV)."""
    lab = labels(doc.language)
    e = _md_escape
    out = [f"# {e(doc.title)}", "", e(doc.subtitle), ""]
    if doc.kpis:
        out += [f"| {lab['data']} | | {lab['previous']} | {lab['change']} |", "|---|---|---|---|"]
        out += [
            f"| {e(k.label)} | {e(k.value)} | {e(k.previous)} | {e(k.change)} |" for k in doc.kpis
        ]
        out.append("")
    for s in doc.sections:
        out += [f"## {e(s.title)}", ""]
        out += [e(p) + "\n" for p in s.paragraphs]
        for t in s.tables:
            out.append("| " + " | ".join(_md_escape(c) for c in t.columns) + " |")
            out.append("|" + "---|" * len(t.columns))
            for r in t.rows:
                cells = [
                    f"[{_md_escape(c.text)}]({_md_href(c.href)})"
                    if isinstance(c, Link) and _md_href(c.href)
                    else _md_escape(_cell_text(c))
                    for c in r
                ]
                out.append("| " + " | ".join(cells) + " |")
            out.append("")
        if s.note:
            out += [f"*{e(s.note)}*", ""]
    return "\n".join(out)


def write_csvs(doc: Document, out_dir: Path) -> list[Path]:
    """One CSV per named table (``<stem>.<table>.csv``, UTF-8 with BOM for Excel)."""
    paths = []
    for s in doc.sections:
        for t in s.tables:
            if not t.name:
                continue
            path = out_dir / f"{doc.stem}.{t.name}.csv"
            with path.open("w", newline="", encoding="utf-8-sig") as fh:
                w = csv.writer(fh)
                traced = bool(t.trace)
                w.writerow([csv_cell(c) for c in t.columns] + (["call_ids"] if traced else []))
                for n, r in enumerate(t.rows):
                    cells = [csv_cell(c.href if isinstance(c, Link) else _cell_text(c)) for c in r]
                    if traced:
                        ids = t.trace[n] if n < len(t.trace) else ()
                        cells.append(csv_cell(" ".join(ids)))
                    w.writerow(cells)
            paths.append(path)
    return paths


def chromium_binary() -> str | None:
    """The headless Chromium on PATH (``chromium``, ``chromium-browser``, ``google-chrome``)."""
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


def chromium_args(profile: Path) -> list[str]:
    """Flags for an offline, throw-away headless Chromium."""
    return [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--no-first-run",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={profile}",
    ]


def write_pdf(html_path: Path, pdf_path: Path, timeout_s: float = 120) -> Path:
    """Print an HTML file to PDF with headless Chromium.

    Args:
        html_path: The HTML file.
        pdf_path: The PDF file to write.
        timeout_s: How long Chromium may take.

    Returns:
        ``pdf_path``.

    Raises:
        ReportError: Chromium is not installed or failed.
    """
    binary = chromium_binary()
    if binary is None:
        raise ReportError("PDF needs Chromium (apt-get install chromium); use html/md instead")
    with tempfile.TemporaryDirectory(prefix="qa-chromium-") as profile:
        cmd = [
            binary,
            *chromium_args(Path(profile)),
            "--no-pdf-header-footer",
            f"--print-to-pdf={pdf_path}",
            html_path.resolve().as_uri(),
        ]
        try:
            subprocess.run(cmd, capture_output=True, timeout=timeout_s, check=False)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise ReportError(f"Chromium could not print {html_path.name}: {exc}") from exc
    if not pdf_path.is_file() or pdf_path.stat().st_size == 0:
        raise ReportError(f"Chromium wrote no PDF for {html_path.name}")
    return pdf_path


def check_formats(formats: Sequence[str]) -> list[str]:
    """Normalise and validate output formats.

    Raises:
        ReportError: an unknown format.
    """
    wanted = [f.strip().lower() for f in formats if f.strip()]
    bad = [f for f in wanted if f not in FORMATS]
    if bad or not wanted:
        raise ReportError(
            f"unknown report format {bad or formats!r} (choose from {', '.join(FORMATS)})"
        )
    return list(dict.fromkeys(wanted))


def write_document(doc: Document, out_dir: Path, formats: Sequence[str]) -> list[Path]:
    """Write the document in the given formats.

    Args:
        doc: The document.
        out_dir: Folder for the files (created if missing), named after ``doc.stem``.
        formats: Any of ``html``, ``md``, ``csv`` (one file per named table), ``pdf``.

    Returns:
        The files written.

    Raises:
        ReportError: an unknown format, or PDF without Chromium.
    """
    wanted = check_formats(formats)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths: list[Path] = []
    html_path = out_dir / f"{doc.stem}.html"
    if "html" in wanted or "pdf" in wanted:
        html_path.write_text(render_html(doc), encoding="utf-8")
        if "html" in wanted:
            paths.append(html_path)
    if "md" in wanted:
        md = out_dir / f"{doc.stem}.md"
        md.write_text(render_markdown(doc), encoding="utf-8")
        paths.append(md)
    if "csv" in wanted:
        paths += write_csvs(doc, out_dir)
    if "pdf" in wanted:
        paths.append(write_pdf(html_path, out_dir / f"{doc.stem}.pdf"))
    log.info("report %s: %d files in %s", doc.stem, len(paths), out_dir)
    return paths
