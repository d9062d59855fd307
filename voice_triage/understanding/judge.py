"""The one room that decides whether what was heard is an emergency.

Recognition hands over everything it heard as data (voice_triage.recognition.base.Recognition): the first
decoding of the answer (a question's grammar, or free decoding), the decoding of the same audio with the
emergency phrases (a grammar, or Whisper's prompt) in `alternatives`, what free decoding of the same audio
wrote (`second_opinion`, `free_text`), and a partial result that stopped listening. The listener decodes and
finds where answers end; it decides nothing. This judge decides, with the symptom model (symptoms.py) and the
interpreter, and with the recognizer's own thresholds:

  - which hypothesis is the one the person said: an emergency that only the emergency decoding heard wins over
    the first decoding's words, unless the first decoding heard a clear answer and the emergency is unsupported;
  - whether an emergency heard is sure enough to raise the alarm at once, or `doubtful` (then the dialogue asks
    "did you say ...?"): an emergency phrase that free decoding of the same audio does not support, one
    emergency word alone heard unclearly, an expected answer a free decoder put in place of an emergency word.

While the listener decodes it may ask two things, and only these (the `EmergencyWatch` of its plan): does a
partial result already hold a whole symptom (stop listening: `stops`), and does a text name the chest or
breathing at all (is a second decoding worth its time: `names`).
"""
from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

from voice_triage.content.model import EMERGENCY_REASONS
from voice_triage.recognition.base import Recognition, normalise_phrase
from voice_triage.understanding.interpret import (ASK_BACK, EMERGENCY, FREE, NOT_UNDERSTOOD, Intent, Interpreter,
                                                  Meaning, question_kind)
from voice_triage.understanding import policy
from voice_triage.understanding.context import Assertion
from voice_triage.understanding.reader import Reading

if TYPE_CHECKING:
    from voice_triage.recognition.config import Thresholds
    from voice_triage.understanding.reader import ReaderLoader

log = logging.getLogger(__name__)
ANSWER_WORDS = ("yes", "no", "unsure")
COMMAND_WORDS = ("stop", "repeat", "back", "help", "why")
RISK = {"yes": 2, "unsure": 1, "no": 0}


@dataclass(frozen=True)
class ReaderPolicy:
    """Where the reader's probabilities change what the rules read (tuned on our own writers' held-back part,
    never on shared/eval: docs/model-card.md)."""

    alarm: float = 0.8
    """The reader alone raises the alarm at this probability of an emergency when the words name the chest or
    breathing or the question asked about them (otherwise, or when the rules read a denial of it, the person is
    asked)."""
    ask: float = 0.3
    """From this probability up to `alarm`, an emergency the rules did not read is asked back, never passed over."""
    overrule: float = 0.97
    """From this probability the reader raises the alarm over the rules' doubt (a mention they would ask back): a
    carer's "he's just told me his chest is hurting him right now". A denial the rules read in so many words is
    asked back whatever the reader reads ("I'm breathing away nicely", read as breathlessness 1.00)."""
    clear: float = 0.05
    """Below this, the reader reads no emergency: an alarm the rules read from words that are not a whole
    emergency phrase is asked back instead (a false alarm is the third-worst bug; asking costs one turn), and a
    mention the rules would ask back as maybe someone else's or past ("my dad had chest pains before his
    bypass") is not asked back when the reader is sure of it (below `calm`)."""
    calm: float = 0.1
    """See `clear`; and below this the reader reads no emergency now when the rules, too, read none of the
    person's own now (a mention they ask back as someone else's or past: "my dad had chest pains before his
    bypass", "i was wheezy yesterday but that's cleared up"), or read a denial at the chest or breathing question
    itself (`_agreed_denial`): the two agree, and nobody is asked. (Of 438 emergencies in the read sets E3-E12 the
    reader of 2026-12-07 read none below 0.16, the retrained one of 2026-12-08 two: 0.02 and 0.09, both raised or
    asked back by the rules; docs/model-card.md.)"""
    denial: float = 0.9
    """At the chest or breathing question, a plain no the rules read ("no, not puffed at all, I'm sat down") is
    taken when the reader's answer is no from this probability, even where its emergency reading is between `ask`
    and `alarm` (a healthy word it misreads: "breathing easy"); from `alarm` up it is asked, not alarmed on."""
    disagree: float = 0.5
    """At a red flag, an answer the reader reads the other way (its most likely answer, from this probability) is
    confirmed with the person: a correction ("yes, I mean, no, sorry") or a denial in words the rules do not know
    is asked back, never recorded backwards (issue 30: the second-worst bug; one more turn costs little)."""
    take: float = 0.85
    """An utterance the rules did not understand is taken as the reader's yes, no or not sure from here."""
    sure: float = 0.97
    """... and at a red flag only from here without confirming it."""
    command: float = 0.9
    """An utterance the rules did not understand is taken as the reader's command from here."""


