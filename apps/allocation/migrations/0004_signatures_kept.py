"""Signatures become what the rollups point at (``alloc_sig``), with their columns kept for re-evaluation; the
cache table is replaced (it held nothing the rollups needed: they carried their allocation themselves until
``costs.0013``, which maps that allocation onto signatures)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('allocation', '0003_signature_cache_version'),
    ]

    operations = [
        migrations.RemoveField(model_name='allocationstate', name='cache_version'),
        migrations.AddField(
            model_name='allocationstate',
            name='signatures_with_sku',
            field=models.BooleanField(blank=True, default=False, null=True, verbose_name='signatures include the SKU'),
        ),
        migrations.DeleteModel(name='AllocationSignature'),
        migrations.CreateModel(
            name='AllocationSignature',
            fields=[
                ('sig', models.BigIntegerField(primary_key=True, serialize=False, verbose_name='signature')),
                ('allocation', models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='allocation.allocationset', verbose_name='allocation')),
                ('split_id', models.BigIntegerField(blank=True, null=True, verbose_name='shared cost')),
                ('connection_id', models.BigIntegerField(blank=True, null=True, verbose_name='connection')),
                ('provider_name', models.TextField(blank=True, default='', verbose_name='provider')),
                ('billing_account_id', models.TextField(blank=True, default='', verbose_name='billing account')),
                ('sub_account_id', models.TextField(blank=True, default='', verbose_name='sub-account')),
                ('service_name', models.TextField(blank=True, default='', verbose_name='service')),
                ('region_id', models.TextField(blank=True, default='', verbose_name='region')),
                ('resource_type', models.TextField(blank=True, default='', verbose_name='resource type')),
                ('resource_id', models.TextField(blank=True, default='', verbose_name='resource ID')),
                ('sku_id', models.TextField(blank=True, default='', verbose_name='SKU')),
                ('resource_name', models.TextField(blank=True, default='', verbose_name='resource name')),
                ('tags', models.TextField(blank=True, default='', verbose_name='tags')),
                ('source_sig', models.BigIntegerField(blank=True, null=True, verbose_name='shared signature')),
                ('via_split_id', models.BigIntegerField(blank=True, null=True, verbose_name='split of shared cost')),
                ('split_value', models.TextField(blank=True, default='', verbose_name='split value')),
                ('version', models.PositiveIntegerField(default=0, verbose_name='definitions version')),
            ],
            options={
                'verbose_name': 'allocated signature',
                'verbose_name_plural': 'allocated signatures',
            },
        ),
    ]
