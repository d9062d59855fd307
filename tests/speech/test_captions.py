"""Captions: large and plain, the emergency unmistakable."""
import io

from voice_triage.speech.captions import Captions


def test_large_captions_are_bold_on_a_terminal_and_wrapped():
    out = io.StringIO()
    Captions(out, "large", color=True, width=30).assistant(
        "Do you have any pain, pressure or tightness in your chest right now?")
    text = out.getvalue()
    assert "\x1b[1m" in text
    lines = [line for line in text.splitlines() if line.strip()]
    assert len(lines) >= 2
    assert all(len(line.replace("\x1b[1m", "").replace("\x1b[0m", "").strip()) <= 30 for line in lines)
    assert "tightness" in text


def test_plain_captions_have_no_escape_codes():
    out = io.StringIO()
    captions = Captions(out, "plain", color=True)
    captions.assistant("Hello  there.")
    captions.person("yes")
    assert out.getvalue() == "Assistant: Hello there.\n  You: yes\n"


def test_emergency_caption_stands_out_from_an_ordinary_one():
    ordinary, urgent = io.StringIO(), io.StringIO()
    Captions(ordinary, color=True).assistant("Call emergency services now.")
    Captions(urgent, color=True).emergency("Call emergency services now.")
    assert "\x1b[7m" in urgent.getvalue() and "\x1b[7m" not in ordinary.getvalue()
    assert "EMERGENCY" in urgent.getvalue()
    piped = io.StringIO()
    Captions(piped, color=False).emergency("Call emergency services now.")
    assert "\x1b" not in piped.getvalue()
    assert "=====" in piped.getvalue() and "EMERGENCY" in piped.getvalue()


def test_off_hides_sentences_but_not_notices():
    out = io.StringIO()
    captions = Captions(out, "off")
    captions.assistant("hello")
    captions.notice("no speaker; captions only")
    assert out.getvalue() == "voice-triage: no speaker; captions only\n"


def test_no_color_environment_turns_styling_off(monkeypatch):
    class Tty(io.StringIO):
        def isatty(self):
            return True

    out = Tty()
    monkeypatch.setenv("NO_COLOR", "1")
    Captions(out).assistant("hello")
    assert "\x1b" not in out.getvalue()
    monkeypatch.delenv("NO_COLOR")
    Captions(out).assistant("hello")
    assert "\x1b[1m" in out.getvalue()
