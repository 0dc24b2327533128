from django.urls import include, path

from baozhang.api.api import api

urlpatterns = [
    path("api/v1/", api.urls),
    path("accounts/", include("baozhang.accounts.urls")),
    path("", include("baozhang.orgs.urls")),
]
