from django.db import migrations

# The tables of the rounds taken over from inspections get rectification's names; renamed, not
# copied, so every round and its audit trail stay as they are.


class Migration(migrations.Migration):
    dependencies = [
        ("rectification", "0004_patrol_round_checks_from_inspections"),
        ("inspections", "0004_patrol_rounds_moved_to_rectification"),
    ]

    operations = [
        migrations.AlterModelTable(name="patrolround", table=None),
        migrations.AlterModelTable(name="historicalpatrolround", table=None),
        migrations.AlterModelTable(name="historicalpatrolround_members", table=None),
        migrations.AlterModelTable(name="historicalpatrolround_locations", table=None),
        migrations.AlterModelTable(name="historicalpatrolround_area_types", table=None),
    ]
