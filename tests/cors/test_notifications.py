"""Change notifications: customer -> contractor -> COR -> decision, and nothing else shared."""

from datetime import timedelta
from decimal import Decimal as D

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from apps.accounts.models import AuditEntry, Role
from apps.accounts.services import api_token_create
from apps.cors.models import ChangeNotification, ChangeOrderRequest, CorStatus, TradingPartner
from apps.cors.models import NotificationStatus as Status
from apps.cors.notifications import (
    notification_answer,
    notification_decide,
    notification_send,
    notification_withdraw,
    partner_add,
    partner_code,
)
from apps.cors.notifications_selectors import notifications_for, shared_response_cor
from apps.cors.services import Line, cor_create, cor_set_status, cor_update
from apps.projects.models import Project
from tests.conftest import make_tenant

from .parties import answer_and_send, api, make_parties, send, web

pytestmark = pytest.mark.django_db


@pytest.fixture
def parties(tenant):
    return make_parties(tenant)


# Partners ----------------------------------------------------------------------------------------


def test_a_partner_code_adds_the_contractor_once(tenant):
    contractor = make_tenant("Volt Co")
    code = partner_code(contractor.account)
    partner = partner_add(customer=tenant.account, code=code, user=tenant.owner)
    assert (partner.customer, partner.contractor) == (tenant.account, contractor.account)
    with pytest.raises(ValidationError, match="already one of your trading partners"):
        partner_add(customer=tenant.account, code=code, user=tenant.owner)
    assert AuditEntry.objects.filter(account=contractor.account, action="partner.added").exists()


def test_bad_or_own_partner_codes_are_refused(tenant, outsider):
    tampered = partner_code(outsider.account)[:-1] + "x"
    for code in (tampered, "12", "", f"{outsider.account.pk}:nope"):
        with pytest.raises(ValidationError, match="not valid"):
            partner_add(customer=tenant.account, code=code, user=tenant.owner)
    with pytest.raises(ValidationError, match="your own partner code"):
        partner_add(customer=tenant.account, code=partner_code(tenant.account), user=tenant.owner)
    assert not TradingPartner.objects.exists()


def test_the_partner_page_shows_the_code_and_adds_a_partner(owner_client, tenant):
    contractor = make_tenant("Volt Co")
    page = owner_client.get("/change-notifications/partners/").content.decode()
    assert partner_code(tenant.account) in page and "Copy" in page
    bad = owner_client.post("/change-notifications/partners/", {"code": "garbage"})
    assert bad.status_code == 400 and "not valid" in bad.content.decode()
    own = owner_client.post(
        "/change-notifications/partners/", {"code": partner_code(tenant.account)}
    )
    assert "your own partner code" in own.content.decode()
    added = owner_client.post(
        "/change-notifications/partners/", {"code": partner_code(contractor.account)}
    )
    assert added.status_code == 302
    assert "Volt Co" in owner_client.get("/change-notifications/partners/").content.decode()


def test_the_contractor_sees_who_added_its_code(parties):
    page = web(parties.contractor.owner).get("/change-notifications/partners/").content.decode()
    assert "Acme Builders" in page


# Services ----------------------------------------------------------------------------------------


def test_notifications_are_numbered_per_customer_project(parties):
    other = Project.objects.create(office=parties.customer.office, number="300", name="Annex")
    first, second = send(parties), send(parties, "Second")
    parties.customer_project = other
    assert (first.number, second.number, send(parties).number) == (1, 2, 1)


def test_only_trading_partners_can_be_sent_a_notification(parties, outsider):
    with pytest.raises(ValidationError, match="only to your trading partners"):
        notification_send(
            customer_project=parties.customer_project,
            contractor=outsider.account,
            title="Hello",
            user=parties.customer.owner,
        )
    # A partnership goes one way: the contractor cannot write to its customer.
    contractor = parties.contractor
    with pytest.raises(ValidationError, match="only to your trading partners"):
        notification_send(
            customer_project=parties.contractor_project,
            contractor=parties.customer.account,
            title="Back",
            user=contractor.owner,
        )
    assert not ChangeNotification.objects.exists()


