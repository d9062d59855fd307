"""Issue 13: `voice-triage say TEXT --out FILE.wav` renders one sentence with the configured voice (kiosk
owners try voices with it), through the real console script."""
import subprocess
import wave

from tests.support import EXE


def run(*args: str):
    return subprocess.run([EXE, "say", *args], capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)


def test_say_writes_the_sentence_with_the_engine_and_voice_asked_for(tmp_path):
    out = tmp_path / "voice.wav"
    done = run("Is one leg colder than the other?", "--tts", "flite", "--voice", "rms", "--rate", "140", "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"{out}: ") and done.stdout.rstrip().endswith("flite with the voice rms (asked for "
                                                                                "with --tts flite)")
    with wave.open(str(out)) as w:
        assert w.getframerate() == 16000 and 1.5 < w.getnframes() / 16000 < 6
    slower = tmp_path / "slow.wav"
    assert run("Is one leg colder than the other?", "--tts", "flite", "--voice", "rms", "--rate", "110",
               "--out", str(slower)).returncode == 0
    with wave.open(str(out)) as a, wave.open(str(slower)) as b:
        assert b.getnframes() > a.getnframes() * 1.15


def test_say_with_an_unknown_voice_or_no_text_is_one_line_and_exit_2(tmp_path):
    done = run("Hello.", "--tts", "flite", "--voice", "nobody", "--out", str(tmp_path / "x.wav"))
    assert done.returncode == 2 and "Flite has no voice 'nobody'" in done.stderr and "Traceback" not in done.stderr
    done = run("  ", "--out", str(tmp_path / "y.wav"))
    assert done.returncode == 2 and "give the sentence" in done.stderr


def test_say_names_the_voice_it_speaks_with_not_the_default_one(tmp_path):
    """It said "flite (rms) (the clearest installed), voice kal16": two voices, the first one not used."""
    out = tmp_path / "kal.wav"
    done = run("Hello.", "--voice", "kal16", "--out", str(out))
    assert done.returncode == 0, done.stderr
    line = done.stdout.strip()
    assert line.startswith(f"{out}: ") and line.endswith(", flite with the voice kal16 (the clearest installed)"), line
    assert "rms" not in line
