"""OpenID Connect endpoints at Keycloak's paths (``/idp/realms/<realm>/...``).

Error bodies and status codes follow Keycloak, because python-keycloak maps them to its
exceptions: a bad password is 401 ``invalid_grant``, a bad refresh token 400, a bad client 401.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, Response, abort, jsonify, redirect, render_template_string, request

from . import current_idp
from .realm import Client
from .tokens import InvalidToken

blp = Blueprint("devidp", __name__, url_prefix="/idp/realms/<realm>")


class OAuthError(Exception):
    def __init__(self, error: str, description: str, status: int = 400):
        super().__init__(description)
        self.error, self.description, self.status = error, description, status


@blp.errorhandler(OAuthError)
def _oauth_error(exc: OAuthError):
    resp = jsonify(error=exc.error, error_description=exc.description)
    if exc.status == 401:
        resp.headers["WWW-Authenticate"] = f'Bearer realm="{current_idp().realm.name}", error="{exc.error}"'
    return resp, exc.status


@blp.url_value_preprocessor
def _check_realm(endpoint, values):
    if (values or {}).pop("realm", None) != current_idp().realm.name:
        abort(Response('{"error":"Realm does not exist"}', 404, mimetype="application/json"))


@blp.after_request
def _no_store(resp: Response) -> Response:
    resp.headers.setdefault("Cache-Control", "no-store")
    resp.headers.setdefault("X-Frame-Options", "DENY")  # the login form is never framed
    return resp


# -- discovery --------------------------------------------------------------------------------


@blp.get("/.well-known/openid-configuration")
def well_known():
    idp = current_idp()
    return jsonify(
        issuer=idp.issuer,
        authorization_endpoint=idp.endpoint("auth"),
        token_endpoint=idp.endpoint("token"),
        introspection_endpoint=idp.endpoint("token/introspect"),
        userinfo_endpoint=idp.endpoint("userinfo"),
        end_session_endpoint=idp.endpoint("logout"),
        jwks_uri=idp.endpoint("certs"),
        grant_types_supported=["authorization_code", "refresh_token", "password", "client_credentials"],
        response_types_supported=["code"],
        response_modes_supported=["query"],
        subject_types_supported=["public"],
        id_token_signing_alg_values_supported=["RS256"],
        token_endpoint_auth_methods_supported=["client_secret_post", "client_secret_basic"],
        code_challenge_methods_supported=["S256"],
        scopes_supported=["openid", "profile", "email"],
        claims_supported=["sub", "iss", "aud", "preferred_username", "name", "email", "tenant", "department"],
    )


@blp.get("")
def realm_info():
    """What Keycloak publishes at ``/realms/<realm>``: the realm public key among others."""
    idp = current_idp()
    return jsonify(
        realm=idp.realm.name,
        public_key=idp.keys.public_der_b64(),
        **{
            "token-service": f"{idp.issuer}/protocol/openid-connect",
            "account-service": f"{idp.issuer}/account",
        },
        **{"tokens-not-before": 0},
    )


@blp.get("/protocol/openid-connect/certs")
def certs():
    resp = jsonify(current_idp().keys.jwks())
    resp.headers["Cache-Control"] = "no-cache"
    return resp


# -- the token endpoint -----------------------------------------------------------------------


def _client_credentials() -> tuple[str | None, str | None]:
    auth = request.authorization
    if auth is not None and auth.type == "basic":
        return auth.username, auth.password
    return request.form.get("client_id"), request.form.get("client_secret")


def authenticate_client(*, confidential: bool = False) -> Client:
    client_id, secret = _client_credentials()
    client = current_idp().client(client_id)
    if client is None:
        raise OAuthError("invalid_client", "Invalid client or Invalid client credentials", 401)
    if confidential and client.public:
        raise OAuthError("unauthorized_client", "Public client not allowed", 401)
    if not client.check_secret(secret):
        raise OAuthError("unauthorized_client", "Invalid client or Invalid client credentials", 401)
    return client


@blp.post("/protocol/openid-connect/token")
def token():
    grant = request.form.get("grant_type", "")
    handler = _GRANTS.get(grant)
    if handler is None:
        raise OAuthError("unsupported_grant_type", f"Unsupported grant_type {grant!r}")
    return jsonify(handler(authenticate_client()))


def _password_grant(client: Client) -> dict[str, Any]:
    if not client.flag("directAccessGrantsEnabled"):
        raise OAuthError("unauthorized_client", "Client not allowed for direct access grants")
    idp = current_idp()
    user = idp.store.authenticate(request.form.get("username", ""), request.form.get("password", ""))
    if user is None:
        raise OAuthError("invalid_grant", "Invalid user credentials", 401)
    if not user["enabled"]:
        raise OAuthError("invalid_grant", "Account disabled")
    sid = idp.sessions.start(user["id"], client.client_id)
    return idp.tokens.token_response(client, user, sid=sid, scope=request.form.get("scope", "openid"))


def _client_credentials_grant(client: Client) -> dict[str, Any]:
    if client.public or not client.flag("serviceAccountsEnabled"):
        raise OAuthError("unauthorized_client", "Client not enabled to retrieve service account")
    idp = current_idp()
    account = idp.store.service_account(client.client_id)
    if account is None or not account["enabled"]:
        raise OAuthError("invalid_grant", "Service account user is not enabled")
    scope = request.form.get("scope", "")
    return idp.tokens.token_response(client, account, sid=None, scope=scope.replace("openid", "").strip())


def _refresh_grant(client: Client) -> dict[str, Any]:
    idp = current_idp()
    try:
        claims = idp.tokens.verify(request.form.get("refresh_token", ""), "Refresh")
    except InvalidToken as exc:
        raise OAuthError("invalid_grant", "Invalid refresh token") from exc
    if claims.get("azp") != client.client_id:
        raise OAuthError(
            "invalid_grant", "Invalid refresh token. Token client and authorized client don't match"
        )
    if not idp.sessions.active(claims.get("sid", "")):
        raise OAuthError("invalid_grant", "Session not active")
    user = idp.store.user(id=claims["sub"])
    if user is None or not user["enabled"]:
        raise OAuthError("invalid_grant", "User disabled")
    return idp.tokens.token_response(client, user, sid=claims["sid"], scope=claims.get("scope", "openid"))


def _code_grant(client: Client) -> dict[str, Any]:
    if not client.flag("standardFlowEnabled"):
        raise OAuthError("unauthorized_client", "Client not allowed to exchange code")
    idp = current_idp()
    code = idp.sessions.consume_code(request.form.get("code", ""))
    if code is None:
        raise OAuthError("invalid_grant", "Code not valid")
    if code["client_id"] != client.client_id:
        raise OAuthError("invalid_grant", "Auth error: code issued to another client")
    if code["redirect_uri"] != request.form.get("redirect_uri", ""):
        raise OAuthError("invalid_grant", "Incorrect redirect_uri")
    if code["challenge"] and not _pkce_ok(code, request.form.get("code_verifier", "")):
        raise OAuthError("invalid_grant", "PKCE verification failed: Invalid code verifier")
    user_id = idp.sessions.user_of(code["session_id"])
    if user_id is None:
        raise OAuthError("invalid_grant", "Session not active")
    user = idp.store.user(id=user_id)
    if user is None or not user["enabled"]:
        raise OAuthError("invalid_grant", "User disabled")
    return idp.tokens.token_response(
        client, user, sid=code["session_id"], scope=code["scope"], nonce=code["nonce"]
    )


def _pkce_ok(code: dict[str, Any], verifier: str) -> bool:
    if not 43 <= len(verifier) <= 128:
        return False
    if code["challenge_method"] == "S256":
        digest = hashlib.sha256(verifier.encode("ascii", "replace")).digest()
        expected = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
    else:
        expected = verifier
    return hmac.compare_digest(expected, code["challenge"])


_GRANTS = {
    "password": _password_grant,
    "client_credentials": _client_credentials_grant,
    "refresh_token": _refresh_grant,
    "authorization_code": _code_grant,
}


# -- userinfo, introspection, logout ----------------------------------------------------------


def _bearer() -> str:
    scheme, _, value = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return request.form.get("access_token", "")


def active_user(claims: dict[str, Any]) -> dict[str, Any] | None:
    """The token's user if its session (when it has one) is live and the user is enabled."""
    idp = current_idp()
    if claims.get("sid") and not idp.sessions.active(claims["sid"]):
        return None
    user = idp.store.user(id=claims.get("sub", ""))
    return user if user is not None and user["enabled"] else None


