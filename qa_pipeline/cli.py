"""The ``qa`` command line (typer).

Thin by design: each command parses its arguments, calls the library and prints.
Command groups live in :mod:`qa_pipeline.commands`, one module per area, each with a
``register(app)``; this module wires them and maps :class:`QAPipelineError` to a clear
message and exit code 1 (typer's usage errors exit 2).
"""

from __future__ import annotations

import logging
import sys

import typer
from rich.markup import escape

from qa_pipeline import __version__
from qa_pipeline.commands import asr as asr_commands
from qa_pipeline.commands import db as db_commands
from qa_pipeline.commands import export as export_commands
from qa_pipeline.commands import flows as flow_commands
from qa_pipeline.commands import ledger as ledger_commands
from qa_pipeline.commands import report as report_commands
from qa_pipeline.commands import scoring as scoring_commands
from qa_pipeline.commands import web as web_commands
from qa_pipeline.commands.common import console_err
from qa_pipeline.errors import QAPipelineError

app = typer.Typer(
    name="qa",
    help="Quality inspection (质检) of call-centre recordings: transcribe, score, store, report.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
eval_app = typer.Typer(
    help="Measure accuracy: speech-to-text CER, scoring agreement.", no_args_is_help=True
)
app.add_typer(eval_app, name="eval")


def _version(value: bool) -> None:
    if value:
        typer.echo(f"qa-pipeline {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version and exit."
    ),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Log progress details."),
) -> None:
    """Quality inspection (质检) of call-centre recordings."""
    root = logging.getLogger()
    fresh = not root.handlers
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    _redact_logs()
    if fresh and not verbose:
        for handler in root.handlers:
            handler.addFilter(_one_line)


def _redact_logs() -> None:
    """Mask personal data in every log line of this process (unless QA_REDACT_PII=false)."""
    from qa_pipeline.config import load_settings
    from qa_pipeline.pii.redact import RedactOptions, install_log_redaction

    try:
        enabled = load_settings().redact_pii
    except QAPipelineError:  # a bad setting is reported by the command that needs it
        enabled = True
    install_log_redaction(RedactOptions(enabled=enabled))


def _one_line(record: logging.LogRecord) -> bool:
    """Log a record's exception as one line (its type and message); tracebacks with -v."""
    if record.exc_info and record.exc_info[1] is not None:
        exc = record.exc_info[1]
        from qa_pipeline.pii.redact import redact_as_logged

        # the message was masked when the record was made; the exception's text was not
        record.msg = redact_as_logged(f"{record.getMessage()}: {type(exc).__name__}: {exc}")
        record.args = None
        record.exc_info = None
        record.exc_text = None
    return True


for _module in (
    asr_commands,
    scoring_commands,
    db_commands,
    report_commands,
    flow_commands,
    web_commands,
    export_commands,
    ledger_commands,
):
    _module.register(app, eval_app)


def main() -> None:
    """Entry point: run the app, turning expected failures into one clear line."""
    try:
        # non-standalone click returns the code of a ``typer.Exit`` raised in a command
        code = app(standalone_mode=False)
    except QAPipelineError as exc:
        # the message quotes data (ids, names, paths): printed as text, never as markup
        console_err.print(
            f"[bold red]error:[/] {escape(str(exc))}", highlight=False, soft_wrap=True
        )
        sys.exit(1)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except typer.Abort:
        console_err.print("aborted")
        sys.exit(130)
    except Exception as exc:
        # usage errors: typer raises its bundled click's ClickException in
        # non-standalone mode; recognise it by its interface, not by the class path
        show = getattr(exc, "show", None)
        code = getattr(exc, "exit_code", None)
        if callable(show) and isinstance(code, int):
            show()
            sys.exit(code)
        raise
    if isinstance(code, int) and code:
        sys.exit(code)


if __name__ == "__main__":  # pragma: no cover
    main()
