"""Showing what intake stored in the reader's language.

Reasons are stored as codes with parameters (intake.reasons) and rendered here in the reader's language;
rows stored before that, in English, still show: a fixed text translated, "<fixed text> (<details>)"
too, anything else (a server's own words) as written. Defects are lines of such texts.
"""

import re

from django import template
from django.utils import translation

from intake import reasons

register = template.Library()


@register.filter
def in_reader_language(text) -> str:
    """A stored reason (a code with parameters, or a plain text of old) in the active language; plain
    text out, escaped by the template like any other."""
    return reasons.render(text)


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
    return "" if _words(reasons.render(detail, "en")) == _words(label) else in_reader_language(detail)
