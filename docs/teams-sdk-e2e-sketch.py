"""E2E: our FastAPI+uvicorn on 127.0.0.1, fake JWKS + fake connector on loopback, signed JWTs."""
import asyncio, json, time, uuid, socket, logging
import httpx, jwt, uvicorn
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi import FastAPI, Request
from jwt.algorithms import RSAAlgorithm

from microsoft_teams.api import (MessageActivity, ConversationUpdateActivity, InstalledActivity,
    AdaptiveCardInvokeActivity, MessageActivityInput, Account, CreateConversationParams)
from microsoft_teams.api.auth.cloud_environment import PUBLIC, with_overrides
from microsoft_teams.api.models.adaptive_card import AdaptiveCardActionCardResponse
from microsoft_teams.apps import App, ActivityContext, FastAPIAdapter
from microsoft_teams.common import ClientOptions
from microsoft_teams.cards import AdaptiveCard, TextBlock, ActionSet, ExecuteAction

logging.basicConfig(level=logging.WARNING)

def free_port():
    s = socket.socket(); s.bind(("127.0.0.1", 0)); p = s.getsockname()[1]; s.close(); return p

APP_ID = "00000000-0000-0000-0000-00000000b0b1"
FAKE_PORT, BOT_PORT = free_port(), free_port()
FAKE = f"http://127.0.0.1:{FAKE_PORT}"
key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
jwk = json.loads(RSAAlgorithm.to_jwk(key.public_key())); jwk.update(kid="k1", use="sig", alg="RS256")

# ---------- fake Bot Framework (JWKS + connector + token) ----------
fake = FastAPI(); calls = []
@fake.get("/v1/.well-known/keys")
async def keys(): calls.append(("GET", "/keys", None)); return {"keys": [jwk]}
@fake.api_route("/{path:path}", methods=["POST", "PUT", "DELETE"])
async def connector(path: str, request: Request):
    body = await request.body()
    calls.append((request.method, "/" + path, json.loads(body) if body else None, request.headers.get("authorization")))
    if path == "v3/conversations":
        return {"id": "a:new-1on1-conv", "serviceUrl": FAKE}
    return {"id": "sent-" + uuid.uuid4().hex[:6]}

def mint(service_url=FAKE, aud=APP_ID, k=key, iss="https://api.botframework.com"):
    now = int(time.time())
    return jwt.encode({"iss": iss, "aud": aud, "serviceurl": service_url, "iat": now, "nbf": now, "exp": now + 600},
                      k, algorithm="RS256", headers={"kid": "k1"})

# ---------- Plume side ----------
ours = FastAPI()
@ours.get("/healthz")
async def healthz(): return {"ok": True}

TOKEN_CALLS = []
async def static_token(scope, tenant_id):
    TOKEN_CALLS.append((scope, tenant_id))  # TokenCredentials: no MSAL, no login.microsoftonline.com
    # must be JWT-shaped: SDK wraps it in JsonWebToken -> jwt.decode(verify_signature=False)
    return jwt.encode({"aud": "https://api.botframework.com", "exp": int(time.time()) + 3600}, "k" * 32, algorithm="HS256")

teams = App(
    client_id=APP_ID,
    token=static_token,                      # or client_secret="..." for real MSAL client credentials
    tenant_id="11111111-1111-1111-1111-111111111111",
    service_url=FAKE,                        # default for proactive app.send
    cloud=with_overrides(PUBLIC, openid_metadata_url=f"{FAKE}/v1/.well-known/openidconfiguration"),
    http_server_adapter=FastAPIAdapter(app=ours),
    messaging_endpoint="/api/teams/messages",
    dangerously_allow_unauthenticated_requests=False,
    client=ClientOptions(timeout=10.0),
    telemetry={"agent365": False},
)
seen = []

@teams.on_message
async def on_msg(ctx: ActivityContext[MessageActivity]):
    seen.append(("message", ctx.activity.text))
    sent = await ctx.send("echo: " + (ctx.activity.text or ""))
    card = AdaptiveCard(body=[TextBlock(text="Approve?"), ActionSet(actions=[
        ExecuteAction(title="Yes", verb="approve", data={"action": "approve", "x": 1})])])
    sent_card = await ctx.send(card)
    # update in place: same conversation, set id -> PUT .../activities/{id}
    upd = MessageActivityInput(text="edited"); upd.id = sent.id
    await ctx.send(upd)

@teams.on_conversation_update
async def on_conv(ctx: ActivityContext[ConversationUpdateActivity]):
    seen.append(("conversationUpdate", [m.id for m in (ctx.activity.members_added or [])]))

