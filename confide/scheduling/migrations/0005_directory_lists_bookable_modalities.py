"""Bring every directory profile's session types into agreement with what booking accepts.

Which side wins: the scheduling policy, and for a therapist without one the policy's defaults
(video, audio call, live chat) — because that is what booking enforces, and a directory claim booking
would refuse is the bug this fixes. So the migration never changes what can be booked; it only
corrects what the directory says (and "messaging" is listed for everyone: letters come with every
care relationship). In person is listed only with an office address, as booking requires.

Historical models send no signals, so the search index's ``tags_modalities`` is rewritten here too,
in the index's own "|slug|slug|" form. Reversing leaves the corrected rows as they are.
"""

from django.db import migrations

# Frozen copies of scheduling.listing and the directory constants as of this migration.
FLAGS = (("offers_video", "video"), ("offers_audio", "audio"), ("offers_chat", "chat"))
UNSET_POLICY = ("video", "audio", "chat")
ALWAYS = ("messaging",)
BATCH = 2000


def _bookable(policy: dict) -> tuple:
    slugs = [slug for flag, slug in FLAGS if policy[flag]]
    if policy["offers_in_person"] and policy["office_address"]:
        slugs.append("in-person")
    return tuple(slugs)


def forward(apps, schema_editor):
    profiles = apps.get_model("directory", "TherapistProfile")
    policies = apps.get_model("scheduling", "SchedulingPolicy")
    entries = apps.get_model("directory", "SearchEntry")
    through = profiles.modalities.through
    term_ids = dict(apps.get_model("directory", "Modality").objects.values_list("slug", "id"))
    fields = ("therapist_id", "offers_video", "offers_audio", "offers_chat", "offers_in_person", "office_address")
    bookable = {row["therapist_id"]: _bookable(row) for row in policies.objects.values(*fields)}
    rows = list(profiles.objects.order_by("pk").values_list("pk", "user_id"))
    for start in range(0, len(rows), BATCH):
        chunk = rows[start : start + BATCH]
        by_tags: dict[str, list] = {}
        links = []
        for profile_id, user_id in chunk:
            slugs = sorted(s for s in {*bookable.get(user_id, UNSET_POLICY), *ALWAYS} if s in term_ids)
            links += [through(therapistprofile_id=profile_id, modality_id=term_ids[s]) for s in slugs]
            by_tags.setdefault("|" + "".join(f"{s}|" for s in slugs), []).append(profile_id)
        through.objects.filter(therapistprofile_id__in=[pk for pk, _ in chunk]).delete()
        through.objects.bulk_create(links, batch_size=1000)
        for tags, ids in by_tags.items():
            entries.objects.filter(profile_id__in=ids).update(tags_modalities=tags)


class Migration(migrations.Migration):
    dependencies = [
        ("scheduling", "0004_appointment_actual_times"),
        ("directory", "0007_published_session_types_and_reply_time"),
    ]

    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
