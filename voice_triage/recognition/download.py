"""Download the small English Vosk model, check its SHA-256, unpack it atomically."""
from __future__ import annotations

import hashlib
import logging
import os
import sys
import tempfile
import urllib.error
import urllib.request
import zipfile
from pathlib import Path
from typing import TextIO

from voice_triage.errors import ModelError
from voice_triage.recognition.discovery import model_dirs
from voice_triage.recognition.vosk_engine import validate_vosk_model

log = logging.getLogger(__name__)

MODEL_NAME = "vosk-model-small-en-us-0.15"
MODEL_URL = f"https://alphacephei.com/vosk/models/{MODEL_NAME}.zip"
MODEL_SHA256 = "30f26242c4eb449f948e42cb302dd7a686cb29a3423a8367f99ff41780942498"
"""SHA-256 of the 41,205,931-byte archive. alphacephei publishes no checksum file; this value is the
one recorded independently by several projects that pin this archive. Override with --sha256."""


def _progress(done: int, total: int | None, out: TextIO) -> None:
    if total:
        width = 30
        filled = int(width * done / total)
        out.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done / 1e6:5.1f}/{total / 1e6:.1f} MB")
    else:
        out.write(f"\r{done / 1e6:5.1f} MB")
    out.flush()


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
    try:
        dest_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ModelError(f"Cannot create {dest_dir} for the model: {exc.strerror}.") from exc
    with tempfile.TemporaryDirectory(prefix=f".{name}-", dir=dest_dir) as tmp:
        archive = Path(tmp) / f"{name}.zip"
        digest = hashlib.sha256()
        try:
            with urllib.request.urlopen(url, timeout=timeout) as response, open(archive, "wb") as out:
                total = int(response.headers.get("Content-Length") or 0) or None
                done = 0
                while block := response.read(1 << 16):
                    out.write(block)
                    digest.update(block)
                    done += len(block)
                    if progress is not None:
                        _progress(done, total, progress)
        except (urllib.error.URLError, OSError, TimeoutError) as exc:
            reason = getattr(exc, "reason", None) or exc
            raise ModelError(f"Could not download {url} ({reason}); check the internet connection, "
                             "or download it elsewhere and pass --vosk-model PATH.") from exc
        finally:
            if progress is not None and archive.exists() and archive.stat().st_size:
                progress.write("\n")
        if sha256 is not None and digest.hexdigest() != sha256.lower():
            raise ModelError(f"The download of {url} is corrupt: SHA-256 {digest.hexdigest()} "
                             f"is not the expected {sha256}; try again.")
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
        try:
            os.rename(inner, target)
        except OSError as exc:
            if target.exists():  # another process won the race; its copy is as good as ours
                return target
            raise ModelError(f"Could not move the model into {target}: {exc.strerror}.") from exc
    return target


def main(argv: list[str] | None = None) -> int:
    """`voice-triage download-model` / scripts/download_vosk_model.py: 0 on success, 1 with one sentence."""
    import argparse

    ap = argparse.ArgumentParser(prog="download-model", description=__doc__)
    ap.add_argument("--dest", help=f"folder to unpack into (default {model_dirs()[0]})")
    ap.add_argument("--url", default=MODEL_URL)
    ap.add_argument("--sha256", default=MODEL_SHA256, help="expected SHA-256 of the archive ('none' to skip)")
    args = ap.parse_args(argv)
    sha = None if args.sha256.lower() == "none" else args.sha256
    try:
        path = download_vosk_model(args.dest, url=args.url, sha256=sha)
    except ModelError as exc:
        print(f"download-model: {exc}", file=sys.stderr)
        return 1
    print(path)
    return 0
