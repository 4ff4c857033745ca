from django.db import migrations

BUILTIN = (
    ("business_unit", "Business unit"),
    ("project", "Project"),
    ("environment", "Environment"),
    ("cost_center", "Cost center"),
    ("product", "Product or feature"),
    ("owner", "Owner"),
)
REQUIRED = ("business_unit", "environment")


def create(apps, schema_editor):
    Dimension = apps.get_model("allocation", "Dimension")
    AllocationState = apps.get_model("allocation", "AllocationState")
    for position, (key, name) in enumerate(BUILTIN):
        Dimension.objects.get_or_create(key=key, defaults={"name": name, "builtin": True, "position": position,
                                                           "required": key in REQUIRED})
    # The combination of no value at all (everything unallocated): apps.allocation.services.allocation_set_key({}).
    apps.get_model("allocation", "AllocationSet").objects.get_or_create(key='{"s":null,"v":{}}', defaults={"values": {}})
    if not AllocationState.objects.exists():
        AllocationState.objects.create(version=1, applied_version=0)


class Migration(migrations.Migration):
    dependencies = [("allocation", "0001_initial")]
    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
