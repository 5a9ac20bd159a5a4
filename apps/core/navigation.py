"""The left navigation. A section whose pages are not installed yet shows as unavailable."""

from collections.abc import Callable

from django.urls import NoReverseMatch, reverse

SECTIONS = [
    ("Dashboard", "dashboard"),
    ("Settings", "settings_home"),
    ("Projects", "project_list"),
    ("COR Log", "cor_log"),
    ("Change Notifications", "change_notification_list"),
    ("Timecards", "timecard_list"),
    ("AP Invoices", "ap_invoice_queue"),
    ("Sync Activity", "sync_activity"),
]


def in_section(url_name: str) -> Callable:
    """Mark a view as belonging to the section of `url_name` whatever its path, for a page that
    lives under another section's URL (the COR push page is under /sync/ but is about CORs)."""

    def mark(view: Callable) -> Callable:
        view.nav_section = url_name
        return view

    return mark


def _declared_section(request) -> str | None:
    match = getattr(request, "resolver_match", None)
    return getattr(match.func, "nav_section", None) if match else None


def navigation(request) -> dict:
    declared = _declared_section(request)
    items = []
    for label, url_name in SECTIONS:
        try:
            url = reverse(url_name)
        except NoReverseMatch:
            url = None
        if declared:
            active = url_name == declared
        else:
            active = url is not None and (
                request.path == url or (url != "/" and request.path.startswith(url))
            )
        items.append({"label": label, "url": url, "active": active})
    return {"nav_items": items}
