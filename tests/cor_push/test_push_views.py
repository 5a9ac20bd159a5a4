"""+PROCORE from the COR log: the wizard's steps, the pre-flight on the page, and the log's
Change Event column, out-of-date alert and filters."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.cors.services import cor_update
from apps.procore_sync.engine import run_execute
from apps.procore_sync.engine_models import SyncRun

from .conftest import D, line, make_cor, push

pytestmark = pytest.mark.django_db(transaction=True)
URL = reverse("cor_push")


def test_the_wizard_proposes_budget_codes_checks_and_queues_the_push(
    owner_client, procore, target, tenant, monkeypatch
):
    sent = []
    monkeypatch.setattr("apps.procore_sync.views.cor_push.enqueue_run", sent.append)
    first = make_cor(target, tenant.owner, "Outlets", line(target, "100"))
    second = make_cor(target, tenant.owner, "Wall", line(target, "40", cost_type="material"))
    selection = {"cors": [first.pk, second.pk]}

    step1 = owner_client.get(URL, selection)
    assert step1.status_code == 200 and b"Create a New Change Event" in step1.content
    assert b"contract" not in step1.content.lower()  # step 1 does not ask for it yet

    chosen = {**selection, "project": target.project.pk, "change_event": "new", "title": "CE A"}
    step2 = owner_client.get(URL, chosen)
    page = step2.content.decode()
    assert "Choose the contract" in page and 'id="push" disabled' in page  # no contract yet
    assert "No contract chosen." not in page  # not an error before Push is pressed: a hint
    assert '<div class="msg preflight-hint">Choose the prime contract or a commitment.' in page
    pushed_without = owner_client.post(URL, {**chosen, "mode": "lines"}).content.decode()
    assert "<strong>No contract chosen.</strong>" in pushed_without
    assert "preflight-hint" not in pushed_without
    [first_line] = first.lines.all()
    assert f'name="bc:line:{first_line.pk}"' in page
    assert f'<option value="{target.budget["09-200.L"]}" selected>' in page  # proposed

    contract = f"commitment:{target.commitment_id}"
    response = owner_client.post(URL, {**chosen, "contract": contract, "mode": "lines"})
    run = SyncRun.objects.get(flow="cor_push")
    assert response.status_code == 302 and response.url == reverse("sync_run_detail", args=[run.pk])
    assert sent == [run.pk] and run.params["cor_ids"] == [first.pk, second.pk]
    run_execute(run.pk)
    run.refresh_from_db()
    assert run.counts == {"created": 2}


def test_a_problem_blocks_push_and_sends_nothing(
    owner_client, procore, target, tenant, monkeypatch
):
    monkeypatch.setattr("apps.procore_sync.views.cor_push.enqueue_run", lambda run_id: None)
    cor = make_cor(target, tenant.owner, "Odd", line(target, "10"))
    contract = f"commitment:{target.commitment_id}"
    key = f"bc:line:{cor.lines.get().pk}"
    params = {
        "cors": [cor.pk],
        "project": target.project.pk,
        "change_event": "new",
        "title": "X",
        "contract": contract,
        key: "424242",
    }
    response = owner_client.post(URL, params)
    assert response.status_code == 400
    assert "budget code 424242 is not on the project" in response.content.decode()
    assert not SyncRun.objects.filter(flow="cor_push").exists()


def test_cors_of_two_projects_or_of_another_account_are_refused(
    owner_client, procore, target, tenant, outsider
):
    from apps.cors.services import Line, cor_create
    from apps.projects.models import Project

    mine = make_cor(target, tenant.owner, "Mine", line(target, "10"))
    other_project = Project.objects.create(office=tenant.office, number="9", name="Other")
    elsewhere = cor_create(project=other_project, user=tenant.owner, title="E", lines=[])
    response = owner_client.get(URL, {"cors": [mine.pk, elsewhere.pk]})
    assert response.status_code == 400 and b"Select CORs of one project" in response.content

    theirs_project = Project.objects.create(office=outsider.office, number="1", name="T")
    theirs = cor_create(
        project=theirs_project,
        user=outsider.owner,
        title="T",
        lines=[Line("x", "labor", D("1"), D("1"))],
    )
    response = owner_client.get(URL, {"cors": [mine.pk, theirs.pk], "project": target.project.pk})
    assert response.status_code == 400 and b"cannot be pushed from here" in response.content


def test_the_log_shows_the_change_event_flags_edits_and_filters(
    owner_client, procore, target, tenant, monkeypatch
):
    monkeypatch.setattr("apps.procore_sync.receivers.enqueue_run", lambda run_id: None)
    pushed = make_cor(target, tenant.owner, "Pushed", line(target, "100"))
    edited = make_cor(target, tenant.owner, "Edited", line(target, "50"))
    never = make_cor(target, tenant.owner, "Never", line(target, "5"))
    push(target, tenant.owner, [pushed, edited])
    [kept] = edited.lines.all()
    changed = line(target, "60").__class__(**{**line(target, "60").__dict__, "id": kept.pk})
    cor_update(cor=edited, user=tenant.owner, lines=[changed], title="Edited")

    page = owner_client.get(reverse("cor_log")).content.decode()
    assert page.count("Out of date</span>") == 1 and "+PROCORE" in page
    assert page.count('<option value="Open"') == 1  # one option per status, not per COR
    rows = {
        cor: page.split(f'data-cor="{cor.pk}"')[1].split("</tr>")[0]
        for cor in (pushed, edited, never)
    }
    assert "Out of date" in rows[edited] and "Out of date" not in rows[pushed]
    assert "Not pushed" in rows[never] and "Open" in rows[pushed]

    def listed(**params):
        html = owner_client.get(reverse("cor_log"), params).content.decode()
        return {c.title for c in (pushed, edited, never) if f'data-cor="{c.pk}"' in html}

    assert listed(push_state="out_of_date") == {"Edited"}
    assert listed(push_state="pushed") == {"Pushed"}
    assert listed(push_state="not_pushed") == {"Never"}
    assert listed(change_event_status="Open") == {"Pushed", "Edited"}
    assert listed(change_event_status="Closed") == set()


def test_the_log_costs_the_same_queries_for_few_or_many_pushed_cors(
    owner_client, procore, target, tenant, monkeypatch
):
    monkeypatch.setattr("apps.procore_sync.receivers.enqueue_run", lambda run_id: None)

    def queries() -> int:
        owner_client.get(reverse("cor_log"))  # warm the session and caches
        with CaptureQueriesContext(connection) as captured:
            owner_client.get(reverse("cor_log"))
        return len(captured)

    push(target, tenant.owner, [make_cor(target, tenant.owner, "A", line(target, "1"))])
    few = queries()
    more = [make_cor(target, tenant.owner, f"C{n}", line(target, "1")) for n in range(20)]
    push(target, tenant.owner, more, change_event_id=None, title="Second")
    assert queries() == few
