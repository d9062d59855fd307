"""Voice and touch in one kiosk session on real (virtual PulseAudio) devices with the screen attached: the
kiosk's real voice channel (flite out, Whisper in) and the page's socket answer the same person."""
from __future__ import annotations

import threading
import time

import pytest

from tests.support.screen import ScreenKiosk, SocketPage
from tests.support.virtual import pulse_session

pulse = pytest.fixture(scope="module")(pulse_session)

CONFIG = "[voice]\nrate = 320\ncaptions = \"off\"\n[timeouts]\nlisten = 6\nidle = 30\n[screen]\nsummary = 1\n"


@pytest.mark.pulse
@pytest.mark.speech
def test_woken_by_voice_answered_by_buttons_and_voice_an_emergency_said_aloud(pulse, tmp_path):
    from voice_triage.cli import kiosk_stages, voice_channel
    from voice_triage.modes.demo import PatientVoice
    from voice_triage.modes.kiosk.config import parse_config
    from voice_triage.modes.screen.channel import HubKeys

    stages = kiosk_stages(parse_config(CONFIG))
    render = PatientVoice("flite:slt", str(tmp_path)).render

    def speak(words: str) -> None:
        """Say `words` once the kiosk listens (its microphone is open): on a busy machine opening the voice and the
        microphone takes seconds, and words said before that are not heard by anyone."""
        wav = render(words)

        def play():
            pulse.wait_for_microphone()
            time.sleep(0.3)
            pulse.play_into_mic(wav).wait()

        threading.Thread(target=play, daemon=True).start()

    def voice(hub):
        return voice_channel(stages, keys=lambda: HubKeys(hub), speaker_required=True)

    with ScreenKiosk(CONFIG, voice_factory=voice, mode="kiosk", max_sessions=1) as kiosk:
        page = SocketPage(kiosk.socket_url)
        page.until(lambda e: e["event"] == "waiting", timeout=60)
        for _ in range(3):  # woken by voice (said again if the kiosk's wake listen ended just as it was said)
            speak("hello")
            try:
                first = page.listen(timeout=30)
                break
            except (AssertionError, TimeoutError):  # no question within 30 s
                continue
        else:
            raise AssertionError(f"not woken by voice; the page saw {page.seen[-5:]}")
        assert first["question"] == "consent"
        page.send(key="y")  # a button
        assert page.listen(timeout=60)["question"] == "open"
        page.send(text="my calf cramps when I walk")  # typed
        assert page.listen(timeout=60)["question"] == "chest_pain"
        speak("yes my chest hurts")  # said aloud
        emergency = page.until(lambda e: e["event"] == "emergency", timeout=60)
        assert emergency["reason"] == "chest_pain"
        assert page.until(lambda e: e["event"] == "banner", timeout=30)
        assert page.until(lambda e: e["event"] == "end", timeout=60)["disposition"] == "emergency"
        kiosk.wait_sessions(1, timeout=60)
        page.close()
    record = kiosk.records[0]
    assert record.emergency and record.disposition == "emergency" and record.ending == "completed"
