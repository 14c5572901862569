"""Free-text index restricted by jurisdiction, and the headline copied into the search rows.

The text index gets one more column: the lookup keys of the profile's search rows, so a text search
asks the index for "these words AND one of the client's keys" (see ``search_index`` "free text").
SQLite: the FTS5 table is re-created with a ``keys`` column and prefix indexes. PostgreSQL: a table of
tsvectors (keys as ``#US-NY`` lexemes) under a GIN index replaces the expression index on
``TherapistProfile.search_text``. Both are filled in SQL, so upgrading a large directory takes seconds.
"""

from django.db import migrations, models

FTS_TABLE = "directory_profile_fts"
SQLITE_KEYS = (
    "(SELECT group_concat(k, ' ') FROM (SELECT DISTINCT lower(replace(replace(e.jurisdiction, '-', ''), '*', '')) "
    "AS k FROM directory_searchentry e WHERE e.profile_id = p.id ORDER BY k))"
)


def _sqlite_rowid(apps, connection) -> None:
    from confide.directory.search_index import _fts_rowid

    connection.connection.create_function("confide_fts_rowid", 1, _fts_rowid, deterministic=True)


def forwards(apps, schema_editor):
    connection = schema_editor.connection
    schema_editor.execute(
        "UPDATE directory_searchentry SET headline = (SELECT p.headline FROM directory_therapistprofile p "
        "WHERE p.id = directory_searchentry.profile_id)"
    )
    if connection.vendor == "sqlite":
        _sqlite_rowid(apps, connection)
        schema_editor.execute(f"DROP TABLE IF EXISTS {FTS_TABLE}")
        schema_editor.execute(
            f"CREATE VIRTUAL TABLE {FTS_TABLE} USING fts5(profile_id UNINDEXED, keys, body, prefix='1 2 3 4')"
        )
        schema_editor.execute(
            f"INSERT INTO {FTS_TABLE} (rowid, profile_id, keys, body) "
            f"SELECT confide_fts_rowid(p.id), p.id, {SQLITE_KEYS}, p.search_text FROM directory_therapistprofile p "
            "WHERE EXISTS (SELECT 1 FROM directory_searchentry e WHERE e.profile_id = p.id)"
        )
        schema_editor.execute("ANALYZE directory_searchentry")
    elif connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS dir_profile_text")
        schema_editor.execute(f"CREATE TABLE {FTS_TABLE} (profile_id uuid PRIMARY KEY, document tsvector NOT NULL)")
        schema_editor.execute(
            f"INSERT INTO {FTS_TABLE} (profile_id, document) "
            "SELECT p.id, array_to_tsvector(keys.found) || to_tsvector('simple', p.search_text) "
            "FROM directory_therapistprofile p CROSS JOIN LATERAL (SELECT array_agg(DISTINCT '#' || e.jurisdiction) "
            "AS found FROM directory_searchentry e WHERE e.profile_id = p.id) keys WHERE keys.found IS NOT NULL"
        )
        schema_editor.execute(f"CREATE INDEX dir_profile_fts_document ON {FTS_TABLE} USING gin (document)")
        schema_editor.execute(f"ANALYZE {FTS_TABLE}")
        schema_editor.execute("ANALYZE directory_searchentry")


def backwards(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor == "sqlite":
        _sqlite_rowid(apps, connection)
        schema_editor.execute(f"DROP TABLE IF EXISTS {FTS_TABLE}")
        schema_editor.execute(f"CREATE VIRTUAL TABLE {FTS_TABLE} USING fts5(profile_id UNINDEXED, body)")
        schema_editor.execute(
            f"INSERT INTO {FTS_TABLE} (rowid, profile_id, body) "
            "SELECT confide_fts_rowid(p.id), p.id, p.search_text FROM directory_therapistprofile p"
        )
    elif connection.vendor == "postgresql":
        schema_editor.execute(f"DROP TABLE IF EXISTS {FTS_TABLE}")
        schema_editor.execute(
            "CREATE INDEX IF NOT EXISTS dir_profile_text ON directory_therapistprofile "
            "USING gin (to_tsvector('simple', search_text))"
        )


class Migration(migrations.Migration):
    dependencies = [("directory", "0005_profile_text_index")]
    operations = [
        migrations.AddField(
            model_name="searchentry",
            name="headline",
            field=models.CharField(blank=True, default="", max_length=140),
        ),
        migrations.RunPython(forwards, backwards),
    ]
