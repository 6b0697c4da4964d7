"""Opt-in OAuth2 service-account auth: token endpoint, access tokens, sharing.

Off by default (every API request is then the spreadsheet owner's).  With
``enable_auth()``:

* ``POST /token`` (also ``/oauth2/v4/token``) implements the JWT bearer grant
  (``grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer`` + ``assertion``)
  as google-auth's ``service_account.Credentials`` sends it: an RS256 JWT with
  iss (the service account), scope, aud (Google's token URI or this
  endpoint's own URL), iat and exp.  The signature is checked against the
  public keys registered with ``register_service_account()``; iat/exp
  against ``assertion_clock`` (wall time, default ``time.time``: google-auth
  signs with the real clock).  Answer: ``{"access_token", "expires_in",
  "token_type": "Bearer"}``; a bad assertion gets 400 ``{"error":
  "invalid_grant", "error_description": ...}`` like Google's OAuth server.
* every Sheets request needs ``Authorization: Bearer <token>``: missing,
  unknown, revoked or expired (by the emulator's ``clock``) -> 401
  UNAUTHENTICATED; a token without a Sheets/Drive scope -> 403 "Request had
  insufficient authentication scopes."; a spreadsheet not shared with the
  token's account -> 403 PERMISSION_DENIED "The caller does not have
  permission" (a "reader" may read but not write).

Token faults (``inject_token_fault``): "invalid_grant" (400), "500", "503",
("slow", seconds) -- for the next ``times`` token requests.
``refuse_account(email)``: the API answers 401 to every token of that account,
fresh ones too (a refresh does not cure it).
"""

from __future__ import annotations

import base64
import json
import secrets
import time
from dataclasses import dataclass
from typing import Any, Callable, Dict, FrozenSet, Iterable, List, Optional, Sequence, Tuple, Union

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from .model import NO_PERMISSION, ApiError, Spreadsheet

JWT_BEARER_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"
GOOGLE_TOKEN_URI = "https://oauth2.googleapis.com/token"
TOKEN_PATHS = ("/token", "/oauth2/v4/token")
DEFAULT_TOKEN_LIFETIME = 3600
MAX_ASSERTION_LIFETIME = 3600  # Google refuses assertions valid for longer than an hour
ASSERTION_CLOCK_SKEW = 300  # seconds of tolerance on iat / exp

SCOPE_PREFIX = "https://www.googleapis.com/auth/"
SPREADSHEETS_SCOPE = SCOPE_PREFIX + "spreadsheets"
READ_SCOPES = frozenset(SCOPE_PREFIX + s for s in (
    "spreadsheets", "spreadsheets.readonly", "drive", "drive.readonly", "drive.file"))
WRITE_SCOPES = frozenset(SCOPE_PREFIX + s for s in ("spreadsheets", "drive", "drive.file"))

ROLES = ("owner", "writer", "reader")
_ROLE_ALIASES = {"editor": "writer", "commenter": "reader", "viewer": "reader"}

TOKEN_FAULTS = ("invalid_grant", "500", "503", "slow")

# Google's RPC method names, for the ErrorInfo details of auth errors.
RPC_METHODS = {
    "spreadsheets.get": "GetSpreadsheet",
    "spreadsheets.batchUpdate": "BatchUpdateSpreadsheet",
    "values.get": "GetValues",
    "values.batchGet": "BatchGetValues",
    "values.update": "UpdateValues",
    "values.append": "AppendValues",
    "values.clear": "ClearValues",
    "values.batchUpdate": "BatchUpdateValues",
    "values.batchClear": "BatchClearValues",
}

_SEE = " See https://developers.google.com/identity/sign-in/web/devconsole-project."
MISSING_CREDENTIALS = (
    "Request is missing required authentication credential. Expected OAuth 2 access token, "
    "login cookie or other valid authentication credential." + _SEE
)
INVALID_CREDENTIALS = (
    "Request had invalid authentication credentials. Expected OAuth 2 access token, "
    "login cookie or other valid authentication credential." + _SEE
)
INSUFFICIENT_SCOPES = "Request had insufficient authentication scopes."

BAD_TIMEFRAME = (
    "Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe. "
    "Check your iat and exp values in the JWT claim."
)


