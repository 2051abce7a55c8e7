"""CLI commands of the scoring area: ``qa score``, ``qa rubric ...``, ``qa eval scoring``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.markup import escape
from rich.table import Table

from qa_pipeline.commands.common import console, console_err, progress_bar, settings
from qa_pipeline.errors import QAPipelineError, ScoringError

if TYPE_CHECKING:
    from qa_pipeline.scoring import ScoringOptions

RUBRIC_OPT = typer.Option(..., "--rubric", "-r", help="Rubric YAML file.", exists=False)

rubric_app = typer.Typer(help="Validate, describe and test rubric files.", no_args_is_help=True)


def _score_table(result: object) -> Table:
    from qa_pipeline.models import CallScore

    assert isinstance(result, CallScore)
    score = "—" if result.score is None else f"{result.score:.1f}"
    # ids, reasons and quotes are data: escaped so "[/bold]" in a call id prints as text
    title = escape(f"{result.call_id}  agent {result.agent_id or '?'}  score {score}")
    title += f"  {escape(result.grade or '')}"
    if result.critical_failed:
        title += "  [bold red]一票否决 / critical fail[/]"
    table = Table(title=title, show_lines=False)
    for col in ("item", "status", "points", "reason / evidence"):
        table.add_column(col)
    colours = {"pass": "green", "fail": "red", "na": "dim", "review": "yellow"}
    for it in result.items:
        ev = " | ".join(
            f"{e.speaker}@{e.start if e.start is not None else '?'}: {e.text[:40]}"
            for e in it.evidence[:2]
        )
        status = str(it.status)
        table.add_row(
            escape(it.item_id),
            f"[{colours[status]}]{status}[/]",
            f"{it.points:g}",
            escape(it.reason + (f"\n{ev}" if ev and status != "pass" else "")),
        )
    return table


def _options() -> ScoringOptions:
    """Scoring thresholds from the settings (``QA_SCORING``), over each rubric's own."""
    from qa_pipeline.scoring import ScoringOptions

    return ScoringOptions.from_mapping(settings().scoring, "QA_SCORING")


def score(
    transcripts: list[Path] = typer.Argument(..., help="Transcript or labelled-call JSON files."),
    rubric: Path = RUBRIC_OPT,
    as_json: bool = typer.Option(False, "--json", help="One JSON object per call per line."),
    raw: bool = typer.Option(
        False,
        "--raw",
        help="Print quotes and reasons unredacted (personal data shown; a warning is given).",
    ),
) -> None:
    """Score transcripts against a rubric, quoting the evidence for each verdict.

    Quotes and reasons are printed with personal data masked (as the store keeps
    them) unless --raw is given.
    """
    from qa_pipeline.intake.transcript_io import load_transcript
    from qa_pipeline.pii.redact import RedactOptions, redact_score, redact_text
    from qa_pipeline.scoring import load_rubric, score_call

    redact = RedactOptions(enabled=settings().redact_pii and not raw)
    if raw:
        console_err.print(
            "[bold yellow]warning:[/] --raw prints personal data (phone and ID numbers, "
            "names, addresses) unmasked; do not keep or share this output",
            highlight=False,
        )
    rb = load_rubric(rubric)
    options = _options()
    failures = 0
    with progress_bar("scoring", len(transcripts)) as bar:
        for path in transcripts:
            try:
                result = redact_score(score_call(load_transcript(path), rb, options), redact)
            except QAPipelineError as exc:
                failures += 1
                message = escape(redact_text(str(exc), redact))
                console_err.print(f"[red]error:[/] {message}", highlight=False, soft_wrap=True)
                bar.advance(bar.task_ids[0])
                continue
            if as_json:
                typer.echo(json.dumps(result.to_dict(), ensure_ascii=False))
            else:
                console.print(_score_table(result))
            bar.advance(bar.task_ids[0])
    if failures:
        raise ScoringError(f"{failures} of {len(transcripts)} file(s) could not be scored")