class Judge:
    """Decides on emergencies from what was heard; one per session (no state of its own)."""

    def __init__(self, interpreter: Interpreter, reader: ReaderLoader | None = None,
                 policy: ReaderPolicy = ReaderPolicy()):
        self.interpreter = interpreter
        self.detector = interpreter.emergency
        self.reader = reader
        """The learned reader (loaded in the background), or None: the rules alone read."""
        self.policy = policy
        content = interpreter.content
        self._exact = frozenset().union(*(p.exact for p in content.answers.values()),
                                        *(p.exact for p in content.commands.values()), content.consent_yes,
                                        (normalise_phrase(p) for p in content.emergency.mentions))

    # ------------------------------------------------------------------ what an utterance means

    def read(self, question_words: str, text: str) -> Reading | None:
        """The reader's reading of `text` said when `question_words` were asked (None without a reader, or when it
        failed on this text: then the rules alone read it, and the failure is logged)."""
        reader = self.reader.get() if self.reader is not None else None
        if reader is None:
            return None
        try:
            return reader.read(question_words, text)
        except Exception as exc:  # ONNX Runtime or the tokenizer: never the end of a conversation
            log.warning("the reader failed on an utterance of %d characters (%s: %s); the rules read it",
                        len(text), type(exc).__name__, exc)
            return None

    def meaning(self, text: str, question: str, *, about: str | None = None, asked: str = "") -> Meaning:
        """What `text` means at `question` (`asked`: the words the person was asked), the rules and the reader
        together: what the rules read exactly stands (a whole answer, command or emergency phrase); the reader
        reads what they cannot; where they disagree on an emergency or a red flag the person is asked; an
        emergency the reader finds likely is never passed over in silence."""
        rules = self.interpreter.interpret(text, question, about=about)
        if rules.text in self._exact or not rules.text:
            return rules
        reading = self.read(asked, text)
        meaning = rules if reading is None else self.combine(rules, reading, question, about)
        if (meaning.intent is EMERGENCY and self._taken_back(rules, meaning.reason)
                and (reading is None or reading.emergency < self.policy.overrule or self._described(rules))):
            # the alarm rests on words the person then denies ("yes, tightness, but in my calf; my chest is
            # fine", "I was wheezy yesterday but that's cleared up, I'm breathing fine now"): a contradiction is
            # asked back, never alarmed on nor passed over (issue 30); unless the reader is sure of the emergency
            # ("yes, yes, the breath is short, very short ... I cannot walk to the door without to stop for air": a
            # second-language double negation the rules read as a denial after it), and the symptom was said in its
            # own words, not only the question's ("yes, tightness, sorry, I mean in the leg": the reader reads 0.99)
            return dataclasses.replace(meaning, intent=ASK_BACK, quote=self._quote(rules.text))
        return meaning

    def combine(self, rules: Meaning, reading: Reading, question: str, about: str | None = None) -> Meaning:
        """One meaning from the rules' and the reader's (the decision table of `meaning`)."""
        p = self.policy
        emergency = reading.emergency
        feature = about if question == "confirm" else question
        kind = question_kind(self.interpreter.content, feature)
        if kind == "emergency" and self._agreed_denial(rules, reading, feature):
            return dataclasses.replace(rules, intent=Intent("no"), reason=None, quote="")
        if rules.intent is EMERGENCY:
            if reading.whole and (emergency < p.clear or (
                    kind == "emergency" and feature == rules.reason and reading.answer == "no"
                    and reading.answer_p >= p.disagree and emergency < p.ask)) and (
                    not self._described(rules) or self._said_of_another_part(rules)):
                # the rules' alarm rests on words that are no whole emergency phrase, and the reader reads no
                # emergency (or, at the chest or breathing question itself, a denial: "breathin's nae bother at
                # all", "me da's the one with the bad chest, not me"): the person is asked, never alarmed
                # without need (the third-worst bug) nor passed over (asking costs one turn). What the question's
                # own words describe ("no pain, more of a heaviness" at the chest question) stays an alarm, unless the
                # person also says the chest is well ("chest is fine, it's the calf, goes like a vice after two
                # blocks": the vice is the calf's).
                return dataclasses.replace(rules, intent=ASK_BACK, quote=self._quote(rules.text))
            return rules
        reason = reading.reason
        if rules.intent is ASK_BACK:
            over = any(m.feature == reason and m.assertion is Assertion.HISTORICAL for m in rules.mentions)
            if emergency >= p.overrule and not over:
                # (not over what the rules read as over: "I was puffing on the hill, but it settled, I'm breathing
                # normally now" is asked back, not alarmed on, whatever the reader reads)
                return dataclasses.replace(rules, intent=EMERGENCY, reason=reason, quote="")
            # (a chest or breath named in words the rules cannot read, "my blood pressure's well controlled", is
            # quiet only below `clear`: of the read sets' 631 emergencies the rules asked back 71, and the reader
            # read every one of them at 0.5 or more)
            if emergency < (p.clear if rules.quote else p.calm) and reading.whole:
                plain = self.interpreter.interpret(rules.text, question, about=about, ask_back=False)
                if plain.intent in (NOT_UNDERSTOOD, FREE):
                    return self.combine(plain, reading, question, about)  # the reader may read what it answers
                if plain.intent not in (EMERGENCY, ASK_BACK):
                    return plain
            return rules
        # (at the question itself a carer's "he's breathing normally" denies it too: the rules read it as someone
        # else's, so it holds no answer of its own)
        denied = any(m.feature == reason and (m.value == "no" or (
            kind == "emergency" and m.kind == "normal" and m.assertion is Assertion.OTHER)) for m in rules.mentions)
        # at the question itself, a plain no the reader's own answer also reads as no ("not really no, I'm just
        # tired", its emergency reading 0.85): the two readings of the reader disagree, and the person is asked
        answered_no = kind == "emergency" and rules.intent.value == "no" and reading.answer == "no" \
            and reading.answer_p >= p.denial
        if emergency >= p.alarm and not denied and not answered_no and (kind == "emergency" or self._named(rules)):
            return dataclasses.replace(rules, intent=EMERGENCY, reason=reason)
        # otherwise a likely emergency is asked back: one the rules read denied in so many words ("I'm breathing
        # away grand": the two disagree on safety), or one read from words that name neither the chest nor
        # breathing at another question ("it looks puffy": the reader is surest where the words say what it reads)
        if emergency >= p.ask:
            return dataclasses.replace(rules, intent=ASK_BACK, reason=reason, quote=self._quote(rules.text))
        if kind != "emergency" and emergency >= p.calm and any(
                m.feature == reason and m.assertion is Assertion.NEGATED for m in rules.mentions):
            # the chest or breathing brought up, unasked, in words the rules read as a denial, and the reader reads
            # it otherwise ("sitting helps the leg but not the pain in my chest that's still there": 0.22, read by
            # the rules as "not the pain"). Of the read sets' volunteered denials ("no chest pain, it's just the
            # legs") the reader read none above 0.01: asked, never passed over
            return dataclasses.replace(rules, intent=ASK_BACK, reason=reason, quote=self._quote(rules.text))
        if rules.is_answer or rules.is_command:
            if rules.is_answer and reading.answer in COMMAND_WORDS and reading.answer_p >= p.command:
                # an answer word led the sentence ("right, we'll call it a day there"): what it asks for wins
                return dataclasses.replace(rules, intent=Intent(reading.answer))
            if (rules.is_answer and kind in ("red_flag", "emergency") and reading.answer in ANSWER_WORDS
                    and reading.answer != rules.intent.value and reading.answer_p >= p.disagree):
                worse = max(rules.intent.value, reading.answer, key=RISK.__getitem__)
                return dataclasses.replace(rules, intent=Intent(worse), confirm=True)
            if (rules.is_answer and kind == "pattern" and reading.answer in ("yes", "no")
                    and reading.answer != rules.intent.value and reading.answer_p >= p.take
                    and self._conflicted(rules, feature)):
                # the rules read both answers in it and took the last ("yes, but only if I sit down or lean on the
                # trolley; standing still does nothing"), and the reader reads the other: the person is asked
                return dataclasses.replace(rules, intent=Intent(reading.answer), confirm=True)
            return rules
        if rules.intent in (NOT_UNDERSTOOD, FREE) and question not in ("open", "more"):
            if reading.answer in ANSWER_WORDS and reading.answer_p >= p.take:
                if kind == "emergency" and reading.answer in ("yes", "unsure"):
                    return dataclasses.replace(rules, intent=EMERGENCY, reason=feature)
                confirm = kind in ("red_flag", "emergency") and reading.answer_p < p.sure
                return dataclasses.replace(rules, intent=Intent(reading.answer), confirm=confirm)
            if reading.answer in COMMAND_WORDS and reading.answer_p >= p.command:
                return dataclasses.replace(rules, intent=Intent(reading.answer))
        return rules

    def _agreed_denial(self, rules: Meaning, reading: Reading, feature: str) -> bool:
        """At the question about chest pain or breathlessness (`feature`), the rules and the reader both read a
        denial of it: the reader answers no (from `take`) and reads no emergency (below `calm`), and the rules
        hear a no in the person's own words (a clause that answers no, or the symptom denied: "nah mate, chest's
        sweet as", "yes... no, sorry, I misheard, my chest is fine"); or the rules read a plain no and the reader
        answers no from `denial` without reading an alarm.
        A whole emergency phrase never comes here (meaning() returns it first), nor does a correction that ends
        on the symptom (the rules' last word on it is yes)."""
        p = self.policy
        if not reading.whole or reading.answer != "no":
            return False
        # what the rules read of it, but their doubts (the chest named with words they cannot read: "chest's
        # champion"), which are what the reader is asked to settle
        said = [m for m in rules.mentions if m.feature == feature and m.value is not None
                and m.kind not in policy.ASKED_BACK]
        if said and max(said, key=lambda m: m.clause).value != "no":
            return False  # the last thing said of it affirms it ("no... actually yes, it is tight now")
        denied = any(m.value == "no" for m in said)
        if rules.intent.value == "no" and reading.answer_p >= p.denial and reading.emergency < p.alarm:
            return True
        if rules.intent not in (EMERGENCY, ASK_BACK) or reading.answer_p < p.take or reading.emergency >= p.calm:
            return False
        return denied or any(self.interpreter.answer(c) == "no" for c in rules.clauses)

    def _conflicted(self, rules: Meaning, feature: str) -> bool:
        """The rules read both a yes and a no to `feature` in the utterance (its mentions, or a clause's answer)."""
        values = {m.value for m in rules.mentions if m.feature == feature and m.value in ("yes", "no")}
        values |= {a for c in rules.clauses if (a := self.interpreter.answer(c)) in ("yes", "no")}
        return {"yes", "no"} <= values

    @staticmethod
    def _taken_back(rules: Meaning, reason: str | None) -> bool:
        """The last thing the utterance says of `reason` denies it: a denial or a healthy state ("my chest is
        fine") in a later clause than every mention that affirms it. A correction the other way ("my chest is
        fine, actually no, it is tight now") ends on the affirmation and stays an alarm."""
        said = [m for m in rules.mentions if m.feature == reason]
        yes = [m.clause for m in said if m.value == "yes"]
        no = [m.clause for m in said if m.value == "no"]
        return bool(yes and no) and max(no) > max(yes)

    @staticmethod
    def _named(rules: Meaning) -> bool:
        """The utterance names the chest or breathing, read clause by clause as the rules read it (its joined text
        read again would lose the clauses: "it takes my breath away how much it costs to park, anyway, the pain
        is in my calves" is an idiom in its own clause, not breath beside pain)."""
        return any(m.feature in EMERGENCY_REASONS for m in rules.mentions)

    def _said_of_another_part(self, rules: Meaning) -> bool:
        """The question's own word for the symptom ("like a vice") follows a denial of it ("chest is fine") with a
        clause between them that names another part of the body ("it's the calf that's the problem"): it is said
        of that part. A correction back to the chest ("my chest is fine, actually no, it is tight now") is not."""
        said = [m for m in rules.mentions if m.feature == rules.reason]
        described = [m.clause for m in said if m.kind == "asked" and m.value == "yes"]
        denied = [m.clause for m in said if m.value == "no"]
        if not described or not denied or min(denied) >= min(described):
            return False
        other = next((t.unless for t in self.interpreter.content.cues.get(rules.reason, ())
                      if t.asked_only and t.unless is not None), None)
        between = rules.clauses[max(c for c in denied if c < min(described)) + 1:min(described)]
        return other is not None and any(other.search(c) for c in between)

    @staticmethod
    def _described(rules: Meaning) -> bool:
        """The rules read the emergency from how the asked question's symptom feels ("a heaviness", "puffing"):
        grammars/features.yaml's `when_asked` cues, which count only as the answer to that question."""
        return any(m.kind == "asked" and m.value == "yes" and m.feature == rules.reason for m in rules.mentions)

    @staticmethod
    def _quote(text: str, words: int = 16) -> str:
        """What is said back when the person is asked ("You said: ... Do you mean ...?")."""
        said = text.split()
        return " ".join(said[:words]) + (" ..." if len(said) > words else "")

    # ------------------------------------------------------------------ asked while decoding (EmergencyWatch)

    def stops(self, partial: str) -> bool:
        """A partial result holds a finding at a site ("my chest feels tight"): stop listening at once."""
        return bool(partial) and self.detector.check_partial(partial) is not None

    def names(self, text: str) -> bool:
        """`text` names the chest or breathing at all, even to deny it."""
        return bool(self.detector.named(text))

    # ------------------------------------------------------------------ texts

    def emergency(self, text: str) -> str | None:
        """The emergency `text` states (chest_pain or breathlessness) in any clause, or None."""
        return self.detector.check(text)

    def emergency_at(self, text: str, question: str) -> bool:
        """`text` is an emergency said at `question` ("not pain as such, more a tight feeling" at the chest
        question)."""
        return self.interpreter.interpret(text, question).intent is EMERGENCY

    def _answers(self, text: str, question: str) -> bool:
        """`text` is a plain answer or command at `question`, naming nothing of the chest or breathing."""
        meaning = self.interpreter.interpret(text, question)
        return (meaning.is_answer or meaning.is_command) and not meaning.mentions

    # ------------------------------------------------------------------ the decision

    def decide(self, result: Recognition, question: str, thresholds: Thresholds | None = None) -> Recognition:
        """The hypothesis to hear, marked `doubtful` where its emergency must be asked back first. `thresholds`:
        the engine's (default: those the listener stamped on the result)."""
        thresholds = thresholds or result.thresholds
        if result.partial or thresholds is None:
            return result
        if not result.alternatives:
            return self._cross_checked(result, thresholds)
        first = result
        if self._over_emergency_word(first):
            first = self._emergency_word_kept(first)
        second = self._cross_checked(result.alternatives[0], thresholds)
        sure = thresholds.confirm_below or 0.0
        alarmed = first.understood and self.emergency(first.text) is not None
        if second.understood and second.confidence >= sure and (
                self.emergency(second.text) is not None or self.emergency_at(second.text, question)):
            if second.doubtful and not alarmed and first.understood and self._answers(first.text, question):
                # a clear answer ("Yes, it does.") over a second decoding's unsupported emergency ("Yes, with
                # breath."): the answer stands
                return first
            return second
        if alarmed and sure and second.understood and second.confidence >= sure and self.names(second.text):
            # free decoding heard an emergency ("my breathing is signed") where the emergency decoding clearly
            # heard a denial ("my breathing is fine"): ask back rather than raise the alarm or drop it
            return dataclasses.replace(first, doubtful=True)
        return first

    def _over_emergency_word(self, result: Recognition) -> bool:
        """A free decoder put an expected answer in place of what it wrote, and that named chest or breathing
        ("yes" for "Breath." in noise)."""
        return (result.biased and result.understood and bool(result.heard)
                and normalise_phrase(result.heard) != normalise_phrase(result.text) and self.names(result.heard))

    @staticmethod
    def _emergency_word_kept(result: Recognition) -> Recognition:
        """Never an answer over an emergency word, and not an alarm either: the person is asked."""
        return dataclasses.replace(result, text=result.heard, doubtful=True)

    def _bare_emergency_word(self, result: Recognition, thresholds: Thresholds) -> bool:
        """Free decoding heard one emergency word alone ("Breathe.", "Chest.") and not clearly: the likeliest
        shape of a mishearing (real people saying "bed" in 10 dB noise), so the person is asked."""
        return (result.biased and result.understood and not result.partial and bool(thresholds.confirm_below)
                and result.confidence < thresholds.emergency_sure
                and len(normalise_phrase(result.text).split()) == 1 and self.emergency(result.text) is not None)

    def _cross_checked(self, result: Recognition, thresholds: Thresholds) -> Recognition:
        """An emergency phrase from a grammar raises the alarm at once only when it is heard clearly
        (`Thresholds.emergency_sure`) or free decoding of the same audio also names chest or breathing;
        otherwise it is `doubtful`, and the dialogue asks "did you say ...?"."""
        if self._over_emergency_word(result):
            return self._emergency_word_kept(result)
        if self._bare_emergency_word(result, thresholds):
            return dataclasses.replace(result, doubtful=True)
        second = result.second_opinion
        if (second is None or not result.understood or result.partial or not thresholds.confirm_below
                or result.confidence >= thresholds.emergency_sure or self.emergency(result.text) is None
                or self.names(second)):
            return result
        return dataclasses.replace(result, doubtful=True)

