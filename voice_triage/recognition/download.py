"""Download a model where there is internet: the small English Vosk model, or Whisper base.en / small.en.

Every file's SHA-256 is checked against a pinned value and the model is moved into place only when whole,
so a half-done or corrupt download never looks like a model.
"""
from __future__ import annotations

import argparse
import contextlib
import logging
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, TextIO

from voice_triage.errors import ModelError
from voice_triage.recognition.discovery import model_dirs, whisper_dirs
from voice_triage.recognition.vosk_engine import validate_vosk_model

log = logging.getLogger(__name__)

MODEL_NAME = "vosk-model-small-en-us-0.15"
MODEL_URL = f"https://alphacephei.com/vosk/models/{MODEL_NAME}.zip"
MODEL_SHA256 = "30f26242c4eb449f948e42cb302dd7a686cb29a3423a8367f99ff41780942498"
"""SHA-256 of the 41,205,931-byte archive. alphacephei publishes no checksum file; this value is the
one recorded independently by several projects that pin this archive. Override with --sha256."""


def _progress(done: int, total: int | None, out: TextIO, label: str = "") -> None:
    if total:
        width = 30
        filled = int(width * done / total)
        out.write(f"\r{label}[{'#' * filled}{'.' * (width - filled)}] {done / 1e6:5.1f}/{total / 1e6:.1f} MB")
    else:
        out.write(f"\r{label}{done / 1e6:5.1f} MB")
    out.flush()


def _fetch(url: str, out: Path, sha256: str | None, *, progress: TextIO | None, timeout: float,
           instead: str, size: int | None = None) -> None:
    """Stream `url` into the file `out`, showing progress; ModelError (one sentence) when it cannot be fetched
    or its SHA-256 (or its size, when given) is not the expected one."""
    import hashlib  # here, as tempfile and zipfile below: the command line reads this module's options at every start
    import urllib.error
    import urllib.request

    digest = hashlib.sha256()
    done = 0
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response, open(out, "wb") as fh:
            total = int(response.headers.get("Content-Length") or 0) or size
            while block := response.read(1 << 16):
                fh.write(block)
                digest.update(block)
                done += len(block)
                if progress is not None:
                    _progress(done, total, progress, f"{out.name} " if size is not None else "")
    except (urllib.error.URLError, OSError, TimeoutError) as exc:
        reason = getattr(exc, "reason", None) or exc
        raise ModelError(f"Could not download {url} ({reason}); check the internet connection, "
                         f"or download it elsewhere and {instead}.") from exc
    finally:
        if progress is not None and done:
            progress.write("\n")
    if sha256 is not None and digest.hexdigest() != sha256.lower():
        raise ModelError(f"The download of {url} is corrupt: SHA-256 {digest.hexdigest()} "
                         f"is not the expected {sha256}; try again.")
    if size is not None and done != size:
        raise ModelError(f"The download of {url} is {done} bytes, not the expected {size}; try again.")


def download_vosk_model(dest: str | Path | None = None, *, url: str = MODEL_URL,
                        sha256: str | None = MODEL_SHA256, progress: TextIO | None = sys.stderr,
                        timeout: float = 30.0) -> Path:
    """Fetch `url` into `dest` (default: the first folder model discovery searches); returns the model folder.

    The archive's SHA-256 must equal `sha256` (None skips the check). The model is unpacked into a
    temporary folder beside its destination and renamed into place, so a half-done download never
    looks like a model. Raises ModelError with one sentence on any failure (offline, bad checksum).
    """
    dest_dir = Path(dest).expanduser() if dest else model_dirs()[0]
    name = Path(url.rsplit("/", 1)[-1]).stem
    target = dest_dir / name
    if target.exists():
        validate_vosk_model(target)
        log.info("The Vosk model is already in %s", target)
        return target
    import tempfile
    import zipfile

    with _folder(dest_dir), tempfile.TemporaryDirectory(prefix=f".{name}-", dir=dest_dir) as tmp:
        archive = Path(tmp) / f"{name}.zip"
        _fetch(url, archive, sha256, progress=progress, timeout=timeout, instead="pass --vosk-model PATH")
        unpacked = Path(tmp) / "unpacked"
        try:
            with zipfile.ZipFile(archive) as zf:
                for member in zf.namelist():
                    resolved = (unpacked / member).resolve()
                    if not str(resolved).startswith(str(unpacked.resolve())):
                        raise ModelError(f"The archive {url} holds an unsafe path {member!r}; not unpacking it.")
                zf.extractall(unpacked)
        except zipfile.BadZipFile as exc:
            raise ModelError(f"The download of {url} is not a valid zip archive; try again.") from exc
        inner = unpacked / name
        if not inner.is_dir():
            entries = [p for p in unpacked.iterdir() if p.is_dir()]
            if len(entries) != 1:
                raise ModelError(f"The archive {url} does not hold a single model folder.")
            inner = entries[0]
        validate_vosk_model(inner)
        _move_into_place(inner, target)
    return target