class GrantError(Exception):
    """The token endpoint refuses a request: (status, OAuth error code, description)."""

    def __init__(self, description: str, error: str = "invalid_grant", status: int = 400):
        super().__init__(description)
        self.status = status
        self.body = {"error": error, "error_description": description}


def _error_info(reason: str, endpoint: str) -> List[Dict[str, Any]]:
    return [{
        "@type": "type.googleapis.com/google.rpc.ErrorInfo",
        "reason": reason,
        "domain": "googleapis.com",
        "metadata": {
            "method": "google.apps.sheets.v4.SpreadsheetsService.%s" % RPC_METHODS.get(endpoint, "Unknown"),
            "service": "sheets.googleapis.com",
        },
    }]


def unauthenticated(endpoint: str, reason: str) -> ApiError:
    """401 like Google's front end: reason CREDENTIALS_MISSING, ACCESS_TOKEN_EXPIRED or
    ACCESS_TOKEN_TYPE_UNSUPPORTED (an unknown token)."""
    missing = reason == "CREDENTIALS_MISSING"
    header = 'Bearer realm="https://accounts.google.com/"'
    if not missing:
        header += ', error="invalid_token"'
    return ApiError(401, MISSING_CREDENTIALS if missing else INVALID_CREDENTIALS, "UNAUTHENTICATED",
                    _error_info(reason, endpoint), headers={"WWW-Authenticate": header})


def insufficient_scopes(endpoint: str) -> ApiError:
    return ApiError(403, INSUFFICIENT_SCOPES, "PERMISSION_DENIED",
                    _error_info("ACCESS_TOKEN_SCOPE_INSUFFICIENT", endpoint),
                    headers={"WWW-Authenticate": 'Bearer realm="https://accounts.google.com/", '
                                                 'error="insufficient_scope"'})


def _b64decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def load_public_key(pem: Union[str, bytes]) -> rsa.RSAPublicKey:
    """An RSA public key from a public key PEM, an X.509 certificate PEM or a private key PEM."""
    data = pem.encode("ascii") if isinstance(pem, str) else pem
    if b"CERTIFICATE" in data:
        from cryptography import x509

        key = x509.load_pem_x509_certificate(data).public_key()
    elif b"PRIVATE KEY" in data:
        key = serialization.load_pem_private_key(data, password=None).public_key()
    else:
        key = serialization.load_pem_public_key(data)
    if not isinstance(key, rsa.RSAPublicKey):
        raise ValueError("not an RSA key")
    return key


def normalize_role(role: str) -> str:
    role = _ROLE_ALIASES.get(role, role)
    if role not in ROLES:
        raise ValueError("unknown role %r (use one of %s)" % (role, ", ".join(ROLES)))
    return role


@dataclass
class _Token:
    email: str
    scopes: FrozenSet[str]
    expires_at: float  # emulator clock


@dataclass
class _TokenFault:
    name: str
    arg: Optional[float]
    remaining: int


def normalize_token_fault(fault: Any) -> Tuple[str, Optional[float]]:
    """"invalid_grant" | 400 | "500" | 500 | "503" | 503 | ("slow", s) | "slow:0.5"."""
    if isinstance(fault, bool):
        raise ValueError("unknown token fault: %r" % (fault,))
    if isinstance(fault, int):
        fault = str(fault)
    if isinstance(fault, (list, tuple)) and len(fault) == 2 and fault[0] == "slow":
        seconds = float(fault[1])
        if seconds < 0:
            raise ValueError("slow fault needs seconds >= 0")
        return "slow", seconds
    if isinstance(fault, str):
        if fault == "400":
            return "invalid_grant", None
        if fault in ("invalid_grant", "500", "503"):
            return fault, None
        if fault.startswith("slow:"):
            return normalize_token_fault(("slow", fault[5:]))
    raise ValueError("unknown token fault: %r (use one of %s)" % (fault, ", ".join(TOKEN_FAULTS)))


