# The guest as received, how the person was linked, the client's reference and the
# warnings given: a registration is a source record (DESIGN.md). Rows stored before keep
# blank received data and an empty link_method (unknown).

from django.db import migrations, models
from django.db.models import Q


class Migration(migrations.Migration):
    dependencies = [
        ("stays", "0004_sweep_state"),
    ]

    operations = [
        migrations.AddField(
            model_name="registration",
            name="family_name",
            field=models.CharField(blank=True, max_length=150),
        ),
        migrations.AddField(
            model_name="registration",
            name="given_names",
            field=models.CharField(blank=True, max_length=150),
        ),
        migrations.AddField(
            model_name="registration",
            name="birth_date",
            field=models.CharField(blank=True, max_length=10),
        ),
        migrations.AddField(
            model_name="registration",
            name="sex",
            field=models.CharField(blank=True, max_length=1),
        ),
        migrations.AddField(
            model_name="registration",
            name="nationality",
            field=models.CharField(blank=True, max_length=3),
        ),
        migrations.AddField(
            model_name="registration",
            name="document_type",
            field=models.CharField(blank=True, max_length=40),
        ),
        migrations.AddField(
            model_name="registration",
            name="document_number",
            field=models.CharField(blank=True, max_length=30),
        ),
        migrations.AddField(
            model_name="registration",
            name="document_issuing_state",
            field=models.CharField(blank=True, max_length=3),
        ),
        migrations.AddField(
            model_name="registration",
            name="link_method",
            field=models.CharField(
                choices=[
                    ("document", "Same identity document"),
                    ("name_birth_date", "Same name and birth date"),
                    ("new_provisional", "New provisional person"),
                    ("officer", "Chosen by an officer"),
                ],
                default="",
                max_length=20,
            ),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="registration",
            name="link_score",
            field=models.FloatField(default=1.0),
        ),
        migrations.AddField(
            model_name="registration",
            name="reference",
            field=models.CharField(blank=True, max_length=64),
        ),
        migrations.AddField(
            model_name="registration",
            name="warnings",
            field=models.JSONField(blank=True, default=list),
        ),
        migrations.AddConstraint(
            model_name="registration",
            constraint=models.UniqueConstraint(
                condition=models.Q(~Q(reference=""), ("host__isnull", False)),
                fields=("host", "reference"),
                name="registration_host_reference",
            ),
        ),
        migrations.AddConstraint(
            model_name="registration",
            constraint=models.UniqueConstraint(
                condition=models.Q(~Q(reference=""), ("host__isnull", True)),
                fields=("reference",),
                name="registration_self_reference",
            ),
        ),
    ]
