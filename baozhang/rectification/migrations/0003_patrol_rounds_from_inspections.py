import django.db.models.deletion
import simple_history.models
from django.conf import settings
from django.db import migrations, models

# The rounds move from inspections without being copied: rectification takes over the models and
# their existing tables (renamed in 0005, once inspections no longer refers to them) and links the
# checks of a round from its side.


def _history_link(name: str, field: str, to: str) -> migrations.CreateModel:
    """The audit trail of one of a round's many-to-many fields, as simple-history makes it."""
    return migrations.CreateModel(
        name=f"HistoricalPatrolRound_{name}",
        fields=[
            ("id", models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name="ID")),
            ("m2m_history_id", models.AutoField(primary_key=True, serialize=False)),
            ("history", models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, to="rectification.historicalpatrolround")),
            (field, models.ForeignKey(blank=True, db_constraint=False, db_tablespace="", null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name="+", to=to)),
            ("patrolround", models.ForeignKey(blank=True, db_constraint=False, db_tablespace="", null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name="+", to="rectification.patrolround")),
        ],
        options={
            "verbose_name": f"HistoricalPatrolRound_{name}",
            "db_table": f"inspections_historicalpatrolround_{name}",
        },
        bases=(simple_history.models.HistoricalChanges, models.Model),
    )


class Migration(migrations.Migration):
    dependencies = [
        ("inspections", "0003_patrol_rounds"),
        ("orgs", "0001_initial"),
        ("rectification", "0002_opened_at_digest_hour"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="HistoricalPatrolRound",
                    fields=[
                        ("id", models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name="ID")),
                        ("created_at", models.DateTimeField(blank=True, editable=False, verbose_name="created at")),
                        ("updated_at", models.DateTimeField(blank=True, editable=False, verbose_name="updated at")),
                        ("title", models.CharField(max_length=200, verbose_name="title")),
                        ("date", models.DateField(verbose_name="date")),
                        ("note", models.TextField(blank=True, verbose_name="note")),
                        ("history_id", models.AutoField(primary_key=True, serialize=False)),
                        ("history_date", models.DateTimeField(db_index=True)),
                        ("history_change_reason", models.CharField(max_length=100, null=True)),
                        ("history_type", models.CharField(choices=[("+", "Created"), ("~", "Changed"), ("-", "Deleted")], max_length=1)),
                        ("history_user", models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="+", to=settings.AUTH_USER_MODEL)),
                        ("leader", models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name="+", to="orgs.person", verbose_name="leading leader")),
                        ("organisation", models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name="+", to="orgs.organisation", verbose_name="organisation")),
                    ],
                    options={
                        "verbose_name": "historical patrol round",
                        "verbose_name_plural": "historical patrol rounds",
                        "ordering": ("-history_date", "-history_id"),
                        "get_latest_by": ("history_date", "history_id"),
                        "db_table": "inspections_historicalpatrolround",
                    },
                    bases=(simple_history.models.HistoricalChanges, models.Model),
                ),
                migrations.CreateModel(
                    name="PatrolRound",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="created at")),
                        ("updated_at", models.DateTimeField(auto_now=True, verbose_name="updated at")),
                        ("title", models.CharField(max_length=200, verbose_name="title")),
                        ("date", models.DateField(verbose_name="date")),
                        ("note", models.TextField(blank=True, verbose_name="note")),
                        ("area_types", models.ManyToManyField(blank=True, related_name="+", to="orgs.areatype", verbose_name="area types covered")),
                        ("leader", models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="rounds_led", to="orgs.person", verbose_name="leading leader")),
                        ("locations", models.ManyToManyField(blank=True, related_name="+", to="orgs.location", verbose_name="locations covered")),
                        ("members", models.ManyToManyField(blank=True, related_name="rounds_joined", to="orgs.person", verbose_name="members")),
                        ("organisation", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="+", to="orgs.organisation", verbose_name="organisation")),
                    ],
                    options={
                        "verbose_name": "patrol round",
                        "verbose_name_plural": "patrol rounds",
                        "ordering": ["-date", "-id"],
                        "db_table": "inspections_patrolround",
                    },
                ),
                _history_link("members", "person", "orgs.person"),
                _history_link("locations", "location", "orgs.location"),
                _history_link("area_types", "areatype", "orgs.areatype"),
            ],
        ),
        migrations.CreateModel(
            name="PatrolRoundCheck",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="created at")),
                ("updated_at", models.DateTimeField(auto_now=True, verbose_name="updated at")),
                ("inspection", models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name="+", to="inspections.inspection", verbose_name="inspection")),
                ("organisation", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="+", to="orgs.organisation", verbose_name="organisation")),
                ("patrol_round", models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="+", to="rectification.patrolround", verbose_name="patrol round")),
            ],
            options={
                "verbose_name": "check of a patrol round",
                "verbose_name_plural": "checks of patrol rounds",
            },
        ),
        migrations.AddField(
            model_name="patrolround",
            name="checks",
            field=models.ManyToManyField(blank=True, related_name="patrol_rounds", through="rectification.PatrolRoundCheck", to="inspections.inspection", verbose_name="checks"),
        ),
    ]
