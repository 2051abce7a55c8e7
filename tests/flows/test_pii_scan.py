"""A full night's PII scan: personal data planted in transcripts, manifest values and file
names appears in no file the night wrote (recordings aside).

`qa run` runs as a subprocess with its own data dir, reports dir and Prefect home, so
everything it writes is in three folders plus its stdout and stderr: the results
database (SQLite file, or a dump of the PostgreSQL schema), the transcript files and the
speech-to-text cache, the reports, and Prefect's database and logs. Each planted string
is searched as written, as JSON escapes it, and (numbers) as bare digits.
"""

from __future__ import annotations

import csv
import json
import os
import re
import shutil
import subprocess
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

pytestmark = pytest.mark.slow

# what a caller says in the vendor transcript (each a different form)
SPOKEN = {
    "mobile_spoken": "一五九 嗯 零零七七 八八六六",
    "mobile_dots": "158.2233.4455",
    "mobile_paren": "(186)99887766",
    "id_bad_check": "11010519880715003X",
    "card": "6222 0211 2233 4455 667",
    "name": "欧阳振华",
    "address": "77号院5号楼3单元1102",
    "plate": "京N8K2Q7",
    "wechat": "wx_ouyang1988",
    "qq": "2837465910",
    "email": "ouyang.zh@163.com",
}
CALLER_TURN = (
    "我叫欧阳振华，手机一五九 嗯 零零七七 八八六六，备用的158.2233.4455，还有(186)99887766，"
    "身份证11010519880715003X，卡号6222 0211 2233 4455 667，住光华路77号院5号楼3单元1102，"
    "车牌京N8K2Q7，微信号wx_ouyang1988，QQ 2837465910，邮箱ouyang.zh@163.com"
)
# manifest values and file names
MANIFEST = {
    "topic": "回访13766554433",
    "caller_phone": "13955667788",
    "caller_name": "司马相如",
}
MANIFEST_CALL_ID = "13811112222_0815"
FILES = {
    "renamed": "13600003333_0815.json",  # a good vendor transcript named after a number
    "missing": "13700004444_x.json",  # a row whose file is not there
    "cut": "15900005555.json",  # a vendor file cut off in transfer
    "audio": "13800001111_en.flac",  # a recording named after a number
}


def _digits(text: str) -> str:
    table = dict(zip("零〇一二三四五六七八九", "00123456789", strict=True))
    return "".join(table.get(ch, ch) for ch in text if ch.isdigit() or ch in table)


def raw_strings() -> set[str]:
    out: set[str] = set()
    values = [*SPOKEN.values(), *MANIFEST.values(), *(Path(f).stem for f in FILES.values())]
    values.append(MANIFEST_CALL_ID)
    for value in values:
        out.add(value)
        out.add(json.dumps(value)[1:-1])  # how an ASCII-only JSON writer keeps it
        digits = _digits(value)
        if len(digits) >= 7:
            out.add(digits)
    out.add(MANIFEST["topic"][2:])
    return out


def _plant(inbox: Path, audio: Path | None, spoken: list[Path]) -> None:
    manifest = inbox / "manifest.csv"
    with manifest.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    first = rows[0]
    call = json.loads((inbox / first["file"]).read_text(encoding="utf-8"))
    segs = call["segments"]
    last = max(float(s.get("end") or 0) for s in segs)
    segs.append({"speaker": "caller", "start": last + 1, "end": last + 9, "text": CALLER_TURN})
    agent = "好的欧阳振华先生，我复述一下，您的电话是一五九零零七七八八六六，对吗？"
    segs.append({"speaker": "agent", "start": last + 10, "end": last + 14, "text": agent})
    (inbox / first["file"]).unlink()
    (inbox / "calls" / FILES["renamed"]).write_text(
        json.dumps(call, ensure_ascii=False), encoding="utf-8"
    )
    first["file"] = f"calls/{FILES['renamed']}"
    for row in rows:
        row.update(MANIFEST)
    rows[-1]["call_id"] = MANIFEST_CALL_ID  # a recording system naming calls by number
    template = dict(rows[1])
    rows.append({**template, "call_id": "P-missing", "file": f"calls/{FILES['missing']}"})
    (inbox / "calls" / FILES["cut"]).write_text('{"call_id": "P-cut", "segm', encoding="utf-8")
    rows.append({**template, "call_id": "P-cut", "file": f"calls/{FILES['cut']}"})
    if audio is not None:
        (inbox / "audio").mkdir(exist_ok=True)
        shutil.copyfile(audio, inbox / "audio" / FILES["audio"])
        rows.append(
            {
                **template,
                "call_id": "P-audio",
                "file": f"audio/{FILES['audio']}",
                "language": "en",
                "duration_s": "",
            }
        )
    for k, path in enumerate(spoken):  # a caller reading a number out, file named after one
        (inbox / "audio").mkdir(exist_ok=True)
        name = f"1350000{k}{k}{k}{k}_zh{path.suffix}"
        shutil.copyfile(path, inbox / "audio" / name)
        row = {**template, "call_id": f"P-zh{k}", "file": f"audio/{name}", "duration_s": ""}
        rows.append({**row, "language": "zh"})
    with manifest.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def _spoken_numbers(shared: Path) -> list[Path]:
    """Real Mandarin recordings of phone numbers read out (``asr_eval/zh``)."""
    tsv = shared / "asr_eval" / "zh" / "refs.tsv"
    if not tsv.is_file():
        return []
    with tsv.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh, delimiter="\t"))
    return [tsv.parent / r["file"] for r in rows if r["reference"].startswith("一三")][:2]


