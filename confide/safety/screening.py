"""Risk screening of free text: a lexicon of signals with negation, idiom and context handling.

Pure Python (no Django) so the evaluation bench, the management command and the
`python -m confide.safety.screening` filter all run the very same code. The
lexicons are data (``confide/safety/data/lexicon_<lang>.json``); this module
holds only the rules that combine matches into a level. It is a screening aid
for humans, never a diagnosis: see docs/safety-screening.md.
"""

from __future__ import annotations

import bisect
import enum
import json
import re
import sys
import unicodedata
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent / "data"

# Beyond this many distinct reasons the list stops growing: reviewers need the
# gist, and a 1 MB paste repeating one phrase must not yield a 1 MB answer.
MAX_REASONS = 8
# Means at hand combine with resolve, a goodbye or "no one will stop me" this many sentences away.
MEANS_REACH = 2
# Words before a match that can negate it ("I would never hurt myself").
NEGATION_WINDOW = 4
# Long unpunctuated text is cut into pieces of about this size so every regex
# works on bounded input; pieces end at a space, so words stay whole.
PIECE_CHARS = 2000
# At most this many characters of distinct sentences are matched against the
# full lexicon per message: repeated sentences are matched once, screening
# stops at the first urgent finding, and in a longer text a cheap scan for
# strong risk words decides which sentences are read first (see _reading_order).
# A 1 MB paste so costs about a second at worst; ordinary messages are read whole.
MAX_SCANNED_CHARS = 200_000

# Leetspeak inside a word that starts with a letter ("k1ll", "mys3lf", "k!ll");
# words that start with a digit ("50mg", "2nd") are left alone.
_LEET_WORD = re.compile(r"(?<![a-z0-9])[a-z]+(?:[0-9@$!|]+[a-z]+)+[0-9]*(?![a-z0-9])")
_LEET = str.maketrans(
    {"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s", "!": "i", "|": "i"}
)
# Letters spelled out one by one with the same separator: "k i l l", "d.i.e", "s-u-i-c-i-d-e".
_SPACED = re.compile(r"(?<![a-z0-9'])[a-z](?P<sep>[ .*_-])[a-z](?:(?P=sep)[a-z])+(?![a-z0-9'])")
# Three or more of one letter shrink to two: "sooo" -> "soo", "killlll" -> "kill".
_REPEATS = re.compile(r"([a-z])\1{2,}")
# A straight quote at a word's edge ("says he's just 'tired of everything'") is a quotation mark, not part
# of the word: left in place it would hide the word from every pattern's word boundary.
_QUOTE_MARK = re.compile(r"(?<![a-z])'|'(?![a-z])")

