"""The learned reader at run time (issue 30): the shipped model loads checked against its checksums, reads what the
golden file says it reads (a changed tokenizer or export is caught), is loaded in the background and waited for,
and never ends a conversation when it fails."""
from __future__ import annotations

import json
import shutil
import threading
from pathlib import Path

import pytest

from voice_triage import Triage
from voice_triage.errors import ModelError
from voice_triage.understanding.reader import MODEL_PACKAGE, Reader, ReaderLoader

GOLDEN = Path(__file__).parents[1] / "data" / "reader_golden.json"
TOLERANCE = 0.06
"""How far a probability may move: ONNX Runtime's int8 kernels differ between CPUs. Where the golden file was written
the readings matched within 0.02; on an AMD EPYC with AVX2 and no AVX-512 or VNNI they moved up to 0.047 (i cant
catch my bread: breath), with every answer the same, whichever ONNX Runtime (1.31.1, 1.32.0) or tokenizers. A changed tokenizer or export moves far more."""


def shipped() -> Path:
    from importlib import resources

    return Path(str(resources.files(MODEL_PACKAGE)))


@pytest.fixture(scope="module")
def reader():
    return Reader.load()


def test_the_shipped_reader_reads_what_the_golden_file_says(reader):
    golden = json.loads(GOLDEN.read_text(encoding="utf-8"))
    assert len(golden["cases"]) >= 30
    for case in golden["cases"]:
        got = reader.read(case["question"], case["text"])
        assert got.answer == case["answer"], case
        assert abs(got.answer_p - case["answer_p"]) <= TOLERANCE, (case, got)
        assert abs(got.chest - case["chest"]) <= TOLERANCE, (case, got)
        assert abs(got.breath - case["breath"]) <= TOLERANCE, (case, got)


def test_a_model_file_that_does_not_match_its_checksum_is_refused(tmp_path):
    folder = tmp_path / "models"
    shutil.copytree(shipped(), folder)
    data = bytearray((folder / "reader.onnx").read_bytes())
    data[len(data) // 2] ^= 0xFF
    (folder / "reader.onnx").write_bytes(bytes(data))
    with pytest.raises(ModelError, match="checksum"):
        Reader.load(folder)
    (folder / "reader.json").unlink()
    with pytest.raises(ModelError, match="missing or broken"):
        Reader.load(folder)


def test_a_long_text_is_read_in_windows_and_an_emergency_at_its_end_is_found(reader):
    words = ("my calf aches on the long walk to the shops and back again " * 12).split()
    text = " ".join(words) + " and now my chest is really tight and heavy"
    got = reader.read("Is there anything else you want to tell me about the pain?", text)
    assert not got.whole and got.chest > 0.5, got


class GatedLoader(ReaderLoader):
    """The shipped reader, whose background load waits until the test opens the gate (a slow disk)."""

    def __init__(self, gate: threading.Event):
        self.gate = gate
        super().__init__()

    def _load(self) -> None:
        self.gate.wait(30)
        super()._load()


def test_an_utterance_heard_while_the_reader_loads_waits_for_it_and_is_read_by_it():
    """The first event does not wait for the reader (it loads in the background); an utterance that arrives
    before it is loaded waits for it (up to reader.LOAD_WAIT_S) and is read with it, as every later one is."""
    gate = threading.Event()
    loader = GatedLoader(gate)
    triage = Triage(reader=loader)
    first = triage.start()  # no reader needed to greet
    assert first.listen.question == "consent" and not loader.loaded
    triage.hear("yes")  # an exact answer: the rules alone
    turn = triage.hear("my calf aches when I walk")
    replies: list = []
    thread = threading.Thread(target=lambda: replies.append(triage.hear("aye, it does, the left one's colder")))
    # the rules alone cannot read that at a yes/no question; the reader can
    while turn.listen is not None and turn.listen.question in ("chest_pain", "breathlessness", "open"):
        turn = triage.hear("no")
    thread.start()
    thread.join(0.5)
    assert thread.is_alive(), "the utterance was read before the reader was loaded"
    gate.set()
    thread.join(30)
    assert replies and loader.loaded
    heard = replies[0].heard
    assert heard is not None and heard.intent != "not_understood", replies[0]


def test_a_reader_that_cannot_be_loaded_leaves_the_rules_to_read_and_the_conversation_goes_on(tmp_path, caplog):
    loader = ReaderLoader(tmp_path / "nothing-here", background=False)
    triage = Triage(reader=loader)
    triage.start()
    triage.hear("yes")
    turn = triage.hear("my calf hurts when I walk and I can't breathe")
    assert turn.emergency is not None  # the rules still raise the alarm
    assert "the rules alone read" in caplog.text
