from django.urls import path

from bench import baselines
from bench.bare import bare_photo, bare_submit
from config.urls import urlpatterns as product

urlpatterns = [
    path("bench/bare/<slug:org>/", bare_submit),
    path("bench/bare/<slug:org>/photos", bare_photo),
    path("bench/ranking/<slug:org>/", baselines.bare_ranking),
    path("bench/findings/<slug:org>/", baselines.bare_findings),
    path("bench/bulletin/<slug:org>/", baselines.bare_bulletin),
    path("bench/board/<slug:org>/", baselines.bare_board),
    path("bench/figures/<slug:org>/", baselines.bare_figures),
    path("bench/report-docx/<slug:org>/", baselines.bare_report_docx),
    path("bench/file/<int:version>/<str:kind>/<str:language>/", baselines.bare_file),
    *product,
]