@contextlib.contextmanager
def _folder(dest_dir: Path) -> Iterator[None]:
    """Make `dest_dir` (and its missing parents) for a download; if the download fails, remove the folders made
    here again (those still empty), so that a failed download leaves nothing behind."""
    made: list[Path] = []
    folder = dest_dir
    while not folder.exists() and folder != folder.parent:
        made.append(folder)
        folder = folder.parent
    try:
        dest_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ModelError(f"Cannot create {dest_dir} for the model: {exc.strerror}.") from exc
    try:
        yield
    except BaseException:
        for folder in made:  # the deepest first
            try:
                folder.rmdir()
            except OSError:  # not empty (something else put a file there) or gone: leave it
                break
        raise


def _move_into_place(folder: Path, target: Path) -> None:
    """Rename a whole, checked model folder to `target` (atomic on one file system)."""
    try:
        os.rename(folder, target)
    except OSError as exc:
        if target.exists():  # another process won the race; its copy is as good as ours
            return
        raise ModelError(f"Could not move the model into {target}: {exc.strerror}.") from exc


EN_TOKENIZER = ("tokenizer.json", 2_128_466, "929c5252409436dce1b38a75d1abbcb5e132d170d8e324e4e04ed915fa2d22df")
EN_VOCABULARY = ("vocabulary.txt", 422_309, "ff77588746d3a2595d32ab5b69ffd7b95ce2441ac57533cb66fc3eb575a115cf")


@dataclass(frozen=True)
class WhisperDownload:
    """One CTranslate2 Whisper model on Hugging Face, pinned by commit: each file's name, size and SHA-256."""

    repo: str
    revision: str
    files: tuple[tuple[str, int, str], ...]

    @property
    def size(self) -> int:
        return sum(size for _, size, _ in self.files)

    def url(self, name: str, base: str = "https://huggingface.co") -> str:
        return f"{base.rstrip('/')}/{self.repo}/resolve/{self.revision}/{name}"


WHISPER_MODELS = {
    "whisper-base.en": WhisperDownload("Systran/faster-whisper-base.en", "3d3d5dee26484f91867d81cb899cfcf72b96be6c", (
        ("config.json", 2_227, "f3bc3821e9fc76a27bae538e11ae5b677dcdd352b4600429ce7951d398569aeb"),
        ("model.bin", 145_216_508, "2a166925539a16005f14ff328359f9b9adb9dc4fb631bb3b227526862e93e2ef"),
        EN_TOKENIZER, EN_VOCABULARY)),
    "whisper-small.en": WhisperDownload("Systran/faster-whisper-small.en", "d1d751a5f8271d482d14ca55d9e2deeebbae577f", (
        ("config.json", 2_657, "666a9605530ac1f61fa8177f3702b4dacec9966749e42610839fcc32661d5fae"),
        ("model.bin", 483_545_366, "62b2a45b05ee59acb4a5341b33ee35e041395d378d418a18acfe4c9e768ee37a"),
        EN_TOKENIZER, EN_VOCABULARY)),
}
"""Bigger Whisper models than the packaged tiny.en, for machines with more cores (MIT, CTranslate2 conversions
by Systran). The SHA-256 values are Hugging Face's LFS object ids of these commits, the same in several
projects that pin them; tokenizer.json and vocabulary.txt are byte for byte those of the packaged tiny.en."""


