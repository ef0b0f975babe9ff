"""A fake corporate HTTPS proxy on loopback that answers for chosen hosts itself (TLS interception).

Clients that honour `HTTPS_PROXY` (requests, httpx, urllib) send `CONNECT host:443`; for a host in
`sites` the proxy answers 200, terminates TLS with a certificate for that host signed by its own test
CA (`ca.pem_path`, to be trusted through `REQUESTS_CA_BUNDLE` / `SSL_CERT_FILE`), and hands each request
inside the tunnel to the site (`site._handle(handler)`, the `handler.host` it was meant for). Any other
host is refused (403, no tunnel) and recorded in `refused`: nothing leaves the machine.

    with TestCA() as ca, LoginProxy(ca, {"login.microsoftonline.com": login}) as proxy:
        env = {"HTTPS_PROXY": proxy.url, "NO_PROXY": "127.0.0.1,localhost",
               "REQUESTS_CA_BUNDLE": str(ca.pem_path), "SSL_CERT_FILE": str(ca.pem_path)}

A client that does not trust the CA fails its TLS handshake; the proxy records it in `handshake_errors`.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import shutil
import socket
import ssl
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, Self

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from tests.fakes.loopback import LoopbackHandler, LoopbackServer, Served


class Site(Protocol):
    """What the proxy hands a tunnelled request to."""

    def _handle(self, handler: TunnelHandler) -> None: ...


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


class TestCA:
    """A throw-away certificate authority: its PEM file for clients, and server certificates per host."""

    __test__ = False  # not a pytest test class

    def __init__(self) -> None:
        self._dir = Path(tempfile.mkdtemp(prefix="plume-test-ca-"))
        self._key = ec.generate_private_key(ec.SECP256R1())
        now = dt.datetime.now(dt.UTC)
        public = self._key.public_key()
        self.certificate = (
            x509.CertificateBuilder()
            .subject_name(_name("Plume Test CA"))
            .issuer_name(_name("Plume Test CA"))
            .public_key(public)
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=2))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(_key_usage(cert_sign=True), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
            .sign(self._key, hashes.SHA256())
        )
        self.pem_path = self._dir / "ca.pem"
        self.pem_path.write_bytes(self.certificate.public_bytes(serialization.Encoding.PEM))
        self._contexts: dict[str, ssl.SSLContext] = {}
        self._lock = threading.Lock()

    def server_context(self, host: str) -> ssl.SSLContext:
        """A TLS server context presenting a certificate for `host` (made once per host)."""
        with self._lock:
            if host not in self._contexts:
                self._contexts[host] = self._make_context(host)
            return self._contexts[host]

    def _make_context(self, host: str) -> ssl.SSLContext:
        key = ec.generate_private_key(ec.SECP256R1())
        now = dt.datetime.now(dt.UTC)
        ca_key_id = self.certificate.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
        cert = (
            x509.CertificateBuilder()
            .subject_name(_name(host))
            .issuer_name(self.certificate.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=2))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(host)]), critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(_key_usage(digital_signature=True), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ca_key_id), critical=False
            )
            .sign(self._key, hashes.SHA256())
        )
        cert_path, key_path = self._dir / f"{host}.pem", self._dir / f"{host}.key"
        cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        key_path.write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert_path, key_path)
        return context

    def close(self) -> None:
        """Delete the PEM files."""
        shutil.rmtree(self._dir, ignore_errors=True)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def _key_usage(*, cert_sign: bool = False, digital_signature: bool = False) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=digital_signature,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=cert_sign,
        crl_sign=cert_sign,
        encipher_only=False,
        decipher_only=False,
    )


JSON_TYPE = "application/json; charset=utf-8"
TEXT_TYPE = "text/plain; charset=utf-8"


@dataclass
class Reply:
    """An answer of the Teams fakes (what `LoopbackHandler.send` writes); `drop`: none, close."""

    status: int
    body: Any
    headers: dict[str, str] = field(default_factory=dict)
    drop: bool = False
    content_type: str = JSON_TYPE


class ProxyHandler(LoopbackHandler):
    """A loopback handler that also takes CONNECT."""

    do_CONNECT = LoopbackHandler._dispatch


class TunnelHandler(LoopbackHandler):
    """Serves the requests inside one TLS tunnel; `host` is the host the client asked for."""

    def __init__(self, request: Any, client_address: Any, server: LoopbackServer, host: str) -> None:
        self.host = host
        super().__init__(request, client_address, server)


class LoginProxy(Served):
    """The proxy: CONNECT to a host of `sites` is intercepted and served; any other host is refused."""

    thread_name = "fake-proxy"

    def __init__(self, ca: TestCA, sites: dict[str, Site]) -> None:
        self.ca, self.sites = ca, dict(sites)
        self.tunnels: list[str] = []  # "host:port" of every CONNECT served
        self.refused: list[str] = []  # CONNECT targets (or plain proxy requests) refused
        self.handshake_errors: list[str] = []  # "host: reason" of tunnels whose TLS handshake failed
        self._lock = threading.Lock()
        self._connections: set[socket.socket] = set()
        self._server: LoopbackServer | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> Self:
        super().start()
        assert self._server is not None
        self._server.RequestHandlerClass = ProxyHandler  # before anyone knows the port
        return self

    @property
    def url(self) -> str:
        """`http://127.0.0.1:<port>`, for HTTPS_PROXY."""
        if self._server is None:
            raise RuntimeError("LoginProxy is not started")
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def _handle(self, handler: LoopbackHandler) -> None:
        if isinstance(handler, TunnelHandler):
            self.sites[handler.host]._handle(handler)
        elif handler.command == "CONNECT":
            self._tunnel(handler)
        else:  # a plain-HTTP proxy request: nothing here should send one
            with self._lock:
                self.refused.append(f"{handler.command} {handler.path}")
            handler.send(Reply(502, "this proxy only tunnels to the fake login", content_type=TEXT_TYPE))

    def _tunnel(self, handler: LoopbackHandler) -> None:
        target = handler.path
        host, _, port = target.rpartition(":")
        if host not in self.sites or port != "443":
            with self._lock:
                self.refused.append(target)
            handler.send(Reply(403, f"the fake proxy does not reach {target}", content_type=TEXT_TYPE))
            return
        with self._lock:
            self.tunnels.append(target)
        handler.send_response(200, "Connection established")
        handler.end_headers()
        handler.wfile.flush()
        handler.close_connection = True  # the tunnel is the rest of this connection
        try:
            tls = self.ca.server_context(host).wrap_socket(handler.connection, server_side=True)
        except (ssl.SSLError, OSError) as exc:
            with self._lock:
                self.handshake_errors.append(f"{host}: {exc}")
            return
        try:
            with contextlib.suppress(OSError):
                TunnelHandler(tls, handler.client_address, handler.server, host)
        finally:
            with contextlib.suppress(OSError):
                tls.close()
