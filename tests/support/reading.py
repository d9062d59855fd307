"""The judge as a session holds it (the shipped reader loaded, waited for), and what it makes of words said at a
question in the content's own wording: for tests of the rules and the reader together."""
from __future__ import annotations

from voice_triage.content.loader import load_content
from voice_triage.understanding.interpret import Interpreter, Meaning
from voice_triage.understanding.judge import Judge
from voice_triage.understanding.reader import shared_reader


def reading_judge() -> Judge:
    loader = shared_reader()
    assert loader.get(wait_s=60) is not None, "the shipped reader did not load"
    return Judge(Interpreter(load_content()), loader)


def meaning_at(judge: Judge, text: str, question: str) -> Meaning:
    """What `text` means said at `question` (a feature id or "open"), asked in the content's words."""
    questions = judge.interpreter.content.questions
    asked = questions[question].ask if question in questions else ""
    return judge.meaning(text, question, asked=asked)
