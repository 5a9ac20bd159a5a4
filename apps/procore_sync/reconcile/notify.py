"""The mail a nightly report sends an office's admins when it finds new differences."""

import logging
import smtplib
from collections import Counter

from django.conf import settings
from django.core.mail import send_mail
from django.urls import reverse

from ..engine_models import SyncRun
from ..notifications import admins_of
from ..reconcile_models import Difference

logger = logging.getLogger(__name__)
LISTED = 20  # differences named in the mail; the report page has them all


def notify_new_differences(run: SyncRun, new: list[Difference]) -> bool:
    """Best effort, like the reconnect mail: the report page shows the same differences, so a
    mail server that is down must not fail the report. Returns whether the mail went."""
    office = run.office
    link = settings.SITE_URL.rstrip("/") + reverse("reconcile_report", args=[office.pk])
    kinds = Counter(d.get_field_display() for d in new)
    summary = ", ".join(f"{name}: {n}" for name, n in sorted(kinds.items()))
    lines = [f"- {d.label}: {d.message}" for d in new[:LISTED]]
    if len(new) > LISTED:
        lines.append(f"- and {len(new) - LISTED} more")
    subject = f"Trestle: {len(new)} new difference{'s' if len(new) != 1 else ''} "
    subject += f"between Procore and Trestle for {office}"
    body = (
        f"Last night's Procore vs Trestle report for {office} found what no earlier report "
        f"had ({summary}).\n\n" + "\n".join(lines) + f"\n\nRepair them here:\n{link}\n"
    )
    try:
        send_mail(subject, body, None, admins_of(office))
    except (smtplib.SMTPException, OSError) as exc:
        logger.warning("differences mail for office %s not sent: %s", office.pk, type(exc).__name__)
        return False
    return True
