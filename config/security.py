"""The security settings (README "Security"), star-imported by config/settings.py.

Every value comes from the environment with a default that is safe in production and passes
`manage.py check --deploy --fail-level WARNING` when debug is off; a bad value stops the process
with one line naming the variable (config/env.py).
"""

from datetime import timedelta

from django.core.exceptions import ImproperlyConfigured

from config.env import env_bool, env_int, env_list, env_rates, env_url

_DEBUG = env_bool("DJANGO_DEBUG", default=False)

# --- Transport: TLS ends at the reverse proxy ------------------------------------------------
# The proxy terminates TLS and redirects plain HTTP itself, so the app does not redirect
# (security.W008 is silenced below for that reason); DJANGO_SECURE_SSL_REDIRECT=1 turns it on for
# a deployment where the app sees the client's scheme and must enforce it.
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", default=False)
# The header the proxy sets to tell the app the client's request was HTTPS, as "Header-Name,value"
# (e.g. "X-Forwarded-Proto,https"). Only when the proxy always sets (or strips) it: a client could
# send it itself otherwise. Needed for HSTS and secure redirects to see HTTPS.
_proxy_ssl_header = env_list("DJANGO_SECURE_PROXY_SSL_HEADER", "")
if _proxy_ssl_header:
    if len(_proxy_ssl_header) != 2:
        raise ImproperlyConfigured(
            'DJANGO_SECURE_PROXY_SSL_HEADER must be "Header-Name,value", e.g. X-Forwarded-Proto,https.'
        )
    SECURE_PROXY_SSL_HEADER = ("HTTP_" + _proxy_ssl_header[0].upper().replace("-", "_"), _proxy_ssl_header[1])
# Session and CSRF cookies only over HTTPS: on by default when debug is off; a plain-HTTP test server
# sets DJANGO_SECURE_COOKIES=0.
_SECURE_COOKIES = env_bool("DJANGO_SECURE_COOKIES", default=not _DEBUG)
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = _SECURE_COOKIES
SESSION_COOKIE_HTTPONLY = True
# HSTS (sent only on HTTPS requests): one year for this host by default. includeSubDomains and
# preload reach beyond this app (every subdomain; browsers' built-in lists, slow to undo), so they
# stay off unless the deployment owns the whole domain; their deploy warnings are silenced for that
# stated reason. DJANGO_SECURE_HSTS_SECONDS=0 turns HSTS off (and its deploy check then warns).
SECURE_HSTS_SECONDS = env_int("DJANGO_SECURE_HSTS_SECONDS", 0 if _DEBUG else 31_536_000, minimum=0, maximum=63_072_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", default=False)
SECURE_HSTS_PRELOAD = env_bool("DJANGO_SECURE_HSTS_PRELOAD", default=False)
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

SILENCED_SYSTEM_CHECKS: list[str] = []
if not SECURE_SSL_REDIRECT:
    SILENCED_SYSTEM_CHECKS.append("security.W008")  # TLS ends at the proxy, which redirects HTTP
if not SECURE_HSTS_INCLUDE_SUBDOMAINS:
    SILENCED_SYSTEM_CHECKS.append("security.W005")  # the app owns its host, not the whole domain
if not SECURE_HSTS_PRELOAD:
    SILENCED_SYSTEM_CHECKS.append("security.W021")  # preload lists are a domain owner's decision

# The client's address behind reverse proxies: with N trusted proxies in front (each appending to
# X-Forwarded-For), the client is the N-th address from the right; 0 (the default, no proxy) means
# REMOTE_ADDR. A client can write anything to the left of what the proxies append, so never set this
# higher than the proxies you run. Used by the login lockout and by the throttles (NUM_PROXIES).
TRUSTED_PROXY_COUNT = env_int("DJANGO_TRUSTED_PROXY_COUNT", 0, minimum=0, maximum=10)

# --- Brute force: lockout per username and address (django-axes, database handler) -----------
AUTHENTICATION_BACKENDS = [
    # Refuses a locked-out username+address before any password is checked.
    "api.login_lockout.LockoutBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"  # shared by every gunicorn worker
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 10, minimum=1, maximum=1000)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
# How long a lockout lasts; 0 keeps it until an administrator unlocks (`manage.py axes_reset_username`).
_cooloff_minutes = env_int("AXES_COOLOFF_MINUTES", 30, minimum=0, maximum=525_600)
AXES_COOLOFF_TIME = timedelta(minutes=_cooloff_minutes) if _cooloff_minutes else None
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "api.client_ip.client_ip"
AXES_LOCKOUT_CALLABLE = "api.login_lockout.lockout_response"
AXES_HTTP_RESPONSE_CODE = 403
AXES_VERBOSE = False

# --- Throttles (DRF) and their counters -------------------------------------------------------
# Budgets no real work reaches: login per client address on the token endpoint, then per user for
# everything else, integrations (the `integration` group) on their own larger budget.
THROTTLE_RATES = env_rates("DJANGO_THROTTLE_RATES", {"login": "20/min", "user": "6000/min", "integration": "30000/min"})
# The counters live in Redis when REDIS_URL is set (shared by every worker and host), in this
# process's memory otherwise (each gunicorn worker then counts on its own).
REDIS_URL = env_url("REDIS_URL", schemes={"redis", "rediss", "unix"})
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL, "KEY_PREFIX": "wls"}
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "wls"}
    )
}

# --- API tokens (django-rest-knox): stored as SHA-512 digests, expiring, revocable -------------
# People's tokens expire after API_TOKEN_TTL_HOURS; members of the `integration` group get tokens
# that never expire until revoked (api/tokens.py).
API_TOKEN_TTL_HOURS = env_int("API_TOKEN_TTL_HOURS", 10, minimum=1, maximum=8760)
REST_KNOX = {
    "TOKEN_TTL": timedelta(hours=API_TOKEN_TTL_HOURS),
    "AUTH_HEADER_PREFIX": "Token",
    "AUTO_REFRESH": False,
}

# --- Second factor for finance in the admin (django-otp: TOTP and recovery codes) --------------
# On by default when debug is off: finance staff (superusers and the `finance` group) must log into
# the admin with a code from their authenticator app, and one without a device enrols at first login.
ADMIN_REQUIRE_2FA = env_bool("ADMIN_REQUIRE_2FA", default=not _DEBUG)
OTP_TOTP_ISSUER = "WorkLog Settlement"
OTP_ADMIN_HIDE_SENSITIVE_DATA = True
