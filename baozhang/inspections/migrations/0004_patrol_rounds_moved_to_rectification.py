from django.db import migrations

# Rectification owns the rounds and their tables now, and links a round's checks from its side
# (copied there by its 0004): an inspection no longer names its round.


class Migration(migrations.Migration):
    dependencies = [
        ("inspections", "0003_patrol_rounds"),
        ("rectification", "0004_patrol_round_checks_from_inspections"),
    ]

    operations = [
        migrations.RemoveField(model_name="historicalinspection", name="patrol_round"),
        migrations.RemoveField(model_name="inspection", name="patrol_round"),
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name="HistoricalPatrolRound_area_types"),
                migrations.DeleteModel(name="HistoricalPatrolRound_locations"),
                migrations.DeleteModel(name="HistoricalPatrolRound_members"),
                migrations.DeleteModel(name="HistoricalPatrolRound"),
                migrations.DeleteModel(name="PatrolRound"),
            ],
        ),
    ]