@rubric_app.command("check")
def rubric_check(rubric: Path = typer.Argument(..., help="Rubric YAML file.")) -> None:
    """Validate a rubric file (schema, points, knowledge tables, regexes)."""
    from qa_pipeline.scoring import load_rubric

    rb = load_rubric(rubric)
    typer.echo(
        f"ok: {rb.id} v{rb.version} ({rb.language}), {len(rb.items)} items, "
        f"{sum(len(i.examples) for i in rb.items)} golden examples, sha256 {rb.sha256[:12]}"
    )


@rubric_app.command("describe")
def rubric_describe(rubric: Path = typer.Argument(..., help="Rubric YAML file.")) -> None:
    """Print the rubric in plain language (Chinese or English, as the rubric)."""
    from qa_pipeline.scoring import load_rubric

    typer.echo(load_rubric(rubric).describe())


@rubric_app.command("test")
def rubric_test(rubric: Path = typer.Argument(..., help="Rubric YAML file.")) -> None:
    """Run the rubric's golden examples; exit 1 naming every one that fails."""
    from qa_pipeline.evaluation.scoring import check_examples
    from qa_pipeline.scoring import load_rubric

    rb = load_rubric(rubric)
    n = check_examples(rb)
    typer.echo(f"ok: {n} golden examples of {rb.id} v{rb.version} pass")


@rubric_app.command("diff")
def rubric_diff(
    old: Path = typer.Argument(..., help="The rubric as it is now (YAML)."),
    new: Path = typer.Argument(..., help="The edited rubric (YAML)."),
    since: str = typer.Option(..., "--since", help="Calls that started on/after this date."),
    until: str | None = typer.Option(None, "--until", help="... and before this date."),
    url: str | None = typer.Option(None, "--url", help="Database URL (default QA_DATABASE_URL)."),
    as_json: bool = typer.Option(False, "--json", help="One JSON object per change per line."),
) -> None:
    """Re-score stored calls with two rubric versions; list verdicts that would change."""
    from datetime import datetime

    from qa_pipeline.scoring import load_rubric
    from qa_pipeline.scoring.diff import diff_rubrics
    from qa_pipeline.store import Store

    def when(value: str, flag: str) -> datetime:
        try:
            day = datetime.fromisoformat(value)
        except ValueError:
            msg = f"{value!r} is not a date (YYYY-MM-DD)"
            raise typer.BadParameter(msg, param_hint=flag) from None
        return day if day.tzinfo else day.astimezone()  # naive: the machine's local time

    start = when(since, "--since")
    end = when(until, "--until") if until else None
    rb_old, rb_new = load_rubric(old), load_rubric(new)
    with Store.open(url or settings().resolved_database_url, upgrade=False) as store:
        result = diff_rubrics(rb_old, rb_new, store.stored_transcripts(start, end), _options())
    if as_json:
        for change in result.changes:
            typer.echo(json.dumps(change.to_dict(), ensure_ascii=False))
    else:
        table = Table(title=f"{rb_old.id} v{rb_old.version} → {rb_new.id} v{rb_new.version}")
        for col in ("call", "item", "old → new", "new reason"):
            table.add_column(col)
        for c in result.changes:
            mark = " [bold red]一票否决[/]" if c.critical[1] and not c.critical[0] else ""
            table.add_row(c.call_id, c.item_id, f"{c.old} → {c.new}{mark}", c.new_reason)
        console.print(table)
        for item_id, moves in result.by_item().items():
            console.print(f"{item_id}: " + ", ".join(f"{k} ×{n}" for k, n in moves.items()))
    calls = len({c.call_id for c in result.changes})
    typer.echo(
        f"{result.calls} calls since {since}: {len(result.changes)} verdict(s) change in "
        f"{calls} call(s); {len(result.score_moves)} score(s) move"
    )