# Contractions typed without their apostrophe ("dont", "wasnt", "im") are restored, so every pattern
# that knows "don't" also reads "dont". Only forms that are not ordinary words themselves: "ill", "id",
# "its", "were", "hell", "well", "shell" are left alone. "u"/"ur" are text-speak for you/your.
_CONTRACTIONS = {
    "dont": "don't",
    "doesnt": "doesn't",
    "didnt": "didn't",
    "cant": "can't",
    "couldnt": "couldn't",
    "wont": "won't",
    "wouldnt": "wouldn't",
    "shouldnt": "shouldn't",
    "isnt": "isn't",
    "arent": "aren't",
    "wasnt": "wasn't",
    "werent": "weren't",
    "havent": "haven't",
    "hasnt": "hasn't",
    "hadnt": "hadn't",
    "im": "i'm",
    "ive": "i've",
    "youre": "you're",
    "youll": "you'll",
    "youve": "you've",
    "theyre": "they're",
    "theyll": "they'll",
    "theyd": "they'd",
    "hes": "he's",
    "shes": "she's",
    "thats": "that's",
    "whats": "what's",
    "theres": "there's",
    "everyones": "everyone's",
    "nobodys": "nobody's",
    "tonights": "tonight's",
    "u": "you",
    "ur": "your",
}
_CONTRACTION = re.compile(r"(?<![a-z0-9'])(?:" + "|".join(_CONTRACTIONS) + r")(?![a-z0-9'])")
_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "\u0060": "'", "\u00b4": "'"})
_CLAUSE_BREAK = re.compile(r"[,;:()\"]| but | though | tho | although | however | except ")
_SENTENCE_BREAK = re.compile(r"[.!?\n]+")
_WORD = re.compile(r"[a-z0-9']+")
# A negation does not reach across these: "I can't sleep and I want to die".
_CONJUNCTIONS = frozenset({"and", "so", "because", "cause", "cuz", "then", "or", "now"})
# A timeframe in a clause with these words is about the past ("I did it on Wednesday").
_PAST_MARKERS = frozenset(
    {
        "did",
        "had",
        "was",
        "were",
        "yesterday",
        "last",
        "ago",
        "went",
        "happened",
        "earlier",
        "relapsed",
        "burned",
        "burnt",
    }
    | {"scratched", "slipped"}
)
# "On Sunday" is as often last Sunday as next: it is a timeframe only beside a word that looks ahead
# ("I'll cut on Sunday", "thinking about doing it on Friday"), so "I relapsed and cut on Sunday" is not urgent.
_WEEKDAY = re.compile(
    r"on (?:monday|tuesday|wednesday|thursday|friday|saturday|sunday"
    r"|the [0-9]{1,2}(?:st|nd|rd|th)|my [0-9]{1,2}(?:st|nd|rd|th)(?: birthday)?)"
)
_AHEAD = frozenset({"will", "going", "gonna", "planning", "plan", "next", "this", "thinking", "about", "want", "wanna"})
_AHEAD |= {"ready", "until", "till", "before", "by", "tonight", "tomorrow"}
_AHEAD |= {"ending"}  # "i'm ending it on saturday": the present tense of an arrangement
# A denial whose object is the match: "I don't have any thoughts of harming myself or anyone else",
# "no plans to kill myself". Matched against the clause up to the match, so it must end right there.
_DENIAL = re.compile(
    r"\b(?:no|not|never|don't|dont|do not|didn't|didnt|haven't|havent|have not|without|deny|denies|denied|zero)"
    r"(?: (?!and\b|but\b|so\b|then\b)[a-z']+){0,3} (?:thoughts?|thinking|intentions?|intent|plans?|urges?|desires?"
    r"|wish|wants?|wanted|feelings?|interest)"
    r"(?: (?!and\b|but\b|so\b|then\b|i\b|other\b|except\b|besides\b|apart\b)[a-z']+){0,2} ?$"
)
# A clinician's question answered "no" is not a disclosure: "she asked if I'd thought about suicide and I said no".
_ASKED = re.compile(r"\b(?:asked|asks|asking|ask) (?:me |you )?(?:[a-z]+ ){0,2}?(?:if|whether)\b")
_ANSWER_NO = re.compile(
    r"\b(?:said|say|answered|told (?:him|her|them)) (?:no|nope)\b"
    r"|\bi said i (?:wasn't|'m not|am not|don't|didn't|haven't)"
    r"|\b(?:click|clicked|tick|ticked|press|pressed|select|selected) (?:no|nope)\b"
)
# Third-party wording inside the writer's own work or reading ("an essay on why teenagers self-harm").
_WORK_FRAME = re.compile(
    r"\b(?:writing|wrote|reading|read|watched|watching|researching|studying|presenting|doing|working on|reviewing)"
    r" (?:a |an |my |the |our |this |that )?(?:[a-z]+ )?(?:essay|paper|article|report|project|presentation|dissertation"
    r"|thesis|novel|book|story|documentary|film|movie|course|module|assignment|lecture|podcast|poem|script)\b"
)
_THIRD_PERSON = frozenset({"he", "she", "they", "he's", "she's", "they're", "hes", "shes", "theyre", "his", "her"})
_FIRST_PERSON = re.compile(r"\b(?:i|i'm|im|me|my|myself|kms)\b")
# Categories whose patterns are first-person: a "he/she/they" just before the
# match turns them into a report about someone else.
_RELABEL_THIRD = {
    "intent": "others_imminent",
    "harm_intent": "others_imminent",
    "plan": "others_imminent",
    "act": "others_imminent",
    "ideation": "others_at_risk",
    "passive": "others_at_risk",
    "self_harm": "others_at_risk",
    "hopelessness": "others_at_risk",
    # "my roommate keeps saying she 'won't be around much longer'": someone else's farewell, reported.
    "farewell": "others_at_risk",
}
# A past suicide attempt or self-harm is worth a clinician's attention (the
# strongest single predictor of future risk), so it is `concern` unless the
# message itself says it is resolved ("years ago", "clean for two years").
_PAST_CATEGORIES = frozenset({"past_attempt", "self_harm", "ideation", "passive", "hopelessness", "eating"})
# An act or plan dated to the past ("took 30 pills when I was 16") is a past
# attempt: concern, like any other history of attempts, not an emergency now.
_DATED_CATEGORIES = frozenset({"act", "plan", "means", "ideation", "passive", "self_harm", "eating"})
# A threat or attack dated to the past ("tried to strangle me last year") is abuse, not danger now.
_DATED_DANGER = frozenset({"danger_from_others"})
_DISTANT_PAST = re.compile(
    r"\b(?:(?:years?|months?|weeks?|long time|long) ago|when i was|years back|back in"
    r"|last (?:year|month|summer|winter|spring|autumn|fall|time)"
    r"|in (?:19|20)[0-9]{2}|as a (?:teen|teenager|kid|child)|(?:in|at) (?:high school|college|uni|school)"
    r"|in my (?:teens|early teens|late teens|twenties|early twenties))\b"
)
_IDEATION = frozenset({"ideation", "self_harm"})
_SUICIDAL = _IDEATION | {"passive", "hopelessness"}
_VIOLENCE = frozenset({"abuse", "others_at_risk"})
_ANY_RISK_LEVELS = frozenset({"urgent", "concern"})
# Escalators that count only next to means at hand: "I'm going to finish it" or "they'll all be sorry"
# is ordinary alone, urgent beside "a blade" or "my brother's gun".
_WITH_MEANS_ONLY = frozenset({"resolve", "revenge"})
# Escalators that also count next to means at hand, besides their own rules: a goodbye with a razor in the
# bath, "so nobody finds me" with every one of my meds.
_MEANS_ALSO = frozenset({"farewell_hint", "finality", "opportunity"})
# A wish to harm someone ("make him pay", "I want to hurt my boss") is ordinary alone; beside means at hand,
# a future timeframe, or watching the person ("I know where she parks") it is danger to someone else.
_HARM_PARTNERS = frozenset({"weapon", "target", "timeframe"})
# Farewell behaviours: two different ones together are a goodbye. "finality" ("I won't be around") also
# becomes urgent beside a future timeframe, unless the message gives an ordinary reason (a move, a holiday).
_FAREWELLS = frozenset({"farewell_hint", "finality"})
# A timeframe that is a habit or a state ("when my husband is out", "at 6am") does not make abuse imminent;
# an event does ("when he gets back").
_HABITUAL_TIME = re.compile(r"at .*|this (?:week|time)|(?:when|once|while) .* (?:is|are)")
# A timeframe in a clause about a habit ("he keeps asking me to stay behind after class") is not an event ahead.
_HABITUAL_WORDS = frozenset({"keeps", "always", "usually", "whenever"})
# "I can't stop hitting my head", "can't help thinking about hurting myself": the negator is about stopping,
# so the act after it is affirmed, not denied.
_CANT_STOP = re.compile(r"\b(?:can't|cannot|cant|couldn't|couldnt) (?:stop|help)\b")
# An escalator for someone under threat now (hiding, police called, someone at the door) raises violence;
# one for a person who cannot be reached raises someone else's goodbye with a time ahead.
_UNDER_THREAT = frozenset({"under_threat"})
# Goodbyes, arrangements and someone else about to act are read as fiction when a frame word comes earlier
# in the same sentence, even across a comma, with no "I/me/my" or conjunction between.
_GOODBYES = frozenset({"farewell", "farewell_hint", "finality", "others_imminent"})
# A bare "eating disorder" has no person: in a message that says it is resolved, it is the writer's history.
_RESOLVABLE = frozenset({"eating disorder", "eating disorders"})
# What makes resolve with a time ahead more than a chore: a goodbye, means, a plan detail (or any risk signal).
_RESOLVE_PARTNERS = frozenset({"farewell_hint", "finality", "weapon", "plan_detail", "opportunity"})
# Possessive and plural frame words ("the novel's ending") are frame words too.
_FRAME_SUFFIX = re.compile(r"'s$")


