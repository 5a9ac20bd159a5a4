from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from apps.cors.models import ChangeOrderRequest, CorStatus
from apps.cors.services import Line, cor_create, cor_set_status, cor_update
from apps.cors.totals import cor_totals, line_amount
from apps.projects.models import CostCode, Project

D = Decimal


def test_line_amounts_round_to_the_cent_and_totals_add_up():
    assert line_amount(D("3"), D("33.33"), D("10")) == D("109.99")  # 99.99 + 10.00 (9.999)
    totals = cor_totals([(D("3"), D("33.33"), D("10")), (D("0.5"), D("0.01"), D("0"))])
    assert (totals.subtotal, totals.markup_total, totals.total) == (
        D("100.00"),
        D("10.00"),
        D("110.00"),
    )


def test_a_third_of_a_cent_never_drifts_across_many_lines():
    lines = [(D("1"), D("0.10"), D("33.333"))] * 30
    totals = cor_totals(lines)
    assert totals.total == sum(line_amount(*line) for line in lines)


@pytest.fixture
def project(tenant):
    return Project.objects.create(office=tenant.office, number="200", name="PJA")


def labor(amount: str, markup: str = "0") -> Line:
    return Line(description="Crew", cost_type="labor", quantity=D("1"), unit_cost=D(amount),
                markup_percent=D(markup))  # fmt: skip


@pytest.mark.django_db
def test_cors_are_numbered_per_project_and_keep_their_totals(project, tenant):
    first = cor_create(
        project=project, user=tenant.owner, title="Extra outlet", lines=[labor("100", "15")]
    )
    second = cor_create(project=project, user=tenant.owner, title="Move wall", lines=[labor("50")])
    assert (first.number, second.number) == (1, 2)
    assert first.total == D("115.00") and first.lines.get().amount == D("115.00")


@pytest.mark.django_db
def test_status_rules_and_no_edits_once_approved(project, tenant):
    cor = cor_create(project=project, user=tenant.owner, title="T", lines=[labor("10")])
    with pytest.raises(ValidationError, match="cannot become Approved"):
        cor_set_status(cor=cor, status=CorStatus.APPROVED, user=tenant.owner)
    cor_set_status(cor=cor, status=CorStatus.SENT, user=tenant.owner)
    cor_set_status(cor=cor, status=CorStatus.APPROVED, user=tenant.owner)
    assert cor.sent_on and cor.decided_on
    with pytest.raises(ValidationError, match="cannot be edited"):
        cor_update(cor=cor, user=tenant.owner, lines=[labor("99")], title="T")


@pytest.mark.django_db
def test_a_cost_code_of_another_office_is_refused(project, tenant, outsider):
    theirs = CostCode.objects.create(office=outsider.office, code="1", name="x", division_code="0")
    line = Line(
        description="x", cost_type="labor", quantity=D("1"), unit_cost=D("1"), cost_code=theirs
    )
    with pytest.raises(ValidationError, match="another office"):
        cor_create(project=project, user=tenant.owner, title="T", lines=[line])


@pytest.mark.django_db
def test_a_pm_creates_a_cor_with_lines_from_the_form(client_as, project):
    client = client_as("project_manager")
    data = {
        "project": project.pk, "title": "Extra outlet", "schedule_impact_days": "2",
        "lines-TOTAL_FORMS": "2", "lines-INITIAL_FORMS": "0",
        "lines-0-description": "Electrician", "lines-0-cost_type": "labor",
        "lines-0-quantity": "4", "lines-0-unit_cost": "85.50", "lines-0-markup_percent": "10",
        "lines-1-description": "Box", "lines-1-cost_type": "material",
        "lines-1-quantity": "1", "lines-1-unit_cost": "12.25", "lines-1-markup_percent": "0",
    }  # fmt: skip
    response = client.post("/cors/new/", data)
    cor = ChangeOrderRequest.objects.get()
    assert response["Location"] == f"/cors/{cor.pk}/"
    assert cor.total == D("388.45")  # 342.00 + 34.20 + 12.25
    page = client.get(f"/cors/{cor.pk}/").content.decode()
    assert "388.45" in page and "Electrician" in page


@pytest.mark.django_db
def test_a_credit_line_makes_a_deductive_cor_from_the_form(client_as, project):
    client = client_as("project_manager")
    data = {
        "project": project.pk, "title": "Delete canopy", "schedule_impact_days": "0",
        "lines-TOTAL_FORMS": "2", "lines-INITIAL_FORMS": "0",
        "lines-0-description": "Canopy removed", "lines-0-cost_type": "subcontract",
        "lines-0-quantity": "1", "lines-0-unit_cost": "-1200", "lines-0-markup_percent": "10",
        "lines-1-description": "Rails returned", "lines-1-cost_type": "material",
        "lines-1-quantity": "-2", "lines-1-unit_cost": "150", "lines-1-markup_percent": "0",
    }  # fmt: skip
    response = client.post("/cors/new/", data)
    cor = ChangeOrderRequest.objects.get()
    assert response.status_code == 302
    assert (cor.subtotal, cor.markup_total, cor.total) == (D("-1500.00"), D("-120.00"),
                                                           D("-1620.00"))  # fmt: skip


@pytest.mark.django_db
def test_a_negative_markup_is_refused_and_credits_cannot_hide_an_oversized_line(project, tenant):
    with pytest.raises(ValidationError, match="markup cannot be negative"):
        cor_create(project=project, user=tenant.owner, title="T", lines=[labor("10", "-5")])
    huge = Line(description="Crew", cost_type="labor", quantity=D("2"), unit_cost=D("6e11"))
    credit = Line(description="Credit", cost_type="labor", quantity=D("-2"), unit_cost=D("6e11"))
    with pytest.raises(ValidationError, match="Line 1: the amount is too large"):
        cor_create(project=project, user=tenant.owner, title="T", lines=[huge, credit])


