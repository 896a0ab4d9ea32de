from django.conf import settings
from django.db import migrations, models

from mailboxes.models.mailbox import BINDING_INPUTS, SECRET_BINDINGS, connection_values, secret_bindings


def bind_stored_secrets(apps, schema_editor):
    # Secrets stored before bindings existed were entered for the fields they have now: bind them there,
    # so every mailbox keeps working after the upgrade (and stops working only when its server changes).
    Mailbox = apps.get_model("mailboxes", "Mailbox")
    rows = Mailbox._base_manager.all()
    for secret, binding in SECRET_BINDINGS.items():
        # Compared with "" in SQL: nothing is decrypted, so a row under a retired key cannot stop this.
        for row in rows.exclude(**{secret: ""}).values("pk", *BINDING_INPUTS).iterator():
            bound = secret_bindings(connection_values(row), settings.MS_AUTHORITY_HOST)[secret]
            rows.filter(pk=row["pk"]).update(**{binding: bound})


class Migration(migrations.Migration):
    dependencies = [("mailboxes", "0006_mail_defects_shown")]

    operations = [
        migrations.AddField(
            model_name="mailbox",
            name="client_secret_bound_to",
            field=models.CharField(blank=True, default="", editable=False, max_length=64),
        ),
        migrations.AddField(
            model_name="mailbox",
            name="password_bound_to",
            field=models.CharField(blank=True, default="", editable=False, max_length=64),
        ),
        migrations.AddField(
            model_name="mailbox",
            name="token_cache_bound_to",
            field=models.CharField(blank=True, default="", editable=False, max_length=64),
        ),
        migrations.RunPython(bind_stored_secrets, migrations.RunPython.noop),
    ]
