"""The SSRF guard: tenant administrators must not make the portal connect to internal addresses."""

import socket

import pytest

from mailboxes.protocols import network
from mailboxes.protocols.errors import HostNotAllowed, HostNotFound


@pytest.fixture(autouse=True)
def nothing_allowed(settings):
    settings.MAIL_ALLOWED_NETWORKS = []


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "127.8.9.10",
        "10.0.0.5",
        "172.16.3.4",
        "172.31.255.255",
        "192.168.1.10",
        "169.254.169.254",
        "100.64.0.1",
        "0.0.0.0",
        "224.0.0.1",
        "::1",
        "fe80::1",
        "fc00::1",
        "fd12:3456::1",
        "::ffff:10.0.0.1",
        "::ffff:127.0.0.1",
        "::",
    ],
)
def test_internal_addresses_are_refused(address):
    with pytest.raises(HostNotAllowed):
        network.resolve(address, 993)


@pytest.mark.parametrize("address", ["8.8.8.8", "2a00:1450:4001:80b::200e", "40.99.10.2"])
def test_public_addresses_are_accepted_without_connecting(address):
    endpoint = network.resolve(address, 993)
    assert endpoint.address == address
    assert endpoint.port == 993


@pytest.mark.parametrize("name", ["localhost", "vm", socket.gethostname()])
def test_dns_names_resolving_to_loopback_are_refused(name):
    with pytest.raises(HostNotAllowed):
        network.resolve(name, 993)


def test_a_name_with_one_internal_answer_among_public_ones_is_refused(monkeypatch):
    # No DNS server is reachable here; this stands in for a resolver answering a rebinding-style name.
    answers = [("8.8.8.8", 993), ("10.1.2.3", 993)]
    monkeypatch.setattr(
        socket,
        "getaddrinfo",
        lambda *a, **k: [(socket.AF_INET, socket.SOCK_STREAM, 6, "", sa) for sa in answers],
    )
    with pytest.raises(HostNotAllowed):
        network.resolve("mail.tricky.example", 993)


def test_allowed_networks_let_listed_internal_addresses_through(settings):
    settings.MAIL_ALLOWED_NETWORKS = ["127.0.0.1/32", "::1/128"]
    assert network.resolve("127.0.0.1", 993).address == "127.0.0.1"
    assert network.resolve("::1", 993).address == "::1"
    with pytest.raises(HostNotAllowed):
        network.resolve("10.0.0.1", 993)


def test_the_portals_own_service_hosts_are_refused_even_if_public(settings, monkeypatch):
    settings.PORTAL_SERVICE_HOSTS = ["9.9.9.9"]
    network._service_addresses.cache_clear()
    try:
        with pytest.raises(HostNotAllowed):
            network.resolve("9.9.9.9", 993)
    finally:
        network._service_addresses.cache_clear()


def test_an_unknown_name_is_reported_as_host_not_found():
    with pytest.raises(HostNotFound):
        network.resolve("no-such-host.invalid", 993)
