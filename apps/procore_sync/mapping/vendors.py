"""Vendors of the company directory (procore-api.md §8.5)."""

from .common import boolean, required_text, text, without_empty

VENDOR_FIELDS = (
    "name",
    "abbreviated_name",
    "address",
    "city",
    "state",
    "zip_code",
    "phone",
    "email",
    "active",
)


def vendor_from_procore(record: dict) -> dict:
    return {
        "name": required_text(record, "name"),
        "abbreviated_name": text(record, "abbreviated_name", 50),
        "address": text(record, "address"),
        "city": text(record, "city", 100),
        "state": text(record, "state_code", 50),
        "zip_code": text(record, "zip", 20),
        "phone": text(record, "business_phone", 40),
        "email": text(record, "email_address", 254),
        "active": boolean(record, "is_active"),
    }


def vendor_to_procore(vendor) -> dict:
    return without_empty(
        {
            "name": vendor.name,
            "abbreviated_name": vendor.abbreviated_name,
            "address": vendor.address,
            "city": vendor.city,
            "state_code": vendor.state,
            "zip": vendor.zip_code,
            "business_phone": vendor.phone,
            "email_address": vendor.email,
        }
    ) | {"is_active": vendor.active}