def test_a_past_respond_by_date_or_an_empty_title_is_refused(parties):
    yesterday = timezone.localdate() - timedelta(days=1)
    for title, respond_by, message in [("T", yesterday, "in the past"), ("  ", None, "a title")]:
        with pytest.raises(ValidationError, match=message):
            notification_send(
                customer_project=parties.customer_project,
                contractor=parties.contractor.account,
                title=title,
                respond_by=respond_by,
                user=parties.customer.owner,
            )


def test_answer_send_accept_approves_the_contractors_cor(parties):
    notification = send(parties)
    cor = notification_answer(
        notification=notification,
        contractor_project=parties.contractor_project,
        user=parties.contractor.owner,
    )
    notification.refresh_from_db()
    assert cor.project == parties.contractor_project and cor.title == "Move the panel"
    assert (notification.status, notification.response_cor) == (Status.OPEN, cor)
    # A draft is the contractor's work in progress: the customer does not see it yet.
    customer = parties.customer.account
    assert shared_response_cor(account=customer, notification_id=notification.pk) is None
    line = Line(description="Electrician", cost_type="labor", quantity=D("2"), unit_cost=D("90"))
    cor_update(cor=cor, user=parties.contractor.owner, lines=[line], title=cor.title)
    cor_set_status(cor=cor, status=CorStatus.SENT, user=parties.contractor.owner)
    notification.refresh_from_db()
    assert notification.status == Status.ANSWERED
    shared = shared_response_cor(account=customer, notification_id=notification.pk)
    assert shared.cor == cor and [line.description for line in shared.lines] == ["Electrician"]
    notification_decide(
        notification=notification, account=customer, accept=True, user=parties.customer.owner
    )
    notification.refresh_from_db()
    cor.refresh_from_db()
    assert (notification.status, cor.status) == (Status.ACCEPTED, CorStatus.APPROVED)
    assert notification.decided_by == parties.customer.owner and cor.decided_on
    assert AuditEntry.objects.filter(
        account=parties.contractor.account,
        actor=parties.customer.owner,
        action="cor.status_changed",
    ).exists()


def test_reject_rejects_the_cor(parties):
    notification = send(parties)
    cor = answer_and_send(parties, notification)
    notification_decide(
        notification=notification,
        account=parties.customer.account,
        accept=False,
        user=parties.customer.owner,
    )
    notification.refresh_from_db()
    cor.refresh_from_db()
    assert (notification.status, cor.status) == (Status.REJECTED, CorStatus.REJECTED)


def test_refused_moves_say_why(parties):
    customer, contractor = parties.customer, parties.contractor
    notification = send(parties)
    with pytest.raises(ValidationError, match="only a received response can be accepted"):
        notification_decide(
            notification=notification, account=customer.account, accept=True, user=customer.owner
        )
    with pytest.raises(ValidationError, match="Only Bolt Electric, who received"):
        notification_answer(
            notification=notification,
            user=customer.owner,
            contractor_project=parties.customer_project,
        )
    cor = answer_and_send(parties, notification)
    with pytest.raises(ValidationError, match="already answered"):
        notification_answer(
            notification=notification,
            user=contractor.owner,
            contractor_project=parties.contractor_project,
        )
    with pytest.raises(ValidationError, match="Only Acme Builders, who sent"):
        notification_decide(
            notification=notification,
            account=contractor.account,
            accept=True,
            user=contractor.owner,
        )
    with pytest.raises(ValidationError, match="only they can accept or reject it"):
        cor_set_status(cor=cor, status=CorStatus.APPROVED, user=contractor.owner)
    with pytest.raises(ValidationError, match="only one awaiting a response can be withdrawn"):
        notification_withdraw(
            notification=notification, account=customer.account, user=customer.owner
        )
    notification_decide(
        notification=notification, account=customer.account, accept=True, user=customer.owner
    )
    with pytest.raises(ValidationError, match="is accepted"):
        notification_decide(
            notification=notification, account=customer.account, accept=False, user=customer.owner
        )
    cor.refresh_from_db()
    assert cor.status == CorStatus.APPROVED


