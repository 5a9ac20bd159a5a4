"""Whether anything answers at PROCORE_API_URL, asked before an operator's run so a server that
is not there is one clear sentence, not a run of failed items."""

import requests
from django.conf import settings


def api_unreachable(timeout: float = 3.0) -> str:
    """Why PROCORE_API_URL cannot be reached, or "" when it answers (any status will do: the
    probe carries no token, so Procore and the sandbox answer 401)."""
    url = f"{settings.PROCORE_API_URL.rstrip('/')}/rest/v1.0/me"
    try:
        requests.get(url, timeout=timeout, allow_redirects=False)
    except requests.RequestException as exc:
        return f"Nothing answers at {settings.PROCORE_API_URL} ({type(exc).__name__})."
    return ""