class Level(enum.StrEnum):
    """Screening outcome, ordered by how fast a human must look."""

    NONE = "none"
    CONCERN = "concern"
    URGENT = "urgent"

    @property
    def rank(self) -> int:
        """Position in the order none < concern < urgent, so levels compare by severity."""
        return _RANK[self]


_RANK = {Level.NONE: 0, Level.CONCERN: 1, Level.URGENT: 2}


@dataclass(frozen=True)
class Screening:
    """A level and the plain-words reasons behind it (empty when the level is none)."""

    level: str
    reasons: tuple[str, ...]

    def as_dict(self) -> dict[str, object]:
        """The JSON shape the command line tools print."""
        return {"level": self.level, "reasons": list(self.reasons)}


NOTHING = Screening(Level.NONE.value, ())

# Why the rules read a matched phrase as no risk (Finding.dropped), and why they leave a message at none
# whatever it matches (Explanation.vetoes).
DROP_REASONS = ("negation", "denial", "asked and said no", "own work", "fiction or research frame")
NO_WORDS = "no words"
NO_LEXICON = "no lexicon for this language"
RESOLVED_PAST = "resolved past"


@dataclass(frozen=True)
class Finding:
    """One lexicon match in a sentence: what it means, and why the rules dropped it ("" when kept)."""

    snippet: str
    label: str
    level: str
    dropped: str = ""


@dataclass(frozen=True)
class SentenceExplanation:
    """How the rules read one sentence: the idioms they blanked and every match they judged."""

    text: str
    blanked: str
    idioms: tuple[str, ...]
    findings: tuple[Finding, ...]

    @property
    def judged_away(self) -> tuple[Finding, ...]:
        """Matches the rules dropped on purpose (negation, denial, a frame ...)."""
        return tuple(f for f in self.findings if f.dropped)

    @property
    def ruled_out(self) -> bool:
        """True when the rules blanked an idiom here or judged a match away: a none on purpose."""
        return bool(self.idioms) or any(f.dropped for f in self.findings)


@dataclass(frozen=True)
class Explanation:
    """screen_text's result and the decisions behind it, including the ones that left it at none.

    ``blanked`` is the normalised message with idioms overwritten by spaces, as the
    signals saw it. ``vetoes`` are the message-wide decisions (NO_WORDS, NO_LEXICON,
    RESOLVED_PAST). For tools and research; the product path calls screen_text only.
    """

    screening: Screening
    blanked: str
    sentences: tuple[SentenceExplanation, ...]
    vetoes: tuple[str, ...]


@dataclass(frozen=True)
class _Signal:
    category: str
    label: str
    level: str
    pattern: re.Pattern[str]


@dataclass(frozen=True)
class _Lexicon:
    signals: tuple[_Signal, ...]
    idioms: re.Pattern[str] | None
    negators: frozenset[str]
    frames: frozenset[str]
    resolution: re.Pattern[str] | None
    relapse: re.Pattern[str] | None
    priority: re.Pattern[str] | None