@blp.route("/protocol/openid-connect/userinfo", methods=["GET", "POST"])
def userinfo():
    idp = current_idp()
    try:
        claims = idp.tokens.verify(_bearer(), "Bearer")
    except InvalidToken as exc:
        raise OAuthError("invalid_token", "Token verification failed", 401) from exc
    user = active_user(claims)
    if user is None:
        raise OAuthError("invalid_token", "User session not found or doesn't have client attached on it", 401)
    return jsonify(idp.tokens.userinfo(idp.client(claims.get("azp")), user))


@blp.post("/protocol/openid-connect/token/introspect")
def introspect():
    authenticate_client(confidential=True)
    idp = current_idp()
    raw = request.form.get("token", "")
    claims = None
    for typ in ("Bearer", "Refresh", "ID"):
        try:
            claims = idp.tokens.verify(raw, typ)
            break
        except InvalidToken:
            continue
    user = active_user(claims) if claims else None
    if claims is None or user is None:
        return jsonify(active=False)
    return jsonify(
        {
            **claims,
            "active": True,
            "client_id": claims.get("azp"),
            "username": claims.get("preferred_username"),
            "token_type": claims.get("typ"),
        }
    )


@blp.post("/protocol/openid-connect/logout")
def logout():
    client = authenticate_client()
    idp = current_idp()
    try:
        claims = idp.tokens.verify(request.form.get("refresh_token", ""), "Refresh")
    except InvalidToken as exc:
        raise OAuthError("invalid_grant", "Invalid refresh token") from exc
    if claims.get("azp") != client.client_id:
        raise OAuthError(
            "invalid_grant", "Invalid refresh token. Token client and authorized client don't match"
        )
    idp.sessions.end(claims.get("sid", ""))
    return "", 204


