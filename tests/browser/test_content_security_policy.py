"""Every page works under the Content-Security-Policy: Chromium reports no violation on any of them
(an inline script or handler, a style or image from elsewhere would be one) and no script error."""

import pytest
from django.urls import URLPattern, get_resolver

from tests.browser.conftest import sign_in
from tests.factories import PASSWORD
from tests.test_isolation import page_urls, victim, walk  # noqa: F401 - victim is a fixture

pytestmark = pytest.mark.django_db(transaction=True)


def plain_page_urls():
    """The pages whose address names no record: the home page, the account pages, the API docs."""
    for route, pattern in walk(get_resolver().url_patterns):
        if isinstance(pattern, URLPattern) and "<" not in route and not route.startswith("api/"):
            yield "/" + route
    yield "/api/v1/docs"


def test_no_page_breaks_the_content_security_policy(page, victim):  # noqa: F811
    problems = []
    page.on(
        "console",
        lambda message: (
            problems.append(f"{page.url}: {message.text}")
            if message.type == "error" and "Content Security Policy" in message.text
            else None
        ),
    )
    page.on("pageerror", lambda error: problems.append(f"{page.url}: {error}"))
    sign_in(page, "alice", PASSWORD)
    visited = 0
    for url in [*plain_page_urls(), *page_urls(victim)]:
        if "logout" in url:
            continue
        answer = page.request.get(url)
        if answer.status != 200 or not answer.headers["content-type"].startswith("text/html"):
            continue  # a form's target, a download
        assert "script-src 'self'" in answer.headers["content-security-policy"], url
        page.goto(url)
        page.wait_for_load_state("load")
        visited += 1
    assert visited > 40
    assert problems == []
