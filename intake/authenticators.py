"""The authenticator app behind two-factor sign-in, with its secret encrypted at rest.

django-otp's own TOTPDevice keeps the shared secret in clear; a database copy would then be enough to
make codes. This device stores the same fields with the key in an EncryptedTextField
(FIELD_ENCRYPTION_KEYS, rotated with the other secrets) and borrows TOTPDevice's checking code as is:
same time steps, tolerance, replay guard (last_t) and throttling.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django_otp.models import Device, ThrottlingMixin, TimestampMixin
from django_otp.plugins.otp_totp.models import TOTPDevice, default_key

from intake.crypto import EncryptedTextField


class AuthenticatorApp(TimestampMixin, ThrottlingMixin, Device):
    key = EncryptedTextField(default=default_key)  # hex, 20 random bytes
    step = models.PositiveSmallIntegerField(default=30)
    t0 = models.BigIntegerField(default=0)
    digits = models.PositiveSmallIntegerField(default=6)
    tolerance = models.PositiveSmallIntegerField(default=1)
    drift = models.SmallIntegerField(default=0)
    last_t = models.BigIntegerField(default=-1)  # the step of the last code accepted: none is accepted twice

    class Meta(Device.Meta):
        app_label = "intake"
        verbose_name = _("authenticator app")

    # The checking itself is django-otp's, unchanged: it reads only the fields above.
    bin_key = TOTPDevice.bin_key
    verify_token = TOTPDevice.verify_token
    get_throttle_factor = TOTPDevice.get_throttle_factor
    config_url = TOTPDevice.config_url
    _read_str_from_settings = TOTPDevice._read_str_from_settings
