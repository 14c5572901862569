from django.db import migrations

GENESIS = "0" * 64


def create_head(apps, schema_editor):
    apps.get_model("privacy", "AuditChainHead").objects.get_or_create(pk=1, defaults={"last_hash": GENESIS})


class Migration(migrations.Migration):
    dependencies = [("privacy", "0001_initial")]
    operations = [migrations.RunPython(create_head, migrations.RunPython.noop)]
