"""Issue 13: whatever a turn says, the question comes last (a listener acts on the last thing heard)."""
import random

from voice_triage.content.loader import load_content
from voice_triage.dialogue.session import Session

INPUTS = ["yes", "no", "not sure", "", "mumble grumble", "repeat", "help", "why do you ask", "go back", "slower",
          "louder", "what?", "wait", "my calf aches when I walk", "start over", "hmm", "maybe", "no chest pain",
          "I don't know", "skip", "my wife has chest pain", "yes it does", "nope"]


def test_every_turn_that_listens_ends_with_its_question():
    content = load_content()
    # The open question is a request rather than a question; "take your time" waits for the answer.
    not_questions = {content.questions["open"].ask, content.questions["open"].simpler, content.speech["wait"]}
    rng = random.Random(13)
    checked = 0
    for _ in range(150):
        session = Session(content)
        turns = [session.start()]
        while not session.ended and len(turns) < 40:
            turns.append(session.hear(rng.choice(INPUTS)))
        for turn in turns:
            if not any(e.event == "listen" for e in turn.events) or not turn.says:
                continue
            last = turn.says[-1]
            assert last.rstrip().endswith("?") or last in not_questions, last
            checked += 1
    assert checked > 1000
