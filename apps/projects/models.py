from django.db import models

from apps.offices.records import OfficeRecord


class Project(OfficeRecord):
    number = models.CharField("project number", max_length=50)
    name = models.CharField(max_length=200)
    address = models.CharField(max_length=200, blank=True)
    city = models.CharField(max_length=100, blank=True)
    state = models.CharField(max_length=50, blank=True)
    zip_code = models.CharField("ZIP", max_length=20, blank=True)
    phone = models.CharField(max_length=40, blank=True)
    start_date = models.DateField(null=True, blank=True)
    latitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    time_zone = models.CharField(max_length=64, blank=True, help_text="Empty: the office's.")

    class Meta:
        ordering = ["number"]
        constraints = [
            models.UniqueConstraint(fields=["office", "number"], name="project_number_per_office")
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.name}"

    @property
    def local_time_zone(self) -> str:
        return self.time_zone or self.office.time_zone


class SubJob(OfficeRecord):
    """A part of a project, named "<project>.<sub-job>" for both name and ID (e.g. "200.005")."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="sub_jobs")
    code = models.CharField(max_length=50)
    name = models.CharField(max_length=200)

    class Meta:
        ordering = ["project", "code"]
        constraints = [
            models.UniqueConstraint(fields=["project", "code"], name="sub_job_code_per_project")
        ]

    def __str__(self) -> str:
        return f"{self.full_code} {self.full_name}"

    @property
    def full_code(self) -> str:
        return f"{self.project.number}.{self.code}"

    @property
    def full_name(self) -> str:
        return f"{self.project.name}.{self.name}"


class CostCode(OfficeRecord):
    """A cost code of the office's list; only codes that sit under a division are kept."""

    code = models.CharField(max_length=50)
    name = models.CharField(max_length=200)
    division_code = models.CharField(max_length=50)
    division_name = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["division_code", "code"]
        constraints = [
            models.UniqueConstraint(fields=["office", "code"], name="cost_code_per_office")
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"