@blp.get("/protocol/openid-connect/logout")
def logout_page():
    """Front-channel logout: end the session named by ``id_token_hint``, then go back if allowed."""
    idp = current_idp()
    target = request.args.get("post_logout_redirect_uri", "")
    client = None
    try:
        claims = idp.tokens.verify(request.args.get("id_token_hint", ""), "ID")
        idp.sessions.end(claims.get("sid", ""))
        client = idp.client(claims.get("azp"))
    except InvalidToken:
        pass
    if target and client is not None and client.redirect_allowed(target, idp.origin):
        return redirect(target)
    return render_template_string(_PAGE, title="已退出 Signed out", error=None, form=None)


# -- authorization code flow with a minimal login form ----------------------------------------

_PARAMS = ("response_type", "client_id", "redirect_uri", "scope", "state", "nonce")
_PKCE = ("code_challenge", "code_challenge_method")

_PAGE = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>{{ title }}</title>
<style>body{font-family:sans-serif;max-width:24rem;margin:4rem auto}label{display:block;margin:.6rem 0}
input[type=text],input[type=password]{width:100%;padding:.4rem}.err{color:#b00}</style></head>
<body><h1>{{ title }}</h1>
{% if error %}<p class="err" role="alert">{{ error }}</p>{% endif %}
{% if form %}<form method="post" action="">
{% for k, v in form.items() %}<input type="hidden" name="{{ k }}" value="{{ v }}">{% endfor %}
<label>用户名 Username <input type="text" name="username" autocomplete="username" autofocus></label>
<label>密码 Password <input type="password" name="password" autocomplete="current-password"></label>
<button type="submit">登录 Sign in</button></form>
<p><small>Development identity provider: demo users use the password "demo".</small></p>{% endif %}
</body></html>"""


def _error_redirect(redirect_uri: str, state: str, error: str, description: str):
    query = urlencode({"error": error, "error_description": description, "state": state})
    return redirect(f"{redirect_uri}{'&' if '?' in redirect_uri else '?'}{query}")


@blp.route("/protocol/openid-connect/auth", methods=["GET", "POST"])
def authorize():
    idp = current_idp()
    source = request.form if request.method == "POST" else request.args
    params = {k: source.get(k, "") for k in (*_PARAMS, *_PKCE)}
    client = idp.client(params["client_id"])
    if client is None or not client.flag("standardFlowEnabled"):
        return render_template_string(
            _PAGE, title="登录错误 Login error", error="Invalid client", form=None
        ), 400
    redirect_uri = params["redirect_uri"]
    if not client.redirect_allowed(redirect_uri, idp.origin):
        return render_template_string(
            _PAGE, title="登录错误 Login error", error="Invalid redirect_uri", form=None
        ), 400
    if params["response_type"] != "code":
        return _error_redirect(
            redirect_uri, params["state"], "unsupported_response_type", "Only code is supported"
        )
    method = params["code_challenge_method"] or ("plain" if params["code_challenge"] else "")
    required = client.pkce_method
    if (required and method != required) or (method and method not in ("S256", "plain")):
        return _error_redirect(
            redirect_uri,
            params["state"],
            "invalid_request",
            "Missing or invalid parameter: code_challenge_method",
        )
    if method and not params["code_challenge"]:
        return _error_redirect(
            redirect_uri, params["state"], "invalid_request", "Missing parameter: code_challenge"
        )
    form = {k: v for k, v in params.items() if v}
    title = f"登录 {idp.realm.rep.get('displayName') or idp.realm.name}"
    if request.method == "GET":
        return render_template_string(_PAGE, title=title, error=None, form=form)
    user = idp.store.authenticate(request.form.get("username", ""), request.form.get("password", ""))
    if user is None or not user["enabled"]:
        message = (
            "用户名或密码无效 Invalid username or password."
            if user is None
            else "账户已停用 Account disabled."
        )
        return render_template_string(_PAGE, title=title, error=message, form=form), 401
    sid = idp.sessions.start(user["id"], client.client_id)
    code = idp.sessions.issue_code(
        client_id=client.client_id,
        redirect_uri=redirect_uri,
        challenge=params["code_challenge"] or None,
        challenge_method=method or None,
        scope=params["scope"] or "openid",
        nonce=params["nonce"] or None,
        session_id=sid,
    )
    query = urlencode({"state": params["state"], "session_state": sid, "iss": idp.issuer, "code": code})
    return redirect(f"{redirect_uri}{'&' if '?' in redirect_uri else '?'}{query}")
