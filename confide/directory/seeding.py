"""Synthetic therapists for demos and benchmarks (``manage.py seed_directory``).

Reproducible: the same ``seed`` gives the same people, licences and taxonomy
choices (availability is relative to "now"). Rows are bulk-inserted, and
accounts get unusable passwords (no hashing), so 100,000 therapists take
about a minute. Seeded accounts use the reserved ``seed.confide.test`` domain.
They have no scheduling policy or messaging settings, so their session types and
reply time are the defaults booking and the automatic reply would use.
"""

from __future__ import annotations

import random
import uuid
from datetime import timedelta

import pycountry
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from faker import Faker

from confide.accounts.models import Role, User
from confide.directory import models, search_index
from confide.directory.licensure import psypact_members

DOMAIN = "seed.confide.test"
NAMESPACE = uuid.UUID("6f1c2a54-7d0e-4c1b-9a55-0d5e3c9b7a10")
HEADLINES = [
    "Helping adults with {a} find steadier ground",
    "Evidence-based care for {a} and {b}",
    "Warm, practical therapy for {a}",
    "{c}-informed support through {a}",
    "Making room for {a}, {b} and everything in between",
]
BIO = (
    "I work with people facing {a} and {b}. My approach draws on {c}, and I adapt it to what you need. "
    "{extra} Sessions are collaborative and paced by you."
)
COUNTRY_TYPES = {"US": None, "CA": ["ca-psychologist", "ca-rp"], "GB": ["gb-hcpc-psychologist", "gb-bacp"]}
COUNTRY_TYPES["DE"] = ["de-psychotherapeut"]
COUNTRY_TYPES["AU"] = ["other"]
US_TYPES = ["psychologist", "lpc", "lmhc", "lcsw", "lmft", "psychiatrist", "pmhnp"]


def _jurisdictions() -> list[tuple[str, float]]:
    us = [s.code for s in pycountry.subdivisions.get(country_code="US") if s.type in ("State", "District")]
    ca = [s.code for s in pycountry.subdivisions.get(country_code="CA") if s.type == "Province"]
    au = [s.code for s in pycountry.subdivisions.get(country_code="AU")]
    weighted = [(code, 0.85 / len(us)) for code in us]
    weighted += [(code, 0.05 / len(ca)) for code in ca] + [(code, 0.02 / len(au)) for code in au]
    return weighted + [("GB", 0.05), ("DE", 0.03)]


