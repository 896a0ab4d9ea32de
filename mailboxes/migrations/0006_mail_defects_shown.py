from django.db import migrations, models


def mark_unreadable_attachments(apps, schema_editor):
    # Attachments stored with a reason before problems had kinds: they are the ones that could not be opened.
    Attachment = apps.get_model("mailboxes", "Attachment")
    Attachment.objects.exclude(problem_detail="").update(problem="unreadable")


class Migration(migrations.Migration):
    dependencies = [("mailboxes", "0005_message_body_text")]

    operations = [
        migrations.RenameField("attachment", "unreadable_reason", "problem_detail"),
        migrations.AlterField(
            model_name="attachment",
            name="problem_detail",
            field=models.TextField(blank=True, verbose_name="what is wrong"),
        ),
        migrations.AddField(
            model_name="attachment",
            name="problem",
            field=models.CharField(
                blank=True,
                choices=[
                    ("truncated", "incomplete: cut off"),
                    ("unreadable", "could not be opened"),
                    ("encrypted", "encrypted: can't be opened"),
                    ("too_deep", "nested too deep: not opened"),
                    ("over_limit", "too large to unpack: not opened"),
                ],
                default="",
                max_length=12,
                verbose_name="problem",
            ),
        ),
        migrations.AddField(
            model_name="attachment",
            name="role",
            field=models.CharField(
                choices=[
                    ("document", "document"),
                    ("container", "container (its files are listed after it)"),
                    ("signature", "digital signature"),
                    ("picture", "picture in the mail's text"),
                    ("resource_fork", "Mac resource fork"),
                ],
                default="document",
                max_length=16,
                verbose_name="kind",
            ),
        ),
        migrations.AddField(
            model_name="message",
            name="header_date_text",
            field=models.CharField(blank=True, max_length=200, verbose_name="date as written"),
        ),
        migrations.AddField(
            model_name="message",
            name="signature",
            field=models.CharField(
                blank=True,
                choices=[
                    ("verified", "signed, signature verified"),
                    ("failed", "signed, signature does not verify"),
                    ("unchecked", "signed (OpenPGP), not checked"),
                ],
                default="",
                max_length=10,
                verbose_name="signature",
            ),
        ),
        migrations.AddField(
            model_name="message",
            name="signature_detail",
            field=models.CharField(blank=True, max_length=500, verbose_name="signature detail"),
        ),
        migrations.AlterField(
            model_name="message",
            name="defects",
            field=models.TextField(blank=True, verbose_name="defects"),
        ),
        migrations.AddField(
            model_name="message",
            name="attachment_problems",
            field=models.PositiveIntegerField(default=0, verbose_name="attachments with a problem"),
        ),
        migrations.RunPython(mark_unreadable_attachments, migrations.RunPython.noop),
    ]
