"""The product's settings plus the bare baseline view the API is measured against."""

from config.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
DEBUG = False
AXES_ENABLED = False
