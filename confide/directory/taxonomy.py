"""Taxonomy terms and the PSYPACT member list, cached in each process.

Every search validates its filters against the taxonomies, names the terms on each card and looks up
the compact members; they change a few times a year (admin edits, a statute), so reading them from the
database on every request is wasted work. The cache is cleared by signals when a term or a compact
membership is saved or deleted in this process; other app processes pick the change up within
``MAX_AGE`` seconds. Search *results* are never cached: availability and licences must be live.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

from django.db.models.signals import post_delete, post_save

from confide.directory import licensure, models

MAX_AGE = 60.0  # seconds before another process's edit is seen
RELATIONS: dict[str, type[models.Term]] = {
    "specialties": models.Specialty,
    "approaches": models.Approach,
    "populations": models.Population,
    "competencies": models.Competency,
    "languages": models.Language,
    "modalities": models.Modality,
    "insurance": models.InsurancePayer,
}
T = TypeVar("T")
_cache: dict[str, tuple[float, object]] = {}


def _cached(key: str, load: Callable[[], T]) -> T:
    hit = _cache.get(key)
    now = time.monotonic()
    if hit is not None and now - hit[0] < MAX_AGE:
        return hit[1]  # type: ignore[return-value]
    value = load()
    _cache[key] = (now, value)
    return value


def clear(**kwargs) -> None:
    """Forget everything (signal receiver; also called by tests after a rolled-back edit)."""
    _cache.clear()


def terms(relation: str) -> dict[str, models.Term]:
    """slug → term (active or not) of one taxonomy, e.g. ``terms("specialties")``, in the database's
    order of the taxonomy (position, name — the order of ``profile.specialties.all()``)."""
    model = RELATIONS[relation]
    return _cached(relation, lambda: {term.slug: term for term in model.objects.all()})


def is_active(relation: str, slug: str) -> bool:
    term = terms(relation).get(slug)
    return term is not None and term.active


def choices(model: type[models.Term]) -> list[tuple[str, str]]:
    """(slug, name) of a taxonomy's active terms, for form choices."""
    relation = next(rel for rel, known in RELATIONS.items() if known is model)
    return [(slug, term.name) for slug, term in terms(relation).items() if term.active]


def listed(relation: str, tags: str) -> list[models.Term]:
    """The terms of a search row's ``"|slug|slug|"`` column, in the taxonomy's order."""
    wanted = set(tags.strip("|").split("|"))
    return [term for slug, term in terms(relation).items() if slug in wanted]


def psypact_members() -> set[str]:
    """Jurisdictions where PSYPACT is in force (for search keys; ``may_treat`` reads them live)."""
    return _cached("*psypact", licensure.psypact_members)


def connect() -> None:
    for model in (*RELATIONS.values(), models.CompactMember, models.Compact):
        post_save.connect(clear, sender=model, dispatch_uid=f"taxonomy.saved.{model.__name__}")
        post_delete.connect(clear, sender=model, dispatch_uid=f"taxonomy.deleted.{model.__name__}")
