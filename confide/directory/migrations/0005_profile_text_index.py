"""Full-text index for directory search: FTS5 on SQLite, a GIN expression index on PostgreSQL."""

from django.db import migrations


def create(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        schema_editor.execute(
            "CREATE VIRTUAL TABLE IF NOT EXISTS directory_profile_fts USING fts5(profile_id UNINDEXED, body)"
        )
        from confide.directory import search_index

        ids = list(apps.get_model("directory", "TherapistProfile").objects.values_list("pk", flat=True))
        for start in range(0, len(ids), 2000):
            search_index._sync_text(ids[start : start + 2000])
    elif vendor == "postgresql":
        schema_editor.execute(
            "CREATE INDEX IF NOT EXISTS dir_profile_text ON directory_therapistprofile "
            "USING gin (to_tsvector('simple', search_text))"
        )


def drop(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        schema_editor.execute("DROP TABLE IF EXISTS directory_profile_fts")
    elif vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS dir_profile_text")


class Migration(migrations.Migration):
    dependencies = [("directory", "0004_search_entries")]
    operations = [migrations.RunPython(create, drop)]
