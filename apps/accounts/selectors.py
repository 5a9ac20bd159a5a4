from django.db.models import QuerySet

from .models import AuditEntry, Membership, User


def membership_current(*, user: User, account_id: int | None) -> Membership | None:
    """The membership for the chosen account, else the user's oldest one."""
    memberships = Membership.objects.filter(user=user).select_related("account")
    if account_id is not None:
        chosen = memberships.filter(account_id=account_id).first()
        if chosen is not None:
            return chosen
    return memberships.order_by("created_at", "id").first()


def membership_list_for_user(*, user: User) -> QuerySet[Membership]:
    return Membership.objects.filter(user=user).select_related("account").order_by("account__name")


def audit_entry_list(
    *, account, action: str = "", actor_id: int | None = None, date_from=None, date_to=None
) -> QuerySet[AuditEntry]:
    entries = AuditEntry.objects.for_account(account).select_related("actor")
    if action:
        entries = entries.filter(action__startswith=action)
    if actor_id:
        entries = entries.filter(actor_id=actor_id)
    if date_from:
        entries = entries.filter(created_at__date__gte=date_from)
    if date_to:
        entries = entries.filter(created_at__date__lte=date_to)
    return entries


def user_exists(*, email: str) -> bool:
    return User.objects.filter(email=email.lower()).exists()
