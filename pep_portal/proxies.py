"""The address a request really came from, when the portal runs behind a TLS proxy.

Django's REMOTE_ADDR is whoever opened the connection: behind a proxy, the proxy itself, for
every user. The proxy appends the address it saw to X-Forwarded-For, so the client is found by
walking back from REMOTE_ADDR through the proxies we trust, one hop per proxy
(TRUSTED_PROXY_COUNT), each of which must be one of TRUSTED_PROXY_ADDRESSES. Anything further
left in the header was written by the client and is never believed.

django-ipware (which django-axes can use) is not used: it reads the header without checking
that REMOTE_ADDR is the proxy, and expects the last proxy in the header, which nginx's
$proxy_add_x_forwarded_for (and most proxies) do not add.
"""

import ipaddress
from functools import lru_cache

from django.conf import settings
from django.http import HttpRequest

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=16)
def _networks(addresses: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(a.strip(), strict=False) for a in addresses)


def _parse(address: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        ip = ipaddress.ip_address(address.strip())
    except ValueError:
        return None
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        return ip.ipv4_mapped
    return ip


def _is_trusted_proxy(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    networks = _networks(tuple(settings.TRUSTED_PROXY_ADDRESSES))
    # No list: the count alone says how many hops are proxies (README, "Configuration").
    return not networks or any(ip in network for network in networks)


def client_ip(request: HttpRequest) -> str:
    """The client's address: REMOTE_ADDR, or behind trusted proxies the address the first of
    them saw. For django-axes (AXES_CLIENT_IP_CALLABLE) and the rate limits."""
    remote = request.META.get("REMOTE_ADDR", "")
    current = _parse(remote)
    if current is None:
        return remote
    hops = settings.TRUSTED_PROXY_COUNT
    forwarded = [
        part for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()
    ]
    while hops > 0 and forwarded and _is_trusted_proxy(current):
        previous = _parse(forwarded.pop())
        if previous is None:
            # The proxy's own entry is unreadable: stop at the proxy rather than guess.
            break
        current = previous
        hops -= 1
    return str(current)