def test_a_withdrawn_notification_cannot_be_answered(parties):
    notification = send(parties)
    with pytest.raises(ValidationError, match="Only Acme Builders"):
        notification_withdraw(
            notification=notification,
            account=parties.contractor.account,
            user=parties.contractor.owner,
        )
    notification_withdraw(
        notification=notification, account=parties.customer.account, user=parties.customer.owner
    )
    with pytest.raises(ValidationError, match="is withdrawn"):
        notification_answer(
            notification=notification,
            user=parties.contractor.owner,
            contractor_project=parties.contractor_project,
        )
    assert not ChangeOrderRequest.objects.exists()


def test_pulling_the_cor_back_reopens_the_notification_and_a_void_one_can_be_replaced(parties):
    notification = send(parties)
    cor = answer_and_send(parties, notification)
    cor_set_status(cor=cor, status=CorStatus.DRAFT, user=parties.contractor.owner)
    notification.refresh_from_db()
    assert notification.status == Status.OPEN
    customer = parties.customer.account
    assert shared_response_cor(account=customer, notification_id=notification.pk) is None
    cor_set_status(cor=cor, status=CorStatus.VOID, user=parties.contractor.owner)
    second = answer_and_send(parties, notification)
    notification.refresh_from_db()
    assert (notification.response_cor, notification.status) == (second, Status.ANSWERED)


def test_the_selector_filters_by_box_status_and_text(parties):
    send(parties, "Move the panel")
    answer_and_send(parties, send(parties, "Add outlets"))
    customer, contractor = parties.customer.account, parties.contractor.account
    assert notifications_for(account=customer, box="sent").count() == 2
    assert notifications_for(account=customer, box="received").count() == 0
    assert notifications_for(account=contractor, box="received").count() == 2
    assert [n.title for n in notifications_for(account=customer, status="answered")] == [
        "Add outlets"
    ]
    assert [n.number for n in notifications_for(account=contractor, q="outlets")] == [2]
    assert [n.title for n in notifications_for(account=contractor, q="1")] == ["Move the panel"]
    assert [n.title for n in notifications_for(account=contractor, q="2")] == ["Add outlets"]


# Pages -------------------------------------------------------------------------------------------


def test_the_web_flow_from_notice_to_acceptance(parties):
    customer, contractor = web(parties.customer.owner), web(parties.contractor.owner)
    assert 'href="/change-notifications/"' in customer.get("/").content.decode()  # live in the nav
    new = customer.get("/change-notifications/new/").content.decode()
    assert "Bolt Electric" in new and "Tower" in new
    created = customer.post(
        "/change-notifications/new/",
        {
            "customer_project": parties.customer_project.pk,
            "contractor": parties.contractor.account.pk,
            "title": "Move the panel",
            "description": "East wall",
            "respond_by": "",
        },
    )
    notification = ChangeNotification.objects.get()
    assert created["Location"] == f"/change-notifications/{notification.pk}/"

    received = contractor.get("/change-notifications/?box=received").content.decode()
    assert "Move the panel" in received and "Acme Builders" in received
    detail = contractor.get(f"/change-notifications/{notification.pk}/").content.decode()
    assert "Answer with a COR" in detail and "Tower electrical" in detail
    answered = contractor.post(
        f"/change-notifications/{notification.pk}/answer/",
        {"project": parties.contractor_project.pk},
    )
    cor = ChangeOrderRequest.objects.get()
    assert answered["Location"] == f"/cors/{cor.pk}/edit/"
    assert (
        f"/change-notifications/{notification.pk}/"
        in contractor.get(f"/cors/{cor.pk}/").content.decode()
    )
    response_url = f"/change-notifications/{notification.pk}/response/"
    assert customer.get(response_url).status_code == 404  # still a draft
    contractor.post(f"/cors/{cor.pk}/status/", {"status": "sent"})
    assert "Mark approved" not in contractor.get(f"/cors/{cor.pk}/").content.decode()

    listed = customer.get("/change-notifications/").content.decode()
    assert response_url in listed and "Response received" in listed
    response = customer.get(response_url)
    assert response.context["notification"] == notification and response.context["cor"] == cor
    assert "Accept" in response.content.decode()
    decided = customer.post(
        f"/change-notifications/{notification.pk}/decide/", {"decision": "accept"}
    )
    assert decided.status_code == 302
    cor.refresh_from_db()
    assert cor.status == CorStatus.APPROVED
    assert "Accepted" in customer.get(f"/change-notifications/{notification.pk}/").content.decode()


