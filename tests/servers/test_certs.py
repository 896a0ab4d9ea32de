"""The throw-away PKI: clients trusting ca.pem accept the server certificate and nothing else."""

from __future__ import annotations

import socket
import ssl
import threading
from contextlib import contextmanager

import pytest
from cryptography import x509

from tests.servers.certs import TlsMaterial
from tests.servers.ports import LOOPBACK


@contextmanager
def _tls_listener(context: ssl.SSLContext):
    """Accept exactly one connection and attempt a TLS handshake on it."""
    listener = socket.create_server((LOOPBACK, 0))
    port = listener.getsockname()[1]

    def serve():
        conn, _ = listener.accept()
        try:
            with context.wrap_socket(conn, server_side=True):
                pass
        except (OSError, ssl.SSLError):
            pass  # the client aborting the handshake is the expected outcome in the negative test

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield port
    finally:
        thread.join(timeout=5)
        listener.close()


def _handshake(client: ssl.SSLContext, port: int) -> None:
    with (
        socket.create_connection((LOOPBACK, port), timeout=5) as raw,
        client.wrap_socket(raw, server_hostname=LOOPBACK),
    ):
        pass


def test_server_certificate_names_loopback_addresses_and_localhost(tls_material: TlsMaterial):
    cert = x509.load_pem_x509_certificate(tls_material.server_cert.read_bytes())
    san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert {str(ip) for ip in san.get_values_for_type(x509.IPAddress)} == {"127.0.0.1", "::1"}
    assert san.get_values_for_type(x509.DNSName) == ["localhost"]


def test_client_trusting_test_ca_verifies_server_certificate(tls_material: TlsMaterial):
    with _tls_listener(tls_material.server_context()) as port:
        _handshake(tls_material.client_context(), port)


def test_client_trusting_test_ca_rejects_untrusted_certificate(tls_material: TlsMaterial):
    with (
        _tls_listener(tls_material.server_context(untrusted=True)) as port,
        pytest.raises(ssl.SSLCertVerificationError),
    ):
        _handshake(tls_material.client_context(), port)
