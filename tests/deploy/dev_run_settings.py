"""The development settings `make run` uses, with var/ moved to the folder a test chose.

settings.VAR_DIR is fixed to the checkout's var/; a test that starts the real run must not share the
developer's broker folders or beat schedule, so this module repoints what hangs off it.
"""

import os
from pathlib import Path

from intake.settings import *  # noqa: F403

VAR_DIR = Path(os.environ["INTAKE_TEST_VAR_DIR"])
BROKER_DIR = VAR_DIR / "broker"
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "data_folder_in": str(BROKER_DIR / "queue"),
    "data_folder_out": str(BROKER_DIR / "queue"),
    "control_folder": str(BROKER_DIR / "control"),
    "store_processed": False,
}
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
