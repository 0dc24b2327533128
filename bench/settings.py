"""The product's production settings (DEBUG off, django-axes on) plus the baselines' bare views."""

from config.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
DEBUG = False
