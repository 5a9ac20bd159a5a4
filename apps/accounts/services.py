"""Writes for accounts, memberships, invitations and API tokens."""

import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from apps.core.present import full_stop

from .audit import audit_record
from .models import Account, ApiToken, Invitation, Membership, Role, User


@transaction.atomic
def account_create(*, name: str, owner: User) -> Account:
    account = Account.objects.create(name=name)
    Membership.objects.create(account=account, user=owner, role=Role.OWNER)
    audit_record(account=account, actor=owner, action="account.created", target=account)
    return account


def invitation_create(*, account: Account, email: str, role: str, invited_by: User) -> Invitation:
    """Invite `email` to `account`; the link in the email is the only copy of the token."""
    email = email.strip().lower()
    if role not in Role.values:
        raise ValidationError({"role": "Choose a role."})
    if Membership.objects.filter(account=account, user__email=email).exists():
        raise ValidationError({"email": f"{email} is already a member of {full_stop(account)}"})
    token = secrets.token_urlsafe(32)
    with transaction.atomic():
        invitation = Invitation.objects.create(
            account=account,
            email=email,
            role=role,
            token_hash=Invitation.hash_token(token),
            invited_by=invited_by,
        )
        audit_record(
            account=account,
            actor=invited_by,
            action="member.invited",
            target=invitation,
            detail={"email": email, "role": role},
        )
    link = settings.SITE_URL.rstrip("/") + reverse("invitation_accept", args=[token])
    send_mail(
        subject=f"You are invited to {account} on Trestle",
        message=f"{invited_by} invited you to join {account} on Trestle as "
        f"{Role(role).label}.\n\nAccept within 7 days: {link}\n",
        from_email=None,
        recipient_list=[email],
    )
    return invitation


def invitation_get_by_token(token: str) -> Invitation | None:
    invitation = (
        Invitation.objects.select_related("account")
        .filter(token_hash=Invitation.hash_token(token), accepted_at__isnull=True)
        .first()
    )
    if invitation is None or invitation.is_expired:
        return None
    return invitation


@transaction.atomic
def invitation_accept(
    *, invitation: Invitation, user: User | None, password: str = "", full_name: str = ""
) -> Membership:
    """Join the account; creates the user when the invited email has none yet."""
    if user is None:
        user = User.objects.filter(email=invitation.email).first() or User.objects.create_user(
            invitation.email, password, full_name=full_name
        )
    elif user.email != invitation.email:
        raise ValidationError(f"This invitation is for {invitation.email}; you are {user.email}.")
    membership, _ = Membership.objects.get_or_create(
        account=invitation.account, user=user, defaults={"role": invitation.role}
    )
    invitation.accepted_at = timezone.now()
    invitation.save(update_fields=["accepted_at"])
    audit_record(
        account=invitation.account,
        actor=user,
        action="member.joined",
        target=membership,
        detail={"role": membership.role},
    )
    return membership


def api_token_create(*, account: Account, user: User, name: str) -> tuple[ApiToken, str]:
    """Returns the token row and its key; the key is shown once and never stored."""
    key = ApiToken.new_key()
    token = ApiToken.objects.create(
        account=account, user=user, name=name, prefix=key[:12], key_hash=ApiToken.hash_key(key)
    )
    audit_record(account=account, actor=user, action="api_token.created", target=token)
    return token, key


def api_token_revoke(*, token: ApiToken, actor: User) -> None:
    audit_record(account=token.account, actor=actor, action="api_token.revoked", target=token)
    token.delete()


def _check_keeps_an_owner(membership: Membership, new_role: str | None) -> None:
    if membership.role != Role.OWNER or new_role == Role.OWNER:
        return
    owners = Membership.objects.filter(account=membership.account, role=Role.OWNER)
    if owners.count() == 1:
        raise ValidationError("An account needs at least one owner: make someone else owner first.")


@transaction.atomic
def membership_change_role(*, membership: Membership, role: str, actor: User) -> Membership:
    if role not in Role.values:
        raise ValidationError("Choose a role.")
    _check_keeps_an_owner(membership, role)
    previous = membership.role
    membership.role = role
    membership.save(update_fields=["role"])
    audit_record(
        account=membership.account,
        actor=actor,
        action="member.role_changed",
        target=membership,
        detail={"from": previous, "to": role},
    )
    return membership


@transaction.atomic
def membership_remove(*, membership: Membership, actor: User) -> None:
    """The removed user loses access at their next request (the middleware re-reads memberships)."""
    _check_keeps_an_owner(membership, None)
    audit_record(
        account=membership.account,
        actor=actor,
        action="member.removed",
        target=membership,
        detail={"email": membership.user.email, "role": membership.role},
    )
    membership.delete()
