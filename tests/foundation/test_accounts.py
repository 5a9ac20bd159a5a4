import re

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.test import Client

from apps.accounts.models import ApiToken, AuditEntry, Invitation, Membership, Role, User
from apps.accounts.services import account_create

pytestmark = pytest.mark.django_db


def test_a_user_logs_in_with_email_and_lands_on_the_dashboard(client, tenant):
    response = client.post(
        "/accounts/login/", {"username": tenant.owner.email, "password": "pw-for-tests-1"}
    )
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert tenant.account.name in page
    assert "Sync Activity" in page  # the left navigation


def test_repeated_failed_logins_lock_the_email_out(client, tenant):
    for _ in range(5):
        client.post("/accounts/login/", {"username": tenant.owner.email, "password": "wrong"})
    locked = client.post(
        "/accounts/login/", {"username": tenant.owner.email, "password": "pw-for-tests-1"}
    )
    assert locked.status_code == 429
    assert "_auth_user_id" not in client.session


def test_login_ignores_the_case_of_the_email(client, tenant):
    response = client.post(
        "/accounts/login/", {"username": "Owner@ACME-Builders.test", "password": "pw-for-tests-1"}
    )
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(tenant.owner.pk)


def test_failed_logins_in_any_case_share_one_lockout(client, tenant):
    for email in ("OWNER@acme-builders.test", "Owner@Acme-Builders.test") * 3:
        client.post("/accounts/login/", {"username": email, "password": "wrong"})
    locked = client.post(
        "/accounts/login/", {"username": tenant.owner.email, "password": "pw-for-tests-1"}
    )
    assert locked.status_code == 429


def test_an_email_differing_only_in_case_is_refused(tenant):
    assert User.objects.create_user("New@Example.TEST", "pw").email == "new@example.test"
    twin = User(email="Owner@Acme-Builders.test")
    twin.set_password("pw-for-tests-1")
    with pytest.raises(ValidationError, match="already exists"):
        twin.full_clean()  # what the admin's forms run
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.filter(email="new@example.test").update(email="OWNER@acme-builders.test")


def test_logout_ends_the_session(owner_client):
    owner_client.post("/accounts/logout/")
    assert owner_client.get("/").status_code == 302


def test_password_reset_sends_a_working_link(client, tenant):
    client.post("/accounts/password/reset/", {"email": tenant.owner.email.upper()})
    assert len(mail.outbox) == 1
    link = re.search(r"http://\S+/accounts/password/reset/\S+/", mail.outbox[0].body).group(0)
    form_url = client.get(link.split("testserver")[-1], follow=True).redirect_chain[-1][0]
    client.post(form_url, {"new_password1": "N3w-passw0rd!", "new_password2": "N3w-passw0rd!"})
    tenant.owner.refresh_from_db()
    assert tenant.owner.check_password("N3w-passw0rd!")


def _invite(owner_client, email: str, role: str = "project_manager") -> str:
    response = owner_client.post("/settings/members/invite/", {"email": email, "role": role})
    assert response.status_code == 302
    return re.search(r"/accounts/invitations/[\w-]+/", mail.outbox[-1].body).group(0)


def test_an_invited_newcomer_creates_a_login_and_joins(owner_client, client, tenant):
    link = _invite(owner_client, "New.Person@Example.test")
    owner_client.logout()
    response = client.post(link, {"full_name": "New Person", "password": "Str0ng-enough!"})
    assert response.status_code == 302
    user = User.objects.get(email="new.person@example.test")
    assert Membership.objects.get(user=user, account=tenant.account).role == Role.PROJECT_MANAGER
    assert client.get(link).status_code == 404  # single use
    assert AuditEntry.objects.filter(account=tenant.account, action="member.joined").exists()


def test_an_invitation_stores_only_a_hash_of_its_token(owner_client):
    link = _invite(owner_client, "someone@example.test")
    token = link.rstrip("/").split("/")[-1]
    invitation = Invitation.objects.get()
    assert token not in invitation.token_hash


def test_an_existing_user_joins_a_second_account_and_switches(client, tenant, outsider):
    client.force_login(outsider.owner)
    link = _invite(client, tenant.owner.email, role="admin")  # outsider invites our owner
    client.force_login(tenant.owner)
    client.post(link)
    assert Membership.objects.filter(user=tenant.owner).count() == 2
    client.post(f"/accounts/switch/{outsider.account.pk}/")
    assert outsider.account.name in client.get("/").content.decode()
    client.post(f"/accounts/switch/{tenant.account.pk}/")
    assert client.get("/settings/offices/").context["offices"][0] == tenant.office


