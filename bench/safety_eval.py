"""Quality and speed of the text risk screener against the labelled message sets.

Usage: python bench/safety_eval.py [--show-errors] [--dev-only]   (no Django needed)

Development sets (the rules were tuned on all of them, so their figures flatter
the engine): ``eval`` (the original set), ``dev2`` (written for the second
round), ``heldout`` and ``reviewer`` (held out in the first round, development
data since the second), ``blind1`` (the blind set that judged the second round,
development data since the third), ``dev3`` (written for the third round), and
``blind2`` and ``blind3`` (blind sets that judged rounds 3 and 4, development
data in round 5), and ``blind4`` (it judged round 5, development data in round 6).

Held-out set: ``blind5`` (``blind5_messages.jsonl``), written by someone who
had never seen the rules or any earlier set; it judged round 6 once
(BLIND5-README.md). It is the only honest measure and is reported on its own;
a file that does not exist is skipped. ``--show-errors`` lists
mistakes on the development sets only, never on a held-out set: reading its
mistakes would turn it into one more development set. ``--dev-only`` does not
even load the held-out sets, for whoever is changing the rules.

Prints precision and recall per level, the 3x3 confusion matrix and the three
goals of issue 5 for every set, then throughput, p95 latency on a 10 KB message
and the time for 1 MB, then ONE final JSON line with all the figures.
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from confide.safety.screening import screen_text  # noqa: E402

DATA = ROOT / "confide" / "safety" / "tests" / "data"
DEVELOPMENT_SETS = {
    "eval": DATA / "eval_messages.jsonl",
    "dev2": DATA / "dev2_messages.jsonl",
    "heldout": DATA / "heldout_messages.jsonl",
    "reviewer": DATA / "reviewer_messages.jsonl",
    "blind1": DATA / "blind1_messages.jsonl",
    "dev3": DATA / "dev3_messages.jsonl",
    "blind2": DATA / "blind2_messages.jsonl",
    "blind3": DATA / "blind3_messages.jsonl",
    "blind4": DATA / "blind4_messages.jsonl",
}
HELDOUT_SETS = {"blind5": DATA / "blind5_messages.jsonl"}
SETS = DEVELOPMENT_SETS | HELDOUT_SETS
EVAL_SET = SETS["eval"]
LEVELS = ("none", "concern", "urgent")
GOALS = {"urgent_recall": 0.95, "concern_or_worse_recall": 0.90, "none_flagged_urgent_max": 0.05}


def load(path: Path = EVAL_SET) -> list[dict[str, str]]:
    """The labelled messages, one JSON object per line."""
    with path.open(encoding="utf-8") as lines:
        return [json.loads(line) for line in lines if line.strip()]


def confusion(rows: list[dict[str, str]]) -> tuple[dict[str, dict[str, int]], list[tuple[dict[str, str], str]]]:
    """Matrix[expected][predicted] counts, and the misclassified rows with their prediction."""
    matrix = {e: dict.fromkeys(LEVELS, 0) for e in LEVELS}
    errors = []
    for row in rows:
        got = screen_text(row["text"]).level
        matrix[row["level"]][got] += 1
        if got != row["level"]:
            errors.append((row, got))
    return matrix, errors


def scores(matrix: dict[str, dict[str, int]]) -> dict[str, dict[str, float]]:
    """Precision and recall of each level, exact match."""
    out = {}
    for level in LEVELS:
        true_pos = matrix[level][level]
        predicted = sum(matrix[e][level] for e in LEVELS)
        actual = sum(matrix[level].values())
        out[level] = {
            "precision": round(true_pos / predicted, 3) if predicted else 0.0,
            "recall": round(true_pos / actual, 3) if actual else 0.0,
        }
    return out


def _ratio(part: int, whole: int) -> float:
    return round(part / whole, 3) if whole else 0.0


def goals(matrix: dict[str, dict[str, int]]) -> dict[str, float]:
    """The issue's three goals: urgent recall, concern counted as at-least-concern, none flagged urgent."""
    concern = matrix["concern"]
    return {
        "urgent_recall": _ratio(matrix["urgent"]["urgent"], sum(matrix["urgent"].values())),
        "concern_or_worse_recall": _ratio(concern["concern"] + concern["urgent"], sum(concern.values())),
        "none_flagged_urgent": _ratio(matrix["none"]["urgent"], sum(matrix["none"].values())),
    }


