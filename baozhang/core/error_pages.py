"""The project's 404, 403 and 500 pages (config/urls.py: handler404 …), in the visitor's language.

The templates are rendered without the request: the pages' context processors read the
organisation's records, which may be what failed, and the scope of a refused or missing record is
already closed when Django asks for the page.
"""

from django.http import HttpResponseForbidden, HttpResponseNotFound, HttpResponseServerError
from django.template.loader import render_to_string


def page_not_found(request, exception):
    return HttpResponseNotFound(render_to_string("404.html"))


def permission_denied(request, exception):
    return HttpResponseForbidden(render_to_string("403.html"))


def server_error(request):
    return HttpResponseServerError(render_to_string("500.html"))
