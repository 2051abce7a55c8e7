"""Helpers shared by the CLI command modules: consoles, progress bars, settings."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from qa_pipeline.config import Settings, load_settings

console = Console()
console_err = Console(stderr=True)


def settings(**overrides: object) -> Settings:
    """Settings from the environment, with CLI options (not ``None``) taking precedence."""
    return load_settings(**{k: v for k, v in overrides.items() if v is not None})


@contextmanager
def progress_bar(description: str, total: int | None) -> Iterator[Progress]:
    """A rich progress bar on stderr (quiet when stderr is not a terminal)."""
    bar = Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=console_err,
        transient=False,
        disable=not console_err.is_terminal,
    )
    with bar:
        bar.add_task(description, total=total)
        yield bar
