import django.core.validators
import django.utils.timezone
from django.db import migrations, models


def opened_when_created(apps, schema_editor):
    Task = apps.get_model("rectification", "Task")
    HistoricalTask = apps.get_model("rectification", "HistoricalTask")
    Task._base_manager.update(opened_at=models.F("created_at"))
    HistoricalTask._base_manager.update(opened_at=models.F("created_at"))


class Migration(migrations.Migration):
    dependencies = [("rectification", "0001_tasks_spot_fixes_referrals")]

    operations = [
        migrations.AddField(
            model_name="task",
            name="opened_at",
            field=models.DateTimeField(default=django.utils.timezone.now, verbose_name="opened at"),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="historicaltask",
            name="opened_at",
            field=models.DateTimeField(default=django.utils.timezone.now, verbose_name="opened at"),
            preserve_default=False,
        ),
        migrations.RunPython(opened_when_created, migrations.RunPython.noop),
        migrations.AddField(
            model_name="rectificationpolicy",
            name="digest_hour",
            field=models.PositiveSmallIntegerField(
                default=8,
                help_text="The day's summary of open and overdue tasks goes out at this hour.",
                validators=[django.core.validators.MaxValueValidator(23)],
                verbose_name="hour of the daily digest",
            ),
        ),
        migrations.AddField(
            model_name="historicalrectificationpolicy",
            name="digest_hour",
            field=models.PositiveSmallIntegerField(
                default=8,
                help_text="The day's summary of open and overdue tasks goes out at this hour.",
                validators=[django.core.validators.MaxValueValidator(23)],
                verbose_name="hour of the daily digest",
            ),
        ),
    ]