def _asr_pii(paths: list[Path], models: Path) -> set[str]:
    """The personal data in what speech-to-text makes of ``paths`` (raw, in memory)."""
    from qa_pipeline.asr import AsrOptions
    from qa_pipeline.asr.stage import transcribe_recordings
    from qa_pipeline.models import CallMeta, Recording
    from qa_pipeline.pii.redact import find_pii

    recs = [Recording(p, CallMeta(call_id=p.stem)) for p in paths]
    options = AsrOptions(model="base", device="cpu", compute_type="auto", language="zh")
    out: set[str] = set()
    for res in transcribe_recordings(recs, options, models_dir=models):
        assert res.transcript is not None, res.error
        for seg in res.transcript.segments:
            for m in find_pii(seg.text):
                out |= {seg.text[m.start : m.end], m.value}
    return out


def _hits(blob: bytes, where: str, needles: set[str]) -> list[str]:
    text = blob.decode("utf-8", errors="replace")
    return [f"{where}: {n!r}" for n in sorted(needles) if n in text]


def _scan_tree(root: Path, needles: set[str], skip_audio_in: Path | None) -> list[str]:
    found: list[str] = []
    for path in sorted(root.rglob("*")):
        rel = str(path.relative_to(root))
        found += _hits(rel.encode(), f"file name {root.name}/{rel}", needles)
        if path.is_symlink() or not path.is_file():
            continue
        if skip_audio_in is not None and path.parent == skip_audio_in:
            continue  # the recordings themselves (hard links under their call id)
        found += _hits(path.read_bytes(), f"{root.name}/{rel}", needles)
    return found


def _postgres_url() -> tuple[str, str] | None:
    base = os.environ.get("QA_TEST_POSTGRES_URL")
    if not base:
        if os.environ.get("QA_REQUIRE_POSTGRES") == "1":
            pytest.fail("QA_REQUIRE_POSTGRES=1 but QA_TEST_POSTGRES_URL is not set")
        return None
    return base, f"qa_pii_{uuid.uuid4().hex[:10]}"


@pytest.mark.parametrize(
    "backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def test_no_raw_personal_data_in_anything_a_night_writes(
    tmp_path: Path, h: Any, backend: str, shared_dir: Path
) -> None:
    h.needs_model()
    audio = h.repo / "demo" / "audio" / "en_05.flac"
    spoken = _spoken_numbers(shared_dir)
    inbox = h.vendor_inbox(tmp_path / "centre", n=3)
    _plant(inbox, audio if audio.is_file() else None, spoken)
    # what speech-to-text hears in the spoken numbers must not rest anywhere either
    heard = _asr_pii(spoken, Path(h.qa_env(tmp_path)["QA_MODELS_DIR"])) if spoken else set()
    assert not spoken or heard, "speech-to-text heard no number in the spoken-number calls"

    extra: dict[str, str] = {}
    engine = None
    schema = ""
    if backend == "postgres":
        pg = _postgres_url()
        if pg is None:
            pytest.skip("QA_TEST_POSTGRES_URL not set")
        base, schema = pg
        from sqlalchemy import create_engine

        engine = create_engine(base)
        with engine.begin() as conn:
            conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
        sep = "&" if "?" in base else "?"
        extra["QA_DATABASE_URL"] = f"{base}{sep}options={quote(f'-csearch_path={schema}')}"
    # every log line at INFO, to the console and to Prefect's stored logs
    extra.update(PREFECT_LOGGING_LEVEL="INFO", PREFECT_LOGGING_SERVER_LEVEL="INFO")
    env = h.qa_env(tmp_path, **extra)
    try:
        proc = subprocess.run(
            [
                str(h.qa),
                "-v",
                "run",
                "--inbox",
                str(inbox),
                "--date",
                "2026-11-20",
                "--chunk-size",
                "2",
            ],
            env=env,
            capture_output=True,
            text=True,
            timeout=900,
            cwd=h.repo,
        )
        assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
        needles = raw_strings() | heard | {f"1350000{k}{k}{k}{k}" for k in range(len(spoken))}
        found = _hits(proc.stdout.encode(), "stdout", needles)
        found += _hits(proc.stderr.encode(), "stderr", needles)
        data = tmp_path / "data"
        found += _scan_tree(data, needles, skip_audio_in=data / "recordings")
        found += _scan_tree(tmp_path / "reports", needles, None)
        found += _scan_tree(tmp_path / "prefect", needles, None)
        if engine is not None:
            # a dump of the schema: every row of every table, as text
            with engine.connect() as conn:
                tables = conn.exec_driver_sql(
                    "SELECT table_name FROM information_schema.tables WHERE table_schema = %s",
                    (schema,),
                ).scalars()
                dump = "\n".join(
                    str(row[0])
                    for table in list(tables)
                    for row in conn.exec_driver_sql(f'SELECT t::text FROM "{schema}"."{table}" t')
                ).encode()
            found += _hits(dump, "postgres dump", needles)
            assert "[手机号]".encode() in dump or b"\\u624b\\u673a\\u53f7" in dump
    finally:
        if engine is not None:
            with engine.begin() as conn:
                conn.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
            engine.dispose()
    assert found == [], "\n".join(found[:40])

    # the night did its work: calls scored, failures named, reports and links by call id
    assert "P-missing" in proc.stdout and "P-cut" in proc.stdout
    assert "[手机号]" in proc.stdout  # the failing file names, masked
    reports = list((tmp_path / "reports").rglob("*.html"))
    assert reports
    html = "\n".join(p.read_text(encoding="utf-8") for p in reports)
    assert not re.search(r'href="[^"]*\.json', html)  # no listen link to vendor JSON
    if audio.is_file():
        linked = data / "recordings" / "P-audio.flac"
        assert linked.is_file() and os.path.samefile(linked, inbox / "audio" / FILES["audio"])