@pytest.mark.django_db
def test_the_log_filters_searches_sorts_and_pages_in_constant_queries(
    owner_client, project, tenant, django_assert_max_num_queries
):
    for n in range(60):
        cor = cor_create(
            project=project, user=tenant.owner, title=f"Change {n}", lines=[labor(str(n + 1))]
        )
        if n % 3 == 0:
            cor_set_status(cor=cor, status=CorStatus.SENT, user=tenant.owner)
    with django_assert_max_num_queries(12):
        page = owner_client.get("/cors/?sort=-total").context["page"]
    assert len(page.object_list) == 50 and page.object_list[0].total == D("60.00")
    sent = owner_client.get("/cors/?status=sent").context["page"]
    assert len(sent.object_list) == 20 and not sent.older
    assert [c.title for c in owner_client.get("/cors/?q=Change 59").context["page"]] == [
        "Change 59"
    ]
    by_number = owner_client.get("/cors/?q=8").context["page"]  # number 8, titles with an 8
    assert 8 in [c.number for c in by_number] and all(
        "8" in f"{c.number}{c.title}" for c in by_number
    )


@pytest.mark.django_db
def test_the_fingerprint_changes_with_what_a_push_sends_and_only_then(project, tenant):
    cor = cor_create(project=project, user=tenant.owner, title="Outlets", lines=[labor("100")])
    [row] = cor.lines.all()
    same = Line(
        description="Crew", cost_type="labor", quantity=D("1"), unit_cost=D("100"), id=row.pk
    )
    printed = cor.fingerprint
    assert len(printed) == 64

    cor_update(cor=cor, user=tenant.owner, lines=[same], title="Outlets", reason="Owner asked")
    assert cor.fingerprint == printed  # the reason is not pushed, the line kept its id
    assert cor.lines.get().pk == row.pk

    cor_update(cor=cor, user=tenant.owner, lines=[same], title="Outlets, two")
    assert cor.fingerprint != printed
    retitled = cor.fingerprint

    dearer = Line(
        description="Crew", cost_type="labor", quantity=D("1"), unit_cost=D("101"), id=row.pk
    )
    cor_update(cor=cor, user=tenant.owner, lines=[dearer], title="Outlets, two")
    assert cor.fingerprint not in (printed, retitled)


@pytest.mark.django_db
def test_the_log_pages_by_cursor_keeping_filters_and_sort(project, tenant, owner_client):
    from tests.keyset_walking import walks_both_ways

    for n in range(55):
        cor_create(project=project, user=tenant.owner, title=f"Door {n:02}", lines=[labor("1")])
    cor_create(project=project, user=tenant.owner, title="Window", lines=[labor("1")])
    pages = walks_both_ways(owner_client, "/cors/?q=Door&sort=title")
    assert [len(rows) for _, rows in pages] == [50, 5]
    assert [c.title for _, rows in pages for c in rows] == [f"Door {n:02}" for n in range(55)]
    assert pages[1][0].startswith("/cors/?q=Door&sort=title&cursor=")
    html = owner_client.get(pages[1][0]).content.decode()
    assert ">Previous</a>" in html and ">Next</a>" not in html  # not "Newer": sorted by title
    assert ">Older</a>" in owner_client.get("/cors/").content.decode()


@pytest.mark.django_db
def test_the_log_pages_rows_with_equal_sort_keys_once_each(project, tenant, owner_client, outsider):
    from datetime import UTC, datetime, timedelta

    from tests.keyset_walking import pks, walks_both_ways

    start = datetime(2025, 3, 1, tzinfo=UTC)
    cors = ChangeOrderRequest.objects.bulk_create(  # 11 at each moment, 17 or 18 at each total
        ChangeOrderRequest(
            project=project,
            number=n + 1,
            title=f"C{n}",
            total=D(n % 7),
            created_at=start + timedelta(hours=n % 11),
        )
        for n in range(121)
    )
    newest_first = sorted(cors, key=lambda c: (c.created_at, c.pk), reverse=True)
    pages = walks_both_ways(owner_client, "/cors/")
    assert pks(pages) == [c.pk for c in newest_first]
    by_total = walks_both_ways(owner_client, "/cors/?sort=-total")
    assert pks(by_total) == [c.pk for c in sorted(cors, key=lambda c: (-c.total, -c.pk))]
    by_number = walks_both_ways(owner_client, "/cors/?sort=number")
    assert pks(by_number) == [c.pk for c in sorted(cors, key=lambda c: c.number)]
    outsider_client = owner_client.__class__()
    outsider_client.force_login(outsider.owner)
    assert list(outsider_client.get(pages[1][0]).context["page"]) == []


@pytest.mark.django_db
def test_an_edited_or_foreign_cursor_starts_the_log_again(project, tenant, owner_client):
    for n in range(3):
        cor_create(project=project, user=tenant.owner, title=f"Door {n}", lines=[labor("1")])
    first = [c.pk for c in owner_client.get("/cors/").context["page"]]
    # not base64 JSON; [] ; ["a", [1, 2, 3]] (another sort's keys) ; ["a", ["x", "y"]] (not a time)
    for cursor in ("garbage", "W10", "WyJhIixbMSwyLDNdXQ", "WyJhIixbIngiLCJ5Il1d"):
        response = owner_client.get("/cors/", {"cursor": cursor})
        assert response.status_code == 200
        assert [c.pk for c in response.context["page"]] == first
