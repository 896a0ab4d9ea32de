"""An outgoing mailbox may use no authentication: an on-premises SMTP relay (issue 13, item 13)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("mailboxes", "0008_reliability"),
    ]

    operations = [
        migrations.AlterField(
            model_name="mailbox",
            name="auth_method",
            field=models.CharField(
                choices=[
                    ("password", "login and password"),
                    ("ms_oauth", "Microsoft OAuth 2.0"),
                    ("none", "no authentication (SMTP relay)"),
                ],
                default="password",
                max_length=10,
                verbose_name="authentication method",
            ),
        ),
    ]
