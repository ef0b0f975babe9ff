"""Signed chart URLs for Teams, over real HTTP: a valid token gets the exact PNG; a tampered, swapped,
expired, traversing, garbage or over-long one gets the same plain 404, and no input gets a 500."""

from __future__ import annotations

import base64
import struct
from email.utils import parsedate_to_datetime
from urllib.parse import quote, urlsplit

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.errors import ConfigError
from bot.messages.model import Image
from handlers.teams.charts import CHART_TTL, chart_url, charts_dir, sign_chart, workspace_chart_dir
from tests.teams_charts.conftest import CLOCK, FUZZ, PUBLIC_URL, WEEK, days, make_settings, now

NOT_FOUND = (404, b"Not Found")
ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
URL_SAFE = st.text(alphabet=ALPHABET, min_size=1, max_size=300)
ENCODED = st.binary(min_size=1, max_size=400).map(lambda raw: base64.urlsafe_b64encode(raw).decode())


def image(path) -> Image:
    return Image(str(path), "alt", "title")


def token_of(url: str) -> str:
    path = urlsplit(url).path
    assert path.startswith("/charts/") and path.endswith(".png")
    return path[len("/charts/") : -len(".png")]


def url_for(site, wid: int = 1, when=None) -> str:
    url = chart_url(site.settings, wid, image(site.charts[wid]), when or now())
    assert url is not None
    return url


def fetch(site, token: str, prefix: str = "") -> tuple[int, bytes]:
    answer = site.get(f"{prefix}/charts/{token}.png")
    return answer.status, answer.body


def unpack(token: str) -> tuple[bytes, bytes]:
    raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    return raw[:-32], raw[-32:]


def pack(payload: bytes, mac: bytes) -> str:
    return base64.urlsafe_b64encode(payload + mac).rstrip(b"=").decode()


# --- the happy path ---------------------------------------------------------------------------------


def test_a_valid_token_gets_the_exact_png_with_caching_until_it_expires(site):
    signed_at = now()
    url = url_for(site, 1, signed_at)
    assert url.startswith(f"{PUBLIC_URL}/charts/") and url.endswith(".png")
    answer = site.get(urlsplit(url).path)
    assert answer.status == 200
    assert answer.body == site.charts[1].read_bytes()
    assert answer.headers["content-type"] == "image/png"
    assert answer.headers["x-content-type-options"] == "nosniff"
    cache, max_age = answer.headers["cache-control"].split(", max-age=")
    assert cache == "private"
    assert CHART_TTL.total_seconds() - 60 <= int(max_age) <= CHART_TTL.total_seconds()
    expires = parsedate_to_datetime(answer.headers["expires"])
    assert expires == (signed_at + CHART_TTL).replace(microsecond=0)


def test_each_workspace_gets_its_own_chart(site):
    assert fetch(site, token_of(url_for(site, 2))) == (200, site.charts[2].read_bytes())
    assert site.charts[1].read_bytes() != site.charts[2].read_bytes()


def test_the_token_is_url_safe_and_names_the_chart_relatively(site):
    token = token_of(url_for(site, 1))
    assert set(token) <= set(ALPHABET)
    payload, _ = unpack(token)
    assert payload[17:] == f"ws1-{WEEK}/digest-heatmap.png".encode()  # never an absolute path
    assert struct.unpack(">BQQ", payload[:17])[:2] == (1, 1)


def test_the_token_lives_until_its_expiry_and_not_a_second_longer(site):
    signed_at = CLOCK[0]
    token = token_of(url_for(site, 1, signed_at))
    try:
        CLOCK[0] = signed_at + CHART_TTL - days(1 / 86400)
        assert fetch(site, token, "/clocked")[0] == 200
        CLOCK[0] = signed_at + CHART_TTL
        assert fetch(site, token, "/clocked") == NOT_FOUND
    finally:
        CLOCK[0] = signed_at


# --- refusals ---------------------------------------------------------------------------------------


def test_a_tampered_signature_is_404(site):
    payload, mac = unpack(token_of(url_for(site, 1)))
    flipped = bytes([mac[0] ^ 1]) + mac[1:]
    assert fetch(site, pack(payload, flipped)) == NOT_FOUND
    assert fetch(site, pack(payload, mac[:-1])) == NOT_FOUND  # a truncated one too


def test_another_workspace_swapped_into_a_signed_token_is_404(site):
    payload, mac = unpack(token_of(url_for(site, 1)))
    version, _, expiry = struct.unpack(">BQQ", payload[:17])
    name = payload[17:]
    only_id = struct.pack(">BQQ", version, 2, expiry) + name
    id_and_folder = struct.pack(">BQQ", version, 2, expiry) + name.replace(b"ws1-", b"ws2-")
    assert fetch(site, pack(only_id, mac)) == NOT_FOUND
    assert fetch(site, pack(id_and_folder, mac)) == NOT_FOUND  # ws2's real chart, under ws1's signature


def test_a_longer_expiry_in_a_signed_token_is_404(site):
    payload, mac = unpack(token_of(url_for(site, 1, now() - days(8))))
    version, wid, expiry = struct.unpack(">BQQ", payload[:17])
    later = struct.pack(">BQQ", version, wid, expiry + 86400 * 30) + payload[17:]
    assert fetch(site, pack(later, mac)) == NOT_FOUND