def test_the_list_has_two_tabs_a_status_filter_and_search(parties):
    send(parties, "Move the panel")
    send(parties, "Add outlets")
    client = web(parties.customer.owner)
    assert client.get("/change-notifications/").context["page"].paginator.count == 2
    assert client.get("/change-notifications/?box=received").context["page"].paginator.count == 0
    found = client.get("/change-notifications/?q=outlets").context["page"]
    assert [n.title for n in found] == ["Add outlets"]
    assert not client.get("/change-notifications/?status=accepted").context["page"].object_list


def test_refusals_on_the_pages_are_messages(parties):
    notification = send(parties)
    customer = web(parties.customer.owner)
    customer.post(f"/change-notifications/{notification.pk}/decide/", {"decision": "accept"})
    page = customer.get(f"/change-notifications/{notification.pk}/").content.decode()
    assert "only a received response can be accepted" in page
    contractor = web(parties.contractor.owner)
    contractor.post(f"/change-notifications/{notification.pk}/withdraw/")
    page = contractor.get(f"/change-notifications/{notification.pk}/").content.decode()
    assert "Only Acme Builders, who sent this change notification, can withdraw it." in page
    notification.refresh_from_db()
    assert notification.status == Status.OPEN


def test_a_field_member_cannot_see_notifications(parties):
    notification = send(parties)
    field = web(parties.customer.member(Role.FIELD))
    assert field.get("/change-notifications/").status_code == 403
    assert field.get(f"/change-notifications/{notification.pk}/").status_code == 403


# Across accounts ---------------------------------------------------------------------------------


def notification_urls(notification: ChangeNotification, attachment_id: int = 1) -> list[str]:
    base = f"/change-notifications/{notification.pk}"
    return [f"{base}/", f"{base}/response/", f"{base}/response/attachments/{attachment_id}/"]


def notification_posts(notification: ChangeNotification) -> list[str]:
    base = f"/change-notifications/{notification.pk}"
    return [f"{base}/answer/", f"{base}/decide/", f"{base}/withdraw/"]


def api_routes(notification: ChangeNotification) -> list[str]:
    base = f"/api/v1/change-notifications/{notification.pk}"
    return [f"{base}/answer/", f"{base}/accept/", f"{base}/reject/", f"{base}/withdraw/"]


def test_a_third_account_sees_none_of_it(parties, outsider):
    notification = send(parties)
    cor = answer_and_send(parties, notification)
    attachment = cor.attachments.create(name="plan.pdf", size=1, file="cor-attachments/x.pdf")
    third = web(outsider.owner)
    for url in notification_urls(notification, attachment.pk):
        assert third.get(url).status_code == 404, url
    for url in notification_posts(notification):
        data = {
            "decision": "accept",
            "project": Project.objects.create(office=outsider.office, number=url, name="Theirs").pk,
        }
        assert third.post(url, data).status_code == 404, url
    for box in ("sent", "received"):
        assert not third.get(f"/change-notifications/?box={box}").context["page"].object_list
    headers = api(outsider)
    assert third.get("/api/v1/change-notifications/", **headers).json()["results"] == []
    detail = f"/api/v1/change-notifications/{notification.pk}/"
    assert third.get(detail, **headers).status_code == 404
    for url in api_routes(notification):
        assert third.post(url, {}, **headers).status_code == 404, url
    notification.refresh_from_db()
    assert notification.status == Status.ANSWERED