@teams.on_install_add
async def on_install(ctx: ActivityContext[InstalledActivity]):
    seen.append(("install.add", ctx.activity.conversation.id))

@teams.on_card_action_execute("approve")
async def on_approve(ctx: ActivityContext[AdaptiveCardInvokeActivity]):
    a = ctx.activity.value.action
    seen.append(("execute", a.verb, a.data))
    return AdaptiveCardActionCardResponse(value=AdaptiveCard(body=[TextBlock(text="Approved ✔")]))

def activity(type_, **kw):
    base = {"type": type_, "id": uuid.uuid4().hex, "channelId": "msteams", "serviceUrl": FAKE,
            "timestamp": "2026-12-04T21:00:00Z",
            "from": {"id": "29:user", "name": "U", "aadObjectId": "aad-user"},
            "recipient": {"id": "28:" + APP_ID, "name": "Plume"},
            "conversation": {"id": "a:conv1", "conversationType": "personal", "tenantId": "11111111-1111-1111-1111-111111111111"},
            "channelData": {"tenant": {"id": "11111111-1111-1111-1111-111111111111"}}}
    base.update(kw); return base

async def main():
    fsrv = uvicorn.Server(uvicorn.Config(fake, host="127.0.0.1", port=FAKE_PORT, log_level="warning"))
    # fake MUST run on another thread/loop: SDK fetches JWKS with sync PyJWKClient (urllib) inside the event loop
    import threading; th = threading.Thread(target=lambda: asyncio.run(fsrv.serve()), daemon=True); th.start()
    bsrv = uvicorn.Server(uvicorn.Config(ours, host="127.0.0.1", port=BOT_PORT, log_level="warning"))
    await teams.initialize()                  # registers POST /api/teams/messages on `ours`; no server started
    t2 = asyncio.create_task(bsrv.serve())
    while not (fsrv.started and bsrv.started): await asyncio.sleep(0.05)
    url = f"http://127.0.0.1:{BOT_PORT}/api/teams/messages"
    async with httpx.AsyncClient(timeout=20) as c:
        H = lambda tok: {"Authorization": f"Bearer {tok}"}
        r = await c.post(url, json=activity("message", text="hello"), headers=H(mint())); print("message:", r.status_code, r.text)
        r = await c.post(url, json=activity("conversationUpdate", membersAdded=[{"id": "28:" + APP_ID}]), headers=H(mint())); print("convUpdate:", r.status_code, r.text)
        r = await c.post(url, json=activity("installationUpdate", action="add"), headers=H(mint())); print("install:", r.status_code, r.text)
        inv = activity("invoke", name="adaptiveCard/action", value={"action": {"type": "Action.Execute", "verb": "approve", "data": {"action": "approve", "x": 1}}, "trigger": "manual"})
        r = await c.post(url, json=inv, headers=H(mint())); print("invoke:", r.status_code, r.text)
        # negative cases
        r = await c.post(url, json=activity("message", text="x")); print("no auth:", r.status_code, r.text)
        other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        r = await c.post(url, json=activity("message", text="x"), headers=H(mint(k=other))); print("bad sig:", r.status_code)
        r = await c.post(url, json=activity("message", text="x"), headers=H(mint(aud="someone-else"))); print("bad aud:", r.status_code)
        r = await c.post(url, json=activity("message", text="x"), headers=H(mint(service_url="https://evil.example"))); print("serviceurl mismatch:", r.status_code)
        r = await c.post(url, json=activity("message", text="x"), headers=H(mint(iss="https://evil"))); print("bad iss:", r.status_code)
        r = await c.get(f"http://127.0.0.1:{BOT_PORT}/healthz"); print("our route:", r.status_code, r.text)
    # proactive
    sa = await teams.send("a:conv1", "proactive hi"); print("proactive id:", sa.id)
    conv = await teams.api.conversations.create(CreateConversationParams(
        members=[Account(id="29:user")], tenant_id="11111111-1111-1111-1111-111111111111", isGroup=False,
        bot=Account(id="28:" + APP_ID)))
    print("created conv:", conv.id)
    print("TOKEN_CALLS:", len(TOKEN_CALLS), set(TOKEN_CALLS))
    print("\nSEEN:", *seen, sep="\n  ")
    print("\nFAKE CALLS:")
    for cl in calls: print("  ", cl[0], cl[1], json.dumps(cl[2])[:300] if cl[2] else "", cl[3] if len(cl) > 3 else "")
    fsrv.should_exit = bsrv.should_exit = True; await t2; th.join(5)

asyncio.run(main())
