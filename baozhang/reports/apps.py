from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "baozhang.reports"
    label = "reports"
    verbose_name = _("Reports")

    def ready(self) -> None:
        from baozhang.core.list_workbooks import list_workbook_register
        from baozhang.orgs.permissions import VIEW_INSPECTIONS
        from baozhang.reports import workbooks

        list_workbook_register(
            name="reports",
            app=self.label,
            title=_("Reports"),
            sheet=workbooks.reports_sheet,
            permission=VIEW_INSPECTIONS,
        )
