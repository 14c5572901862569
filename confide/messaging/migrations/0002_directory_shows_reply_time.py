"""Bring every directory profile's reply time into agreement with the messaging settings.

Which side wins: the messaging settings, and for a therapist without them the default (24 hours) —
because that is what the automatic reply and the conversation pages already promise the clients in
care. So the migration never changes a promise a client has been given; it only corrects what the
directory says. (The profile allowed up to 336 hours; messaging allows 1–168, and its value wins.)

Reversing leaves the corrected rows as they are.
"""

from django.db import migrations

DEFAULT_REPLY_HOURS = 24  # frozen copy of TherapistMessagingSettings.reply_within_hours' default
BATCH = 2000


def forward(apps, schema_editor):
    profiles = apps.get_model("directory", "TherapistProfile")
    settings = apps.get_model("messaging", "TherapistMessagingSettings")
    by_hours: dict[int, list] = {}
    for therapist_id, hours in settings.objects.values_list("therapist_id", "reply_within_hours"):
        by_hours.setdefault(hours, []).append(therapist_id)
    profiles.objects.exclude(response_time_hours=DEFAULT_REPLY_HOURS).update(response_time_hours=DEFAULT_REPLY_HOURS)
    for hours, ids in by_hours.items():
        for start in range(0, len(ids), BATCH):
            profiles.objects.filter(user_id__in=ids[start : start + BATCH]).update(response_time_hours=hours)


class Migration(migrations.Migration):
    dependencies = [
        ("messaging", "0001_initial"),
        ("directory", "0007_published_session_types_and_reply_time"),
    ]

    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
