import json
from functools import cache
from pathlib import Path

from django import template
from django.templatetags.static import static
from django.utils.translation import gettext as _

from baozhang.core.periods import period_running_text

register = template.Library()

VENDOR_DIR = Path(__file__).resolve().parents[2] / "static" / "vendor"


@cache
def vendor_versions() -> dict[str, str]:
    return json.loads((VENDOR_DIR / "versions.json").read_text(encoding="utf-8"))


@register.simple_tag
def vendor(package: str, filename: str) -> str:
    """URL of a vendored front-end file; the version comes from static/vendor/versions.json."""
    return static(f"vendor/{package}/{vendor_versions()[package]}/{filename}")


@register.filter
def display(value) -> str:
    if value is None or value == "":
        return "—"
    if value is True:
        return _("yes")
    if value is False:
        return _("no")
    return str(value)


@register.simple_tag(takes_context=True)
def url_with(context, **params) -> str:
    """The current query string with some parameters replaced."""
    query = context["request"].GET.copy()
    for key, value in params.items():
        query[key] = value
    return "?" + query.urlencode()


@register.filter
def running_note(period) -> str:
    """“（截至12月1日）” after a period still running (core.periods.Period.until), else nothing."""
    text = period_running_text(period) if period is not None else ""
    return _("(%(running)s)") % {"running": text} if text else ""


@register.filter
def get_item(container, key):
    """container[key] in a template (a dict, or a record with named figures)."""
    try:
        return container[key]
    except (KeyError, IndexError, TypeError):
        return ""
