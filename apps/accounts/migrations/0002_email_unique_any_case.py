"""Emails become unique whatever their case (issue 18).

Existing emails are lower-cased first. Two users whose emails differ only in case cannot both
keep a login: the migration then fails on purpose, for a person to merge them.
"""

from django.db import migrations, models
from django.db.models.functions import Lower


def lower_case_emails(apps, schema_editor) -> None:
    User = apps.get_model("accounts", "User")
    User.objects.exclude(email=Lower("email")).update(email=Lower("email"))


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [
        migrations.RunPython(lower_case_emails, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="user",
            constraint=models.UniqueConstraint(
                Lower("email"),
                name="user_email_unique_any_case",
                violation_error_message="A user with this email already exists.",
            ),
        ),
    ]
