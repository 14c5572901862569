"""Keeps ``SearchEntry`` rows in step with profiles, licences, taxonomies and compacts.

Why a denormalised table: at 100,000 therapists the normalised query joined
licences, compact members, accounts and one through table per filter for each
of ~9,000 candidates, twice per request (count, then page) — p95 200–550 ms.
One narrow row per (licence jurisdiction, profile) makes search one index range
and a scan (see docs/performance.md).

Every write path reaches this module through signals (connected in
``DirectoryConfig.ready``), so the admin, services, seeding and tests cannot
forget it; ``update_availability_summary`` (a bulk ``UPDATE`` without signals)
calls ``update_availability`` itself. Updates run inside the writer's
transaction, so a search never sees a profile half-updated. ``rebuild()`` with
no arguments re-creates every row (``manage.py rebuild_search_index``).
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable
from datetime import date

from django.db import connection, transaction
from django.db.models.expressions import RawSQL
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete

from confide.directory import models
from confide.directory.licensure import PSYPACT, PSYPACT_KEY, SUBNATIONAL_LICENSING, psypact_members

RELATIONS = ("specialties", "approaches", "populations", "competencies", "languages", "modalities", "insurance")
COPIED = ("accepting_new_clients", "soonest_open_at", "fee", "sliding_scale", "gender", "has_evening", "has_weekend")
COPIED += ("display_name", "headline")
BATCH = 2000


def _chunks(ids: list, size: int) -> Iterable[list]:
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def rebuild(profile_ids: Iterable | None = None, *, batch: int = BATCH) -> int:
    """Re-create the rows of these profiles (all profiles when None); returns rows written."""
    if profile_ids is None:
        ids = list(models.TherapistProfile.objects.order_by("pk").values_list("pk", flat=True))
        models.SearchEntry.objects.all().delete()
    else:
        ids = list(dict.fromkeys(profile_ids))
    members = psypact_members()
    written = 0
    if profile_ids is None:
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {FTS_TABLE}")  # noqa: S608 — constant name
    for chunk in _chunks(ids, batch):
        with transaction.atomic():
            models.SearchEntry.objects.filter(profile_id__in=chunk).delete()
            rows = list(_entries(chunk, members))
            models.SearchEntry.objects.bulk_create(rows, batch_size=1000)
            _sync_text(chunk)
            written += len(rows)
    if profile_ids is None:
        refresh_statistics()
    return written


def refresh_statistics() -> None:
    """Planner statistics for the search tables after a bulk (re)load: without them SQLite guesses
    index selectivity and PostgreSQL misjudges how many rows a jurisdiction or a word has."""
    tables = ["directory_searchentry", FTS_TABLE] if connection.vendor == "postgresql" else ["directory_searchentry"]
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"ANALYZE {table}")  # noqa: S608 — constant names
        if connection.vendor == "sqlite":
            cursor.execute("PRAGMA optimize")


# --- free text -------------------------------------------------------------------------------
# Word-prefix search over name, headline and bio, one text row per *listed* profile that also holds
# the profile's lookup keys (the jurisdictions of its search rows): a query asks for "these words AND
# one of the client's keys", so the text index itself returns only the jurisdiction's matches (a few
# hundred rows) instead of every profile in the country with a common word, each then probed in
# SearchEntry. SQLite: an FTS5 table (keys and body columns; prefix indexes make 1-4 letter word
# beginnings one posting list). PostgreSQL: a table of tsvectors (keys as "#US-NY" lexemes, which no
# search word can produce or prefix-match) under a GIN index. ``_sync_text`` keeps both in step; it runs
# after the profile's SearchEntry rows are written.
FTS_TABLE = "directory_profile_fts"


def _fts_rowid(profile_id) -> int:
    """FTS5 rows need integer ids; 64 bits of the UUID (a clash among 10^5 profiles: ~10^-10)."""
    return int.from_bytes(uuid.UUID(str(profile_id)).bytes[:8], "big", signed=True)


def fts_key(key: str) -> str:
    """A lookup key as one FTS5 token: ``US-NY`` → ``usny``, ``*psypact`` → ``psypact``.

    Unambiguous: country codes have two letters and subdivision suffixes 1-3, so no code gives "psypact".
    """
    return key.replace("-", "").replace("*", "").lower()


def _sync_text(profile_ids: list) -> None:
    ids = [uuid.UUID(str(pid)) for pid in profile_ids]
    if connection.vendor == "postgresql":
        _sync_text_postgres(ids)
        return
    keys: dict = defaultdict(set)
    entries = models.SearchEntry.objects.filter(profile_id__in=ids)
    for profile_id, key in entries.values_list("profile_id", "jurisdiction"):
        keys[profile_id].add(fts_key(key))
    texts = models.TherapistProfile.objects.filter(pk__in=list(keys)).values_list("pk", "search_text")
    with connection.cursor() as cursor:
        cursor.executemany(
            f"DELETE FROM {FTS_TABLE} WHERE rowid = %s",  # noqa: S608 — constant name
            [(_fts_rowid(pid),) for pid in ids],
        )
        cursor.executemany(
            f"INSERT INTO {FTS_TABLE} (rowid, profile_id, keys, body) VALUES (%s, %s, %s, %s)",  # noqa: S608
            [(_fts_rowid(pid), pid.hex, " ".join(sorted(keys[pid])), text) for pid, text in texts],
        )


def _sync_text_postgres(ids: list) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {FTS_TABLE} WHERE profile_id = ANY(%s)", [ids])  # noqa: S608 — constant name
        cursor.execute(
            f"INSERT INTO {FTS_TABLE} (profile_id, document) "  # noqa: S608 — constant name
            "SELECT p.id, array_to_tsvector(keys.found) || to_tsvector('simple', p.search_text) "
            "FROM directory_therapistprofile p CROSS JOIN LATERAL (SELECT array_agg(DISTINCT '#' || e.jurisdiction) "
            "AS found FROM directory_searchentry e WHERE e.profile_id = p.id) keys "
            "WHERE p.id = ANY(%s) AND keys.found IS NOT NULL",
            [ids],
        )


def text_matches(tokens: list[str], keys: list[str]) -> RawSQL:
    """Ids of listed profiles under one of ``keys`` whose name, headline or bio has a word starting
    with every token."""
    words = [part for token in tokens for part in token.split("_") if part]
    if connection.vendor == "sqlite":
        where = " OR ".join(f'"{fts_key(key)}"' for key in keys)
        query = f"keys : ({where}) AND body : (" + " AND ".join(f'"{word}"*' for word in words) + ")"
        sql = f"SELECT profile_id FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s"  # noqa: S608 — constant name
        return RawSQL(sql, (query,))  # noqa: S611 — constant SQL, the search words are a bound parameter
    where = " | ".join(f"'#{key}'" for key in keys)  # codes are validated: letters, digits, "-", "*"
    query = " & ".join(f"{word}:*" for word in words)
    sql = (
        f"SELECT profile_id FROM {FTS_TABLE} "  # noqa: S608 — constant name
        "WHERE document @@ (%s::tsquery && to_tsquery('simple', %s))"
    )
    return RawSQL(sql, (where, query))  # noqa: S611 — constant SQL, the search words are bound parameters


def _entries(profile_ids: list, members: set[str]) -> Iterable[models.SearchEntry]:
    profiles = models.TherapistProfile.objects.filter(pk__in=profile_ids, hidden=False, user__is_active=True)
    profiles = list(profiles.only("pk", "user_id", *COPIED))
    coverage = _coverage([p.user_id for p in profiles], members)
    tags = _tags([p.pk for p in profiles], RELATIONS)
    for profile in profiles:
        copied = {name: getattr(profile, name) for name in COPIED}
        copied |= {f"tags_{rel}": tags[rel].get(profile.pk, "|") for rel in RELATIONS}
        for key, (after, until) in _trimmed(coverage.get(profile.user_id, {}), members).items():
            yield models.SearchEntry(
                jurisdiction=key, valid_after=after, valid_until=until, profile_id=profile.pk, **copied
            )


def _trimmed(keys: dict, members: set[str]) -> dict:
    """key → (valid_after, valid_until) such that no client lookup sees two rows of the profile on one day.

    Keys that one client lookup can meet together (``lookup_keys``): a region and its country (outside
    state-licensing countries), and a compact member state and ``*psypact``. The wider key keeps its
    whole validity; the narrower one counts only after the wider one ends (and is dropped when it ends
    first). The union of days stays exactly what ``may_treat`` allows.
    """
    out = {}
    for key, until in keys.items():
        wider = [keys[w] for w in _wider_keys(key, members) if w in keys]
        after = max(wider, default=date.min)
        if after < until:
            out[key] = (after, until)
    return out


def _wider_keys(key: str, members: set[str]) -> list[str]:
    if key == PSYPACT_KEY:
        return []
    wider = [PSYPACT_KEY] if _meets_psypact(key, members) else []
    country = key.split("-")[0]
    if "-" in key and country not in SUBNATIONAL_LICENSING:
        wider.append(country)
    return wider


def _meets_psypact(key: str, members: set[str]) -> bool:
    """Does some client lookup contain both ``key`` and ``*psypact``?"""
    if key in members:
        return True
    return "-" not in key and any(m.startswith(f"{key}-") and key not in SUBNATIONAL_LICENSING for m in members)


def _coverage(user_ids: list, members: set[str]) -> dict:
    """user id → {lookup key → last day valid}: licence jurisdictions, and ``*psypact`` for compact holders."""
    keys: dict = defaultdict(dict)
    licences = models.Licence.objects.filter(therapist_id__in=user_ids, status=models.Licence.Status.VERIFIED)
    fields = ("therapist_id", "jurisdiction", "expires_on", "psypact_privilege", "licence_type__is_psychologist")
    for user_id, jurisdiction, expires_on, psypact, psychologist in licences.values_list(*fields):
        _keep_latest(keys[user_id], jurisdiction, expires_on)
        if psypact and psychologist and jurisdiction in members:
            _keep_latest(keys[user_id], PSYPACT_KEY, expires_on)
    return keys


def _keep_latest(keys: dict, key: str, day: date) -> None:
    if key not in keys or keys[key] < day:
        keys[key] = day


def _tags(profile_ids: list, relations: Iterable[str]) -> dict[str, dict]:
    """relation → profile id → "|slug|slug|" (sorted, so rebuilding twice gives the same text)."""
    out: dict[str, dict] = {}
    for rel in relations:
        descriptor = getattr(models.TherapistProfile, rel)
        term = descriptor.field.m2m_reverse_field_name()
        slugs: dict = defaultdict(list)
        pairs = descriptor.through.objects.filter(therapistprofile_id__in=profile_ids)
        for profile_id, slug in pairs.values_list("therapistprofile_id", f"{term}__slug"):
            slugs[profile_id].append(slug)
        out[rel] = {pid: "|" + "".join(f"{s}|" for s in sorted(found)) for pid, found in slugs.items()}
    return out


def update_tags(profile_ids: Iterable, relation: str) -> None:
    """One taxonomy of some profiles changed: rewrite that column only."""
    ids = list(profile_ids)
    found = _tags(ids, [relation])[relation]
    for profile_id in ids:
        models.SearchEntry.objects.filter(profile_id=profile_id).update(
            **{f"tags_{relation}": found.get(profile_id, "|")}
        )


def update_availability(profile_id, **values) -> None:
    """Scheduling's summary changed (soonest opening, evenings, weekends)."""
    models.SearchEntry.objects.filter(profile_id=profile_id).update(**values)


