"""Notification pages: an employee's preferences, and the tenant administrator's notification settings."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from mailboxes.models import Notification
from mailboxes.notifications import outbox
from mailboxes.notifications.forms import NotificationSettingsForm, PreferenceForm
from mailboxes.notifications.tenant_settings import (
    choose_notification_mailbox,
    preferences_for,
    settings_for,
)


@login_required
def preferences(request):
    employee = request.employee
    if employee is None:
        raise Http404
    form = PreferenceForm(
        request.POST or None, instance=preferences_for(employee), administrator=employee.is_administrator
    )
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Your notification preferences were saved."))
        return redirect("mailboxes:notification-preferences")
    return render(request, "mailboxes/notifications/preferences.html", {"form": form})


@login_required
def notification_settings(request):
    if request.employee is None or not request.employee.is_administrator:
        raise PermissionDenied
    tenant = request.tenant
    current = settings_for(tenant.pk)
    mailbox = current.mailbox if current else None
    initial = {"mailbox": mailbox, "language": current.language if current else ""}
    form = NotificationSettingsForm(request.POST or None, tenant=tenant, initial=initial)
    if request.method == "POST" and form.is_valid():
        choose_notification_mailbox(
            tenant=tenant, mailbox=form.cleaned_data["mailbox"], language=form.cleaned_data["language"]
        )
        messages.success(request, _("The notification settings were saved."))
        return redirect("mailboxes:notification-settings")
    return render(
        request,
        "mailboxes/notifications/settings.html",
        {
            "form": form,
            "mailbox": mailbox,
            "counts": outbox.counts(tenant.pk),
            "recent": outbox.recent(tenant.pk),
            "states": Notification.State,
        },
    )
