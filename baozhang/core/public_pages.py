"""Public pages kept in the cache for a short time (docs/configuration.md): the notice board, which
a TV on a corridor wall or many phones reload, is made once per organisation, board and language
and served from Django's cache for BAOZHANG_PUBLIC_PAGE_SECONDS.

A page is kept with the organisation's version of its public pages, a random value in the cache
itself. A service that changes what they show (a check stored, a finding corrected, red flags
awarded, the board's settings) calls ``public_pages_changed``, which gives the organisation a new
version once its transaction commits: a page kept before is never served again, on every web
process, whatever its key. A page of an old version stays in the cache until it expires. The
caller decides whether the page may be shown at all before asking for it (a board turned off or
its link revoked is refused before the cache is read)."""

from __future__ import annotations

import secrets
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.db import transaction


def _version_key(organisation_id: int) -> str:
    return f"public:version:{organisation_id}"


def public_pages_changed(*, organisation_id: int) -> None:
    """Once the current transaction commits, no public page of the organisation made before is
    served again."""
    transaction.on_commit(
        lambda: cache.set(_version_key(organisation_id), secrets.token_hex(8), timeout=None)
    )


def public_page(*, organisation_id: int, key: str, make: Callable[[], str]) -> str:
    """The page of the organisation named by key: as kept, when it was made at the organisation's
    current version less than BAOZHANG_PUBLIC_PAGE_SECONDS ago; else made now and kept."""
    seconds = settings.BAOZHANG_PUBLIC_PAGE_SECONDS
    if seconds <= 0:
        return make()
    version_key, page_key = _version_key(organisation_id), f"public:page:{organisation_id}:{key}"
    found = cache.get_many([version_key, page_key])  # one query on the database cache
    version, kept = found.get(version_key), found.get(page_key)
    if version is not None and kept is not None and kept[0] == version:
        return kept[1]
    if version is None:  # never changed yet, or culled from the cache
        version = secrets.token_hex(8)
        if not cache.add(version_key, version, timeout=None):
            version = cache.get(version_key)
    # The version is read before the page is made: a change committed while it is made gives the
    # organisation a newer version, so this page, kept with the older one, is never served.
    page = make()
    if version is not None:
        cache.set(page_key, (version, page), timeout=seconds)
    return page
