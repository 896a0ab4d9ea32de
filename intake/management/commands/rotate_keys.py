from django.apps import apps
from django.core.management.base import BaseCommand

from intake.crypto import encrypted_fields, rotate_model


class Command(BaseCommand):
    help = (
        "Re-encrypt every stored secret with the newest key of FIELD_ENCRYPTION_KEYS. Put the new key first, "
        "run this, then remove the old key."
    )

    def handle(self, *args, **options):
        for model in apps.get_models():
            if encrypted_fields(model):
                count = rotate_model(model)
                self.stdout.write(f"{model._meta.label}: {count} row(s) re-encrypted")