@dataclass(frozen=True)
class _Hit:
    category: str
    label: str
    level: str
    snippet: str
    sentence: int
    past: bool = False


def _expand(pattern: str, terms: dict[str, str]) -> str:
    """Replace {NAME} with its term until none is left (terms may nest)."""
    for _ in range(10):
        expanded = re.sub(r"\{([A-Z]+)\}", lambda m: terms[m.group(1)], pattern)
        if expanded == pattern:
            return expanded
        pattern = expanded
    raise ValueError(f"lexicon terms nest too deeply in {pattern[:60]!r}")


def _bounded(pattern: str) -> str:
    """Anchor a pattern to whole words, so 'od' never matches inside 'good'."""
    return rf"(?<![a-z0-9'])(?:{pattern})(?![a-z0-9])"


def _alternation(patterns: list[str], terms: dict[str, str]) -> re.Pattern[str] | None:
    if not patterns:
        return None
    # One boundary around the whole alternation matches exactly what a boundary around each pattern would
    # (the engine backtracks into the next alternative when the closing boundary fails), but a position in
    # the middle of a word is rejected once instead of once per pattern: about twice as fast.
    return re.compile(_bounded("|".join(_expand(p, terms) for p in patterns)))


@cache
def _lexicon(language: str) -> _Lexicon | None:
    """Load and compile one language's lexicon once per process; None when we have none."""
    path = DATA_DIR / f"lexicon_{language}.json"
    if not path.exists():
        return None
    raw = json.loads(path.read_text(encoding="utf-8"))
    terms = raw.get("terms", {})
    signals = tuple(
        _Signal(entry["category"], entry["label"], entry["level"], _alternation(entry["patterns"], terms))
        for entry in raw["signals"]
    )
    return _Lexicon(
        signals=signals,
        idioms=_alternation(raw.get("idioms", []), terms),
        negators=frozenset(raw.get("negators", [])),
        frames=frozenset(raw.get("frames", [])),
        resolution=_alternation(raw.get("resolution", []), terms),
        relapse=_alternation(raw.get("relapse", []), terms),
        priority=_priority(raw.get("priority", []), terms),
    )


def prepare() -> None:
    """Compile every shipped lexicon now (the app server calls this at startup).

    Compiling the English lexicon takes about 0.2 s; done lazily, the first client
    message after each start waited for it (confide/asgi.py).
    """
    for path in sorted(DATA_DIR.glob("lexicon_*.json")):
        _lexicon(path.stem.removeprefix("lexicon_"))


def _priority(stems: list[str], terms: dict[str, str]) -> re.Pattern[str] | None:
    """Word starts of strong risk words; sentences holding one are read first in a very long text."""
    if not stems:
        return None
    return re.compile(r"(?<![a-z0-9])(?:" + "|".join(_expand(s, terms) for s in stems) + ")")


def normalise(text: str) -> str:
    """Lower case, compatibility forms, straight apostrophes and single spaces.

    Also drops quotation marks around words and restores the apostrophe of
    contractions typed without one ("dont", "wasnt", "im"), so patterns need
    spell each contraction one way only.

    Offsets in the result are what the matchers and reasons use; quoting the
    normalised text keeps reasons readable ("'gonna kms'") whatever the input's
    capitals, curly quotes or full-width letters.
    """
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text).translate(_APOSTROPHES)
    text = _QUOTE_MARK.sub(" ", text.lower())
    text = re.sub(r"[ \t\r\f\v]+", " ", text).strip()
    text = _LEET_WORD.sub(lambda m: m.group(0).translate(_LEET), text)
    text = _SPACED.sub(lambda m: m.group(0).replace(m.group("sep"), ""), text)
    text = _CONTRACTION.sub(lambda m: _CONTRACTIONS[m.group(0)], text)
    return _REPEATS.sub(r"\1\1", text)


def _language(locale: str) -> str:
    return (locale or "en").replace("_", "-").split("-")[0].lower() or "en"


def _breaks(text: str, pattern: re.Pattern[str]) -> list[int]:
    return [m.end() for m in pattern.finditer(text)]


