"""Mail that is not arriving, shown where people work (connections.health is the one selector).

{% load mailbox_health %}
{% not_arriving_at points as troubles %}  points (or buffers) → [(point or None, BufferTrouble)]
{% buffer_not_arriving buffer as trouble %}   one buffer → BufferTrouble or None
{% needs_attention as attention %}        the request's tenant, for its administrators; else None
"""

from django import template

from intake.tenancy import is_tenant_administrator
from mailboxes.connections import health

register = template.Library()


@register.simple_tag
def not_arriving_at(items):
    """For ACD points (their buffers) or buffers: the affected ones, each with its trouble, in order."""
    items = list(items or [])
    buffer_of = {id(item): getattr(item, "buffer_id", None) or item.pk for item in items}
    troubles = {trouble.buffer.pk: trouble for trouble in health.not_arriving(set(buffer_of.values()))}
    return [
        (item if hasattr(item, "buffer_id") else None, troubles[buffer_of[id(item)]])
        for item in items
        if buffer_of[id(item)] in troubles
    ]


@register.simple_tag
def buffer_not_arriving(buffer):
    troubles = health.not_arriving([buffer]) if buffer is not None else []
    return troubles[0] if troubles else None


@register.simple_tag(takes_context=True)
def needs_attention(context):
    request = context.get("request")
    if request is None or getattr(request, "tenant", None) is None:
        return None  # a platform superuser outside any tenant: nothing is scoped to show
    if not (request.user.is_superuser or is_tenant_administrator(request)):
        return None
    return health.needs_attention()
