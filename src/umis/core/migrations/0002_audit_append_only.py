from django.conf import settings
from django.db import migrations


def install(apps, schema_editor):
    # The test suite turns this off so that it can flush tables between tests; the
    # trigger itself is tested in tests/core/test_audit.py.
    if getattr(settings, "UMIS_AUDIT_DB_TRIGGERS", True):
        from umis.core.db import install_audit_triggers

        install_audit_triggers(schema_editor.connection)


def drop(apps, schema_editor):
    from umis.core.db import drop_audit_triggers

    drop_audit_triggers(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]
    operations = [migrations.RunPython(install, drop)]
