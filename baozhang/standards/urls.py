from django.urls import path

from baozhang.standards import views

app_name = "standards"

base = "o/<slug:org>/standards/"
record = base + "<int:standard_id>/"

urlpatterns = [
    path(base, views.standard_list, name="standard-list"),
    path(f"{base}new/", views.standard_form, name="standard-create"),
    path(f"{base}template.xlsx", views.standard_template, name="standard-template"),
    path(record, views.standard_detail, name="standard-detail"),
    path(f"{record}edit/", views.standard_form, name="standard-edit"),
    path(f"{record}items/", views.standard_items, name="standard-items"),
    path(f"{record}import/", views.standard_items_import, name="standard-import"),
    path(f"{record}export.xlsx", views.standard_items_export, name="standard-export"),
    path(f"{record}history/", views.standard_history, name="standard-history"),
]