class AuthMixin:
    """Auth state and behaviour. The host class provides ``lock``, ``clock`` and ``spreadsheets``."""

    lock: Any
    clock: Callable[[], float]
    spreadsheets: Dict[str, Spreadsheet]

    def _init_auth(self) -> None:
        self.auth_enabled = False
        self.token_lifetime: float = DEFAULT_TOKEN_LIFETIME
        self.assertion_clock: Callable[[], float] = time.time
        self._accounts: Dict[str, List[Tuple[Optional[str], rsa.RSAPublicKey]]] = {}
        self._tokens: Dict[str, _Token] = {}
        self._token_faults: List[_TokenFault] = []
        self._token_stats = {"requests": 0, "issued": 0, "refused": 0, "failed": 0}
        self._caller: Optional[str] = None  # email of the API request being executed (auth on)
        self._refused: set = set()  # accounts whose tokens the API refuses (401), see refuse_account

    def _reset_auth(self) -> None:
        self._tokens.clear()
        self._token_faults.clear()
        for k in self._token_stats:
            self._token_stats[k] = 0

    # ------------------------------------------------------------ configuration
    def enable_auth(self, enabled: bool = True, *, token_lifetime: Optional[float] = None,
                    assertion_clock: Optional[Callable[[], float]] = None) -> None:
        """Require OAuth2 bearer tokens on every Sheets request (enabled=False turns it off).

        token_lifetime: seconds an access token lives (emulator clock), default 3600.
        assertion_clock: wall clock (epoch seconds) that JWT iat/exp are checked against.
        """
        with self.lock:
            self.auth_enabled = bool(enabled)
            if token_lifetime is not None:
                if float(token_lifetime) <= 0:
                    raise ValueError("token_lifetime must be > 0")
                self.token_lifetime = float(token_lifetime)
            if assertion_clock is not None:
                self.assertion_clock = assertion_clock

    def register_service_account(self, email: str, public_key_pem: Union[str, bytes],
                                 key_id: Optional[str] = None) -> None:
        """Accept assertions from `email` signed by this key (public key / certificate /
        private key PEM).  Several keys per account are allowed (key rotation); key_id, when
        given, must match the JWT header's ``kid``."""
        key = load_public_key(public_key_pem)
        if not email or "@" not in email:
            raise ValueError("a service account email is needed")
        with self.lock:
            self._accounts.setdefault(email, []).append((key_id, key))

    def unregister_service_account(self, email: str) -> None:
        with self.lock:
            self._accounts.pop(email, None)

    def refuse_account(self, email: str, refused: bool = True) -> None:
        """The API answers 401 UNAUTHENTICATED to every token of `email`, even one just
        issued (the token endpoint still issues them): a key or account Google no longer
        accepts, which a token refresh does not cure. refused=False accepts it again."""
        with self.lock:
            (self._refused.add if refused else self._refused.discard)(email)

    def service_accounts(self) -> List[str]:
        with self.lock:
            return sorted(self._accounts)

    def issue_token(self, email: str, scopes: Iterable[str] = (SPREADSHEETS_SCOPE,),
                    lifetime: Optional[float] = None) -> str:
        """Mint an access token for `email` without the JWT dance (tests of the API side)."""
        if isinstance(scopes, str):
            scopes = scopes.split()
        with self.lock:
            return self._mint(email, frozenset(scopes), lifetime)

    def revoke_tokens(self, email: Optional[str] = None) -> int:
        """Forget every access token (or those of `email`); returns how many."""
        with self.lock:
            doomed = [t for t, tok in self._tokens.items() if email is None or tok.email == email]
            for t in doomed:
                del self._tokens[t]
            return len(doomed)

    def auth_state(self) -> Dict[str, Any]:
        """{"enabled", "token_lifetime", "service_accounts", "live_tokens", "token_requests",
        "tokens_issued", "token_refused", "token_failed"} (refused = 400, failed = injected 5xx)."""
        with self.lock:
            now = self.clock()
            return {
                "enabled": self.auth_enabled,
                "token_lifetime": self.token_lifetime,
                "service_accounts": sorted(self._accounts),
                "live_tokens": sum(1 for t in self._tokens.values() if t.expires_at > now),
                "token_requests": self._token_stats["requests"],
                "tokens_issued": self._token_stats["issued"],
                "token_refused": self._token_stats["refused"],
                "token_failed": self._token_stats["failed"],
            }

    # ------------------------------------------------------------ token faults
    def inject_token_fault(self, fault: Any, times: int = 1) -> None:
        """Make the next `times` token requests fail: "invalid_grant" (400), "500", "503",
        or ("slow", seconds) (answered normally after the delay)."""
        name, arg = normalize_token_fault(fault)
        if times < 1:
            raise ValueError("times must be >= 1")
        with self.lock:
            self._token_faults.append(_TokenFault(name, arg, int(times)))

    def clear_token_faults(self) -> None:
        with self.lock:
            self._token_faults.clear()

    # ------------------------------------------------------------ sharing
    def share_spreadsheet(self, email: str, role: str = "writer", *,
                          spreadsheet_id: Optional[str] = None) -> None:
        """Give `email` access to a spreadsheet: role "owner", "writer" (editor) or "reader"."""
        role = normalize_role(role)
        with self.lock:
            ss = self._ss_for_edit(spreadsheet_id)  # type: ignore[attr-defined]
            for who in list(ss.permissions):
                if who.casefold() == email.casefold():
                    del ss.permissions[who]
            ss.permissions[email] = role

    def unshare_spreadsheet(self, email: str, *, spreadsheet_id: Optional[str] = None) -> None:
        with self.lock:
            ss = self._ss_for_edit(spreadsheet_id)  # type: ignore[attr-defined]
            for who in list(ss.permissions):
                if who.casefold() == email.casefold():
                    del ss.permissions[who]

    def spreadsheet_permissions(self, *, spreadsheet_id: Optional[str] = None) -> Dict[str, str]:
        with self.lock:
            return dict(self._ss_for_edit(spreadsheet_id).permissions)  # type: ignore[attr-defined]

    # ------------------------------------------------------------ token endpoint (used by the server)
    def token_admit(self) -> Tuple[Optional[str], float]:
        """Count a token request and pick its fault: (fault name or None, delay seconds)."""
        with self.lock:
            self._token_stats["requests"] += 1
            delay = 0.0
            failing: Optional[str] = None
            for f in self._token_faults:
                if f.remaining <= 0:
                    continue
                if f.name == "slow":
                    if delay == 0.0:
                        delay = f.arg or 0.0
                        f.remaining -= 1
                elif failing is None:
                    failing = f.name
                    f.remaining -= 1
            self._token_faults = [f for f in self._token_faults if f.remaining > 0]
            return failing, delay

    def token_grant(self, form: Dict[str, str], own_urls: Sequence[str] = (),
                    fault: Optional[str] = None) -> Tuple[int, Dict[str, Any]]:
        """Answer one token request (form fields already decoded): (status, JSON body)."""
        with self.lock:
            try:
                if fault == "500":
                    self._token_stats["failed"] += 1
                    return 500, {"error": "internal_failure", "error_description": "Backend Error"}
                if fault == "503":
                    self._token_stats["failed"] += 1
                    return 503, {"error": "temporarily_unavailable",
                                 "error_description": "The service is currently unavailable."}
                if fault == "invalid_grant":
                    raise GrantError("Invalid JWT Signature.")
                email, scopes = self._verify_grant(form, own_urls)
                token = self._mint(email, scopes, None)
                self._token_stats["issued"] += 1
                return 200, {
                    "access_token": token,
                    "expires_in": int(round(self._tokens[token].expires_at - self.clock())),
                    "token_type": "Bearer",
                }
            except GrantError as exc:
                self._token_stats["refused"] += 1
                return exc.status, exc.body

    def _mint(self, email: str, scopes: FrozenSet[str], lifetime: Optional[float]) -> str:
        token = "ya29.emulator-" + secrets.token_urlsafe(24)
        life = self.token_lifetime if lifetime is None else float(lifetime)
        self._tokens[token] = _Token(email, scopes, self.clock() + life)
        return token

    def _verify_grant(self, form: Dict[str, str], own_urls: Sequence[str]) -> Tuple[str, FrozenSet[str]]:
        grant_type = form.get("grant_type")
        if not grant_type:
            raise GrantError("Missing required parameter: grant_type", "invalid_request")
        if grant_type != JWT_BEARER_GRANT:
            raise GrantError("Invalid grant_type: %s" % grant_type, "unsupported_grant_type")
        assertion = form.get("assertion")
        if not assertion:
            raise GrantError("Missing required parameter: assertion", "invalid_request")
        parts = assertion.split(".")
        if len(parts) != 3:
            raise GrantError("Invalid JWT: Malformed JWT (expected 3 segments).")
        try:
            header = json.loads(_b64decode(parts[0]))
            claims = json.loads(_b64decode(parts[1]))
            signature = _b64decode(parts[2])
        except (ValueError, TypeError):
            raise GrantError("Invalid JWT: Malformed JWT (bad base64 or JSON).")
        if not isinstance(header, dict) or not isinstance(claims, dict):
            raise GrantError("Invalid JWT: Malformed JWT (bad base64 or JSON).")
        if header.get("alg") != "RS256":
            raise GrantError("Invalid JWT: unsupported signing algorithm %r (RS256 expected)." % header.get("alg"))
        iss = claims.get("iss")
        keys = self._accounts.get(iss) if isinstance(iss, str) else None
        if not keys:
            raise GrantError("Invalid grant: account not found")
        kid = header.get("kid")
        candidates = [k for key_id, k in keys if key_id is None or kid is None or key_id == kid]
        signed = (parts[0] + "." + parts[1]).encode("ascii")
        for key in candidates:
            try:
                key.verify(signature, signed, padding.PKCS1v15(), hashes.SHA256())
                break
            except InvalidSignature:
                continue
        else:
            raise GrantError("Invalid JWT Signature.")
        aud = claims.get("aud")
        if aud not in (GOOGLE_TOKEN_URI,) + tuple(own_urls):
            raise GrantError("Invalid JWT: Failed audience check. The right audience is %s" % GOOGLE_TOKEN_URI)
        iat, exp = claims.get("iat"), claims.get("exp")
        if not isinstance(iat, (int, float)) or not isinstance(exp, (int, float)) or isinstance(iat, bool):
            raise GrantError(BAD_TIMEFRAME)
        now = self.assertion_clock()
        if (exp <= iat or exp - iat > MAX_ASSERTION_LIFETIME or iat > now + ASSERTION_CLOCK_SKEW
                or exp < now - ASSERTION_CLOCK_SKEW):
            raise GrantError(BAD_TIMEFRAME)
        scope = claims.get("scope")
        if not isinstance(scope, str) or not scope.strip():
            raise GrantError("Invalid OAuth scope or ID token audience provided.", "invalid_scope")
        return iss, frozenset(scope.split())

    # ------------------------------------------------------------ request checks
    def _authenticate(self, endpoint: str, kind: str, token: Optional[str]) -> Optional[ApiError]:
        """401/403 for a Sheets request when auth is on (None = let it through). Lock held."""
        if not self.auth_enabled:
            return None
        if not token:
            return unauthenticated(endpoint, "CREDENTIALS_MISSING")
        tok = self._tokens.get(token)
        if tok is None:
            return unauthenticated(endpoint, "ACCESS_TOKEN_TYPE_UNSUPPORTED")
        if self.clock() >= tok.expires_at:
            return unauthenticated(endpoint, "ACCESS_TOKEN_EXPIRED")
        if tok.email in self._refused:
            return unauthenticated(endpoint, "ACCOUNT_STATE_INVALID")
        needed = WRITE_SCOPES if kind == "write" else READ_SCOPES
        if endpoint != "unknown" and not (tok.scopes & needed):
            return insufficient_scopes(endpoint)
        return None

    def _caller_for(self, token: Optional[str]) -> Optional[str]:
        if not self.auth_enabled or not token:
            return None
        tok = self._tokens.get(token)
        return tok.email if tok is not None else None

    def _check_access(self, ss: Spreadsheet, is_write: bool) -> None:
        """403 when the caller may not open (or write) this spreadsheet. Lock held."""
        if not self.auth_enabled:
            return
        role = ss.role(self._caller)
        if role is None or (is_write and role == "reader"):
            raise ApiError(403, NO_PERMISSION, "PERMISSION_DENIED")

    def _caller_is_owner(self) -> bool:
        """Without auth the API caller is the owner; with auth, only an "owner" share is."""
        return not self.auth_enabled
