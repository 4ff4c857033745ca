# The ledger's tags index (GIN over every row) becomes a set id per row, indexed with the charge date, and the
# sets in a table of their own (``TagSet``). Rows already in the ledger get the hash of their tags' text.

import django.contrib.postgres.indexes
from django.db import migrations, models


BACKFILL = """
UPDATE costs_costrecord SET tag_set_id = COALESCE(NULLIF(hashtextextended(tags::text, 0), 0), 1)
WHERE tags <> '{}'::jsonb;
INSERT INTO costs_tagset (id, tags)
SELECT DISTINCT ON (tag_set_id) tag_set_id, tags FROM costs_costrecord WHERE tag_set_id <> 0
ON CONFLICT (id) DO NOTHING;
"""


class Migration(migrations.Migration):

    dependencies = [
        ('costs', '0015_ledger_resource_names_from_rollups'),
    ]

    operations = [
        migrations.CreateModel(
            name='TagSet',
            fields=[
                ('id', models.BigIntegerField(primary_key=True, serialize=False)),
                ('tags', models.JSONField(default=dict, verbose_name='tags')),
            ],
            options={
                'verbose_name': 'tag set',
                'verbose_name_plural': 'tag sets',
            },
        ),
        migrations.RemoveIndex(
            model_name='costrecord',
            name='costs_rec_date_import',
        ),
        migrations.RemoveIndex(
            model_name='costrecord',
            name='costs_rec_tags',
        ),
        migrations.AddField(
            model_name='costrecord',
            name='tag_set_id',
            field=models.BigIntegerField(default=0, editable=False, verbose_name="tag set"),
        ),
        migrations.RunSQL(BACKFILL, migrations.RunSQL.noop),
        migrations.AddIndex(
            model_name='costrecord',
            index=models.Index(fields=['charge_date', 'billing_import', 'tag_set_id'], name='costs_rec_date_import_tags'),
        ),
        migrations.AddIndex(
            model_name='tagset',
            index=django.contrib.postgres.indexes.GinIndex(fields=['tags'], name='costs_tagset_tags', opclasses=['jsonb_path_ops']),
        ),
    ]
