"""Audio sinks: the WAV file of a whole conversation, the speaker on virtual PulseAudio devices, no device."""
import os
import subprocess
import sys
import time
import wave

import pytest

from voice_triage.audio.sinks import NullSink, Pcm, RecordingSink, WavFileSink, open_speaker, parse_device
from tests.support.virtual import pulse_session
from voice_triage.errors import AudioDeviceError

pulse = pytest.fixture(scope="session")(pulse_session)


def tone(seconds: float, rate: int, amplitude: int = 8000, hz: float = 440.0) -> Pcm:
    import numpy as np

    t = np.arange(int(seconds * rate)) / rate
    return Pcm((amplitude * np.sin(2 * np.pi * hz * t)).astype("<i2").tobytes(), rate)


def test_wav_sink_appends_clips_of_any_rate_into_one_file(tmp_path):
    path = tmp_path / "talk.wav"
    sink = WavFileSink(path, sample_rate=22050)
    sink.play(tone(0.5, 22050))
    sink.play(tone(1.0, 16000))
    # The header is valid between clips: a program stopped half way leaves a playable file.
    with wave.open(str(path)) as w:
        assert w.getnframes() == pytest.approx(1.5 * 22050, abs=2)
    sink.play(Pcm.silence(0.25, 8000))
    sink.close()
    sink.close()
    with wave.open(str(path)) as w:
        assert (w.getnchannels(), w.getsampwidth(), w.getframerate()) == (1, 2, 22050)
        assert w.getnframes() / 22050 == pytest.approx(1.75, abs=0.01)
    assert sink.seconds_written == pytest.approx(1.75, abs=0.01)
    with pytest.raises(AudioDeviceError):
        sink.play(tone(0.1, 22050))


def test_wav_sink_in_an_unwritable_place_is_a_device_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(AudioDeviceError, match="Cannot write"):
        WavFileSink(blocker / "talk.wav")


def test_pcm_from_wav_mixes_stereo_to_mono_and_resamples(tmp_path):
    path = tmp_path / "stereo.wav"
    with wave.open(str(path), "wb") as w:
        w.setnchannels(2)
        w.setsampwidth(2)
        w.setframerate(8000)
        w.writeframes(b"".join(int(1000).to_bytes(2, "little", signed=True) + int(3000).to_bytes(2, "little", signed=True)
                               for _ in range(800)))
    pcm = Pcm.from_wav(path)
    assert pcm.sample_rate == 8000 and pcm.frames == 800
    assert pcm.samples[:2] == int(2000).to_bytes(2, "little", signed=True)
    up = pcm.resampled(16000)
    assert up.frames == 1600 and up.seconds == pytest.approx(pcm.seconds)


def test_unreadable_wav_is_a_device_error(tmp_path):
    bad = tmp_path / "bad.wav"
    bad.write_bytes(b"RIFF not really")
    with pytest.raises(AudioDeviceError, match="Cannot read"):
        Pcm.from_wav(bad)


def test_device_spec_is_an_index_or_a_name():
    assert parse_device("3") == 3
    assert parse_device(" pulse ") == "pulse"
    assert parse_device("") is None and parse_device(None) is None


def test_null_and_recording_sinks():
    NullSink().play(tone(0.1, 16000))
    rec = RecordingSink()
    rec.play(tone(0.1, 16000))
    assert len(rec.clips) == 1


def test_no_output_device_is_an_audio_device_error_not_a_crash():
    """With no sound server and no sound card, PortAudio has no default output device."""
    code = ("from voice_triage.audio.sinks import open_speaker\n"
            "from voice_triage.errors import AudioDeviceError\n"
            "try:\n    open_speaker()\nexcept AudioDeviceError as e:\n    print('ERR', e)\n")
    env = dict(os.environ, PULSE_SERVER="unix:/nonexistent/voice-triage-test")
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("ERR No speaker")


@pytest.mark.pulse
def test_speaker_plays_on_the_virtual_speaker_and_returns_when_heard(pulse):
    sink = open_speaker()
    with pulse.record() as rec:
        time.sleep(0.2)
        clip = tone(1.0, 22050)
        started = time.monotonic()
        sink.play(clip)
        returned = time.monotonic()
        time.sleep(0.3)
    loud = rec.loud_times(after=started)
    assert loud, "nothing reached the virtual speaker"
    assert rec.seconds_of_sound() == pytest.approx(1.0, abs=0.15)
    # play() blocks until the sound has been played, so the half-duplex loop can listen right after.
    assert returned >= loud[-1] - 0.1
    assert returned - started == pytest.approx(1.0, abs=0.4)


@pytest.mark.pulse
def test_unknown_output_device_name_is_an_audio_device_error(pulse):
    with pytest.raises(AudioDeviceError, match="There is no speaker called"):
        open_speaker("no such speaker anywhere")


def test_trimmed_keeps_a_short_margin_of_silence_at_each_end():
    rate = 16000
    clip = Pcm(Pcm.silence(0.5, rate).samples + tone(1.0, rate).samples + Pcm.silence(0.5, rate).samples, rate)
    cut = clip.trimmed(keep_start=0.01, keep_end=0.15)
    assert cut.seconds == pytest.approx(1.0 + 0.01 + 0.15, abs=0.01)
    assert Pcm.silence(1.0, rate).trimmed().frames == 0
