"""The ledger's rows keep only their tag set's id: every set still missing from ``TagSet`` is stored first, then
the ``tags`` column goes and ``tag_set_id`` becomes the ORM's link to the set (the same column and index)."""

import django.db.models.deletion
from django.db import migrations, models

SETS_SQL = """
    INSERT INTO costs_tagset (id, tags)
    SELECT DISTINCT ON (tag_set_id) tag_set_id, tags FROM costs_costrecord WHERE tag_set_id <> 0
    ON CONFLICT (id) DO NOTHING
"""


class Migration(migrations.Migration):

    dependencies = [
        ("costs", "0017_ledger_blank_defaults"),
    ]

    operations = [
        migrations.RunSQL(SETS_SQL, migrations.RunSQL.noop),
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveIndex(model_name="costrecord", name="costs_rec_date_import_tags"),
                migrations.RemoveField(model_name="costrecord", name="tag_set_id"),
                migrations.AddField(
                    model_name="costrecord",
                    name="tag_set",
                    field=models.ForeignKey(blank=True, db_constraint=False, db_index=False, default=0,
                                            editable=False, null=True,
                                            on_delete=django.db.models.deletion.DO_NOTHING, related_name="+",
                                            to="costs.tagset", verbose_name="tag set"),
                ),
                migrations.AddIndex(
                    model_name="costrecord",
                    index=models.Index(fields=["charge_date", "billing_import", "tag_set"],
                                       name="costs_rec_date_import_tags"),
                ),
            ],
            database_operations=[
                # Same column, same index; nullable only so that the ORM joins the set with a LEFT JOIN.
                migrations.RunSQL("ALTER TABLE costs_costrecord ALTER COLUMN tag_set_id DROP NOT NULL",
                                  "ALTER TABLE costs_costrecord ALTER COLUMN tag_set_id SET NOT NULL"),
            ],
        ),
        migrations.RemoveField(model_name="costrecord", name="tags"),
    ]
