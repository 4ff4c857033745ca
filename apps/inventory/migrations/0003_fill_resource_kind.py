"""Fill ``Resource.kind`` for the rows synced before it existed.

The plugins' type -> kind tables as they were when ``kind`` was added, copied here on purpose: a
migration must give the same answer forever, whatever the plugins map later. A type missing here stays
``other`` (the field's default); the next sync writes the plugin's current kind.
"""

from django.db import migrations

KINDS = {
    "beget": {
        "hosting_plan": "hosting_plan", "domain": "domain", "hosting_mysql": "database", "vps": "compute",
        "mysql": "database", "postgresql": "database", "s3": "bucket",
    },
    "yandex": {"vm": "compute", "disk": "volume", "snapshot": "snapshot", "ip_address": "ip_address"},
    "selectel": {"server": "compute", "volume": "volume"},
    "aws": {"ec2_instance": "compute", "ebs_volume": "volume", "elastic_ip": "ip_address"},
}
# Selectel's managed services are billed objects of type "cloud_service": the billing service tells them apart.
SELECTEL_SERVICE_KINDS = {"dbaas": "database", "mks": "kubernetes"}


def fill_kind(apps, schema_editor):
    Resource = apps.get_model("inventory", "Resource")
    for provider, kinds in KINDS.items():
        for resource_type, kind in kinds.items():
            Resource.objects.filter(provider=provider, resource_type=resource_type).update(kind=kind)
    for provider_key, kind in SELECTEL_SERVICE_KINDS.items():
        Resource.objects.filter(provider="selectel", resource_type="cloud_service",
                                provider_config__provider_key=provider_key).update(kind=kind)


class Migration(migrations.Migration):

    dependencies = [
        ("inventory", "0002_resource_kind"),
    ]

    operations = [
        migrations.RunPython(fill_kind, migrations.RunPython.noop),
    ]