def psypact_holder_profiles() -> list:
    users = models.Licence.objects.filter(psypact_privilege=True).values("therapist_id")
    return list(models.TherapistProfile.objects.filter(user_id__in=users).values_list("pk", flat=True))


# --- signal handlers: every write path ---------------------------------------------------------


def _profile_saved(sender, instance, **kwargs) -> None:
    rebuild([instance.pk])


def _profile_deleted(sender, instance, **kwargs) -> None:
    _sync_text([instance.pk])  # its search rows went with it (cascade); drop its text row too


def _licence_changed(sender, instance, **kwargs) -> None:
    rebuild(models.TherapistProfile.objects.filter(user_id=instance.therapist_id).values_list("pk", flat=True))


def _user_saved(sender, instance, update_fields=None, **kwargs) -> None:
    if update_fields is not None and "is_active" not in update_fields:
        return  # e.g. last_login on every sign-in
    if getattr(instance, "role", None) == "therapist":
        rebuild(models.TherapistProfile.objects.filter(user_id=instance.pk).values_list("pk", flat=True))


def _compact_changed(sender, instance, **kwargs) -> None:
    if instance.compact.slug == PSYPACT:
        rebuild(psypact_holder_profiles())


def _terms_changed(relation: str):
    def handler(sender, instance, action, reverse, pk_set, **kwargs) -> None:
        if not reverse:
            if action in ("post_add", "post_remove", "post_clear"):
                update_tags([instance.pk], relation)
            return
        # From the term's side (term.profiles.add/remove/clear): the profiles are pk_set, or
        # for clear the ones the term had, captured before they were removed.
        if action == "pre_clear":
            instance._profiles_before_clear = list(instance.profiles.values_list("pk", flat=True))
        elif action in ("post_add", "post_remove"):
            update_tags(pk_set or [], relation)
        elif action == "post_clear":
            update_tags(getattr(instance, "_profiles_before_clear", []), relation)

    return handler