def download_whisper_model(name: str, dest: str | Path | None = None, *, base_url: str = "https://huggingface.co",
                           progress: TextIO | None = sys.stderr, timeout: float = 30.0,
                           catalogue: dict[str, WhisperDownload] | None = None) -> Path:
    """Fetch the Whisper model `name` (a key of WHISPER_MODELS) into `dest` (default: the first folder
    Whisper discovery searches) and return its folder; an existing whole copy is kept. Every file is
    checked by size and SHA-256 before the folder is renamed into place."""
    from voice_triage.recognition.whisper_engine import validate_whisper_model

    models = WHISPER_MODELS if catalogue is None else catalogue
    if name not in models:
        raise ModelError(f"Unknown model {name!r}; choose one of {', '.join(MODEL_CHOICES)}.")
    model = models[name]
    dest_dir = Path(dest).expanduser() if dest else whisper_dirs()[0]
    target = dest_dir / name
    if target.exists():
        validate_whisper_model(target)
        log.info("Whisper %s is already in %s", name, target)
        return target
    if progress is not None:
        progress.write(f"Downloading {name} ({model.size / 1e6:.0f} MB) from {model.repo} at {model.revision[:10]}\n")
    import tempfile

    with _folder(dest_dir), tempfile.TemporaryDirectory(prefix=f".{name}-", dir=dest_dir) as tmp:
        folder = Path(tmp) / name
        folder.mkdir()
        for file, size, sha in model.files:
            _fetch(model.url(file, base_url), folder / file, sha, progress=progress, timeout=timeout, size=size,
                   instead="pass --whisper-model PATH")
        validate_whisper_model(folder)
        _move_into_place(folder, target)
    return target


MODEL_CHOICES = ("vosk", *WHISPER_MODELS)


@dataclass(frozen=True)
class DownloadRequest:
    """`voice-triage download-model`: which model, and where from and to."""

    model: str = "vosk"
    """vosk, whisper-base.en or whisper-small.en."""
    dest: str | None = None
    """The folder to put it in; None: the first folder model discovery searches."""
    url: str | None = None
    """Vosk: the archive's address; Whisper: the Hugging Face server; None: the pinned one."""
    sha256: str | None = MODEL_SHA256
    """Vosk: the archive's expected SHA-256; None skips the check."""


def add_arguments(ap: argparse.ArgumentParser) -> None:
    """The options of `download-model` (and of scripts/download_vosk_model.py), and the sizes under --help."""
    sizes = ", ".join(f"{n} {m.size / 1e6:.0f} MB" for n, m in WHISPER_MODELS.items())
    ap.epilog = (f"vosk: {MODEL_NAME}, 41 MB (used whenever present); {sizes} (used instead of the packaged "
                 "tiny.en: more accurate, and slower).")
    ap.add_argument("model", nargs="?", default="vosk", choices=MODEL_CHOICES,
                    help="which model (default: vosk, the small English Vosk model)")
    ap.add_argument("--dest", metavar="DIR", help=f"folder to put it in (default {model_dirs()[0]} for Vosk, "
                    f"{whisper_dirs()[0]} for Whisper)")
    ap.add_argument("--url", help="Vosk: where to fetch the archive from; Whisper: the Hugging Face server")
    ap.add_argument("--sha256", default=MODEL_SHA256, help="Vosk: expected SHA-256 of the archive ('none' to skip)")


def request_from(model: str = "vosk", dest: str | None = None, url: str | None = None,
                 sha256: str | None = MODEL_SHA256) -> DownloadRequest:
    """The request the options of `add_arguments` make ('none' for --sha256: no check)."""
    return DownloadRequest(model, dest, url, None if sha256 is None or sha256.lower() == "none" else sha256)


def run_download(request: DownloadRequest) -> int:
    """Fetch the model `request` names; print its folder. 0 on success, 1 with one sentence."""
    try:
        if request.model == "vosk":
            path = download_vosk_model(request.dest, url=request.url or MODEL_URL, sha256=request.sha256)
        else:
            path = download_whisper_model(request.model, request.dest, base_url=request.url or "https://huggingface.co")
    except ModelError as exc:
        print(f"download-model: {exc}", file=sys.stderr)
        return 1
    print(path)
    return 0


def main(argv: list[str] | None = None) -> int:
    """scripts/download_vosk_model.py (and tests): 0 on success, 1 with one sentence."""
    ap = argparse.ArgumentParser(prog="voice-triage download-model", description=__doc__.split("\n")[0])
    add_arguments(ap)
    args = ap.parse_args(argv)
    return run_download(request_from(args.model, args.dest, args.url, args.sha256))
