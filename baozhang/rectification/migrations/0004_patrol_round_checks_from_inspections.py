from django.db import migrations


def checks_from_inspections(apps, schema_editor):
    """Each check recorded in a round gets its link to the round, taken from the check's column."""
    Inspection = apps.get_model("inspections", "Inspection")
    PatrolRoundCheck = apps.get_model("rectification", "PatrolRoundCheck")
    rows = (
        Inspection._base_manager.filter(patrol_round__isnull=False)
        .values_list("pk", "organisation_id", "patrol_round_id")
        .order_by("pk")
    )
    PatrolRoundCheck._base_manager.bulk_create(
        (
            PatrolRoundCheck(
                inspection_id=inspection_id,
                organisation_id=organisation_id,
                patrol_round_id=patrol_round_id,
            )
            for inspection_id, organisation_id, patrol_round_id in rows.iterator(chunk_size=2000)
        ),
        batch_size=500,
    )


def checks_to_inspections(apps, schema_editor):
    Inspection = apps.get_model("inspections", "Inspection")
    PatrolRoundCheck = apps.get_model("rectification", "PatrolRoundCheck")
    links = PatrolRoundCheck._base_manager.all()
    for patrol_round_id in links.values_list("patrol_round_id", flat=True).distinct():
        Inspection._base_manager.filter(
            pk__in=links.filter(patrol_round_id=patrol_round_id).values("inspection_id")
        ).update(patrol_round_id=patrol_round_id)


class Migration(migrations.Migration):
    dependencies = [("rectification", "0003_patrol_rounds_from_inspections")]

    operations = [migrations.RunPython(checks_from_inspections, checks_to_inspections)]