class _Context:
    """Clause and sentence positions of one piece of text, for O(log n) look-ups per match."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.clauses = _breaks(text, _CLAUSE_BREAK)
        self.sentences = _breaks(text, _SENTENCE_BREAK)

    def clause_start(self, pos: int) -> int:
        """Start of the clause holding pos; a new sentence also starts a new clause."""
        starts = (self._before(self.clauses, pos), self._before(self.sentences, pos))
        return max(starts)

    def clause(self, pos: int) -> str:
        start = self.clause_start(pos)
        i = bisect.bisect_right(self.clauses, pos)
        j = bisect.bisect_right(self.sentences, pos)
        ends = [len(self.text)]
        ends += [self.clauses[i]] if i < len(self.clauses) else []
        ends += [self.sentences[j]] if j < len(self.sentences) else []
        return self.text[start : min(ends)]

    def sentence_index(self, pos: int) -> int:
        return bisect.bisect_right(self.sentences, pos)

    def words_before(self, pos: int, count: int) -> list[str]:
        """Up to count words before pos in the same clause, not reaching back past a conjunction."""
        start = self.clause_start(pos)
        words = [w for w in _WORD.findall(self.text[max(start, pos - 80) : pos]) if w.strip("'")][-count:]
        cut = max((i + 1 for i, w in enumerate(words) if w in _CONJUNCTIONS), default=0)
        return words[cut:]

    @staticmethod
    def _before(breaks: list[int], pos: int) -> int:
        i = bisect.bisect_right(breaks, pos)
        return breaks[i - 1] if i else 0


def _negated(words: list[str], negators: frozenset[str]) -> bool:
    return any(w in negators or w.endswith("n't") for w in words)


def _judge(match: re.Match[str], signal: _Signal, ctx: _Context, lex: _Lexicon, offset: int) -> _Hit | None:
    """Decide what one match means in its clause: dropped, relabelled, or kept as it is."""
    hit = _verdict(match, signal, ctx, lex, offset)
    return hit if isinstance(hit, _Hit) else None


def _verdict(match: re.Match[str], signal: _Signal, ctx: _Context, lex: _Lexicon, offset: int) -> _Hit | str:
    """What _judge decides, with the reason (one of DROP_REASONS) in place of None when it drops the match."""
    snippet = match.group(0).strip()
    before = ctx.words_before(match.start(), NEGATION_WINDOW)
    own_words = _WORD.findall(snippet)
    intrinsic_negation = _negated(own_words, lex.negators)
    if not intrinsic_negation and _negated(before, lex.negators) and not _cant_stop(before):
        return "negation"
    if not intrinsic_negation and _denied(match, ctx):
        return "denial"
    if _asked_and_answered_no(match, ctx):
        return "asked and said no"
    if _in_own_work(match, snippet, ctx, lex, sentence_wide=signal.category in _GOODBYES):
        return "own work"
    category, label, level = signal.category, signal.label, signal.level
    if category in _RELABEL_THIRD and _THIRD_PERSON.intersection(before[-2:]):
        category = _RELABEL_THIRD[category]
        imminent = category == "others_imminent"
        label = "someone else in immediate danger" if imminent else "someone else at risk"
        level = "urgent" if imminent else "concern"
    if category.startswith("others") and _framed(ctx.clause(match.start()), snippet, lex):
        return "fiction or research frame"
    if category in _PAST_CATEGORIES and "used to" in " ".join(before):
        category, label = "past_attempt", f"past {signal.label}"
    if category in _DATED_CATEGORIES | _DATED_DANGER and _DISTANT_PAST.search(ctx.clause(match.start())):
        past_kind = "abuse" if category in _DATED_DANGER else "past_attempt"
        category, label, level = past_kind, f"past {signal.label}", "concern"
    words = _WORD.findall(ctx.clause(match.start()))
    past = not _PAST_MARKERS.isdisjoint(words)
    if category == "timeframe" and not _HABITUAL_WORDS.isdisjoint(words):
        past = True
    if category == "timeframe" and _WEEKDAY.fullmatch(snippet):
        past = past or (_AHEAD.isdisjoint(words) and not any(w.endswith("'ll") for w in words))
    return _Hit(category, label, level, snippet, ctx.sentence_index(match.start()) + offset, past)


def _cant_stop(before: list[str]) -> bool:
    """'can't stop' / 'couldn't help' right before the match affirms it; any other negator still drops it."""
    text = " ".join(before)
    found = _CANT_STOP.search(text)
    return found is not None and not any(w in ("not", "never", "no", "don't") for w in text[found.end() :].split())


def _denied(match: re.Match[str], ctx: _Context) -> bool:
    """'No thoughts of ...', 'don't have any plans to ...' right before the match, in the same clause."""
    prefix = ctx.text[max(ctx.clause_start(match.start()), match.start() - 120) : match.start()]
    return bool(_DENIAL.search(prefix))


def _sentence(pos: int, ctx: _Context) -> tuple[int, int]:
    i = bisect.bisect_right(ctx.sentences, pos)
    start = ctx.sentences[i - 1] if i else 0
    end = ctx.sentences[i] if i < len(ctx.sentences) else len(ctx.text)
    return start, end


def _asked_and_answered_no(match: re.Match[str], ctx: _Context) -> bool:
    """A question put to the writer ('asked if I was suicidal') that the same sentence answers 'no'."""
    start, end = _sentence(match.start(), ctx)
    if not _ASKED.search(ctx.text, start, match.start()):
        return False
    return bool(_ANSWER_NO.search(ctx.text, match.end(), end))


def _in_own_work(match: re.Match[str], snippet: str, ctx: _Context, lex: _Lexicon, *, sentence_wide: bool) -> bool:
    """Bare risk words about others in the writer's work or reading, with no 'I' in between.

    "I'm writing an essay on why teenagers self-harm"; "we had a patient come in after an overdose".
    A frame word counts only in the same clause with no conjunction between, so "the film ended and
    everything feels pointless" is still read. Goodbyes (``sentence_wide``) are framed across a comma too:
    "in the novel's last chapter, the father wrote a goodbye letter".
    """
    if _FIRST_PERSON.search(snippet):
        return False
    start, _end = _sentence(match.start(), ctx)
    frames = list(_WORK_FRAME.finditer(ctx.text, start, match.start()))
    if frames and not _FIRST_PERSON.search(ctx.text, frames[-1].end(), match.start()):
        return True
    between = ctx.text[start if sentence_wide else ctx.clause_start(match.start()) : match.start()]
    words = _WORD.findall(between)
    framed_at = max((i for i, w in enumerate(words) if _is_frame(words, i, lex)), default=None)
    if framed_at is None:
        return False
    after = words[framed_at + 1 :]
    return not any(_FIRST_PERSON.fullmatch(w) or w in _CONJUNCTIONS for w in after)


