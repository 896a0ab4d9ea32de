"""Showing what intake stored in the reader's language.

Reasons and defects are stored in English, as intake wrote them (a mail is read once, for every reader);
the fixed ones are in the translation catalogue, so they are translated when shown. Texts with details
of their own (a file name, a charset) have no entry and show as written.
"""

import re

from django import template
from django.utils import translation
from django.utils.translation import gettext

register = template.Library()


@register.filter
def in_reader_language(text: str) -> str:
    """A stored fixed text translated; "<fixed text> (<details>)" too, the details as they are."""
    if not text:
        return text
    translated = gettext(text)
    if translated != text:
        return translated
    if text.endswith(")"):
        at = text.find(" (")
        while at != -1:  # the fixed text may hold " (" itself: try each split, shortest details last
            head = text[:at]
            if gettext(head) != head:
                return f"{gettext(head)}{text[at:]}"
            at = text.find(" (", at + 1)
    return text


def _words(text: str) -> str:
    return " ".join(re.findall(r"\w+", text.casefold().replace("'", "")))


@register.filter
def problem_detail(attachment) -> str:
    """The attachment's problem detail in the reader's language, or "" when it only repeats the problem's
    label (intake's "encrypted — can't be opened" next to the label "encrypted: can't be opened")."""
    detail = attachment.problem_detail
    if not detail or not attachment.problem:
        return detail
    with translation.override(None):  # the label as written in the source, like the stored detail
        label = str(attachment.get_problem_display())
    return "" if _words(detail) == _words(label) else in_reader_language(detail)
