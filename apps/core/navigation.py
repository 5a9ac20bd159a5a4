"""The left navigation. A section whose pages are not installed yet shows as unavailable."""

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


def navigation(request) -> dict:
    items = []
    for label, url_name in SECTIONS:
        try:
            url = reverse(url_name)
        except NoReverseMatch:
            url = None
        active = url is not None and (
            request.path == url or (url != "/" and request.path.startswith(url))
        )
        items.append({"label": label, "url": url, "active": active})
    return {"nav_items": items}
