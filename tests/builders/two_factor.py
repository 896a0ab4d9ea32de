"""Two-factor authentication in tests: authenticators with a known secret, their codes, verified sessions."""

import time

from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import hotp

from intake import two_factor
from intake.authenticators import AuthenticatorApp


def confirmed_authenticator(user) -> AuthenticatorApp:
    """The user's authenticator app, set up and confirmed (created if they have none)."""
    device = AuthenticatorApp.objects.filter(user=user, confirmed=True).first()
    return device or AuthenticatorApp.objects.create(user=user, name=two_factor.DEVICE_NAME, confirmed=True)


def current_code(device: AuthenticatorApp) -> str:
    """A code the device accepts now: the earliest time step within its tolerance that was not used yet
    (a code is accepted once, so a second sign-in within the same 30 seconds needs the next step's)."""
    device.refresh_from_db()
    now = int(time.time() - device.t0) // device.step + device.drift
    steps = [t for t in range(now - device.tolerance, now + device.tolerance + 1) if t > device.last_t]
    assert steps, "this device already accepted every code of its tolerance window"
    return f"{hotp(device.bin_key, steps[0], digits=device.digits):0{device.digits}d}"


def wrong_code(device: AuthenticatorApp) -> str:
    right = {current_code(device)}
    return next(code for code in ("000000", "111111", "222222") if code not in right)


def mark_verified(client, user) -> AuthenticatorApp:
    """Make a logged-in test client's session one that passed the second factor (as after the code page),
    giving the user an authenticator if needed: for superusers, who always owe one."""
    device = confirmed_authenticator(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return device
