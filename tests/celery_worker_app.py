"""The Celery app as a test's worker process runs it: test settings, and the broker folder the test chose."""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")

import django

django.setup()

from intake.celery import app  # noqa: E402

_folder = os.environ["INTAKE_TEST_BROKER_FOLDER"]
app.conf.broker_transport_options = {
    "data_folder_in": f"{_folder}/queue",
    "data_folder_out": f"{_folder}/queue",
    "control_folder": f"{_folder}/control",
}
