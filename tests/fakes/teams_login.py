"""A fake Microsoft identity platform (login.microsoftonline.com) for a bot's client-credentials token.

It is a site of `tests.fakes.login_proxy.LoginProxy`: MSAL reaches it through HTTPS_PROXY, over TLS
with the proxy's test CA, as it would reach the real one behind a corporate proxy. It answers what
MSAL 1.39 asks for a confidential client:

- `GET /common/discovery/instance?authorization_endpoint=…` (instance metadata; MSAL skips it for
  login.microsoftonline.com, other clouds ask);
- `GET /{tenant}/v2.0/.well-known/openid-configuration` (the tenant's endpoints; unknown tenant → 400);
- `POST /{tenant}/oauth2/v2.0/token`, form `grant_type=client_credentials`, `client_id`,
  `client_secret`, `scope=https://api.botframework.com/.default` → a JWT-shaped bearer token
  (`{"token_type": "Bearer", "expires_in": …, "access_token": …}`), or Entra's error JSON.

Tokens it issued are accepted by the fake Bot Connector (`accepts`). Every request is in `calls`.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

import jwt

from tests.fakes.login_proxy import Reply, TunnelHandler

HOST = "login.microsoftonline.com"
MULTI_TENANT = "botframework.com"
BOT_SCOPE = "https://api.botframework.com/.default"
TOKEN_LIFETIME = 3599


@dataclass
class LoginCall:
    """One request to the fake login: method, path, query and form (single values), answer status."""

    method: str
    path: str
    query: dict[str, str]
    form: dict[str, str]
    headers: dict[str, str]
    at: float
    status: int = 0


def _error(status: int, code: str, description: str) -> Reply:
    return Reply(status, {"error": code, "error_description": description, "error_codes": []})


class FakeLogin:
    """Client credentials for one bot (`app_id`, `app_password`) in its tenants (`botframework.com`
    for multi-tenant bots, plus any tenant id given)."""

    def __init__(
        self,
        app_id: str,
        app_password: str,
        tenants: tuple[str, ...] = (MULTI_TENANT,),
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.app_id, self.app_password = app_id, app_password
        self.tenants = set(tenants)
        self.calls: list[LoginCall] = []
        self._clock = clock
        self._secret = uuid.uuid4().hex  # signs the tokens: only this fake can make them
        self._issued: dict[str, float] = {}  # token -> expiry (epoch seconds)
        self._lock = threading.Lock()

    # ---- what tests read ----------------------------------------------------------------------------

    def token_requests(self) -> list[LoginCall]:
        """The token endpoint's calls, oldest first."""
        return [c for c in self.calls if c.method == "POST" and c.path.endswith("/oauth2/v2.0/token")]

    def accepts(self, token: str | None) -> bool:
        """Whether `token` is one this login issued and it has not expired."""
        with self._lock:
            expiry = self._issued.get(token or "")
        return expiry is not None and expiry > self._clock()

    def issued(self) -> list[str]:
        """Every token issued, oldest first."""
        with self._lock:
            return list(self._issued)

    def expire_tokens(self) -> None:
        """Every token issued so far stops working (the connector answers 401)."""
        with self._lock:
            self._issued = dict.fromkeys(self._issued, 0.0)

    # ---- serving --------------------------------------------------------------------------------------

    def _handle(self, handler: TunnelHandler) -> None:
        split = urlsplit(handler.path)
        raw = handler.read_body()
        form = {k: v[0] for k, v in parse_qs(raw.decode("utf-8", "replace")).items()}
        query = {k: v[0] for k, v in parse_qs(split.query).items()}
        headers = {k.lower(): v for k, v in handler.headers.items()}
        call = LoginCall(handler.command, split.path, query, form, headers, self._clock())
        with self._lock:
            self.calls.append(call)
        try:
            reply = self._reply(call)
        except Exception as exc:  # a bug in the fake: say so instead of dropping the connection
            reply = Reply(500, {"error": "fake_exception", "error_description": repr(exc)})
        call.status = reply.status
        handler.send(reply)

    def _reply(self, call: LoginCall) -> Reply:
        parts = call.path.strip("/").split("/")
        if call.method == "GET" and call.path == "/common/discovery/instance":
            return self._instance_metadata(call.query.get("authorization_endpoint", ""))
        if call.method == "GET" and parts[1:] == ["v2.0", ".well-known", "openid-configuration"]:
            return self._openid_configuration(parts[0])
        if call.method == "POST" and parts[1:] == ["oauth2", "v2.0", "token"]:
            return self._token(parts[0], call.form)
        return _error(404, "not_found", f"AADSTS900561: no such endpoint {call.method} {call.path}")

    def _instance_metadata(self, authorization_endpoint: str) -> Reply:
        tenant = urlsplit(authorization_endpoint).path.strip("/").split("/")[0] or "common"
        return Reply(
            200,
            {
                "tenant_discovery_endpoint": f"https://{HOST}/{tenant}/v2.0/.well-known/openid-configuration",
                "api-version": "1.1",
                "metadata": [
                    {
                        "preferred_network": HOST,
                        "preferred_cache": "login.windows.net",
                        "aliases": [HOST, "login.windows.net", "login.microsoft.com", "sts.windows.net"],
                    }
                ],
            },
        )

    def _openid_configuration(self, tenant: str) -> Reply:
        if tenant not in self.tenants:
            return _error(400, "invalid_tenant", f"AADSTS90002: Tenant '{tenant}' not found.")
        base = f"https://{HOST}/{tenant}"
        return Reply(
            200,
            {
                "token_endpoint": f"{base}/oauth2/v2.0/token",
                "authorization_endpoint": f"{base}/oauth2/v2.0/authorize",
                "device_authorization_endpoint": f"{base}/oauth2/v2.0/devicecode",
                "issuer": f"https://{HOST}/{tenant}/v2.0",
                "jwks_uri": f"{base}/discovery/v2.0/keys",
                "token_endpoint_auth_methods_supported": ["client_secret_post", "client_secret_basic"],
                "response_types_supported": ["code", "id_token", "token"],
            },
        )

    def _token(self, tenant: str, form: dict[str, str]) -> Reply:
        if tenant not in self.tenants:
            return _error(400, "invalid_request", f"AADSTS90002: Tenant '{tenant}' not found.")
        if form.get("grant_type") != "client_credentials":
            return _error(400, "unsupported_grant_type", "AADSTS70003: only client_credentials here.")
        if form.get("client_id") != self.app_id:
            return _error(400, "unauthorized_client", f"AADSTS700016: Application '{form.get('client_id')}'.")
        if form.get("client_secret") != self.app_password:
            return _error(401, "invalid_client", "AADSTS7000215: Invalid client secret provided.")
        if form.get("scope") != BOT_SCOPE:
            return _error(400, "invalid_scope", f"AADSTS70011: The scope '{form.get('scope')}' is not valid.")
        now = self._clock()
        claims = {
            "aud": "https://api.botframework.com",
            "iss": f"https://sts.windows.net/{tenant}/",
            "appid": self.app_id,
            "tid": tenant,
            "iat": int(now),
            "nbf": int(now),
            "exp": int(now) + TOKEN_LIFETIME,
            "jti": uuid.uuid4().hex,
        }
        token = jwt.encode(claims, self._secret, algorithm="HS256")
        with self._lock:
            self._issued[token] = now + TOKEN_LIFETIME
        body = {
            "token_type": "Bearer",
            "expires_in": TOKEN_LIFETIME,
            "ext_expires_in": TOKEN_LIFETIME,
            "access_token": token,
        }
        return Reply(200, body)
