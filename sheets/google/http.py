"""Client-side seam between our Google backend and the Sheets API.

* ``DefaultTimeoutMixin`` gives any ``requests.Session`` subclass (e.g. a
  google-auth ``AuthorizedSession``) an explicit default timeout: gspread
  passes ``timeout=None`` on every call unless ``client.set_timeout()`` was
  used, which would otherwise mean "wait forever".
* ``EmulatorSession`` sends the Sheets API to the in-repo emulator::

      gspread.Client(auth=None, session=EmulatorSession("127.0.0.1:8089"))

This module deliberately has no gspread in it (client.py alone has).
"""

from __future__ import annotations

import os
from typing import Any, Callable, Optional, Tuple, Union

import requests

from settings import default

Timeout = Union[float, Tuple[float, float]]

SHEETS_API_ORIGIN = "https://sheets.googleapis.com"
DEFAULT_TIMEOUT: Tuple[float, float] = tuple(default("SHEETS_TIMEOUT"))  # type: ignore[assignment]
ENV_VAR = "SHEETS_EMULATOR_HOST"

# Other Google endpoints gspread may call (Drive: open by title, listing,
# export, permissions...). The emulator does not serve them, and there is no
# network route to Google here, so EmulatorSession fails fast on them.
_REFUSED_PREFIXES = (
    "https://www.googleapis.com",
    "https://docs.google.com",
    "https://oauth2.googleapis.com",
)


class DefaultTimeoutMixin:
    """Apply ``default_timeout`` whenever a request is made with no timeout (or None).

    Put it first in the bases: ``class S(DefaultTimeoutMixin, AuthorizedSession)``.
    The constructor accepts ``timeout=`` (connect, read) and passes every other
    argument on.
    """

    default_timeout: Timeout = DEFAULT_TIMEOUT

    def __init__(self, *args: Any, timeout: Optional[Timeout] = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if timeout is not None:
            self.default_timeout = timeout

    #: on_request(method, url, status): called after every request (status 0: no answer);
    #: the Google store counts its Sheets requests there (sheets/google/capacity.py)
    on_request: Optional[Callable[[str, str, int], None]] = None

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> requests.Response:
        if kwargs.get("timeout") is None:
            kwargs["timeout"] = self.default_timeout
        hook = self.on_request
        if hook is None:
            return super().request(method, url, *args, **kwargs)  # type: ignore[misc]
        status = 0
        try:
            response = super().request(method, url, *args, **kwargs)  # type: ignore[misc]
            status = response.status_code
            return response
        finally:
            try:
                hook(method, url, status)
            except Exception:  # pragma: no cover - counting must never fail a request
                pass


class EmulatorSession(DefaultTimeoutMixin, requests.Session):
    """A requests.Session that routes https://sheets.googleapis.com to the emulator.

    ``host`` is "HOST:PORT" (an "http://" prefix is accepted). URLs of other
    Google services raise ``requests.ConnectionError`` at once; any other URL
    (e.g. the emulator's own ``/__emulator/`` control endpoints) is sent as is.
    """

    def __init__(self, host: str, timeout: Timeout = DEFAULT_TIMEOUT) -> None:
        super().__init__(timeout=timeout)
        host = host.strip()
        for prefix in ("http://", "https://"):
            if host.startswith(prefix):
                host = host[len(prefix):]
        self.host = host.rstrip("/")
        self.base_url = "http://%s" % self.host

    @classmethod
    def from_env(cls, var: str = ENV_VAR, timeout: Timeout = DEFAULT_TIMEOUT) -> Optional["EmulatorSession"]:
        """An EmulatorSession for $SHEETS_EMULATOR_HOST, or None when it is unset/empty."""
        host = os.environ.get(var, "").strip()
        return cls(host, timeout=timeout) if host else None

    def rewrite_url(self, url: str) -> str:
        if url.startswith(SHEETS_API_ORIGIN):
            return self.base_url + url[len(SHEETS_API_ORIGIN):]
        for prefix in _REFUSED_PREFIXES:
            if url.startswith(prefix):
                raise requests.ConnectionError(
                    "EmulatorSession: %s is not emulated (only the Sheets API is)" % url.split("?")[0]
                )
        return url

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> requests.Response:
        return super().request(method, self.rewrite_url(url), *args, **kwargs)


__all__ = ["DEFAULT_TIMEOUT", "DefaultTimeoutMixin", "EmulatorSession", "ENV_VAR"]
