from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "baozhang.notifications"
    label = "notifications"
    verbose_name = _("Notifications")

    def ready(self) -> None:
        from baozhang.core.list_workbooks import list_workbook_register
        from baozhang.notifications import workbooks
        from baozhang.orgs.permissions import MANAGE_RECTIFICATION, VIEW_SETUP

        list_workbook_register(
            name="inbox",
            app=self.label,
            title=_("Inbox"),
            sheet=workbooks.inbox_sheet,
            permission=VIEW_SETUP,
            personal=True,
        )
        list_workbook_register(
            name="deliveries",
            app=self.label,
            title=_("Delivery log"),
            sheet=workbooks.deliveries_sheet,
            permission=MANAGE_RECTIFICATION,
        )
