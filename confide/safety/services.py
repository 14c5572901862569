"""The safety domain's verbs that other apps call.

Screening lives in `screening.py` (pure Python, so benches and command-line
filters need no Django); it is re-exported here because every caller imports
the domain's verbs from `confide.safety.services`.
"""

from confide.safety.screening import Level, Screening, screen_text

__all__ = ["Level", "Screening", "screen_text"]
