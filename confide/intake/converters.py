"""The ``<measure:key>`` URL part: each measure's public name in addresses.

An address stays in the browser's history, on a computer a family may share.
The suicide-risk screener (``cssrs`` in the code and the data) is therefore
addressed by a neutral word; its code name is not an address at all (404, no
redirect, so it is never written to the history again). PHQ-9 and GAD-7 keep
their names: they are the standard names of mood and anxiety check-ins.
"""

from __future__ import annotations

SLUG_BY_KEY = {"phq9": "phq9", "gad7": "gad7", "cssrs": "wellbeing"}
KEY_BY_SLUG = {slug: key for key, slug in SLUG_BY_KEY.items()}


class MeasureConverter:
    regex = "[a-z0-9]+"

    def to_python(self, value: str) -> str:
        try:
            return KEY_BY_SLUG[value]
        except KeyError:
            raise ValueError(value) from None  # Django answers 404: no such address

    def to_url(self, value: str) -> str:
        try:
            return SLUG_BY_KEY[value]
        except KeyError:
            raise ValueError(value) from None
