"""Language choice, NUL characters dropped, and the headers every answer of the app carries.

The language is the signed-in user's setting, else the language cookie, else Chinese: the
browser's Accept-Language is deliberately ignored, Chinese being the product's default.
"""

from django.conf import settings
from django.http import QueryDict
from django.utils import translation
from django.utils.cache import patch_cache_control

SUPPORTED = {code for code, _name in settings.LANGUAGES}


def language_for_request(request) -> str:
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated and user.language in SUPPORTED:
        return user.language
    cookie = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
    if cookie in SUPPORTED:
        return cookie
    return settings.LANGUAGE_CODE


class UserLanguageMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        language = language_for_request(request)
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        translation.deactivate()
        return response


class NulCharacterMiddleware:
    """Drop NUL characters that no legitimate browser sends in cookies or query strings.

    PostgreSQL text cannot hold them: a forged session cookie or ``?q=%00`` would otherwise turn
    into a database error instead of an ordinary answer. Form fields refuse NUL on their own.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if any("\x00" in key or "\x00" in value for key, value in request.COOKIES.items()):
            request.COOKIES = {
                key: value
                for key, value in request.COOKIES.items()
                if "\x00" not in key and "\x00" not in value
            }
        if "\x00" in request.META.get("QUERY_STRING", "") or any(
            "\x00" in key or any("\x00" in value for value in values)
            for key, values in request.GET.lists()
        ):
            cleaned = QueryDict(mutable=True)
            for key, values in request.GET.lists():
                cleaned.setlist(key.replace("\x00", ""), [v.replace("\x00", "") for v in values])
            cleaned._mutable = False
            request.GET = cleaned
        return self.get_response(request)


class ResponseHeadersMiddleware:
    """The Content-Security-Policy and ``Cache-Control: private`` on every answer of the app.

    Two fixed headers do not call for django-csp: no page has an inline script (the pages' own
    behaviour is in static/baozhang/baozhang.js), so the policy needs no nonces. Styles may be
    inline (style attributes, htmx's indicator style). Every answer of the app is about one
    organisation or one user — photos, documents, exports, API answers, the pages — so no shared
    cache may keep it; static files are answered by WhiteNoise before this middleware.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", settings.CONTENT_SECURITY_POLICY)
        patch_cache_control(response, private=True)
        return response
