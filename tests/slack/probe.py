"""Asking a running `goedwerk run` whether it is up, as a process manager would."""

from __future__ import annotations

import urllib.error
import urllib.request


def healthz(url: str, timeout: float = 1.0) -> int | None:
    """The HTTP status of ``GET <url>/healthz``; None when nothing answers (yet)."""
    try:
        with urllib.request.urlopen(url + "/healthz", timeout=timeout) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code
    except OSError:
        return None
