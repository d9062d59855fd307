"""Text normalisation shared by every matcher: lower case, contractions written out, no punctuation.

Recognizers give "i cant breathe", people type "I can't breathe!"; both become "i can not breathe".
"""
from __future__ import annotations

import re

_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "`": "'", "\u00b4": "'"})

# Whole words, with or without the apostrophe (recognizers drop it).
_WORDS = {
    "can't": "can not", "cant": "can not", "cannot": "can not",
    "won't": "will not", "wont": "will not",
    "shan't": "shall not",
    "i'm": "i am", "im": "i am",
    "it's": "it is", "its": "it is",
    "that's": "that is", "thats": "that is",
    "there's": "there is", "theres": "there is",
    "what's": "what is", "whats": "what is",
    "let's": "let us", "lets": "let us",
    "i've": "i have", "ive": "i have",
    "i'll": "i will", "i'd": "i would",
    "you're": "you are", "youre": "you are",
    "they're": "they are", "we're": "we are",
    "he's": "he is", "she's": "she is",
    "ok": "okay", "k": "okay", "alright": "all right",
    "mhm": "mmhmm", "mmhm": "mmhmm", "mhmm": "mmhmm", "mmm-hmm": "mmhmm", "mm-hmm": "mmhmm",
    "uh-huh": "uhhuh", "uh-uh": "uhuh", "nuh-uh": "uhuh",
    "dunno": "do not know", "kinda": "kind of", "sorta": "sort of", "prolly": "probably", "gonna": "going to", "wanna": "want to", "gotta": "got to",
    "yeh": "yeah", "yah": "yeah", "yas": "yes", "yess": "yes", "yesss": "yes", "noo": "no", "nooo": "no",
    "okey": "okay", "okie": "okay",
}
_NOT_WORDS = {  # ASR spellings of n't words without the apostrophe
    "dont": "do", "doesnt": "does", "didnt": "did", "isnt": "is", "wasnt": "was", "arent": "are",
    "werent": "were", "havent": "have", "hasnt": "has", "hadnt": "had", "couldnt": "could",
    "wouldnt": "would", "shouldnt": "should", "aint": "is", "mustnt": "must", "neednt": "need",
}
_PAIRS = [
    (re.compile(r"\buh huh\b"), "uhhuh"), (re.compile(r"\bmm+ hmm+\b"), "mmhmm"), (re.compile(r"\buh uh\b"), "uhuh"),
    (re.compile(r"\bo k\b"), "okay"),
]
_FILLERS = {"um", "umm", "uh", "uhh", "er", "erm", "ah", "ahh", "hmm", "hm", "hmmm", "mm", "mmm"}
_NON_WORD = re.compile(r"[^a-z0-9' ]+")


def normalize(text: str) -> str:
    """Lower-case `text`, write contractions out, drop punctuation and filler sounds."""
    text = text.translate(_APOSTROPHES).lower()
    text = text.replace("-", " ") if "uh-huh" not in text and "mm-hmm" not in text else text
    text = re.sub(r"\[unk\]|<unk>", " ", text)
    text = _NON_WORD.sub(" ", text)
    words: list[str] = []
    for word in text.split():
        word = word.strip("'")
        if not word:
            continue
        if word in _WORDS:
            words.extend(_WORDS[word].split())
        elif word in _NOT_WORDS:
            words.extend((_NOT_WORDS[word], "not"))
        elif word.endswith("n't"):
            stem = word[:-3]
            words.extend(({"ca": "can", "wo": "will", "sha": "shall", "ai": "is"}.get(stem, stem), "not"))
        elif word.endswith("'s"):
            words.extend((word[:-2], "is"))
        elif word.endswith("'re"):
            words.extend((word[:-3], "are"))
        elif word.endswith("'ve"):
            words.extend((word[:-3], "have"))
        elif word.endswith("'ll"):
            words.extend((word[:-3], "will"))
        elif word.endswith("'d"):
            words.extend((word[:-2], "would"))
        else:
            words.append(word.replace("'", ""))
    text = " ".join(words)
    for pattern, repl in _PAIRS:
        text = pattern.sub(repl, text)
    return " ".join(w for w in text.split() if w not in _FILLERS)


_CONTRACT = [
    ("can not", "can't"), ("do not", "don't"), ("does not", "doesn't"), ("is not", "isn't"),
    ("i am", "i'm"), ("it is", "it's"), ("that is", "that's"), ("there is", "there's"), ("did not", "didn't"),
    ("have not", "haven't"), ("was not", "wasn't"), ("are not", "aren't"), ("would not", "wouldn't"),
    ("could not", "couldn't"), ("will not", "won't"), ("let us", "let's"), ("i have", "i've"),
    ("you are", "you're"), ("what is", "what's"),
]


def spoken_forms(phrase: str) -> list[str]:
    """`phrase` as written out, and as people usually say it, with contractions ("i don't know")."""
    contracted = f" {phrase} "
    for full, short in _CONTRACT:
        contracted = contracted.replace(f" {full} ", f" {short} ")
    contracted = contracted.strip()
    return [phrase] if contracted == phrase else [phrase, contracted]