def test_an_expired_token_is_404(site):
    assert fetch(site, token_of(url_for(site, 1, now() - days(8)))) == NOT_FOUND


def test_a_token_signed_under_another_secret_is_404(site, tmp_path):
    other = make_settings(site.settings.PLUME_OUTPUT_DIR, TEAMS_APP_PASSWORD="rotated-secret")
    url = chart_url(other, 1, image(site.charts[1]), now())
    assert fetch(site, token_of(url)) == NOT_FOUND


@pytest.mark.parametrize(
    "name",
    [
        "ws1-x/../../secret.png",
        f"ws1-x/../ws2-{WEEK}/digest-heatmap.png",
        "ws1-x/../../../../../../etc/passwd.png",
        "/etc/passwd.png",
        f"ws1-{WEEK}//digest-heatmap.png",
        f"ws1-{WEEK}\\..\\..\\secret.png",
        f"ws2-{WEEK}/digest-heatmap.png",
        "secret.png",
        f"ws1-{WEEK}/digest-heatmap.png\x00.txt",
        f"ws1-{WEEK}/./digest-heatmap.png",
    ],
)
def test_a_validly_signed_traversal_is_404(site, name):
    """Defence in depth: even a name the key signed is served only from the workspace's own folder."""
    assert fetch(site, sign_chart(site.settings, 1, name, now() + days(1))) == NOT_FOUND


def test_a_symlink_out_of_the_charts_directory_is_404(site):
    link = charts_dir(site.settings) / "ws1-link" / "chart.png"
    link.parent.mkdir(exist_ok=True)
    if not link.is_symlink():
        link.symlink_to(site.outside)
    assert fetch(site, sign_chart(site.settings, 1, "ws1-link/chart.png", now() + days(1))) == NOT_FOUND


def test_a_chart_deleted_after_signing_is_404(site):
    gone = workspace_chart_dir(site.settings, 1, "gone") / "chart.png"
    gone.parent.mkdir(parents=True, exist_ok=True)
    gone.write_bytes(b"\x89PNG")
    url = chart_url(site.settings, 1, image(gone), now())
    assert fetch(site, token_of(url))[0] == 200
    gone.unlink()
    assert fetch(site, token_of(url)) == NOT_FOUND


@pytest.mark.parametrize(
    "path",
    [
        "/charts/.png",
        "/charts/abc.png",
        "/charts/!!!.png",
        "/charts/====.png",
        "/charts/%00.png",
        "/charts/%2e%2e%2fsecret.png",
        "/charts/..%2F..%2Fsecret.png",
        "/charts/../secret.png",
        "/charts/%E2%82%AC%F0%9F%AA%B6.png",
        "/charts/" + "A" * 4000 + ".png",
        "/charts/" + "A" * 1025 + ".png",
        "/charts/" + "A" * 43 + ".png",  # decodes to 32 bytes: a MAC and no payload
    ],
)
def test_garbage_and_over_long_tokens_are_404(site, path):
    answer = site.get(path)
    assert answer.status == 404
    assert b"Traceback" not in answer.body and len(answer.body) < 100


def test_without_a_secret_nothing_is_signed_or_served(site):
    bare = make_settings(site.settings.PLUME_OUTPUT_DIR, TEAMS_APP_PASSWORD="")
    with pytest.raises(ConfigError, match="TEAMS_APP_PASSWORD"):
        chart_url(bare, 1, image(site.charts[1]), now())
    assert fetch(site, token_of(url_for(site, 1)), "/nokey") == NOT_FOUND


def test_the_encryption_key_signs_when_there_is_no_app_password(site):
    fallback = make_settings(site.settings.PLUME_OUTPUT_DIR, TEAMS_APP_PASSWORD="", PLUME_ENCRYPTION_KEY="k")
    assert chart_url(fallback, 1, image(site.charts[1]), now()) != url_for(site, 1)


def test_no_public_url_means_no_chart_url(site):
    settings = site.settings.model_copy(update={"PLUME_PUBLIC_URL": None})
    assert chart_url(settings, 1, image(site.charts[1]), now()) is None


def test_only_a_png_in_the_workspaces_own_folder_gets_a_url(site, tmp_path):
    with pytest.raises(ValueError, match="outside the charts directory"):
        chart_url(site.settings, 1, image(site.outside), now())
    with pytest.raises(ValueError, match="not a PNG in workspace 1's folder"):
        chart_url(site.settings, 1, image(site.charts[2]), now())
    with pytest.raises(ValueError, match="not a PNG"):
        chart_url(site.settings, 1, image(charts_dir(site.settings) / "loose.png"), now())


# --- no input gets a 500 ----------------------------------------------------------------------------


@FUZZ
@given(token=URL_SAFE | ENCODED)
def test_any_token_of_the_url_alphabet_is_a_plain_404(site, token):
    assert fetch(site, token) == NOT_FOUND


@FUZZ
@given(token=st.text(max_size=200))
def test_any_text_as_a_token_is_never_a_500(site, token):
    answer = site.get(f"/charts/{quote(token, safe='')}.png")
    assert answer.status in (400, 404), (token, answer)
    assert b"Traceback" not in answer.body
