"""Demo directory data: the demo therapists' profiles and licences (idempotent)."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from confide.directory import models
from confide.directory.services import profile_for

PROFILES = {
    "Dr Ana Morales": dict(
        gender="woman", pronouns="she/her", credentials="PsyD", fee=160, languages=["en", "es"],
        headline="Trauma-informed therapy in English and Spanish",
        bio="I help adults recover from trauma and anxiety using CPT, EMDR and a lot of warmth.",
        specialties=["trauma-ptsd", "anxiety", "depression"], approaches=["cpt", "emdr", "cbt"],
        competencies=["bipoc-centred", "immigrant-refugee"], in_person_address="Upper West Side, Manhattan",
        licences=[("psychologist", "US-NY", False), ("psychologist", "US-PA", True)],
    ),
    "Ben Carter, LCSW": dict(
        gender="man", pronouns="he/him", credentials="LCSW", fee=110, sliding_scale=True, languages=["en"],
        headline="Practical help with stress, grief and big life changes",
        bio="Solution-focused and person-centred work for adults and couples, evenings available.",
        specialties=["grief", "stress", "relationships"], approaches=["solution-focused", "person-centred"],
        competencies=["lgbtq-affirming", "veterans"],
        insurance=["aetna", "bcbs"], licences=[("lcsw", "US-IL", False), ("lcsw", "US-NY", False)],
    ),
    "Chloe Nguyen, LMFT": dict(
        gender="woman", pronouns="she/her", credentials="LMFT", fee=140, languages=["en", "vi"],
        headline="Couples and family therapy that makes room for everyone",
        bio="Gottman-trained couples therapist; I also see teens and families.",
        specialties=["relationships", "identity", "anxiety"], approaches=["gottman", "ifs"],
        competencies=["lgbtq-affirming"], populations=["couples", "families", "teens"],
        licences=[("lmft", "US-CA", False)],
    ),
    "Dr Dev Patel": dict(
        gender="man", pronouns="he/him", credentials="DClinPsy", fee=90, currency="GBP", languages=["en", "hi"],
        headline="OCD and anxiety, with exposure and response prevention",
        bio="Clinical psychologist in London specialising in OCD and health anxiety.",
        specialties=["ocd", "anxiety"], approaches=["exposure", "act", "cbt"],
        competencies=["neurodiversity-affirming"],
        licences=[("gb-hcpc-psychologist", "GB", False)],
    ),
}  # fmt: skip
# Session types and reply times are not here: scheduling's and messaging's demo settings publish them.
TERMS = ("specialties", "approaches", "populations", "competencies", "languages", "insurance")


def populate(people) -> None:
    for therapist in people.therapists:
        spec = PROFILES.get(therapist.display_name)
        if spec is not None:
            _profile(therapist, dict(spec))


def _profile(therapist, spec: dict) -> None:
    profile = profile_for(therapist)
    licences = spec.pop("licences")
    terms = {name: spec.pop(name, []) for name in TERMS}
    for name, value in spec.items():
        setattr(profile, name, value)
    profile.save()
    for name, slugs in terms.items():
        model = getattr(models.TherapistProfile, name).field.related_model
        getattr(profile, name).set(model.objects.filter(slug__in=slugs))
    expires = timezone.localdate() + timedelta(days=700)
    for index, (kind, code, psypact) in enumerate(licences):
        models.Licence.objects.get_or_create(
            therapist=therapist,
            jurisdiction=code,
            defaults={
                "licence_type": models.LicenceType.objects.get(slug=kind),
                "number": f"DEMO-{code}-{index + 1}",
                "expires_on": expires,
                # the last licence of the second therapist waits in the staff queue
                "status": "pending" if (therapist.display_name.startswith("Ben") and index == 1) else "verified",
                "psypact_privilege": psypact,
            },
        )
