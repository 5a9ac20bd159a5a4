from django.db import models

from apps.offices.records import OfficeRecord


class WorkClassification(OfficeRecord):
    name = models.CharField(max_length=200)
    abbreviation = models.CharField(max_length=50, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class TimeType(OfficeRecord):
    """Regular, overtime, double time... as the office's Procore company defines them."""

    name = models.CharField(max_length=100)
    abbreviation = models.CharField(max_length=20, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Employee(OfficeRecord):
    employee_id = models.CharField("employee ID", max_length=50, blank=True)
    first_name = models.CharField(max_length=100, blank=True)
    last_name = models.CharField(max_length=100)
    email = models.EmailField(blank=True)
    address = models.CharField(max_length=200, blank=True)
    city = models.CharField(max_length=100, blank=True)
    state = models.CharField(max_length=50, blank=True)
    zip_code = models.CharField("ZIP", max_length=20, blank=True)
    mobile_phone = models.CharField(max_length=40, blank=True)
    work_classification = models.ForeignKey(
        WorkClassification, on_delete=models.SET_NULL, null=True, blank=True
    )

    class Meta:
        ordering = ["last_name", "first_name"]
        indexes = [models.Index(fields=["office", "employee_id"])]

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


class Crew(OfficeRecord):
    """A group of employees a foreman enters time for at once."""

    name = models.CharField(max_length=200)
    project = models.ForeignKey(
        "projects.Project", on_delete=models.CASCADE, null=True, blank=True, related_name="crews"
    )
    lead = models.ForeignKey(
        Employee, on_delete=models.SET_NULL, null=True, blank=True, related_name="crews_led"
    )
    members = models.ManyToManyField(Employee, blank=True, related_name="crews")

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name
