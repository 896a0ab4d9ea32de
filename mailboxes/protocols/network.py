"""Where the portal may connect: host resolution with a guard against internal addresses (SSRF).

Tenant administrators type host names; without this guard they could make the portal probe its own
network (database, Redis, cloud metadata). A host is refused when any address it resolves to lies in
REFUSED_NETWORKS, carries a refused IPv4 address inside (IPv4-mapped, 6to4), or is one of the portal's
own services, unless the platform setting MAIL_ALLOWED_NETWORKS lists it. Connections then go to the
address that was checked, so a DNS answer that changes between check and connect (rebinding) cannot
slip through.
"""

import ipaddress
import socket
from dataclasses import dataclass
from functools import cache
from urllib.parse import urlsplit

from django.conf import settings

from mailboxes.protocols.errors import ConnectionRefused, HostNotAllowed, HostNotFound, TimedOut

# The one list of refused ranges (the README's "Mailboxes" section repeats it). IANA's special-purpose
# registries for IPv4 and IPv6, multicast, and all IPv6 outside global unicast (2000::/3). Ranges overlap
# on purpose: each named kind stays listed, so reading the list answers "is X refused?".
REFUSED_NETWORKS = {
    network: ipaddress.ip_network(network)
    for network in (
        "0.0.0.0/8",  # "this network"; 0.0.0.0 reaches the portal's own host
        "10.0.0.0/8",  # private
        "100.64.0.0/10",  # shared address space (carrier-grade NAT)
        "127.0.0.0/8",  # loopback
        "169.254.0.0/16",  # link-local, with cloud metadata at 169.254.169.254
        "172.16.0.0/12",  # private
        "192.0.0.0/24",  # IETF protocol assignments
        "192.0.2.0/24",  # documentation (TEST-NET-1)
        "192.88.99.0/24",  # 6to4 relay anycast (deprecated)
        "192.168.0.0/16",  # private
        "198.18.0.0/15",  # benchmarking
        "198.51.100.0/24",  # documentation (TEST-NET-2)
        "203.0.113.0/24",  # documentation (TEST-NET-3)
        "224.0.0.0/4",  # multicast
        "240.0.0.0/4",  # reserved, and the broadcast address 255.255.255.255
        # IPv6 below 2000::/3 is refused whatever IPv4 address it carries (IPv4-compatible, IPv4-translated
        # ::ffff:0:0:0/96, NAT64), except IPv4-mapped (::ffff:0:0/96): that one is judged as the IPv4
        # address it maps, which is where a dual-stack socket connects.
        "::/3",  # below global unicast: the kinds listed next, and the unallocated rest
        "::/128",  # unspecified
        "::1/128",  # loopback
        "::/96",  # IPv4-compatible (deprecated)
        "64:ff9b::/96",  # NAT64, well-known prefix
        "64:ff9b:1::/48",  # NAT64, local use
        "100::/64",  # discard-only
        "2001::/23",  # IETF protocol assignments, with Teredo (2001::/32) and benchmarking (2001:2::/48)
        "2001::/32",  # Teredo: tunnels to an IPv4 relay and client it embeds
        "2001:db8::/32",  # documentation
        "3fff::/20",  # documentation
        "4000::/2",  # not allocated for unicast
        "8000::/1",  # not allocated for unicast; holds the kinds listed next
        "fc00::/7",  # unique local (the IPv6 private ranges)
        "fe80::/10",  # link-local
        "fec0::/10",  # site-local (deprecated, still routed inside some networks)
        "ff00::/8",  # multicast
    )
}
# 6to4 (2002::/16) embeds the IPv4 address of its relay end: refused when that address is refused.
SIX_TO_FOUR = ipaddress.ip_network("2002::/16")


@dataclass(frozen=True)
class Endpoint:
    host: str  # the name: used for TLS server name and certificate checks
    port: int
    address: str  # the vetted IP address actually connected to


def lookup(host: str, port: int) -> list[str]:
    """The addresses `host` resolves to, in the resolver's order. The one place the guard asks the
    resolver: tests replace this hook instead of asking the machine's DNS."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(info[4][0] for info in infos))


def _networks(values) -> tuple:
    return tuple(ipaddress.ip_network(v.strip(), strict=False) for v in values if v.strip())


def _parse(address) -> ipaddress.IPv4Address | ipaddress.IPv6Address:
    return ipaddress.ip_address(str(address).split("%")[0])


@cache
def _service_addresses(hosts: tuple[str, ...]) -> frozenset:
    found = set()
    for host in hosts:
        try:
            found.update(_judged(_parse(a)) for a in lookup(host, 0))
        except (OSError, UnicodeError, ValueError):
            continue
    return frozenset(found)


def portal_service_hosts() -> tuple[str, ...]:
    """Hosts of the portal's own services (database, broker), refused as mail servers."""
    hosts = [db.get("HOST") for db in settings.DATABASES.values()]
    hosts.append(urlsplit(settings.CELERY_BROKER_URL).hostname)
    hosts.extend(getattr(settings, "PORTAL_SERVICE_HOSTS", []))
    return tuple(sorted({h for h in hosts if h}))


def _judged(address):
    """The address a connection really reaches: an IPv4-mapped address is its IPv4 address."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        return address.ipv4_mapped
    return address


def refused_range(address) -> str:
    """The listed range that refuses `address` ("" if none): directly, or through the IPv4 address it
    carries (IPv4-mapped, 6to4)."""
    address = _judged(_parse(address))
    matches = [n for n in REFUSED_NETWORKS.values() if n.version == address.version and address in n]
    if matches:
        return str(max(matches, key=lambda network: network.prefixlen))  # the most specific kind
    if address.version == 6 and address in SIX_TO_FOUR:
        inner = refused_range(address.sixtofour)
        return f"2002::/16 carrying {inner}" if inner else ""
    return ""


def is_internal(address) -> bool:
    return bool(refused_range(address))


def check_address(address) -> None:
    """Raise HostNotAllowed unless the portal may connect to `address`."""
    judged = _judged(_parse(address))
    allowed = _networks(settings.MAIL_ALLOWED_NETWORKS)
    if any(judged.version == network.version and judged in network for network in allowed):
        return
    if is_internal(judged) or judged in _service_addresses(portal_service_hosts()):
        raise HostNotAllowed()


def resolve(host: str, port: int) -> Endpoint:
    """Resolve `host` and vet every address it has; return the endpoint to connect to."""
    host = (host or "").strip().rstrip(".").strip("[]")
    if not host:
        raise HostNotFound()
    try:
        _parse(host)
        addresses = [host]  # an address literal (maybe with a zone): nothing to ask the resolver
    except ValueError:
        try:
            addresses = lookup(host, port)
        except (OSError, UnicodeError):
            raise HostNotFound(detail=host) from None
    if not addresses:
        raise HostNotFound(detail=host)
    for address in addresses:
        check_address(address)  # one internal answer taints the name: no "try the next one"
    return Endpoint(host=host, port=port, address=addresses[0])


def open_socket(endpoint: Endpoint, timeout: float) -> socket.socket:
    try:
        return socket.create_connection((endpoint.address, endpoint.port), timeout=timeout)
    except ConnectionRefusedError:
        raise ConnectionRefused(detail=f"{endpoint.host}:{endpoint.port}") from None
    except TimeoutError:
        raise TimedOut(detail=f"{endpoint.host}:{endpoint.port}") from None
