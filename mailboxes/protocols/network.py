"""Where the portal may connect: host resolution with a guard against internal addresses (SSRF).

Tenant administrators type host names; without this guard they could make the portal probe its own
network (database, Redis, cloud metadata). A host is refused when any address it resolves to is
loopback, private, link-local, multicast, reserved or one of the portal's own services, unless the
platform setting MAIL_ALLOWED_NETWORKS lists it. Connections then go to the address that was checked,
so a DNS answer that changes between check and connect (rebinding) cannot slip through.
"""

import ipaddress
import socket
from dataclasses import dataclass
from functools import cache
from urllib.parse import urlsplit

from django.conf import settings

from mailboxes.protocols.errors import ConnectionRefused, HostNotAllowed, HostNotFound, TimedOut


@dataclass(frozen=True)
class Endpoint:
    host: str  # the name: used for TLS server name and certificate checks
    port: int
    address: str  # the vetted IP address actually connected to


def _networks(values) -> tuple:
    return tuple(ipaddress.ip_network(v.strip(), strict=False) for v in values if v.strip())


@cache
def _service_addresses(hosts: tuple[str, ...]) -> frozenset:
    found = set()
    for host in hosts:
        try:
            found.update(info[4][0] for info in socket.getaddrinfo(host, None))
        except OSError:
            continue
    return frozenset(ipaddress.ip_address(a.split("%")[0]) for a in found)


def portal_service_hosts() -> tuple[str, ...]:
    """Hosts of the portal's own services (database, broker), refused as mail servers."""
    hosts = [db.get("HOST") for db in settings.DATABASES.values()]
    hosts.append(urlsplit(settings.CELERY_BROKER_URL).hostname)
    hosts.extend(getattr(settings, "PORTAL_SERVICE_HOSTS", []))
    return tuple(sorted({h for h in hosts if h}))


def is_internal(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    return (
        address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
        or not address.is_global
    )


def check_address(address) -> None:
    """Raise HostNotAllowed unless the portal may connect to `address`."""
    address = ipaddress.ip_address(str(address).split("%")[0])
    allowed = _networks(settings.MAIL_ALLOWED_NETWORKS)
    if any(address in network for network in allowed):
        return
    if is_internal(address) or address in _service_addresses(portal_service_hosts()):
        raise HostNotAllowed()


def resolve(host: str, port: int) -> Endpoint:
    """Resolve `host` and vet every address it has; return the endpoint to connect to."""
    host = (host or "").strip().rstrip(".")
    if not host:
        raise HostNotFound()
    try:
        infos = socket.getaddrinfo(host.strip("[]"), port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        raise HostNotFound(detail=host) from None
    addresses = list(dict.fromkeys(info[4][0] for info in infos))
    for address in addresses:
        check_address(address)  # one internal answer taints the name: no "try the next one"
    return Endpoint(host=host.strip("[]"), port=port, address=addresses[0])


def open_socket(endpoint: Endpoint, timeout: float) -> socket.socket:
    try:
        return socket.create_connection((endpoint.address, endpoint.port), timeout=timeout)
    except ConnectionRefusedError:
        raise ConnectionRefused(detail=f"{endpoint.host}:{endpoint.port}") from None
    except TimeoutError:
        raise TimedOut(detail=f"{endpoint.host}:{endpoint.port}") from None
