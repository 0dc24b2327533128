from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InspectionsConfig(AppConfig):
    name = "baozhang.inspections"
    label = "inspections"
    verbose_name = _("Inspections")

    def ready(self) -> None:
        from baozhang.core.transfers import transfer_register
        from baozhang.inspections import imports, selectors, spreadsheets
        from baozhang.orgs.permissions import RECORD_INSPECTIONS, VIEW_INSPECTIONS

        transfer_register(
            kind="findings",
            app=self.label,
            title=_("Findings"),
            import_file=imports.findings_import,
            export_file=spreadsheets.findings_export,
            undo_import=imports.findings_import_undo,
            import_permission=RECORD_INSPECTIONS,
            records_url="inspections:findings",
            export_query=selectors.findings_filtered,
            export_permission=VIEW_INSPECTIONS,
        )