def _framed(clause: str, snippet: str, lex: _Lexicon) -> bool:
    """Third-party talk inside fiction, research or work ("the character", "my essay") is not risk."""
    words = _WORD.findall(clause)
    return not _FIRST_PERSON.search(snippet) and any(_is_frame(words, i, lex) for i in range(len(words)))


def _is_frame(words: list[str], i: int, lex: _Lexicon) -> bool:
    """A fiction or research word ("the novel's ending" too), but not a social-media story ("on his story")."""
    word = _FRAME_SUFFIX.sub("", words[i])
    if word not in lex.frames:
        return False
    social = word == "story" and i >= 2 and words[i - 2] in ("on", "in") and words[i - 1] in _POSSESSIVE
    return not social


_POSSESSIVE = frozenset({"his", "her", "their", "my", "your", "our", "insta", "ig", "snap", "instagram"})


def _pieces(text: str) -> list[str]:
    """Cut text into pieces of bounded size at sentence ends or spaces, so each regex pass is short."""
    pieces, start = [], 0
    while len(text) - start > PIECE_CHARS:
        cut = max(text.rfind(". ", start, start + PIECE_CHARS), text.rfind("\n", start, start + PIECE_CHARS))
        if cut <= start:
            cut = text.rfind(" ", start, start + PIECE_CHARS)
        cut = cut + 1 if cut > start else start + PIECE_CHARS
        pieces.append(text[start:cut])
        start = cut
    pieces.append(text[start:])
    return pieces


def _blank_idioms(text: str, lex: _Lexicon) -> str:
    """Overwrite idioms with spaces (same length) so 'killing me' or 'dying to' can't match a signal."""
    if lex.idioms is None:
        return text
    return lex.idioms.sub(lambda m: " " * len(m.group(0)), text)


def _units(text: str) -> list[str]:
    """Sentences (with their closing punctuation), long ones cut into bounded pieces."""
    units: list[str] = []
    start = 0
    for brk in _SENTENCE_BREAK.finditer(text):
        units += _pieces(text[start : brk.end()])
        start = brk.end()
    if start < len(text):
        units += _pieces(text[start:])
    return units


def _hits(text: str, lex: _Lexicon) -> tuple[list[_Hit], str]:
    """Matches of every signal, sentence by sentence, within the work bounds described at MAX_SCANNED_CHARS.

    Also returns the distinct sentences read, joined: the message-wide rules
    (resolution) look only at what was read.
    """
    units = _units(text)
    hits: list[_Hit] = []
    seen: dict[str, list[_Hit]] = {}
    scanned = 0
    for index in _reading_order(units, lex):
        unit = units[index]
        if unit not in seen:
            if scanned >= MAX_SCANNED_CHARS:
                break
            scanned += len(unit)
            seen[unit] = _unit_hits(unit, lex)
        hits += [replace(h, sentence=index) for h in seen[unit]]
        if any(h.level == "urgent" for h in seen[unit]):
            break
    return hits, " ".join(seen)


def _reading_order(units: list[str], lex: _Lexicon) -> list[int]:
    """Sentences with a strong risk word (and their neighbours) first, then the rest in order.

    Only a text longer than the work budget is read partly; the priority scan
    makes sure a crisis sentence at the end of a long, calm letter is still read.
    """
    if lex.priority is None or sum(map(len, units)) <= MAX_SCANNED_CHARS:
        return list(range(len(units)))
    first: dict[int, None] = {}
    strong = {unit: bool(lex.priority.search(unit)) for unit in dict.fromkeys(units)}
    for i, unit in enumerate(units):
        if strong[unit]:
            first.update(dict.fromkeys(j for j in (i - 1, i, i + 1) if 0 <= j < len(units)))
    return list(first) + [i for i in range(len(units)) if i not in first]


def _unit_hits(unit: str, lex: _Lexicon) -> list[_Hit]:
    """Judged matches in one sentence, one per distinct finding (a repeated phrase counts once)."""
    ctx = _Context(_blank_idioms(unit, lex))
    hits: dict[_Hit, None] = {}
    for signal in lex.signals:
        for match in signal.pattern.finditer(ctx.text):
            hit = _judge(match, signal, ctx, lex, 0)
            if hit is not None:
                hits[hit] = None
    return list(hits)


def _resolved(hits: list[_Hit], text: str, lex: _Lexicon) -> list[_Hit]:
    """Drop past attempts and past self-harm when the message says they are behind the person.

    A relapse ("cut last night after 6 months clean") is the opposite of resolution, whatever else it says.
    """
    if lex.resolution is None or not lex.resolution.search(text):
        return hits
    if lex.relapse is not None and lex.relapse.search(text):
        return hits
    return [h for h in hits if h.category != "past_attempt" and h.snippet not in _RESOLVABLE]


