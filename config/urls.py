from django.urls import include, path

urlpatterns = [
    path("accounts/", include("baozhang.accounts.urls")),
    path("", include("baozhang.orgs.urls")),
]
