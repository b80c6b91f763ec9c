"""Settings read from the environment, shared by the client and the command line.

The one definition of the variable names and of what makes an API key acceptable.
"""

from __future__ import annotations

import os

from ._exceptions import ConfigurationError
from ._redact import MIN_TOKEN_CHARS

__all__ = ["BASE_URL_ENV", "TOKEN_ENV", "check_token"]

TOKEN_ENV = "PROXYORDERS_TOKEN"
BASE_URL_ENV = "PROXYORDERS_BASE_URL"


def check_token(token: object, *, option: str = "token=...") -> str:
    """The API key given (or else ``$PROXYORDERS_TOKEN``), stripped; never echoed in errors.

    ``option`` names how a caller passes the key, for the hint when it is missing.
    """
    if token is None:
        token = os.environ.get(TOKEN_ENV)
    if token is None:
        raise ConfigurationError(f"no API key: pass {option} or set the {TOKEN_ENV} variable")
    if not isinstance(token, str):
        raise ConfigurationError(f"token must be a str, got {type(token).__name__}")
    token = token.strip()
    if not token:
        raise ConfigurationError(f"the API key is empty: pass {option} or set {TOKEN_ENV}")
    if any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in token):
        # Never echo the token: the message only says what is wrong with it.
        raise ConfigurationError("token: the API key contains whitespace or control characters")
    if len(token) < MIN_TOKEN_CHARS:
        # Real keys are far longer; masking a shorter one would also mask innocent text.
        raise ConfigurationError(
            f"token: the API key is too short (at least {MIN_TOKEN_CHARS} characters expected, "
            f"got {len(token)}): check the value passed or {TOKEN_ENV}"
        )
    return token
