"""One triage conversation: a `transitions` state machine fed one utterance at a time.

    consent -> open (tell me about the pain, in your own words)
            -> screening (chest pain and breathlessness first, then the urgent red flags)
            -> questions (adaptive: only what can still change the result)
            -> closing ("anything else you want to tell me about the pain?") -> ended (summary)

The open question comes first so that a plain "yes" or "no" is never taken as an answer about chest
pain before the person has heard that question; what it mentions fills in features not to be
asked again (never a red flag: those are always asked).

Every input goes through the emergency check first, in every state. Each call returns a Turn:
the protocol events to emit, in order, and what the session now waits for.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field

from transitions import Machine

from voice_triage.content import rules
from voice_triage.content.loader import Content, Disposition, Kind, load_content
from voice_triage.dialogue.policy import DEFAULT, DialoguePolicy
from voice_triage.understanding.interpret import (ASK_BACK, EMERGENCY, FREE, MAX_CHARS, NOT_UNDERSTOOD, Interpreter,
                                                  Meaning)

log = logging.getLogger(__name__)

STATES = ["consent", "open", "screening", "questions", "closing", "ended"]
TRANSITIONS = [
    {"trigger": "begin", "source": "consent", "dest": "open"},
    {"trigger": "describe", "source": "open", "dest": "screening"},
    {"trigger": "investigate", "source": "screening", "dest": "questions"},
    {"trigger": "close", "source": ["screening", "questions"], "dest": "closing"},
    {"trigger": "restart", "source": ["open", "screening", "questions", "closing"], "dest": "open"},
    {"trigger": "finish", "source": ["consent", "open", "screening", "questions", "closing"], "dest": "ended"},
]
"""The machine as data (transitions reads it as is): which trigger moves the conversation where."""
VOICE_COMMANDS = ("slower", "faster", "louder", "quieter")


@dataclass
class Turn:
    """What the assistant does in reply to one input."""

    events: list[dict] = field(default_factory=list)
    """Protocol events in order, exactly as --io jsonl writes them."""
    voice: list[str] = field(default_factory=list)
    """Speech adjustments asked for in this turn: slower, faster, louder, quieter."""

    @property
    def says(self) -> list[str]:
        return [e["text"] for e in self.events if e["event"] == "say"]

    def _last(self, kind: str) -> dict | None:
        return next((e for e in reversed(self.events) if e["event"] == kind), None)

    @property
    def listen(self) -> dict | None:
        return self._last("listen")

    @property
    def end(self) -> dict | None:
        return self._last("end")

    @property
    def emergency(self) -> dict | None:
        return self._last("emergency")


@dataclass
class _Snapshot:
    state: str
    question: str
    answers: dict[str, str]
    retried: set[str]


class Session:
    """One triage conversation. Feed it with hear(), silence() and not_understood()."""

    def __init__(self, content: Content | None = None, *, policy: DialoguePolicy = DEFAULT):
        self.content = content or load_content()
        self.interpreter = Interpreter(self.content)
        self.policy = policy
        """Retries, confirmations and early ends (dialogue.policy)."""
        self.answers: dict[str, str] = {}
        self.question = "consent"
        self.confirming: tuple[str, str] | None = None
        """(feature, value) being confirmed."""
        self.confirm_origin = ""
        """Why: "heard" (a low-confidence answer to the question), "mention" (a red flag heard out of turn)
        or "askback" (an emergency mention that may not be the person's own or current)."""
        self.confirm_return = ""
        """The question to ask again when a heard answer is not confirmed."""
        self.pending: list[str] = []
        """Red flags heard out of turn, waiting to be confirmed one at a time."""
        self.asked_back: set[str] = set()
        """Emergency reasons already asked back ("do you have chest pain yourself, right now?")."""
        self.asked_more = False
        """"Is there anything else?" has been asked."""
        self.retried: set[str] = set()
        self.history: list[_Snapshot] = []
        self.silences = 0
        self.failures = 0
        self.consent_doubted = False
        self.consent_unclear = 0
        """Things said (not unreadable input) at the consent question that were not understood."""
        """A doubtful "no" was heard at the consent question: never begin without a clear yes."""
        self.inputs = 0
        self.result: dict | None = None
        self._turn = Turn()
        self.machine = Machine(model=self, states=STATES, transitions=TRANSITIONS, initial="consent",
                               auto_transitions=False, model_attribute="state")

    # ------------------------------------------------------------------ public API

    @property
    def ended(self) -> bool:
        return self.state == "ended"

    def start(self) -> Turn:
        """The greeting and the first question."""
        self._turn = Turn()
        self._say("greeting")
        self._ask("consent")
        return self._turn

    def hear(self, text: str, *, confidence: float | None = None, doubtful: bool = False) -> Turn:
        """A transcribed utterance (only its first MAX_CHARS characters are read). `doubtful`: the
        recognizer's own checks disagree with it, so an emergency in it is asked back first."""
        self._turn = Turn()
        if self.ended:
            return self._turn
        text = text[:MAX_CHARS]
        self.inputs += 1
        meaning = self.interpreter.interpret(text, self.question, about=self._about)
        heard = {"event": "heard", "text": text, "intent": meaning.intent}
        if confidence is not None:
            heard["confidence"] = round(float(confidence), 3)
        if meaning.is_answer and self.question in self.content.features:
            heard.update(feature=self.question, value=meaning.intent)
        if meaning.intent == EMERGENCY:
            if (doubtful or self._doubtful(confidence)) and not self.confirming:
                # heard, but not clearly: ask at once rather than raise a false alarm or miss one
                self._emit(heard)
                self._confirm(meaning.reason or "chest_pain", "yes", "heard")
                self._ask("confirm")
                return self._turn
            self._emergency(meaning.reason or "chest_pain", text, meaning)
            return self._turn
        if meaning.reason:
            heard["reason"] = meaning.reason
        self._emit(heard)
        if self.confirming and self.confirm_origin == "askback" and not self._keeps_asking(meaning):
            self._asked_back(meaning, text)
            return self._turn
        if self.inputs >= self.policy.max_turns:
            self._end_early("too_many_failures")
            return self._turn
        if meaning.intent != NOT_UNDERSTOOD:
            self.silences = 0
        if meaning.intent == ASK_BACK:
            self._ask_back(meaning)
            return self._turn
        self._handle(meaning, text, confidence)
        return self._turn

    def silence(self) -> Turn:
        """Nothing was said before the listen timeout."""
        self._turn = Turn()
        if self.ended:
            return self._turn
        self.inputs += 1
        self.silences += 1
        if self.confirming and self.confirm_origin == "askback":
            # "do you have chest pain yourself, right now?" with no answer: anything but a clear no
            self._asked_back(None, "")
            return self._turn
        if self.silences >= self.policy.max_silences or self.inputs >= self.policy.max_turns:
            self._end_early("too_many_silences")
            return self._turn
        if self.state == "closing":
            self._conclude()  # nothing else to add
            return self._turn
        self._say("silence")
        self._ask(self.question, simpler=True)
        return self._turn

    def not_understood(self, heard: str = "") -> Turn:
        """The recognizer could not make sense of what was said (or the input was unreadable)."""
        self._turn = Turn()
        if self.ended:
            return self._turn
        heard = heard[:MAX_CHARS]
        self.inputs += 1
        if heard:
            reason = self.interpreter.emergency.check(heard)
            if reason:
                self._emergency(reason, heard, Meaning(EMERGENCY, heard, reason))
                return self._turn
        self._emit({"event": "heard", "text": heard, "intent": NOT_UNDERSTOOD})
        if self.confirming and self.confirm_origin == "askback":
            self._asked_back(None, heard)
            return self._turn
        if self.state in ("open", "closing"):
            # something was said in answer to an open question: go on rather than ask again
            self.silences = 0
            if self.state == "closing":
                # a late red flag in what the recognizer could make out is still confirmed
                self._learn(self.interpreter.interpret(heard, "more").features if heard else {})
                self._next()
                return self._turn
            self._say("acknowledge_free_speech")
            self.describe()
            self._next()
            return self._turn
        self._failed(spoken=bool(heard.strip()))
        return self._turn

    def emergency_in(self, text: str) -> str | None:
        """The emergency reason `text` mentions (for partial recognition results), or None."""
        return self.interpreter.emergency.check(text)

    def names_emergency_terms(self, text: str) -> bool:
        """Whether `text` names chest pain or breathing at all, as a mention or a denial."""
        return bool(self.interpreter.emergency.named(text))

    def emergency_in_partial(self, text: str) -> str | None:
        """The emergency reason a partial recognition result holds as a whole phrase, or None."""
        return self.interpreter.emergency.check_partial(text)

    def grammar(self) -> list[str]:
        """Every phrase accepted now: answers to this question, commands, emergency phrases."""
        from voice_triage.dialogue.grammar import phrases_for

        return phrases_for(self.content, self.question)

    def stop(self) -> Turn:
        """End at once (Ctrl-C, a lost device, end of input): incomplete, with safety-net advice, or
        the disposition a red flag already answered gives."""
        self._turn = Turn()
        if not self.ended:
            self._end_early("stopped")
        return self._turn

    # ------------------------------------------------------------------ handling

    @property
    def _about(self) -> str | None:
        """The feature a confirm question asks about, when what is confirmed is a "yes" to it (so
        that "no, but it is a bit swollen" is read for that feature)."""
        if self.question == "confirm" and self.confirming and self.confirming[1] == "yes":
            return self.confirming[0]
        return None

    def _keeps_asking(self, meaning: Meaning) -> bool:
        """Commands that only ask to hear the question again (or wait) keep an ask-back open."""
        return meaning.intent in ("repeat", "help", "why", "wait", "slower", "faster", "louder", "quieter")

    def _handle(self, meaning: Meaning, text: str, confidence: float | None) -> None:
        intent = meaning.intent
        if meaning.is_command:
            self._command(intent)
            return
        if self.confirming:
            self._confirmed(meaning)
            return
        if self.state == "consent":
            if intent == "yes":
                self.begin()
                self._ask("open")
            elif intent == "no" and not self._doubtful(confidence):
                self._say("consent_declined")
                self._finish_incomplete()
            else:
                self.consent_doubted = self.consent_doubted or intent == "no"
                self._failed()
            return
        if self.state in ("open", "closing"):
            self._learn(meaning.features)
            if intent in ("yes", "no", "unsure", FREE):
                if meaning.features:
                    self._say("acknowledge_free_speech")
                if self.state == "open":
                    self.describe()
                self._next()
            else:
                self._failed()
            return
        # a yes/no question about a feature
        if intent in ("yes", "no", "unsure"):
            if self._doubtful(confidence) or (intent == "no" and self.question in self.content.emergency.targets
                                              and self._doubtful(confidence, self.policy.emergency_no_sure)):
                self._learn(meaning.features, skip=self.question)
                self._confirm(self.question, intent, "heard")
                self._ask("confirm")
                return
            self._learn(meaning.features, skip=self.question)
            self._answer(self.question, intent)
            return
        if intent == FREE and meaning.features:
            self._learn(meaning.features)
            self.failures += 1
            if self.failures >= self.policy.max_failures:
                self._end_early("too_many_failures")
                return
            self._say("acknowledge_free_speech")
            self._next() if self.pending else self._ask(self.question)
            return
        self._failed()

    def _doubtful(self, confidence: float | None, below: float | None = None) -> bool:
        """Heard with less confidence than `below` (default: the session's confirm_below)?"""
        confirm_below = self.policy.confirm_below
        if confirm_below is None or confidence is None:
            return False
        return confidence < (confirm_below if below is None else max(below, confirm_below))

    def _confirm(self, feature: str, value: str, origin: str) -> None:
        self.confirming, self.confirm_origin, self.confirm_return = (feature, value), origin, self.question

    def _ask_back(self, meaning: Meaning) -> None:
        """An emergency mention that may not be the person's own or current ("my wife has chest
        pain"): asked back once per reason and session, even after a no to its own question (the
        person may have meant someone else's then, or it may have started since)."""
        reason = meaning.reason or "chest_pain"
        self._learn(meaning.features, skip=self.question)
        if reason in self.asked_back:
            if self.state in ("open", "closing") or self.confirming:
                self._next_after_open()
            else:
                self._ask(self.question)
            return
        self.asked_back.add(reason)
        self._confirm(reason, "yes", "askback")
        self._ask("confirm")

    def _asked_back(self, meaning: Meaning | None, text: str) -> None:
        """The answer to "do you have chest pain yourself, right now?": anything but a clear no is an
        emergency (an affirmed mention was already one before this is reached)."""
        reason = self.confirming[0] if self.confirming else "chest_pain"
        if meaning is not None and meaning.intent == "no":
            self.confirming = None
            self.answers[reason] = "no"
            back = self.confirm_return
            if back in self.content.features and back not in self.answers:
                self._ask(back)
            else:
                self._next_after_open()
            return
        self._emergency(reason, text, meaning)

    def _next_after_open(self) -> None:
        if self.state == "open":
            self.describe()
        self._next()

    def _answer(self, feature: str, value: str) -> None:
        content = self.content
        if feature in content.emergency.targets and value in ("yes", "unsure"):
            self._record(feature, "yes")
            self._emergency(feature, self._last_text, None, recorded=True)
            return
        is_red = content.features[feature].kind is Kind.RED_FLAG
        if is_red and value == "unsure" and feature not in self.retried:
            self.retried.add(feature)
            self._say("unsure_red_flag")
            self._ask(feature, simpler=True)
            return
        self._record(feature, value)
        self._next()

    @property
    def _last_text(self) -> str:
        heard = self._turn._last("heard")
        return heard["text"] if heard else ""

    def _confirmed(self, meaning: Meaning) -> None:
        feature, value = self.confirming or ("", "")
        origin = self.confirm_origin
        if meaning.intent == "yes":
            self.confirming = None
            self._answer(feature, value)
        elif origin == "mention" and meaning.intent == "unsure":
            # a red flag heard out of turn, and the person is not sure: unsure red flags stay urgent
            self.confirming = None
            self._record(feature, "unsure")
            self._next()
        elif meaning.intent in ("no", "unsure"):
            self.confirming = None
            if origin == "mention":
                self._next()  # a red flag heard out of turn and not confirmed: the earlier answer stands
            else:
                self._ask(self.confirm_return or feature, simpler=True)
        else:
            self._failed()

    def _command(self, command: str) -> None:
        if command == "repeat":
            self._ask(self.question)
        elif command == "help":
            self._emit_say(self._question_help())
            self._say("help_answers")
            self._ask(self.question)
        elif command == "why":
            self._emit_say(self._question_why())
            self._ask(self.question)
        elif command == "back":
            self._back()
        elif command == "start_over":
            if self.state == "consent":
                self._ask("consent")
                return
            self.answers.clear()
            self.history.clear()
            self.retried.clear()
            self.pending.clear()
            self.asked_back.clear()
            self.asked_more = False
            self.confirming = None
            self._say("start_over")
            self.restart()
            self._ask("open")
        elif command == "stop":
            self._end_early("stopped")
        elif command in VOICE_COMMANDS:
            self._turn.voice.append(command)
            self._say(f"voice_{command}")
            self._ask(self.question)
        elif command == "wait":
            self._say("wait")
            self._listen()
        elif command == "skip":
            if self.state == "open":
                self.describe()
                self._next()
            elif self.state == "closing":
                self._conclude()
            elif self.state == "consent" or self.question in self.content.screening or self.question == "confirm":
                self._failed()  # a safety question cannot be skipped: it is asked again
            else:
                self._answer(self.question, "unsure")

    def _question_help(self) -> str:
        q = self.content.questions[self.confirming[0] if self.confirming else self.question]
        return q.help

    def _question_why(self) -> str:
        qid = self.confirming[0] if self.question == "confirm" and self.confirming else self.question
        return self.content.questions[qid].why

    def _back(self) -> None:
        if self.confirming:
            # "go back" at "did I hear you right?": back to the question it interrupted
            back, self.confirming = self.confirm_return, None
            self._say("back")
            if back in self.content.features and back not in self.answers:
                self._ask(back)
            else:
                self._next_after_open()
            return
        if not self.history:
            self._say("back_at_start")
            self._ask(self.question)
            return
        snap = self.history.pop()
        self.answers = dict(snap.answers)
        self.retried = set(snap.retried)
        self.machine.set_state(snap.state)
        self._say("back")
        self._ask(snap.question)

    def _failed(self, spoken: bool = True) -> None:
        self.failures += 1
        self.consent_unclear += spoken and self.state == "consent"
        if self.state == "consent" and self.consent_unclear >= self.policy.consent_tries and not self.consent_doubted:
            self._say("consent_assumed")
            self.begin()
            self._ask("open")
            return
        if self.failures >= self.policy.max_failures:
            self._end_early("too_many_failures")
            return
        self._say("not_understood_open" if self.question in ("open", "more") else "not_understood")
        self._ask(self.question, simpler=True)

    # ------------------------------------------------------------------ answers

    def _record(self, feature: str, value: str) -> None:
        # "go back" returns to the feature's own question, also when it was answered at a confirm
        asked = feature if self.question == "confirm" else self.question
        self.history.append(_Snapshot(self.state, asked, dict(self.answers), set(self.retried)))
        self.answers[feature] = value

    def _learn(self, features: dict[str, str], skip: str | None = None) -> None:
        """Take features from free speech. A red flag said yes (or not sure) out of turn is never
        recorded silently: it is confirmed with the person, one at a time; a "no" out of turn is not
        taken (red flags are always asked)."""
        for fid, value in features.items():
            if fid == skip or fid in self.content.emergency.targets:
                continue
            if self.content.features[fid].kind is Kind.RED_FLAG:
                if value in ("yes", "unsure") and self.answers.get(fid) not in ("yes", "unsure") \
                        and fid not in self.pending and not (self.confirming and self.confirming[0] == fid):
                    self.pending.append(fid)
                continue
            if fid not in self.answers and value != "unsure":
                self.answers[fid] = value  # a hedged mention ("kind of the day after") leaves the question to be asked

    # ------------------------------------------------------------------ flow

    def _next(self) -> None:
        if self.confirming is None and self.pending:
            self._confirm(self.pending.pop(0), "yes", "mention")
        if self.confirming:
            self._ask("confirm")
            return
        if self.state == "closing":
            self._conclude()
            return
        if self.state == "screening":
            for fid in self.content.screening:
                if fid not in self.answers:
                    self._ask(fid)
                    return
            self.investigate()
        if rules.disposition(self.content, self.answers) is Disposition.URGENT:
            self._close()
            return
        open_features = [f for f in self.content.pattern_features if f not in self.answers]
        feature = rules.next_question(self.content, self.answers, open_features)
        if feature is None:
            self._close()
        else:
            self._ask(feature)

    def _close(self) -> None:
        """Before the summary, once: "Is there anything else you want to tell me about the pain?"."""
        if self.asked_more:
            self._conclude()
            return
        self.asked_more = True
        self.close()
        self._ask("more")

    def _ask(self, qid: str, *, simpler: bool = False) -> None:
        if qid != self.question:
            self.failures = 0
        self.question = qid
        q = self.content.questions[qid]
        text = q.simpler if simpler else q.ask
        if qid == "confirm" and self.confirming:
            feature, value = self.confirming
            if self.confirm_origin == "askback":
                text = self.content.questions[feature].askback
            else:
                text = text.format(value=self.content.questions[feature].reason if value == "yes" else value)
        self._emit_say(text)
        self._listen()

    def _listen(self) -> None:
        event = {"event": "listen", "question": self.question, "state": self.state}
        if self.question == "confirm" and self.confirming:
            event.update(feature=self.confirming[0], value=self.confirming[1])
        self._emit(event)

    # ------------------------------------------------------------------ endings

    def _emergency(self, reason: str, heard: str, meaning: Meaning | None, recorded: bool = False) -> None:
        self._emit({"event": "emergency", "reason": reason, "heard": heard})
        if not recorded:
            self.answers[reason] = "yes"
        if meaning is not None:
            for fid, value in meaning.features.items():
                if fid not in self.answers and self.content.features[fid].kind is not Kind.RED_FLAG:
                    self.answers[fid] = value
        self.pending.clear()
        self._say("emergency")
        self._say("emergency_why")
        self._say("emergency_repeat")
        self._end(Disposition.EMERGENCY)

    def _conclude(self) -> None:
        from voice_triage.dialogue.summary import summarize

        disposition = rules.disposition(self.content, self.answers)
        for text in summarize(self.content, self.answers, disposition):
            self._emit_say(text)
        self._end(disposition)

    def _end_early(self, why: str) -> None:
        """The session ends before the questions are done. A red flag already answered yes or not
        sure still gives its disposition and its advice; otherwise the session is incomplete."""
        self._say(why)
        if rules.disposition(self.content, self.answers) is Disposition.URGENT:
            self._say("ended_early_urgent")
            self._conclude()
            return
        self._finish_incomplete()

    def _finish_incomplete(self) -> None:
        self._say("ended_early")
        self._say("safety_net")
        self._say("not_a_diagnosis")
        self._say("goodbye")
        self._end(Disposition.INCOMPLETE)

    def _end(self, disposition: Disposition) -> None:
        self.confirming = None
        self.pending.clear()
        patterns = rules.ranked(self.content, self.answers)
        self.result = {"event": "end", "disposition": disposition.value, "patterns": patterns,
                       "answers": dict(self.answers)}
        if self.state != "ended":
            self.finish()
        self._emit(self.result)

    # ------------------------------------------------------------------ output

    def _say(self, key: str) -> None:
        self._emit_say(self.content.speech[key])

    def _emit_say(self, text: str) -> None:
        self._emit({"event": "say", "text": text})

    def _emit(self, event: dict) -> None:
        self._turn.events.append(event)
