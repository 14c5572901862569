"""Session types and reply time are published into the profile, no longer typed into it.

Schema only (``editable=False`` keeps them out of forms and the admin). The data is brought into
agreement by scheduling's 0005 (session types, from the scheduling policy) and messaging's 0002
(reply time, from the messaging settings).
"""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('directory', '0006_text_index_by_jurisdiction'),
    ]

    operations = [
        migrations.AlterField(
            model_name='therapistprofile',
            name='modalities',
            field=models.ManyToManyField(blank=True, editable=False, help_text='Published from the scheduling policy (what booking accepts), plus messaging; never edited here.', related_name='profiles', to='directory.modality'),
        ),
        migrations.AlterField(
            model_name='therapistprofile',
            name='response_time_hours',
            field=models.PositiveSmallIntegerField(default=24, editable=False, help_text='Typical reply time: published from the messaging settings (reply_within_hours); never edited here.'),
        ),
    ]
