from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RectificationConfig(AppConfig):
    name = "baozhang.rectification"
    label = "rectification"
    verbose_name = _("Rectification")

    def ready(self) -> None:
        from baozhang.inspections.occasions import occasion_register
        from baozhang.rectification.round_views import round_check_occasion

        occasion_register(parameter="round", find=round_check_occasion)
