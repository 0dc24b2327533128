from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "baozhang.core"
    label = "core"

    def ready(self) -> None:
        from baozhang.core import clock, figures

        clock.discover()
        figures.discover()
