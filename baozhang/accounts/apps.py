from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "baozhang.accounts"
    label = "accounts"
