from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "baozhang.core"
    label = "core"
