"""Showing what intake stored in the reader's language.

Reasons and defects are stored in English, as intake wrote them (a mail is read once, for every reader);
the fixed ones are in the translation catalogue, so they are translated when shown. Texts with details
of their own (a file name, a charset) have no entry and show as written.
"""

from django import template
from django.utils.translation import gettext

register = template.Library()


@register.filter
def in_reader_language(text: str) -> str:
    return gettext(text) if text else text
