"""PostgreSQL only: no two active appointments of one therapist may overlap (exclusion constraint).

SQLite has no exclusion constraints; there booking runs in an IMMEDIATE
transaction that re-checks overlaps before inserting (see services/booking.py).
The same migration therefore does nothing on other databases.
"""

from django.db import migrations

FORWARD = [
    "CREATE EXTENSION IF NOT EXISTS btree_gist",
    """
    ALTER TABLE scheduling_appointment
    ADD CONSTRAINT no_overlapping_appointments
    EXCLUDE USING gist (therapist_id WITH =, tstzrange(start_at, end_at, '[)') WITH &&)
    WHERE (status IN ('requested', 'confirmed'))
    """,
]
BACKWARD = ["ALTER TABLE scheduling_appointment DROP CONSTRAINT IF EXISTS no_overlapping_appointments"]


def _run(statements):
    def operation(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for statement in statements:
            schema_editor.execute(statement)

    return operation


class Migration(migrations.Migration):
    dependencies = [("scheduling", "0001_initial")]

    operations = [migrations.RunPython(_run(FORWARD), _run(BACKWARD))]
