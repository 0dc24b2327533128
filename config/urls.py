from django.urls import include, path

from baozhang.api.api import api
from baozhang.inspections.board_views import public_board

urlpatterns = [
    path("api/v1/", api.urls),
    path("board/<str:token>/", public_board, name="board"),
    path("accounts/", include("baozhang.accounts.urls")),
    path("", include("baozhang.orgs.urls")),
    path("", include("baozhang.inspections.urls")),
    path("", include("baozhang.standards.urls")),
    path("", include("baozhang.rectification.urls")),
    path("", include("baozhang.notifications.urls")),
    path("", include("baozhang.reports.urls")),
]

handler404 = "baozhang.core.error_pages.page_not_found"
handler403 = "baozhang.core.error_pages.permission_denied"
handler500 = "baozhang.core.error_pages.server_error"
