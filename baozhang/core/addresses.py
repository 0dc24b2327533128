"""The client's address: the connecting address, or the one a trusted proxy says it forwarded.

Written here rather than taken from django-ipware: ipware trusts a proxy by the entries of
X-Forwarded-For itself, which any client can write, while the only proof that a proxy stands in
between is the address of the connection. So X-Forwarded-For is read only when the connection
comes from an address in ``BAOZHANG_TRUSTED_PROXIES``, and then from the right: the first entry
that is not a trusted proxy is the client (entries further left were written by the client).
"""

import ipaddress

from django.conf import settings

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def trusted_proxies(values: list[str]) -> list[Network]:
    """Parse the configured proxies, each an address or a network (``10.0.0.0/8``)."""
    return [ipaddress.ip_network(value, strict=False) for value in values]


def _is_trusted(address: str, proxies: list[Network]) -> bool:
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(parsed in network for network in proxies)


def client_address(request) -> str:
    """The address the request came from, seen through the trusted proxies only."""
    proxies = trusted_proxies(settings.BAOZHANG_TRUSTED_PROXIES)
    address = request.META.get("REMOTE_ADDR", "")
    if not _is_trusted(address, proxies):
        return address
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    for entry in reversed([part.strip() for part in forwarded.split(",") if part.strip()]):
        if not _is_trusted(entry, proxies):
            try:
                return str(ipaddress.ip_address(entry))
            except ValueError:
                return address
    return address