class Seeder:
    def __init__(self, seed: int, start: int = 0):
        self.rng = random.Random(seed * 1_000_003 + start)
        self.fake = Faker("en_US")
        self.fake.seed_instance(seed * 1_000_003 + start)
        self.seed = seed
        self.places, self.place_weights = zip(*_jurisdictions(), strict=True)
        self.terms = {
            rel: list(
                getattr(models.TherapistProfile, rel).field.related_model.objects.values_list("id", "name", "slug")
            )
            for rel in (
                "specialties",
                "approaches",
                "populations",
                "competencies",
                "languages",
                "modalities",
                "insurance",
            )
        }
        self.types = dict(models.LicenceType.objects.values_list("slug", "id"))
        self.listed_modalities = {*models.UNSET_POLICY_MODALITIES, *models.ALWAYS_LISTED_MODALITIES}
        self.members = psypact_members()
        self.now = timezone.now()
        self.today = timezone.localdate()

    def pick(self, rel: str, low: int, high: int) -> list[tuple[int, str, str]]:
        options = self.terms[rel]
        return self.rng.sample(options, min(len(options), self.rng.randint(low, high)))

    def person(self, index: int):
        rng = self.rng
        gender = rng.choice(["woman", "woman", "man", "nonbinary", ""])
        first = self.fake.first_name_female() if gender == "woman" else self.fake.first_name_male()
        name = f"{first} {self.fake.last_name()}"
        email = f"t{index}-{self.seed}@{DOMAIN}"
        user = User(
            id=uuid.uuid5(NAMESPACE, email),
            email=email,
            role=Role.THERAPIST,
            display_name=name,
            time_zone="UTC",
        )
        user.set_unusable_password()
        terms = {
            "specialties": self.pick("specialties", 2, 6),
            "approaches": self.pick("approaches", 1, 4),
            "populations": self.pick("populations", 1, 3),
            "competencies": self.pick("competencies", 0, 2),
            "languages": list(
                dict.fromkeys([t for t in self.terms["languages"] if t[1] == "English"] + self.pick("languages", 0, 2))
            ),
            "insurance": self.pick("insurance", 0, 4),
        }
        # Seeded therapists have no scheduling policy or messaging settings, so the directory shows what
        # booking and the automatic reply would do for them: the defaults (UNSET_POLICY_MODALITIES,
        # DEFAULT_REPLY_HOURS). The random draws that used to choose them are still made and dropped,
        # so a seed gives the same people as before and benchmark figures stay comparable.
        self.pick("modalities", 1, 4)  # dropped
        terms["modalities"] = [t for t in self.terms["modalities"] if t[2] in self.listed_modalities]
        profile = self.profile(user, name, gender, terms)
        return user, profile, terms, self.licences(user)

    def profile(self, user, name: str, gender: str, terms: dict) -> models.TherapistProfile:
        rng = self.rng
        spec = [n for _, n, _ in terms["specialties"]]
        approach = [n for _, n, _ in terms["approaches"]] or ["CBT"]
        words = {"a": spec[0].lower(), "b": spec[-1].lower(), "c": approach[0]}
        open_at = None
        if rng.random() < 0.8:
            open_at = self.now + timedelta(hours=rng.randint(2, 24 * 40))
        practice = {
            "headline": rng.choice(HEADLINES).format(**words)[:140],
            "bio": BIO.format(extra=self.fake.sentence(nb_words=12), **words),
            "credentials": rng.choice(["PhD", "PsyD", "LCSW", "LMFT", "LPC", "MA", "MSW"]),
            "years_in_practice": rng.randint(1, 35),
            "fee": rng.randrange(60, 260, 5),
            "sliding_scale": rng.random() < 0.3,
            "accepting_new_clients": rng.random() < 0.85,
        }
        rng.choice([4, 12, 24, 48])  # the old reply-time draw, dropped (see ``person``)
        return models.TherapistProfile(
            id=uuid.uuid5(NAMESPACE, f"profile:{user.email}"),
            user=user,
            slug=f"{slugify(name)}-{user.pk.hex[:8]}",
            display_name=name,
            pronouns={"woman": "she/her", "man": "he/him", "nonbinary": "they/them"}.get(gender, ""),
            gender=gender,
            **practice,
            response_time_hours=models.DEFAULT_REPLY_HOURS,
            soonest_open_at=open_at,
            has_evening=open_at is not None and rng.random() < 0.4,
            has_weekend=open_at is not None and rng.random() < 0.25,
            open_slots_30d=rng.randint(1, 40) if open_at else 0,
        )

    def licences(self, user) -> list[models.Licence]:
        rng = self.rng
        homes = rng.choices(self.places, weights=self.place_weights, k=rng.choice([1, 1, 1, 2, 3]))
        found = []
        for code in dict.fromkeys(homes):
            country = code.split("-")[0]
            kind = rng.choice(COUNTRY_TYPES.get(country) or US_TYPES)
            status = rng.choices(["verified", "pending", "rejected"], weights=[90, 8, 2])[0]
            expires = self.today + timedelta(days=rng.randint(-60, 3 * 365))
            psypact = kind == "psychologist" and code in self.members and rng.random() < 0.6
            found.append(
                models.Licence(
                    therapist=user,
                    licence_type_id=self.types[kind],
                    number=f"{rng.randint(10000, 999999)}",
                    jurisdiction=code,
                    expires_on=expires,
                    status=status,
                    psypact_privilege=psypact,
                )
            )
        return found


def seed_therapists(count: int, *, seed: int = 1, start: int = 0, batch: int = 2000) -> int:
    """Create ``count`` synthetic therapists; returns how many were created."""
    seeder = Seeder(seed, start)
    created = 0
    while created < count:
        size = min(batch, count - created)
        people = [seeder.person(start + created + i) for i in range(size)]
        _insert(people)
        created += size
    return created


def _insert(people: list) -> None:
    through_rows: dict[str, list] = {}
    for _, profile, terms, _ in people:
        profile.search_text = " ".join([profile.display_name, profile.headline, profile.bio]).lower()
        for rel, picked in terms.items():
            through = getattr(models.TherapistProfile, rel).through
            column = getattr(models.TherapistProfile, rel).field.m2m_reverse_name()
            through_rows.setdefault(rel, []).extend(
                through(therapistprofile_id=profile.pk, **{column: term_id}) for term_id, _, _ in picked
            )
    with transaction.atomic():
        User.objects.bulk_create([p[0] for p in people])
        models.TherapistProfile.objects.bulk_create([p[1] for p in people])
        models.Licence.objects.bulk_create([lic for p in people for lic in p[3]])
        for rel, rows in through_rows.items():
            getattr(models.TherapistProfile, rel).through.objects.bulk_create(rows)
        search_index.rebuild([p[1].pk for p in people])  # bulk_create sends no signals


def remove_seeded() -> int:
    """Delete every seeded account (cascades to profiles and licences)."""
    deleted, _ = User.objects.filter(email__endswith=f"@{DOMAIN}").delete()
    return deleted
