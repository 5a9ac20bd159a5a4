from django.core.exceptions import ValidationError
from django.db import transaction

from apps.accounts.audit import audit_record
from apps.accounts.models import Account, User

from .models import Office

EDITABLE_FIELDS = ("name", "address", "city", "state", "zip_code", "phone", "time_zone")


def _check_name_free(*, account: Account, name: str, office: Office | None = None) -> None:
    others = Office.objects.for_account(account).filter(name__iexact=name.strip())
    if office is not None:
        others = others.exclude(pk=office.pk)
    if others.exists():
        raise ValidationError({"name": f"This account already has an office named {name!r}."})


@transaction.atomic
def office_create(*, account: Account, actor: User | None, **fields) -> Office:
    _check_name_free(account=account, name=fields["name"])
    office = Office(account=account, **{k: fields[k] for k in EDITABLE_FIELDS if k in fields})
    office.full_clean()
    office.save()
    audit_record(account=account, actor=actor, action="office.created", target=office)
    return office


@transaction.atomic
def office_update(*, office: Office, actor: User, **fields) -> Office:
    _check_name_free(account=office.account, name=fields.get("name", office.name), office=office)
    changed = {}
    for name in EDITABLE_FIELDS:
        if name in fields and getattr(office, name) != fields[name]:
            changed[name] = {"from": getattr(office, name), "to": fields[name]}
            setattr(office, name, fields[name])
    office.full_clean()
    office.save()
    if changed:
        audit_record(
            account=office.account,
            actor=actor,
            action="office.updated",
            target=office,
            detail=changed,
        )
    return office