def _near(a: _Hit, b: _Hit, reach: int = 1) -> bool:
    """Signals combine only within one sentence or the next, not across a long letter."""
    return abs(a.sentence - b.sentence) <= reach


def _escalations(hits: list[_Hit]) -> list[str]:
    """The combination rules: ideation, self-harm or violence plus a timeframe or means become urgent.

    Farewell behaviours (goodbyes, thanks for everything, giving things away)
    are each ordinary alone; two different ones in one message are a goodbye.
    """
    farewells = list({h.snippet: h for h in hits if h.category in _FAREWELLS}.values())
    # Two arrangements with an ordinary reason beside them ("cancelled my contract, moving to Leeds") are a move.
    ordinary = any(h.category == "ordinary" for h in hits)
    paired = len(farewells) > 1 and not ordinary
    reasons = [f"farewell behaviours: {' + '.join(repr(h.snippet) for h in farewells)}"] if paired else []
    reasons += _harm_wishes(hits) + ([] if ordinary else _final_dates(hits))
    reasons += _dated_resolve(hits) + _threat_with_means(hits) + ([] if ordinary else _unreachable_goodbye(hits))
    for detail in (h for h in hits if h.category == "plan_detail"):
        means = [h for h in hits if h.category == "weapon" and _near(h, detail)]
        reasons += [f"plan detail with means: '{detail.snippet}' + '{means[0].snippet}'"] if means else []
    for resolve in (h for h in hits if h.category in _WITH_MEANS_ONLY | _MEANS_ALSO or h.category == "vague_intent"):
        # Means at hand reach two sentences: "my dad's gun is in my room. it's loaded. before I use it".
        means = [h for h in hits if h.category == "weapon" and _near(h, resolve, MEANS_REACH)]
        reasons += [f"{resolve.label} with means at hand: '{resolve.snippet}' + '{means[0].snippet}'"] if means else []
    risky = [h for h in hits if h.level in _ANY_RISK_LEVELS]
    for esc in (h for h in hits if h.level == "escalator"):
        for h in risky:
            if not _near(esc, h) or not _combines(h, esc) or _instrument_of(esc, h):
                continue
            reasons.append(f"{h.label} with {esc.label}: '{h.snippet}' + '{esc.snippet}'")
            break
    return reasons


def _future_times(hits: list[_Hit], near: _Hit) -> list[_Hit]:
    return [h for h in hits if h.category == "timeframe" and not h.past and _near(h, near)]


def _dated_resolve(hits: list[_Hit]) -> list[str]:
    """Resolve with a time ahead ("I'm finishing it tonight") in a message that also speaks of risk.

    Alone it is ordinary (homework, a book, a box set); beside any risk signal, a goodbye, means or a
    plan detail anywhere in the message it is intent with a timeframe.
    """
    partners = [h for h in hits if h.level in _ANY_RISK_LEVELS or h.category in _RESOLVE_PARTNERS]
    if not partners:
        return []
    reasons = []
    for resolve in (h for h in hits if h.category in ("resolve", "vague_intent")):
        times = _future_times(hits, resolve)
        if times:
            reasons.append(f"{resolve.label} with {times[0].label}: '{resolve.snippet}' + '{times[0].snippet}'")
    return reasons


def _threat_with_means(hits: list[_Hit]) -> list[str]:
    """Someone hiding or calling the police, with a weapon named within two sentences."""
    reasons = []
    for threat in (h for h in hits if h.category in _UNDER_THREAT):
        means = [h for h in hits if h.category == "weapon" and _near(h, threat, MEANS_REACH)]
        reasons += [f"{threat.label} with means at hand: '{threat.snippet}' + '{means[0].snippet}'"] if means else []
    return reasons


def _unreachable_goodbye(hits: list[_Hit]) -> list[str]:
    """Someone who cannot be reached, after a goodbye, with a time ahead ("saying goodbye ... not answering")."""
    if not any(h.category == "unreachable" for h in hits):
        return []
    farewells = [h for h in hits if h.category in _FAREWELLS or h.label == "stated intent"]
    dated = [(f, t) for f in farewells for t in _future_times(hits, f)]
    return (
        [f"goodbye, unreachable, with {dated[0][1].label}: '{dated[0][0].snippet}' + '{dated[0][1].snippet}'"]
        if dated
        else []
    )


def _final_dates(hits: list[_Hit]) -> list[str]:
    """Saying one will be gone, with a future timeframe beside it: "after Christmas I'll be gone for good"."""
    reasons = []
    for final in (h for h in hits if h.category == "finality"):
        times = [h for h in hits if h.category == "timeframe" and not h.past and _near(h, final)]
        reasons += [f"{final.label} with {times[0].label}: '{final.snippet}' + '{times[0].snippet}'"] if times else []
    return reasons


def _harm_wishes(hits: list[_Hit]) -> list[str]:
    """A wish to harm someone with means at hand, a future timeframe or the person watched, within two sentences."""
    reasons = []
    partners = [h for h in hits if h.category in _HARM_PARTNERS and not (h.category == "timeframe" and h.past)]
    for wish in (h for h in hits if h.category == "harm_wish"):
        near = [h for h in partners if _near(h, wish, MEANS_REACH)]
        reasons += [f"{wish.label} with {near[0].label}: '{wish.snippet}' + '{near[0].snippet}'"] if near else []
    return reasons


