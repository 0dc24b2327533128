from django.urls import path

from bench.bare import bare_submit
from config.urls import urlpatterns as product

urlpatterns = [path("bench/bare/<slug:org>/", bare_submit), *product]