def test_inviting_an_existing_member_is_refused_with_a_reason(owner_client, tenant):
    response = owner_client.post(
        "/settings/members/invite/", {"email": tenant.owner.email, "role": "admin"}
    )
    assert response.status_code == 400
    assert "already a member" in response.content.decode()


def test_inviting_a_member_in_another_case_is_refused_with_a_reason(owner_client, tenant):
    email = tenant.member(Role.FIELD).email.upper()
    response = owner_client.post("/settings/members/invite/", {"email": email, "role": "admin"})
    assert response.status_code == 400
    assert "already a member" in response.content.decode()


def test_an_invitation_in_another_case_is_accepted_by_the_same_user(client, tenant, outsider):
    client.force_login(outsider.owner)
    link = _invite(client, tenant.owner.email.upper())
    client.force_login(tenant.owner)
    client.post(link)
    assert Membership.objects.filter(user=tenant.owner, account=outsider.account).exists()


def test_api_token_is_shown_once_stored_hashed_and_revocable(owner_client, client, tenant):
    page = owner_client.post("/settings/api-tokens/", {"name": "payroll"}).content.decode()
    key = re.search(r"trs_[\w-]+", page).group(0)
    token = ApiToken.objects.get()
    assert key not in (token.key_hash + token.prefix + token.name)
    auth = {"HTTP_AUTHORIZATION": f"Token {key}"}
    assert client.get("/api/v1/offices/", **auth).status_code == 200
    owner_client.post(f"/settings/api-tokens/{token.pk}/revoke/")
    assert client.get("/api/v1/offices/", **auth).status_code == 401


def test_api_without_credentials_is_401(client, tenant):
    assert client.get("/api/v1/offices/").status_code == 401


def test_api_session_auth_uses_the_current_account(owner_client, tenant):
    data = owner_client.get("/api/v1/offices/").json()
    assert [o["name"] for o in data["results"]] == [tenant.office.name]


def test_a_user_without_membership_sees_a_clear_dashboard(client):
    user = User.objects.create_user("lonely@example.test", "pw-for-tests-1")
    client.force_login(user)
    assert "not a member of any account" in client.get("/").content.decode()


def test_account_create_makes_the_creator_owner_and_audits():
    user = User.objects.create_user("founder@example.test", "pw")
    account = account_create(name="Founders", owner=user)
    assert Membership.objects.get(account=account).role == Role.OWNER
    assert AuditEntry.objects.for_account(account).get().action == "account.created"


def test_the_owner_changes_a_role_and_removes_a_member(owner_client, tenant):
    pm = tenant.member(Role.PROJECT_MANAGER)
    client = Client()
    membership = Membership.objects.get(user=pm)
    owner_client.post(f"/settings/members/{membership.pk}/", {"role": "admin"})
    membership.refresh_from_db()
    assert membership.role == Role.ADMIN
    client.force_login(pm)
    assert client.get("/settings/audit-log/").status_code == 200
    owner_client.post(f"/settings/members/{membership.pk}/", {"remove": "1"})
    assert client.get("/settings/offices/").status_code == 403  # access ends at once
    actions = AuditEntry.objects.for_account(tenant.account).values_list("action", flat=True)
    assert {"member.role_changed", "member.removed"} <= set(actions)


def test_the_last_owner_cannot_be_demoted_or_removed(owner_client, tenant):
    mine = Membership.objects.get(user=tenant.owner)
    response = owner_client.post(f"/settings/members/{mine.pk}/", {"role": "admin"}, follow=True)
    assert "at least one owner" in response.content.decode()
    owner_client.post(f"/settings/members/{mine.pk}/", {"remove": "1"})
    mine.refresh_from_db()
    assert mine.role == Role.OWNER


def test_the_migration_lower_cases_stored_emails(tenant):
    from importlib import import_module

    from django.apps import apps

    migration = import_module("apps.accounts.migrations.0002_email_unique_any_case")
    User.objects.filter(pk=tenant.owner.pk).update(email="Owner@Acme-Builders.TEST")
    migration.lower_case_emails(apps, None)
    tenant.owner.refresh_from_db()
    assert tenant.owner.email == "owner@acme-builders.test"
