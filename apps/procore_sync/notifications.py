"""Mail to an office's admins when its scheduled sync fails twice in a row, when it recovers, and
when its Procore connection needs a reconnect."""

import logging
import smtplib

from django.conf import settings
from django.core.mail import send_mail
from django.urls import reverse

from apps.accounts.models import Membership, Role
from apps.offices.models import Office

from .engine_models import RunStatus, SyncRun, Trigger

logger = logging.getLogger(__name__)

BAD = (RunStatus.FAILED,)


def admins_of(office) -> list[str]:
    return list(
        Membership.objects.filter(account=office.account, role__in=[Role.OWNER, Role.ADMIN])
        .values_list("user__email", flat=True)
        .order_by("user__email")
    )


def notify_failures_and_recovery(run: SyncRun) -> str | None:
    """Returns what was sent ("failing" / "recovered"), or None."""
    last_three = list(
        SyncRun.objects.filter(office=run.office, flow=run.flow, trigger=Trigger.SCHEDULE)
        .exclude(status__in=[RunStatus.QUEUED, RunStatus.RUNNING, RunStatus.SKIPPED])
        .filter(created_at__lte=run.created_at)
        .order_by("-created_at", "-id")[:3]
    )
    bad = [r.status in BAD for r in last_three]
    link = settings.SITE_URL.rstrip("/") + reverse("sync_activity")
    if bad[:3] == [True, True, False] or bad == [True, True]:
        subject = f"Trestle: {run.flow} sync with Procore is failing for {run.office}"
        body = f"The last two scheduled runs failed.\n\nLatest error: {run.error}\n\n{link}\n"
        kind = "failing"
    elif bad[:3] == [False, True, True]:
        subject = f"Trestle: {run.flow} sync with Procore works again for {run.office}"
        body = f"The scheduled sync succeeded after failing.\n\n{link}\n"
        kind = "recovered"
    else:
        return None
    send_mail(subject, body, None, admins_of(run.office))
    return kind


def notify_needs_reconnect(*, office: Office, reason: str) -> None:
    """Tell the owners and admins that sync stopped, why, and where the Reconnect button is.

    Best effort: the status card shows the same reason, so a mail server that is down must not
    turn the reconnect mark into a crash of the run that found the dead grant."""
    link = settings.SITE_URL.rstrip("/") + reverse("office_integrations", args=[office.pk])
    subject = f"Trestle: reconnect Procore for {office}"
    body = (
        f"Trestle stopped syncing {office} with Procore.\n\n{reason}\n\n"
        f"An owner or admin can reconnect Procore here:\n{link}\n"
    )
    try:
        send_mail(subject, body, None, admins_of(office))
    except (smtplib.SMTPException, OSError) as exc:
        logger.warning("reconnect mail for office %s not sent: %s", office.pk, type(exc).__name__)
