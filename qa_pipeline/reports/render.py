"""Writers: self-contained HTML (Jinja2, inline CSS and SVG), Markdown, CSV, and PDF via
headless Chromium (optional)."""

from __future__ import annotations

import csv
import logging
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


def _md_escape(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_markdown(doc: Document) -> str:
    """The document as Markdown (charts left out; their data is in the tables/CSV)."""
    lab = labels(doc.language)
    out = [f"# {doc.title}", "", doc.subtitle, ""]
    if doc.kpis:
        out += [f"| {lab['data']} | | {lab['previous']} | {lab['change']} |", "|---|---|---|---|"]
        out += [f"| {k.label} | {k.value} | {k.previous} | {k.change} |" for k in doc.kpis]
        out.append("")
    for s in doc.sections:
        out += [f"## {s.title}", ""]
        out += [p + "\n" for p in s.paragraphs]
        for t in s.tables:
            out.append("| " + " | ".join(_md_escape(c) for c in t.columns) + " |")
            out.append("|" + "---|" * len(t.columns))
            for r in t.rows:
                cells = [
                    f"[{_md_escape(c.text)}]({c.href.replace(' ', '%20')})"
                    if isinstance(c, Link) and c.href
                    else _md_escape(_cell_text(c))
                    for c in r
                ]
                out.append("| " + " | ".join(cells) + " |")
            out.append("")
        if s.note:
            out += [f"*{s.note}*", ""]
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
                w.writerow(t.columns)
                for r in t.rows:
                    w.writerow([c.href if isinstance(c, Link) else _cell_text(c) for c in r])
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
    """Write the document in the given formats; returns the files written."""
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
