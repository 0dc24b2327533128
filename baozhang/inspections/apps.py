from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InspectionsConfig(AppConfig):
    name = "baozhang.inspections"
    label = "inspections"
    verbose_name = _("Inspections")

    def ready(self) -> None:
        from baozhang.core.list_documents import list_document_register
        from baozhang.core.list_workbooks import list_workbook_register
        from baozhang.core.transfers import transfer_register
        from baozhang.inspections import imports, labels, selectors, spreadsheets, workbooks
        from baozhang.orgs.permissions import RECORD_INSPECTIONS, VIEW_INSPECTIONS, VIEW_SETUP

        transfer_register(
            kind="findings",
            app=self.label,
            title=_("Findings"),
            import_file=imports.findings_import,
            export_file=spreadsheets.findings_export,
            undo_import=imports.findings_import_undo,
            import_permission=RECORD_INSPECTIONS,
            import_options=("allow_duplicates",),
            records_url="inspections:findings",
            export_query=selectors.findings_filtered,
            export_permission=VIEW_INSPECTIONS,
        )
        for name, title, sheet in (
            ("checks", _("Checks"), workbooks.checks_sheet),
            ("red-flags", _("Red flags"), workbooks.red_flags_sheet),
            ("schedules", _("Schedules"), workbooks.schedules_sheet),
        ):
            list_workbook_register(
                name=name, app=self.label, title=title, sheet=sheet, permission=VIEW_INSPECTIONS
            )
        # The QR label sheet: what its page needs.
        list_document_register(
            name=labels.LABELS_DOCUMENT,
            app=self.label,
            title=_("QR labels"),
            count=labels.labels_count,
            write=labels.labels_pdf_write,
            permission=VIEW_SETUP,
            extension="pdf",
            content_type=labels.PDF,
        )
