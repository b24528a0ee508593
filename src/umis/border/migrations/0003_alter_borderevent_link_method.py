# LinkMethod moved to umis.identity.constants and gained "officer" (no SQL change).

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("border", "0002_invaliddocument_entryban"),
    ]

    operations = [
        migrations.AlterField(
            model_name="borderevent",
            name="link_method",
            field=models.CharField(
                choices=[
                    ("document", "Same identity document"),
                    ("name_birth_date", "Same name and birth date"),
                    ("new_provisional", "New provisional person"),
                    ("officer", "Chosen by an officer"),
                ],
                max_length=20,
            ),
        ),
    ]
