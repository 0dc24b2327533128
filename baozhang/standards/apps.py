from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StandardsConfig(AppConfig):
    name = "baozhang.standards"
    label = "standards"
    verbose_name = _("Standards")

    def ready(self) -> None:
        from baozhang.core.list_workbooks import list_workbook_register
        from baozhang.orgs.permissions import VIEW_SETUP
        from baozhang.standards import workbooks

        list_workbook_register(
            name="standards",
            app=self.label,
            title=_("Standards"),
            sheet=workbooks.standards_sheet,
            permission=VIEW_SETUP,
        )
