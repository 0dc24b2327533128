"""Who calls the API: a signed-in browser session (with its CSRF token) or a personal API token."""

from django.http import HttpRequest
from django.utils import translation
from ninja.security import HttpBearer, SessionAuth

from baozhang.accounts.services import api_token_user
from baozhang.core.middleware import language_for_request


class TokenAuth(HttpBearer):
    """``Authorization: Bearer bz_…``; the token's owner becomes request.user."""

    openapi_description = "A personal API token, created on the account page or POST /tokens."

    def authenticate(self, request: HttpRequest, token: str):
        user = api_token_user(token)
        if user is None:
            return None
        request.user = user
        # The middleware chose the language before the token was known; use the owner's.
        translation.activate(language_for_request(request))
        request.LANGUAGE_CODE = translation.get_language()
        return user


class BrowserSession(SessionAuth):
    """The session cookie of the pages; unsafe methods need the CSRF token (X-CSRFToken)."""

    openapi_description = "The session of a signed-in browser; send X-CSRFToken on writes."

    def __call__(self, request: HttpRequest):
        # Without a signed-in session there is nothing for a forged request to borrow, so the
        # CSRF check is skipped and the caller gets the documented 401, not a 403.
        if not request.user.is_authenticated:
            return None
        return super().__call__(request)


API_AUTH = [TokenAuth(), BrowserSession()]
