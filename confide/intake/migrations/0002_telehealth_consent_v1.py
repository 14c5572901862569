"""Publish version 1 of the telehealth consent from intake/data/consent/telehealth-v1.txt."""

from pathlib import Path

from django.db import migrations
from django.utils import timezone

SOURCE = Path(__file__).resolve().parent.parent / "data" / "consent" / "telehealth-v1.txt"


def publish(apps, schema_editor):
    ConsentDocument = apps.get_model("intake", "ConsentDocument")
    title, _, body = SOURCE.read_text(encoding="utf-8").partition("\n")
    ConsentDocument.objects.get_or_create(
        kind="telehealth",
        version=1,
        defaults={"title": title.strip(), "body": body.strip(), "published_at": timezone.now()},
    )


def unpublish(apps, schema_editor):
    ConsentDocument = apps.get_model("intake", "ConsentDocument")
    ConsentDocument.objects.filter(kind="telehealth", version=1, signatures__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("intake", "0001_initial")]
    operations = [migrations.RunPython(publish, unpublish)]