def test_the_customer_cannot_open_the_contractors_cor_pages_or_other_cors(parties):
    notification = send(parties)
    cor = answer_and_send(parties, notification)
    other = cor_create(
        project=parties.contractor_project,
        user=parties.contractor.owner,
        title="Contractor's own business",
        lines=[],
    )
    attachment = cor.attachments.create(name="plan.pdf", size=1, file="cor-attachments/x.pdf")
    customer = web(parties.customer.owner)
    for target in (cor, other):
        for url in (f"/cors/{target.pk}/", f"/cors/{target.pk}/edit/"):
            assert customer.get(url).status_code == 404, url
        assert customer.post(f"/cors/{target.pk}/status/", {"status": "void"}).status_code == 404
    assert customer.get(f"/cors/{cor.pk}/attachments/{attachment.pk}/").status_code == 404
    assert not customer.get("/cors/").context["page"].object_list
    headers = api(parties.customer)
    assert customer.get(f"/api/v1/cors/{cor.pk}/", **headers).status_code == 404
    cor.refresh_from_db()
    assert cor.status == CorStatus.SENT
    shared = shared_response_cor(account=parties.customer.account, notification_id=notification.pk)
    assert shared.cor == cor  # the one answering COR, and nothing else of the contractor's


def test_the_contractor_cannot_see_the_customers_project(parties):
    notification = send(parties)
    contractor = web(parties.contractor.owner)
    project = parties.customer_project
    assert contractor.get(f"/projects/{project.pk}/").status_code == 404
    detail = contractor.get(f"/change-notifications/{notification.pk}/")
    assert f"/projects/{project.pk}/" not in detail.content.decode()
    assert project not in detail.context["answer_form"].fields["project"].queryset
    answered = contractor.post(
        f"/change-notifications/{notification.pk}/answer/", {"project": project.pk}
    )
    assert answered.status_code == 302 and not ChangeOrderRequest.objects.exists()
    headers = api(parties.contractor)
    refused = contractor.post(
        f"/api/v1/change-notifications/{notification.pk}/answer/",
        {"project": project.pk},
        **headers,
    )
    assert refused.status_code == 400 and not ChangeOrderRequest.objects.exists()
    body = contractor.get(f"/api/v1/change-notifications/{notification.pk}/", **headers).json()
    assert "customer_project" not in body


def test_a_non_partner_cannot_be_sent_to_from_the_form_or_the_api(parties, outsider):
    client = web(parties.customer.owner)
    data = {
        "customer_project": parties.customer_project.pk,
        "contractor": outsider.account.pk,
        "title": "Hello",
    }
    refused = client.post("/change-notifications/new/", data)
    assert refused.status_code == 400 and "trading partners" in refused.content.decode()
    api_refused = client.post("/api/v1/change-notifications/", data, **api(parties.customer))
    assert api_refused.status_code == 400
    assert "only to your trading partners" in api_refused.json()["contractor"][0]
    assert not ChangeNotification.objects.exists()


def test_the_customer_cannot_accept_a_notification_of_another_customer(parties, outsider):
    partner_add(
        customer=outsider.account,
        code=partner_code(parties.contractor.account),
        user=outsider.owner,
    )
    their_project = Project.objects.create(office=outsider.office, number="9", name="Theirs")
    theirs = notification_send(
        customer_project=their_project,
        contractor=parties.contractor.account,
        title="Theirs",
        user=outsider.owner,
    )
    cor = answer_and_send(parties, theirs)
    customer = web(parties.customer.owner)
    decided = customer.post(f"/change-notifications/{theirs.pk}/decide/", {"decision": "accept"})
    assert decided.status_code == 404
    headers = api(parties.customer)
    assert (
        customer.post(f"/api/v1/change-notifications/{theirs.pk}/accept/", **headers).status_code
        == 404
    )
    with pytest.raises(ValidationError, match="Only Other Corp"):
        notification_decide(
            notification=theirs,
            account=parties.customer.account,
            accept=True,
            user=parties.customer.owner,
        )
    cor.refresh_from_db()
    theirs.refresh_from_db()
    assert (cor.status, theirs.status) == (CorStatus.SENT, Status.ANSWERED)


