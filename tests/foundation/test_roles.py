"""Each gated action is refused for the roles that may not do it, and allowed for the others."""

import pytest

from apps.accounts import policy
from apps.accounts.models import Membership, Role
from apps.accounts.services import api_token_create
from apps.projects.models import Project
from config.api_urls import router

ALL_ROLES = [r.value for r in Role]
# Record pages check "records.view" before the action itself.
RECORD_ACTIONS = {
    "projects.manage",
    "projects.map",
    "employees.manage",
    "cost_codes.manage",
    "vendors.manage",
}

# (action, method, path template, form data); "{office}" is the tenant's office id.
GATED = [
    ("offices.view", "get", "/settings/offices/", None),
    ("offices.view", "get", "/settings/offices/{office}/", None),
    ("offices.manage", "get", "/settings/offices/new/", None),
    (
        "offices.manage",
        "post",
        "/settings/offices/new/",
        {"name": "North", "time_zone": "America/Chicago"},
    ),
    ("offices.manage", "get", "/settings/offices/{office}/edit/", None),
    ("members.view", "get", "/settings/members/", None),
    ("members.invite", "post", "/settings/members/invite/", {"email": "n@x.test", "role": "field"}),
    ("members.manage", "post", "/settings/members/{membership}/", {"role": "field"}),
    ("audit.view", "get", "/settings/audit-log/", None),
    ("api_tokens.manage", "get", "/settings/api-tokens/", None),
    ("api_tokens.manage", "post", "/settings/api-tokens/", {"name": "ci"}),
    ("records.view", "get", "/projects/", None),
    ("records.view", "get", "/settings/employees/", None),
    ("projects.manage", "get", "/projects/new/", None),
    ("projects.manage", "post", "/projects/{project}/", {"code": "005", "name": "SJB"}),
    ("employees.manage", "get", "/settings/employees/new/", None),
    ("cost_codes.manage", "get", "/settings/cost-codes/new/", None),
    ("vendors.manage", "get", "/settings/vendors/new/", None),
    ("sync.view", "get", "/sync/", None),
    ("cors.view", "get", "/cors/", None),
    ("cors.manage", "get", "/cors/new/", None),
    ("notifications.view", "get", "/change-notifications/", None),
    ("notifications.manage", "get", "/change-notifications/new/", None),
    ("partners.manage", "get", "/change-notifications/partners/", None),
    ("projects.map", "post", "/projects/{project}/procore/", {"procore_project": "1"}),
    ("projects.map", "post", "/projects/{project}/procore/unmap/", None),
    (
        "integrations.manage",
        "post",
        "/settings/offices/{office}/integrations/procore/toggle/",
        {"enabled": "on"},
    ),
    ("sync.run", "post", "/sync/offices/{office}/run/", {"flow": "entities"}),
    ("time.view", "get", "/timecards/", None),
    ("time.enter", "get", "/timecards/new/", None),
    ("time.approve", "get", "/timecards/approvals/", None),
    ("ap.view", "get", "/ap-invoices/", None),
    ("ap.manage", "get", "/ap-invoices/new/", None),
    ("ap.review", "get", "/ap-invoices/reviews/", None),
]


def test_every_action_in_the_policy_is_exercised_here():
    assert {action for action, *_ in GATED} == set(policy.ALLOWED)


@pytest.mark.django_db
@pytest.mark.parametrize("role", ALL_ROLES)
@pytest.mark.parametrize(("action", "method", "path", "data"), GATED)
def test_gated_pages_follow_the_policy(client_as, tenant, role, action, method, path, data):
    client = client_as(role)
    colleague = Membership.objects.get(user=tenant.member(Role.AP_CLERK))
    project = Project.objects.create(office=tenant.office, number="200", name="PJA")
    url = path.format(office=tenant.office.pk, membership=colleague.pk, project=project.pk)
    response = getattr(client, method)(url, data or {})
    if role in policy.ALLOWED[action]:
        assert response.status_code in (200, 302), f"{role} refused {action}"
    else:
        assert response.status_code == 403, f"{role} allowed {action}"
        record_action = action in RECORD_ACTIONS
        refused_earlier = record_action and role not in policy.ALLOWED["records.view"]
        reason = policy.reason("records.view" if refused_earlier else action)
        assert reason in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("role", ALL_ROLES)
def test_api_office_writes_follow_the_policy(client, tenant, role):
    user = tenant.owner if role == Role.OWNER else tenant.member(role)
    _, key = api_token_create(account=tenant.account, user=user, name="t")
    auth = {"HTTP_AUTHORIZATION": f"Token {key}"}
    created = client.post(
        "/api/v1/offices/", {"name": "West", "time_zone": "America/Chicago"}, **auth
    )
    patched = client.patch(
        f"/api/v1/offices/{tenant.office.pk}/",
        {"city": "Dallas"},
        content_type="application/json",
        **auth,
    )
    allowed = role in policy.ALLOWED["offices.manage"]
    assert created.status_code == (201 if allowed else 403)
    assert patched.status_code == (200 if allowed else 403)
    tenant.office.refresh_from_db()
    assert (tenant.office.city == "Dallas") is allowed


def test_integrations_are_for_owners_and_admins_only():
    assert policy.ALLOWED["integrations.manage"] == {Role.OWNER, Role.ADMIN}


# (action, url) for every API list and the offices detail; "{office}" is the tenant's office id.
API_READS = [
    ("offices.view", "/api/v1/offices/"),
    ("offices.view", "/api/v1/offices/{office}/"),
    ("cors.view", "/api/v1/cors/"),
    ("notifications.view", "/api/v1/change-notifications/"),
    ("sync.view", "/api/v1/sync-runs/"),
    ("sync.view", "/api/v1/reconcile/differences/"),
    ("time.view", "/api/v1/time-entries/"),
    ("time.view", "/api/v1/production-quantities/"),
    ("ap.view", "/api/v1/ap-invoices/"),
    ("ap.view", "/api/v1/ap-queues/"),
    ("ap.view", "/api/v1/ap-routing-rules/"),
]
# Routes without a plain list: nested under a COR or an invoice, or write-only actions.
API_NOT_LISTED = {"cor-line", "ap-payment", "cor-push", "time-export", "reconcile-run"}


def test_every_api_list_is_exercised_here():
    lists = {
        f"/api/v1/{prefix}/" for prefix, _, name in router.registry if name not in API_NOT_LISTED
    }
    assert lists == {url for _, url in API_READS if "{" not in url}


@pytest.mark.django_db
@pytest.mark.parametrize("role", ALL_ROLES)
@pytest.mark.parametrize(("action", "url"), API_READS)
def test_api_reads_follow_the_policy_as_the_pages_do(api_as, tenant, role, action, url):
    response = api_as(role).get(url.format(office=tenant.office.pk))
    if role in policy.ALLOWED[action]:
        assert response.status_code == 200, f"{role} refused {action}"
    else:
        assert response.status_code == 403, f"{role} allowed {action}"
        assert response.json() == {"detail": policy.reason(action)}
