from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RectificationConfig(AppConfig):
    name = "baozhang.rectification"
    label = "rectification"
    verbose_name = _("Rectification")

    def ready(self) -> None:
        from baozhang.inspections.occasions import occasion_register
        from baozhang.rectification.round_views import round_check_occasion, round_of_check

        occasion_register(
            parameter="round",
            field="patrol_round_id",
            find=round_check_occasion,
            of_check=round_of_check,
        )
