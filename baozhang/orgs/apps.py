from functools import partial

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrgsConfig(AppConfig):
    name = "baozhang.orgs"
    label = "orgs"
    verbose_name = _("Organisations")

    def ready(self) -> None:
        from baozhang.core.transfers import transfer_register
        from baozhang.orgs import spreadsheets
        from baozhang.orgs.entities import ENTITIES_BY_KEY

        for kind in spreadsheets.IMPORT_KINDS:
            entity = ENTITIES_BY_KEY[kind]
            transfer_register(
                kind=kind,
                app=self.label,
                title=spreadsheets.KIND_TITLES[kind],
                import_file=partial(spreadsheets.import_workbook, kind=kind),
                export_file=partial(spreadsheets.export_workbook, kind=kind),
                records_url=f"orgs:{kind}-list",
                export_query=entity.list_queryset,
                export_permission=entity.view_permission,
            )