def _instrument_of(escalator: _Hit, risk: _Hit) -> bool:
    """Means that the risk itself names ("the razor on my thigh" + "the razor") are the act's tool, not extra means."""
    return escalator.category == "weapon" and escalator.snippet.split()[-1] in risk.snippet.split()


def _combines(risk: _Hit, escalator: _Hit) -> bool:
    if escalator.category in _WITH_MEANS_ONLY or escalator.category in ("harm_wish", "target", "unreachable"):
        return False
    if escalator.category in _UNDER_THREAT:
        return risk.category in _VIOLENCE
    if escalator.category == "vague_intent":
        return True
    if escalator.category in ("weapon", "farewell_hint", "finality", "plan_detail", "opportunity"):
        # Means, a goodbye or a chosen place next to any suicidal thought, even a passive one.
        return risk.category in _SUICIDAL or risk.category in _VIOLENCE
    if escalator.category == "timeframe":
        if risk.category == "abuse":
            return not escalator.past and not _HABITUAL_TIME.fullmatch(escalator.snippet)
        return not escalator.past and risk.category in _IDEATION
    return risk.category in _IDEATION or risk.category in _VIOLENCE


def _decide(hits: list[_Hit]) -> Screening:
    urgent = [f"{h.label}: '{h.snippet}'" for h in hits if h.level == "urgent"]
    urgent += _escalations(hits)
    concern = [f"{h.label}: '{h.snippet}'" for h in hits if h.level == "concern"]
    if urgent:
        context = [f"{h.label}: '{h.snippet}'" for h in hits if h.level == "escalator"]
        return Screening(Level.URGENT.value, _unique(urgent + concern + context))
    if concern:
        return Screening(Level.CONCERN.value, _unique(concern))
    return NOTHING


def _unique(reasons: list[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(reasons))[:MAX_REASONS]


def screen_text(text: str, *, locale: str = "en") -> Screening:
    """Screen one message for suicide, self-harm, violence, abuse and eating-disorder risk.

    Returns ``Screening("none", ())`` for empty, emoji-only or unsupported-language
    text rather than raising: callers screen every message and must never fail
    on what a client typed. Only a non-string is a programming error.
    """
    if not isinstance(text, str):
        raise TypeError(f"screen_text() needs a str, not {type(text).__name__}")
    lex = _lexicon(_language(locale))
    normalised = normalise(text)
    if lex is None or not _WORD.search(normalised):
        return NOTHING
    hits, read = _hits(normalised, lex)
    hits = _resolved(hits, read, lex)
    return _decide(hits)


def explain_text(text: str, *, locale: str = "en") -> Explanation:
    """screen_text's result plus, per distinct sentence, the idioms blanked and each match's fate.

    Sentences are listed in reading order within the same work bound as screen_text
    (MAX_SCANNED_CHARS), but all of them are read, not only up to the first urgent finding.
    """
    screening = screen_text(text, locale=locale)
    lex = _lexicon(_language(locale))
    normalised = normalise(text)
    if lex is None:
        return Explanation(screening, normalised, (), (NO_LEXICON,))
    if not _WORD.search(normalised):
        return Explanation(screening, normalised, (), (NO_WORDS,))
    units = _units(normalised)
    sentences: dict[str, SentenceExplanation] = {}
    scanned = 0
    for index in _reading_order(units, lex):
        key = units[index].strip()
        if key in sentences or scanned >= MAX_SCANNED_CHARS:
            continue
        scanned += len(units[index])
        sentences[key] = _explain_unit(units[index], lex)
    read = " ".join(sentences)
    resolved = lex.resolution is not None and lex.resolution.search(read)
    vetoes = (RESOLVED_PAST,) if resolved and (lex.relapse is None or not lex.relapse.search(read)) else ()
    return Explanation(screening, _blank_idioms(normalised, lex), tuple(sentences.values()), vetoes)


def _explain_unit(unit: str, lex: _Lexicon) -> SentenceExplanation:
    """The same matching as _unit_hits, keeping the dropped matches and why."""
    idioms = tuple(m.group(0).strip() for m in lex.idioms.finditer(unit)) if lex.idioms is not None else ()
    ctx = _Context(_blank_idioms(unit, lex))
    findings: dict[Finding, None] = {}
    for signal in lex.signals:
        for match in signal.pattern.finditer(ctx.text):
            hit = _verdict(match, signal, ctx, lex, 0)
            if isinstance(hit, _Hit):
                findings[Finding(hit.snippet, hit.label, hit.level)] = None
            else:
                findings[Finding(match.group(0).strip(), signal.label, signal.level, hit)] = None
    blanked = " ".join(ctx.text.split())
    return SentenceExplanation(unit.strip(), blanked, idioms, tuple(findings))


def main(stdin=None, stdout=None) -> int:
    """Read one message per line, write one JSON object per line (the same as `manage.py screen_text`)."""
    stdin, stdout = stdin or sys.stdin, stdout or sys.stdout
    for line in stdin:
        stdout.write(json.dumps(screen_text(line.rstrip("\r\n")).as_dict(), ensure_ascii=False) + "\n")
    stdout.flush()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