def _term_changed(relation: str):
    def handler(sender, instance, **kwargs) -> None:
        if instance.pk is not None:
            update_tags(list(instance.profiles.values_list("pk", flat=True)), relation)

    return handler


def _term_deleting(relation: str):
    def handler(sender, instance, **kwargs) -> None:
        instance._profiles_before_delete = list(instance.profiles.values_list("pk", flat=True))

    return handler


def _term_deleted(relation: str):
    def handler(sender, instance, **kwargs) -> None:
        update_tags(getattr(instance, "_profiles_before_delete", []), relation)

    return handler


_HANDLERS: list = []  # keeps the closures alive (signals hold weak references by default)


def connect() -> None:
    from django.contrib.auth import get_user_model

    post_save.connect(_profile_saved, sender=models.TherapistProfile, dispatch_uid="search_index.profile")
    post_delete.connect(_profile_deleted, sender=models.TherapistProfile, dispatch_uid="search_index.profile_gone")
    post_save.connect(_licence_changed, sender=models.Licence, dispatch_uid="search_index.licence_saved")
    post_delete.connect(_licence_changed, sender=models.Licence, dispatch_uid="search_index.licence_deleted")
    post_save.connect(_user_saved, sender=get_user_model(), dispatch_uid="search_index.user")
    post_save.connect(_compact_changed, sender=models.CompactMember, dispatch_uid="search_index.member_saved")
    post_delete.connect(_compact_changed, sender=models.CompactMember, dispatch_uid="search_index.member_deleted")
    for rel in RELATIONS:
        descriptor = getattr(models.TherapistProfile, rel)
        term_model = descriptor.field.related_model
        handlers = (_terms_changed(rel), _term_changed(rel), _term_deleting(rel), _term_deleted(rel))
        _HANDLERS.extend(handlers)
        m2m_changed.connect(handlers[0], sender=descriptor.through, dispatch_uid=f"search_index.m2m.{rel}")
        post_save.connect(handlers[1], sender=term_model, dispatch_uid=f"search_index.term.{rel}")
        pre_delete.connect(handlers[2], sender=term_model, dispatch_uid=f"search_index.term_deleting.{rel}")
        post_delete.connect(handlers[3], sender=term_model, dispatch_uid=f"search_index.term_deleted.{rel}")
