"""Issue 29: speech said after a whole answer is heard, in file mode and in the live loop.

"No ... but my chest is tight now", said in one breath at a feature question, was lost: the turn ended 300 ms
after "No." (a whole answer), the rest of the audio was never heard, and the next question was asked. These
tests speak it (flite, real Whisper tiny.en) with the pause after "No." that a person leaves, through
`voice-triage --io jsonl` with a WAV file, and through the live loop on the virtual PulseAudio devices.
"""
from __future__ import annotations

import io
import json
import shutil
import subprocess
import wave

import numpy as np
import pytest

from tests.support import EXE
from tests.support.virtual import VirtualPatient, pulse_session
from voice_triage.dialogue.triage import Triage
from voice_triage.modes.live import EXIT_OK, run_live
from voice_triage.modes.voice import VoiceChannel
from voice_triage.speech.captions import Captions
from voice_triage.speech.settings import VoiceSettings

pytestmark = [pytest.mark.speech,
              pytest.mark.skipif(shutil.which("flite") is None, reason="speech synthesis needs flite")]

BEFORE = [{"text": "yes"}, {"text": "my calf hurts when I walk"}, {"text": "no"}, {"text": "no"}]
"""Consent, the open question, chest pain, breathlessness: the next question is rest_pain (a feature)."""
RATE = 16000


def _flite(text: str, voice: str, folder) -> np.ndarray:
    path = folder / f"{voice}-{abs(hash(text))}.wav"
    if not path.exists():
        raw = path.with_suffix(".raw.wav")
        subprocess.run(["flite", "-voice", voice, "-t", text, "-o", str(raw)], check=True)
        subprocess.run(["sox", str(raw), "-r", str(RATE), "-c", "1", "-b", "16", str(path)], check=True)
    with wave.open(str(path), "rb") as w:
        samples = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2")
    loud = np.flatnonzero(np.abs(samples.astype(np.int32)) > 300)
    return samples[loud[0]:loud[-1] + 1]


def one_breath(folder, answer: str, then: str, gap_s: float, voice: str = "slt") -> str:
    """A WAV of `answer`, `gap_s` of silence, then `then`, with 0.3 s of silence before and 1 s after."""
    pad = lambda s: np.zeros(int(s * RATE), dtype="<i2")  # noqa: E731
    audio = np.concatenate([pad(0.3), _flite(answer, voice, folder), pad(gap_s), _flite(then, voice, folder),
                            pad(1.0)])
    path = folder / f"breath-{voice}-{gap_s}-{abs(hash(answer + then))}.wav"
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(RATE)
        w.writeframes(audio.tobytes())
    return str(path)


def jsonl(lines: list[dict]) -> list[dict]:
    proc = subprocess.run([EXE, "--io", "jsonl"], input="".join(json.dumps(x) + "\n" for x in lines),
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "Traceback" not in proc.stderr
    return [json.loads(line) for line in proc.stdout.splitlines()]


@pytest.mark.parametrize("voice,gap_s", [("slt", 0.4), ("rms", 0.55)])
def test_file_mode_an_emergency_after_a_quick_no_raises_the_alarm(tmp_path, voice, gap_s):
    wav = one_breath(tmp_path, "No.", "But my chest is tight now.", gap_s, voice)
    events = jsonl(BEFORE + [{"audio": wav}, {"text": "no"}, {"text": "no"}])
    listens = [e for e in events if e["event"] == "listen"]
    asked = [e["question"] for e in listens]
    assert asked[:5] == ["consent", "open", "chest_pain", "breathlessness", "rest_pain"], asked
    after = events[events.index(listens[4]) + 1:]
    assert after and after[0]["event"] in ("heard", "emergency"), after[:3]
    first_listen = next((i for i, e in enumerate(after) if e["event"] == "listen"), len(after))
    alarm = next((i for i, e in enumerate(after) if e["event"] == "emergency"), None)
    assert alarm is not None and alarm < first_listen, after[:6]
    assert events[-1]["disposition"] == "emergency"


def test_file_mode_a_plain_continuation_is_the_same_answer_not_the_next_one(tmp_path):
    """What follows the quick answer belongs to this question: "No. It's fine when I sit down." is heard as
    one answer (rest pain: no), and the next question is asked and left for the next line."""
    wav = one_breath(tmp_path, "No.", "It is fine when I sit down.", 0.45)
    events = jsonl(BEFORE + [{"audio": wav}])
    heard = [e for e in events if e["event"] == "heard"]
    assert "fine when i sit down" in heard[-1]["text"].lower().replace(",", "").replace(".", ""), heard[-1]
    assert not any(e["event"] == "emergency" for e in events)
    listens = [e["question"] for e in events if e["event"] == "listen"]
    assert listens[4] == "rest_pain" and listens[5] != "rest_pain", listens


# ---------------------------------------------------------------- live, on virtual PulseAudio devices

pulse = pytest.fixture(scope="session")(pulse_session)


@pytest.mark.pulse
def test_live_an_emergency_after_a_quick_no_raises_the_alarm(pulse, tmp_path):
    """The real live loop (microphone opened for each answer, closed while the assistant speaks): the person
    answers "No." at the rest pain question and, after a short pause, says their chest is tight."""
    from voice_triage.modes.demo import PatientVoice
    from voice_triage.modes.voice import microphone
    from voice_triage.recognition.listener import build_listener
    from voice_triage.speech import open_speech_output

    breath = one_breath(tmp_path, "No.", "But my chest is tight now.", 0.45)
    answers = {"consent": "yes", "open": "my calf hurts when I walk", "chest_pain": "no", "breathlessness": "no",
               "rest_pain": breath}
    voice = PatientVoice("flite:slt", str(tmp_path))

    def render(text: str) -> str:
        return text if text.endswith(".wav") else voice.render(text)

    listener = build_listener()
    out = io.StringIO()
    speech = open_speech_output(VoiceSettings(rate=320), captions=Captions(out, "plain"))
    assert speech.speaking_aloud, out.getvalue()
    patient = VirtualPatient(pulse, lambda listen: answers.get(listen.get("question"), "no"), render)
    channel = VoiceChannel(speech, listener, microphone(None))
    result = run_live(Triage, channel, on_event=patient.on_event)
    patient.wait()
    speech.close()
    captions = out.getvalue()
    assert result.exit_code == EXIT_OK, captions
    asked = [a.question for a in patient.answers]
    assert asked[:5] == ["consent", "open", "chest_pain", "breathlessness", "rest_pain"], captions
    assert result.end.disposition == "emergency", captions
    assert asked[-1] == "rest_pain", f"a question was asked after the rest pain answer: {asked}\n{captions}"
