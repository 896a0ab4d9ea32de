"""The SSRF guard's ranges: IPv6 forms that carry a refused IPv4 address, site-local, and the one list.

Names resolve through the guard's own hook (`network.lookup`), never through the machine's resolver: the
tests that use names replace it, and a resolver call would fail them.
"""

import ipaddress
import re
import socket
from pathlib import Path

import pytest

from mailboxes.protocols import network
from mailboxes.protocols.errors import HostNotAllowed, HostNotFound

README = Path(__file__).resolve().parents[2] / "README.md"


@pytest.fixture(autouse=True)
def nothing_allowed(settings):
    settings.MAIL_ALLOWED_NETWORKS = []


@pytest.fixture(autouse=True)
def no_machine_resolver(monkeypatch):
    """The machine's resolver fails the test if asked; the guard's hook knows no name until told."""

    def refuse(*args, **kwargs):
        raise AssertionError("the machine's resolver was asked")

    def unknown(host, port):
        raise socket.gaierror(socket.EAI_NONAME, "unknown in this test")

    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    monkeypatch.setattr(network, "lookup", unknown)
    network._service_addresses.cache_clear()  # the portal's own hosts resolve through the hook too
    yield
    network._service_addresses.cache_clear()


@pytest.fixture
def answers(monkeypatch):
    """answers({"name": [addresses]}): what the guard's resolver hook says for each name."""
    asked = []

    def install(table):
        def lookup(host, port):
            asked.append(host)
            if host not in table:
                raise socket.gaierror(socket.EAI_NONAME, "unknown in this test")
            return table[host]

        monkeypatch.setattr(network, "lookup", lookup)
        return asked

    return install


REFUSED = {
    "6to4 of cloud metadata 169.254.169.254": "2002:a9fe:a9fe::1",
    "6to4 of loopback": "2002:7f00:1::",
    "6to4 of a private address": "2002:a00:1::5",
    "6to4 of carrier-grade NAT": "2002:6440:1::",
    "6to4 of 0.0.0.0": "2002::1",
    "site-local": "fec0::1",
    "site-local, last address": "feff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
    "NAT64 of metadata": "64:ff9b::a9fe:a9fe",
    "NAT64 of a public address (held)": "64:ff9b::808:808",
    "NAT64 local use": "64:ff9b:1::a00:1",
    "IPv4-mapped metadata": "::ffff:169.254.169.254",
    "IPv4-mapped private": "::ffff:192.168.1.1",
    "IPv4-compatible metadata": "::169.254.169.254",
    "IPv4-compatible public (held)": "::8.8.8.8",
    "IPv4-translated": "::ffff:0:a9fe:a9fe",
    "Teredo": "2001:0:4136:e378:8000:63bf:3fff:fdd2",
    "Teredo of private client": "2001:0:a00:1::1",
    "discard-only": "100::1",
    "documentation": "2001:db8::1",
    "documentation (3fff::/20)": "3fff::1",
    "multicast": "ff02::1",
    "unique local": "fd00::1",
    "link-local": "fe80::1",
    "6to4 relay anycast": "192.88.99.1",
    "IETF protocol assignments": "192.0.0.9",
    "benchmarking": "198.18.0.1",
    "broadcast": "255.255.255.255",
}


@pytest.mark.parametrize("address", REFUSED.values(), ids=REFUSED.keys())
def test_addresses_that_reach_inside_are_refused(address):
    with pytest.raises(HostNotAllowed):
        network.resolve(address, 993)


@pytest.mark.parametrize(
    "address",
    ["2002:808:808::1", "::ffff:8.8.8.8", "2a00:1450:4001:80b::200e", "8.8.8.8"],
    ids=["6to4 of a public address", "IPv4-mapped public", "global IPv6", "public IPv4"],
)
def test_public_addresses_in_any_form_pass(address):
    assert network.resolve(address, 993).address == address


@pytest.mark.parametrize(
    "address", ["2002:a9fe:a9fe::1", "fec0::1", "64:ff9b::a9fe:a9fe", "::ffff:a9fe:a9fe"]
)
def test_a_name_resolving_to_such_an_address_is_refused(answers, address):
    asked = answers({"mail.tricky.example": ["8.8.8.8", address]})
    with pytest.raises(HostNotAllowed):
        network.resolve("mail.tricky.example", 993)
    assert "mail.tricky.example" in asked


def test_a_name_resolving_to_public_addresses_connects_to_the_first(answers):
    answers({"mail.example.com": ["2002:808:808::1", "8.8.4.4"]})
    endpoint = network.resolve("mail.example.com", 993)
    assert (endpoint.host, endpoint.address) == ("mail.example.com", "2002:808:808::1")


def test_an_allowed_network_lets_its_addresses_through(settings):
    settings.MAIL_ALLOWED_NETWORKS = ["fec0::/10", "10.0.0.0/8"]
    assert network.resolve("fec0::25", 993).address == "fec0::25"
    assert network.resolve("::ffff:10.1.2.3", 993).address == "::ffff:10.1.2.3"  # it is that IPv4 address
    with pytest.raises(HostNotAllowed):
        network.resolve("2002:a00:1::5", 993)  # a 6to4 relay is not the listed network


def test_the_portals_own_services_are_refused_in_their_ipv4_mapped_form(settings, answers):
    answers({"db.portal.example": ["40.99.10.2"]})
    settings.PORTAL_SERVICE_HOSTS = ["db.portal.example"]
    with pytest.raises(HostNotAllowed):
        network.resolve("::ffff:40.99.10.2", 993)


@pytest.mark.parametrize("name", sorted(network.REFUSED_NETWORKS))
def test_every_listed_range_is_refused_from_its_first_to_its_last_address(name):
    listed = ipaddress.ip_network(name)
    for address in (listed[0], listed[-1]):
        if address.version == 6 and address.ipv4_mapped:
            continue  # judged as the IPv4 address it maps (covered above)
        with pytest.raises(HostNotAllowed):
            network.check_address(address)


def test_the_refused_ranges_are_one_documented_list():
    # Every range has its comment in the module, and the README's "Mailboxes" section names each one.
    source = Path(network.__file__).read_text(encoding="utf-8")
    readme = README.read_text(encoding="utf-8")
    for name in network.REFUSED_NETWORKS:
        assert re.search(rf'"{re.escape(name)}",\s+#\s*\S', source), f"{name} has no comment"
        assert f"`{name}`" in readme, f"{name} is missing from the README"
    assert "`2002::/16`" in readme


def test_an_unknown_name_asks_only_the_hook(answers):
    asked = answers({})
    with pytest.raises(HostNotFound):
        network.resolve("no-such-host.invalid", 993)
    assert asked == ["no-such-host.invalid"]
