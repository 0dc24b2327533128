from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RectificationConfig(AppConfig):
    name = "baozhang.rectification"
    label = "rectification"
    verbose_name = _("Rectification")

    def ready(self) -> None:
        from baozhang.core.list_workbooks import list_workbook_register
        from baozhang.inspections.occasions import occasion_register
        from baozhang.inspections.withdrawals import withdrawal_register
        from baozhang.orgs.permissions import (
            DECIDE_REFERRALS,
            SUBMIT_RECTIFICATION,
            VIEW_INSPECTIONS,
        )
        from baozhang.rectification import workbooks
        from baozhang.rectification.round_views import round_check_occasion, round_of_check
        from baozhang.rectification.withdrawals import findings_withdrawn_settle

        withdrawal_register(app=self.label, settle=findings_withdrawn_settle)

        occasion_register(
            parameter="round",
            field="patrol_round_id",
            find=round_check_occasion,
            of_check=round_of_check,
        )
        for name, title, sheet, permission in (
            ("records", _("Rectification"), workbooks.records_sheet, VIEW_INSPECTIONS),
            ("rounds", _("Patrol rounds"), workbooks.rounds_sheet, VIEW_INSPECTIONS),
            ("referrals", _("Office meeting"), workbooks.referrals_sheet, DECIDE_REFERRALS),
        ):
            list_workbook_register(
                name=name, app=self.label, title=title, sheet=sheet, permission=permission
            )
        list_workbook_register(
            name="my-tasks",
            app=self.label,
            title=_("My tasks"),
            sheet=workbooks.my_tasks_sheet,
            permission=SUBMIT_RECTIFICATION,
            personal=True,
        )
