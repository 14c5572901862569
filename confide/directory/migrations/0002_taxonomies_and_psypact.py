"""Seed the taxonomies, licence types and the PSYPACT member list.

All of it is data: staff edit it in the admin afterwards. The PSYPACT list is
the jurisdictions where the compact was in force when this was written; check
https://psypact.gov before relying on it and update the rows in the admin.
"""

from django.db import migrations

SPECIALTIES = [
    ("anxiety", "Anxiety"),
    ("depression", "Depression"),
    ("trauma-ptsd", "Trauma & PTSD"),
    ("eating-disorders", "Eating disorders"),
    ("ocd", "OCD"),
    ("bipolar", "Bipolar disorder"),
    ("substance-use", "Substance use"),
    ("grief", "Grief & loss"),
    ("relationships", "Relationships"),
    ("adhd", "ADHD"),
    ("stress", "Stress & burnout"),
    ("self-esteem", "Self-esteem"),
    ("perinatal", "Perinatal mental health"),
    ("insomnia", "Sleep & insomnia"),
    ("identity", "Identity & life transitions"),
]
APPROACHES = [
    ("cbt", "Cognitive behavioural therapy (CBT)"),
    ("dbt", "Dialectical behaviour therapy (DBT)"),
    ("act", "Acceptance and commitment therapy (ACT)"),
    ("emdr", "EMDR"),
    ("exposure", "Exposure therapy (incl. ERP)"),
    ("psychodynamic", "Psychodynamic"),
    ("person-centred", "Person-centred"),
    ("ifs", "Internal Family Systems (IFS)"),
    ("mbct", "Mindfulness-based cognitive therapy (MBCT)"),
    ("cpt", "Cognitive processing therapy (CPT)"),
    ("solution-focused", "Solution-focused"),
    ("gottman", "Gottman method (couples)"),
]
POPULATIONS = [
    ("adults", "Adults"),
    ("teens", "Teens"),
    ("couples", "Couples"),
    ("families", "Families"),
    ("groups", "Groups"),
    ("older-adults", "Older adults"),
]
COMPETENCIES = [
    ("lgbtq-affirming", "LGBTQ+-affirming"),
    ("faith-integrated", "Faith-integrated"),
    ("bipoc-centred", "BIPOC-centred"),
    ("neurodiversity-affirming", "Neurodiversity-affirming"),
    ("immigrant-refugee", "Immigrants & refugees"),
    ("veterans", "Veterans & military families"),
    ("disability-affirming", "Disability-affirming"),
]
LANGUAGES = [
    ("en", "English"),
    ("es", "Spanish"),
    ("fr", "French"),
    ("de", "German"),
    ("pt", "Portuguese"),
    ("zh", "Chinese"),
    ("ar", "Arabic"),
    ("hi", "Hindi"),
    ("ru", "Russian"),
    ("vi", "Vietnamese"),
    ("ko", "Korean"),
    ("tl", "Tagalog"),
    ("asl", "American Sign Language"),
]
MODALITIES = [
    ("video", "Video"),
    ("audio", "Audio call"),
    ("chat", "Live chat"),
    ("messaging", "Asynchronous messaging"),
    ("in-person", "In person (hybrid)"),
]
PAYERS = [
    ("aetna", "Aetna"),
    ("bcbs", "Blue Cross Blue Shield"),
    ("cigna", "Cigna"),
    ("united", "UnitedHealthcare"),
    ("humana", "Humana"),
    ("kaiser", "Kaiser Permanente"),
    ("medicare", "Medicare"),
    ("medicaid", "Medicaid"),
    ("tricare", "TRICARE"),
    ("optum", "Optum"),
]
LICENCE_TYPES = [
    # slug, name, country, is_psychologist
    ("psychologist", "Psychologist (PhD/PsyD)", "US", True),
    ("lpc", "Licensed Professional Counselor (LPC/LPCC)", "US", False),
    ("lmhc", "Licensed Mental Health Counselor (LMHC)", "US", False),
    ("lcsw", "Licensed Clinical Social Worker (LCSW)", "US", False),
    ("lmft", "Licensed Marriage and Family Therapist (LMFT)", "US", False),
    ("psychiatrist", "Psychiatrist (MD/DO)", "US", False),
    ("pmhnp", "Psychiatric Mental Health Nurse Practitioner", "US", False),
    ("ca-psychologist", "Psychologist (Canada)", "CA", True),
    ("ca-rp", "Registered Psychotherapist (Canada)", "CA", False),
    ("gb-hcpc-psychologist", "HCPC practitioner psychologist", "GB", True),
    ("gb-bacp", "BACP/UKCP registered counsellor or psychotherapist", "GB", False),
    ("de-psychotherapeut", "Psychologische Psychotherapeut:in (Approbation)", "DE", True),
    ("other", "Other (state the board)", "", False),
]
PSYPACT_MEMBERS = [
    "US-AL", "US-AR", "US-AZ", "US-CO", "US-CT", "US-DC", "US-DE", "US-GA", "US-ID", "US-IL", "US-IN",
    "US-KS", "US-KY", "US-ME", "US-MD", "US-MI", "US-MN", "US-MO", "US-MS", "US-NC", "US-NE", "US-NH",
    "US-NJ", "US-NV", "US-OH", "US-OK", "US-PA", "US-RI", "US-SC", "US-SD", "US-TN", "US-TX", "US-UT",
    "US-VA", "US-VT", "US-WA", "US-WI", "US-WV", "US-WY",
]  # fmt: skip

TAXONOMIES = [
    ("Specialty", SPECIALTIES),
    ("Approach", APPROACHES),
    ("Population", POPULATIONS),
    ("Competency", COMPETENCIES),
    ("Language", LANGUAGES),
    ("Modality", MODALITIES),
    ("InsurancePayer", PAYERS),
]


def seed(apps, schema_editor):
    for model_name, rows in TAXONOMIES:
        model = apps.get_model("directory", model_name)
        for position, (slug, name) in enumerate(rows):
            model.objects.update_or_create(slug=slug, defaults={"name": name, "position": position})
    LicenceType = apps.get_model("directory", "LicenceType")
    for slug, name, country, psych in LICENCE_TYPES:
        LicenceType.objects.update_or_create(
            slug=slug, defaults={"name": name, "country": country, "is_psychologist": psych}
        )
    Compact = apps.get_model("directory", "Compact")
    CompactMember = apps.get_model("directory", "CompactMember")
    psypact, _ = Compact.objects.get_or_create(
        slug="psypact", defaults={"name": "PSYPACT (Psychology Interjurisdictional Compact)"}
    )
    for code in PSYPACT_MEMBERS:
        CompactMember.objects.get_or_create(compact=psypact, jurisdiction=code)


def unseed(apps, schema_editor):
    for model_name, rows in TAXONOMIES:
        apps.get_model("directory", model_name).objects.filter(slug__in=[s for s, _ in rows]).delete()
    apps.get_model("directory", "Compact").objects.filter(slug="psypact").delete()
    apps.get_model("directory", "LicenceType").objects.filter(slug__in=[r[0] for r in LICENCE_TYPES]).delete()


class Migration(migrations.Migration):
    dependencies = [("directory", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
