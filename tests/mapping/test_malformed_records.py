"""A record with a missing field or a wrong type is a MappingError naming the field, never a
TypeError or a database error later on."""

from decimal import Decimal

import pytest

from apps.procore_sync.mapping.common import (
    MAX_ID,
    MappingError,
    decimal,
    procore_id,
    required_text,
)
from apps.procore_sync.mapping.custom_fields import definition_from_procore, values_from_procore
from apps.procore_sync.mapping.people import employee_from_procore, is_employee
from apps.procore_sync.mapping.projects import project_from_procore
from apps.procore_sync.mapping.vendors import vendor_from_procore

REGION = {
    "key": "71",
    "label": "Region",
    "data_type": "select",
    "choices": [{"id": 7, "label": "North"}],
    "active": True,
}


def test_text_of_the_wrong_type_says_so_instead_of_missing():
    with pytest.raises(MappingError, match="'name' should be text, got int 12345"):
        vendor_from_procore({"name": 12345})
    with pytest.raises(MappingError, match="'name' is missing or empty"):
        required_text({"name": " "}, "name")


@pytest.mark.parametrize("value", [True, 0, -5, MAX_ID + 1, "12a", "١٢", 1.5, {"id": 1}])
def test_only_positive_64_bit_integers_are_procore_ids(value):
    with pytest.raises(MappingError, match="'id' should be a Procore id"):
        procore_id({"id": value})


def test_a_procore_id_may_come_as_digits():
    assert procore_id({"id": "562949953421312"}) == 562949953421312


@pytest.mark.parametrize("value", ["Infinity", "NaN", "-inf", True, "1e999999999", [1]])
def test_numbers_that_are_not_finite_numbers_are_refused(value):
    with pytest.raises(MappingError, match="'latitude' is not a number"):
        decimal({"latitude": value}, "latitude", 6)


def test_a_coordinate_too_large_for_its_column_fails_the_record_not_the_batch():
    with pytest.raises(MappingError, match="'latitude' is out of range"):
        project_from_procore({"id": 1, "name": "P", "latitude": "1234.5"})
    assert decimal({"l": "-179.123456789"}, "l", 6, max_digits=9) == Decimal("-179.123457")
    assert decimal({"l": 0}, "l", 6, max_digits=9) == Decimal("0.000000")


def test_an_employee_flag_that_is_not_a_boolean_fails_instead_of_dropping_the_user():
    assert is_employee({}) is False
    with pytest.raises(MappingError, match="'is_employee' should be true or false"):
        is_employee({"is_employee": "yes"})


@pytest.mark.parametrize(
    ("wrong", "reason"),
    [
        ({"is_active": "yes"}, "'is_active' should be true or false"),
        ({"work_classification_id": "not a number"}, "'work_classification_id' should be"),
        ({"city": {"name": "Austin"}}, "'city' should be text, got dict"),
    ],
)
def test_a_user_with_a_wrong_type_names_the_field(wrong, reason):
    with pytest.raises(MappingError, match=reason):
        employee_from_procore({"id": 1, "last_name": "Lopez", **wrong})


@pytest.mark.parametrize(
    ("record", "reason"),
    [
        ({"id": "not a number", "data_type": "string"}, "'id' should be a Procore id"),
        ({"id": 1, "data_type": "string", "label": {"en": "x"}}, "'label' should be text"),
        ({"id": 1, "data_type": "lov_entry", "custom_field_lov_entries": "x"}, "should be a list"),
    ],
)
def test_a_malformed_custom_field_definition_names_the_field(record, reason):
    with pytest.raises(MappingError, match=reason):
        definition_from_procore(record)


def test_a_definition_whose_type_is_not_text_is_simply_unsupported():
    assert definition_from_procore({"id": 1, "data_type": ["string"]}) is None


@pytest.mark.parametrize("value", [{"id": {"id": 7}}, [[7]], {"id": [7]}, "North"])
def test_a_select_value_of_the_wrong_type_is_an_unknown_choice(value):
    record = {"custom_fields": {"custom_field_71": {"value": value}}}
    with pytest.raises(MappingError, match="'Region' has an unknown choice"):
        values_from_procore(record, {"71": REGION})