def met(achieved: dict[str, float]) -> bool:
    """Whether all three goals are reached."""
    return (
        achieved["urgent_recall"] >= GOALS["urgent_recall"]
        and achieved["concern_or_worse_recall"] >= GOALS["concern_or_worse_recall"]
        and achieved["none_flagged_urgent"] < GOALS["none_flagged_urgent_max"]
    )


def evaluate(rows: list[dict[str, str]]) -> tuple[dict[str, object], list[tuple[dict[str, str], str]]]:
    """All quality figures of one set, and its errors."""
    matrix, errors = confusion(rows)
    achieved = goals(matrix)
    figures = {"messages": len(rows), "confusion": matrix, "per_level": scores(matrix)}
    return figures | achieved | {"goals_met": met(achieved)}, errors


def speed(rows: list[dict[str, str]], repeats: int = 50) -> dict[str, float]:
    """Messages per second over the set, p95 latency on one ~10 KB message, seconds for 1 MB."""
    started = time.perf_counter()
    for row in rows:
        screen_text(row["text"])
    per_second = len(rows) / (time.perf_counter() - started)
    big = " ".join(row["text"] for row in rows)[:10_000]
    timings = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        screen_text(big)
        timings.append((time.perf_counter() - t0) * 1000)
    p95 = statistics.quantiles(timings, n=20)[-1]
    megabyte = (big + " ") * 100
    repeated = "kill myself " * 87_382
    return {
        "messages_per_second": round(per_second),
        "p95_ms_10kb": round(p95, 2),
        "seconds_1mb_mixed": _timed(megabyte),
        "seconds_1mb_repeated_trigger": _timed(repeated),
    }


def _timed(text: str) -> float:
    t0 = time.perf_counter()
    screen_text(text)
    return round(time.perf_counter() - t0, 3)


def _print_set(name: str, figures: dict[str, object]) -> None:
    matrix, per_level = figures["confusion"], figures["per_level"]
    print(
        f"== {name}: {figures['messages']} messages: " + ", ".join(f"{lv} {sum(matrix[lv].values())}" for lv in LEVELS)
    )
    print("expected \\ predicted  " + "  ".join(f"{lv:>8}" for lv in LEVELS))
    for level in LEVELS:
        print(f"{level:>20}  " + "  ".join(f"{matrix[level][p]:>8}" for p in LEVELS))
    for level in LEVELS:
        print(f"{level:>8}: precision {per_level[level]['precision']:.3f}  recall {per_level[level]['recall']:.3f}")
    achieved = {k: figures[k] for k in ("urgent_recall", "concern_or_worse_recall", "none_flagged_urgent")}
    print(f"goals: {achieved} met={figures['goals_met']} (targets {GOALS})")


def main(argv: list[str]) -> int:
    development: dict[str, object] = {}
    for name, path in DEVELOPMENT_SETS.items():
        if not path.exists():
            continue
        figures, errors = evaluate(load(path))
        _print_set(f"development {name}", figures)
        development[name] = figures
        if "--show-errors" in argv:
            for row, got in errors:
                print(f"  expected {row['level']:>7} got {got:>7}: {row['text'][:110]}")
    heldout: dict[str, object] = {}
    for name, path in HELDOUT_SETS.items():
        if "--dev-only" in argv:
            print(f"== held-out {name}: not loaded (--dev-only)")
        elif not path.exists():
            print(f"== held-out {name}: {path.name} does not exist yet, skipped")
        else:
            figures, _errors = evaluate(load(path))  # never printed: see the module docstring
            _print_set(f"held-out {name}", figures)
            heldout[name] = figures
    timing = speed(load())
    print(f"speed: {timing}")
    print(json.dumps({"bench": "safety_eval", "development": development, "heldout": heldout} | timing))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