def eval_scoring(
    rubric: Path = RUBRIC_OPT,
    corpus: Path = typer.Option(..., "--corpus", help="Folder of labelled-call JSON files."),
    as_json: bool = typer.Option(False, "--json", help="Print only the JSON summary."),
    curve: Path | None = typer.Option(
        None, "--curve", help="Write the agreement-against-review curve here (PNG)."
    ),
) -> None:
    """Agreement of the scoring engine with a labelled corpus, per item and overall.

    Also what the verdict confidence buys: agreement against review rate at a range of
    thresholds, expected calibration error per item, missed and invented critical fails.
    """
    from qa_pipeline.evaluation.scoring import STATUSES, evaluate_corpus
    from qa_pipeline.evaluation.tradeoff import plot_tradeoff, text_lines
    from qa_pipeline.scoring import load_rubric

    rb = load_rubric(rubric)
    report = evaluate_corpus(rb, corpus, _options())
    summary = report.summary()
    if curve is not None:
        plot_tradeoff(report.verdicts, curve, corpus.name)
    if not as_json:
        table = Table(title=f"{rb.id} v{rb.version} on {corpus} ({report.calls} calls)")
        table.add_column("item")
        for exp in ("pass", "fail", "na"):
            table.add_column(f"exp {exp} → " + "/".join(s[0] for s in STATUSES))
        table.add_column("accuracy")
        for item_id, st in report.items.items():
            cells = [
                "/".join(str(st.confusion[(exp, got)]) for got in STATUSES)
                for exp in ("pass", "fail", "na")
            ]
            acc = summary["items"][item_id]["accuracy"]
            table.add_row(item_id, *cells, "—" if acc is None else f"{acc:.1%}")
        console.print(table)
        for name, sub in summary["subsets"].items():
            acc = sub["accuracy"]
            console.print(
                f"{name}: accuracy {'—' if acc is None else f'{acc:.2%}'}, "
                f"review rate {sub['review_rate']:.2%} ({sub['decisions']} item verdicts)"
            )
        for row in report.disagreements[:50]:
            console.print("disagree: " + " ".join(row), highlight=False)
        for line in text_lines(report.verdicts):
            console.print(line, highlight=False)
        for err in report.errors:
            console_err.print(f"[red]error:[/] {escape(str(err))}", highlight=False)
    typer.echo(json.dumps(summary, ensure_ascii=False))


def eval_calibrate(
    rubric: Path = RUBRIC_OPT,
    sets: list[str] = typer.Argument(
        ...,
        help="Labelled sets: a folder of labelled calls (text), or TRANSCRIPTS=LABELS "
        "(transcripts saved by qa eval e2e --save, and the folder of their labelled calls).",
    ),
    out: Path | None = typer.Option(
        None, "--out", "-o", help="Write the model JSON here (default: print figures only)."
    ),
    folds: int = typer.Option(5, "--folds", min=2, help="Cross-validation folds (by call)."),
    c: float = typer.Option(1.0, "--c", min=1e-6, help="Inverse regularisation strength."),
    as_json: bool = typer.Option(False, "--json", help="Print only the JSON summary."),
) -> None:
    """Fit the verdict-confidence model; print held-out-fold figures only.

    Folds are grouped by call (renderings and runs of one call stay together). Per set:
    agreement against review rate at a range of thresholds and at the items' own
    (chosen on the other folds for each item's min_precision), ECE per item, missed and
    invented critical fails.
    """
    from qa_pipeline.evaluation.calibration import calibrate, collect
    from qa_pipeline.evaluation.tradeoff import summary as conf_summary
    from qa_pipeline.evaluation.tradeoff import text_lines
    from qa_pipeline.scoring import load_rubric

    rb = load_rubric(rubric)
    rows = [row for spec in sets for row in collect(rb, spec)]
    cal = calibrate(rb, rows, folds=folds, c=c, options=_options())
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(cal.model.to_dict(), ensure_ascii=False), encoding="utf-8")
    if not as_json:
        for name, verdicts in cal.held_out.items():
            console.print(f"[bold]{escape(name)}[/] (held-out folds)")
            for line in text_lines(verdicts):
                console.print(line, highlight=False, soft_wrap=True)
    summary = {"model": cal.model.meta, "held_out": {}}
    for name, verdicts in cal.held_out.items():
        summary["held_out"][name] = conf_summary(verdicts)
    typer.echo(json.dumps(summary, ensure_ascii=False))


def register(app: typer.Typer, eval_app: typer.Typer) -> None:
    """Add this area's commands to the `qa` app."""
    app.command("score")(score)
    app.add_typer(rubric_app, name="rubric")
    eval_app.command("scoring")(eval_scoring)
    eval_app.command("calibrate")(eval_calibrate)