# API ---------------------------------------------------------------------------------------------


def test_the_api_flow(parties):
    customer, contractor = api(parties.customer), api(parties.contractor)
    client = web(parties.customer.owner)  # the token decides the account, not the session
    partners = client.get("/api/v1/change-notifications/partners/", **customer).json()
    assert partners == [{"id": parties.contractor.account.pk, "name": "Bolt Electric"}]
    created = client.post(
        "/api/v1/change-notifications/",
        {
            "customer_project": parties.customer_project.pk,
            "contractor": parties.contractor.account.pk,
            "title": "Move the panel",
        },
        **customer,
    )
    assert created.status_code == 201, created.content
    notification_id = created.json()["id"]
    assert created.json()["status"] == "open" and created.json()["number"] == 1

    received = client.get("/api/v1/change-notifications/?box=received", **contractor).json()
    assert [n["id"] for n in received["results"]] == [notification_id]
    assert client.get("/api/v1/change-notifications/?box=received", **customer).json()["count"] == 0
    answered = client.post(
        f"/api/v1/change-notifications/{notification_id}/answer/",
        {"project": parties.contractor_project.pk},
        **contractor,
    )
    assert answered.status_code == 200, answered.content
    cor = ChangeOrderRequest.objects.get(pk=answered.json()["response_cor_id"])
    assert answered.json()["response_cor"]["status"] == "draft"  # the contractor sees its draft
    hidden = client.get(f"/api/v1/change-notifications/{notification_id}/", **customer).json()
    assert hidden["response_cor"] is None and hidden["response_cor_id"] is None

    early = client.post(f"/api/v1/change-notifications/{notification_id}/accept/", **customer)
    assert (
        early.status_code == 400
        and "only a received response" in early.json()["non_field_errors"][0]
    )
    cor_set_status(cor=cor, status=CorStatus.SENT, user=parties.contractor.owner)
    shown = client.get(f"/api/v1/change-notifications/{notification_id}/", **customer).json()
    assert shown["status"] == "answered" and shown["response_cor"]["status"] == "sent"
    assert shown["response_cor"]["total"] == str(cor.total) and shown["response_cor_id"] is None
    refused = client.post(f"/api/v1/change-notifications/{notification_id}/accept/", **contractor)
    assert refused.status_code == 400
    accepted = client.post(f"/api/v1/change-notifications/{notification_id}/accept/", **customer)
    assert accepted.status_code == 200 and accepted.json()["status"] == "accepted"
    assert accepted.json()["response_cor"]["status"] == "approved"
    filtered = client.get("/api/v1/change-notifications/?status=accepted", **customer).json()
    assert filtered["count"] == 1


def test_the_api_withdraws_and_rejects(parties):
    customer = api(parties.customer)
    client = web(parties.customer.owner)
    first, second = send(parties), send(parties, "Second")
    withdrawn = client.post(f"/api/v1/change-notifications/{first.pk}/withdraw/", **customer)
    assert withdrawn.json()["status"] == "withdrawn"
    answer_and_send(parties, second)
    rejected = client.post(f"/api/v1/change-notifications/{second.pk}/reject/", **customer)
    assert rejected.json()["status"] == "rejected"
    assert rejected.json()["response_cor"]["status"] == "rejected"
    assert rejected.json()["response_cor"]["lines"][0]["amount"] == str(D("376.20"))


def test_the_api_follows_the_roles(parties):
    field = parties.customer.member(Role.FIELD)
    _, key = api_token_create(account=parties.customer.account, user=field, name="f")
    response = web(field).get("/api/v1/change-notifications/", HTTP_AUTHORIZATION=f"Token {key}")
    assert response.status_code == 403
