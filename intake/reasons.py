"""Stored reasons: a stable code with parameters, rendered in the reader's language when shown.

A reason (why a mailbox fails, why a notification waits, where a document came from) is stored once, by a
worker that has no reader, and read later by people with different languages. So it is stored as data,
``{"$reason": "<code>", "p": {<name>: <value>}}`` in the row's existing text field, and `render` turns it
into words in the reader's language: the code's text from the catalogue (a lazy msgid with %(name)s
placeholders, a plural one when a count is involved) filled with the parameters.

- Codes are defined where their texts live (`define`); a code is stable, a text may be reworded.
- Parameters are short strings or numbers (PARAMETER_LIMIT characters, PARAMETERS_LIMIT of them), and the
  encoding fits the field it is stored in (`Reason.stored(limit)` shortens parameters, never the JSON).
- A parameter named "detail" that the text does not place is shown after it in parentheses: a server's
  own words, a host, a file name — data, never translated.
- Rows stored before this (plain English) still render: a fixed text is translated, "<fixed text>
  (<details>)" too with the details as they are, anything else as written (`legacy_text`).
- An unknown code (a row written by a newer version, a code since removed) renders as a generic text
  with its parameters; a malformed row as written. Rendering never raises.
- A parameter may itself be a reason (stored as the same object) or a list of them, a few levels deep
  (NESTING_LIMIT): "attachment %(name)s: %(note)s" places a note that is a reason of its own. Two
  structural codes need no text: JOINED lists its "parts" with "; ", LOCATED puts "%(where)s: " (a place
  given as data) before its "note". Anything with `code` and `params` (mailboxes.extract.notes.Note, which
  must not import Django) is taken as a reason.

Output is plain text: templates escape it as usual.
"""

import contextlib
import json
from dataclasses import dataclass, field

from django.utils import translation
from django.utils.translation import gettext, gettext_lazy

MARKER = '{"$reason":'
PARAMETER_LIMIT = 1000  # characters of one string parameter
PARAMETERS_LIMIT = 8
STORED_LIMIT = 1000  # the usual size of a stored reason (the text fields' own cut)
DECODED_LIMIT = 1_000_000  # a longer value is no reason this code stored: shown as a plain text
ELLIPSIS = "…"
NESTING_LIMIT = 8  # reasons inside reasons; deeper ones are shown by their code
JOINED = "$joined"  # {"parts": [...]}: shown joined with "; "
LOCATED = "$located"  # {"where": <place>, "note": ..., "separator"?}: shown "<place>: <note>"

UNKNOWN = gettext_lazy("Unrecognised reason %(code)s")

_CATALOGUE: dict[str, "Kind"] = {}


def _bounded_value(value, limit: int = PARAMETER_LIMIT, depth: int = 0):
    if isinstance(value, bool) or value is None:
        return str(value)
    if isinstance(value, int | float):
        return value
    nested = _nested(value, depth)
    if nested is not None:
        return nested
    if isinstance(value, list | tuple):
        if depth >= NESTING_LIMIT:
            return ""
        return tuple(_bounded_value(item, limit, depth + 1) for item in value[:PARAMETERS_LIMIT])
    text = str(value)
    return text if len(text) <= limit else text[: max(limit - 1, 0)] + ELLIPSIS


def _nested(value, depth: int):
    """`value` as a reason inside a reason (a Reason, a Note-like object, a decoded dict), or None."""
    if isinstance(value, dict):
        if not isinstance(value.get("$reason"), str):
            return None
        code, params = value["$reason"], value.get("p")
    elif isinstance(getattr(value, "code", None), str) and hasattr(value, "params"):
        code, params = value.code, value.params
    else:
        return None
    if depth >= NESTING_LIMIT:
        return code[:100]
    if not isinstance(params, dict):
        try:
            params = dict(params)  # a Note's pairs
        except (TypeError, ValueError):
            params = {}
    reason = object.__new__(Reason)
    object.__setattr__(reason, "code", code[:100])
    object.__setattr__(reason, "params", _bounded_params(params, depth + 1))
    return reason


def _bounded_params(params: dict, depth: int = 0) -> dict:
    items = list(params.items())[:PARAMETERS_LIMIT]
    return {str(name)[:40]: _bounded_value(value, depth=depth) for name, value in items}


def _capped(value, cap: int):
    """`value` with every string in it (nested reasons and lists too) at most `cap` characters."""
    if isinstance(value, str):
        return value if len(value) <= cap else (value[: cap - 1] + ELLIPSIS if cap > 1 else "")
    if isinstance(value, tuple):
        return tuple(_capped(item, cap) for item in value)
    if isinstance(value, Reason):
        reason = object.__new__(Reason)
        object.__setattr__(reason, "code", value.code)
        object.__setattr__(reason, "params", {n: _capped(v, cap) for n, v in value.params.items()})
        return reason
    return value


@dataclass(frozen=True)
class Reason:
    """One reason: its code and parameters. str() renders it in the active language."""

    code: str
    params: dict = field(default_factory=dict)

    def __post_init__(self):
        object.__setattr__(self, "params", _bounded_params(self.params))

    def stored(self, limit: int = STORED_LIMIT) -> str:
        """The encoding for a text field of `limit` characters: the longest string parameters (nested
        ones too) are shortened until it fits, so a cut never breaks the JSON."""
        encoded = _encode(self.code, self.params)
        if len(encoded) <= limit:
            return encoded
        low, high, best = 0, PARAMETER_LIMIT, None  # the largest cap on every string that fits
        while low <= high:
            cap = (low + high) // 2
            trial = _encode(self.code, _capped(self, cap).params)
            if len(trial) <= limit:
                best, low = trial, cap + 1
            else:
                high = cap - 1
        if best is not None:
            return best
        bare = _encode(self.code, {})
        return bare if len(bare) <= limit else ""

    def render(self, language: str | None = None) -> str:
        with translation.override(language) if language else contextlib.nullcontext():
            return _words(self)

    def __str__(self):
        return _words(self)


@dataclass(frozen=True, eq=False)
class Kind:
    """A code and its text: a lazy msgid (gettext_lazy, or ngettext_lazy with the count's name)."""

    code: str
    text: object

    def __call__(self, **params) -> Reason:
        return Reason(self.code, params)

    def stored(self, limit: int = STORED_LIMIT, **params) -> str:
        return Reason(self.code, params).stored(limit)

    def __str__(self):
        return str(self.text)


def define(code: str, text) -> Kind:
    """Register `code` with its lazy text (placeholders %(name)s; a parameter "detail" is never placed in
    the text: it follows it in parentheses)."""
    kind = Kind(code, text)
    _CATALOGUE[code] = kind
    return kind


def kind_of(code: str) -> Kind | None:
    return _CATALOGUE.get(code)


def _encode(code: str, params: dict) -> str:
    return json.dumps(
        {"$reason": code, "p": params},
        ensure_ascii=False,
        separators=(",", ":"),
        sort_keys=True,
        default=_as_data,
    )


def _as_data(value):
    if isinstance(value, Reason):  # a reason inside a reason: the same object as a stored one
        return {"$reason": value.code, "p": value.params}
    raise TypeError(type(value).__name__)


def decode(stored) -> Reason | None:
    """The reason in a stored value, or None for a plain (legacy) text or a malformed one."""
    if not isinstance(stored, str) or not stored.startswith(MARKER):
        return None
    if len(stored) > DECODED_LIMIT:
        return None
    try:
        data = json.loads(stored)  # its parameters are bounded again (Reason), a hand-made row's too
    except (ValueError, RecursionError):
        return None
    if not isinstance(data, dict) or not isinstance(data.get("$reason"), str):
        return None
    params = data.get("p")
    return Reason(data["$reason"][:100], params if isinstance(params, dict) else {})


def is_reason(stored) -> bool:
    return decode(stored) is not None


def _words(reason: Reason) -> str:
    params = {name: _shown(value) for name, value in reason.params.items()}
    if reason.code == JOINED:
        return params.get("parts", "")
    if reason.code == LOCATED and "note" in params:
        where, separator = params.get("where"), params.get("separator", ": ")
        return f"{where}{separator}{params['note']}" if where else params["note"]
    kind = _CATALOGUE.get(reason.code)
    if kind is not None:
        text = _filled(kind.text, params)
        if text is not None:
            detail = params.get("detail")
            return f"{text} ({detail})" if detail not in (None, "") else text
    unknown = str(UNKNOWN % {"code": reason.code})
    shown = ", ".join(f"{name}: {value}" for name, value in params.items())
    return f"{unknown} ({shown})" if shown else unknown


def _shown(value):
    """A parameter as the text places it: a nested reason in words, a list joined, the rest as it is."""
    if isinstance(value, Reason):
        return _words(value)
    if isinstance(value, tuple):
        return "; ".join(filter(None, (str(_shown(item)) for item in value)))
    return value


def _filled(text, params: dict) -> str | None:
    """The text with its placeholders filled; None when a parameter it needs is missing."""
    try:
        return str(text % params)
    except (KeyError, TypeError, ValueError):
        pass
    try:
        plain = str(text)  # a text with a lone "%" and no placeholders
    except (KeyError, TypeError, ValueError):
        return None
    return None if "%(" in plain else plain


def legacy_text(text: str) -> str:
    """A plain text stored before reasons had codes: a fixed text translated; "<fixed text> (<details>)"
    too, the details as they are; anything else as written."""
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


def render(stored, language: str | None = None) -> str:
    """A stored value (a coded reason, or a plain text of old) in `language` (None: the active one)."""
    if not stored:
        return stored if isinstance(stored, str) else ""
    if isinstance(stored, Reason):
        return stored.render(language)
    if not isinstance(stored, str):
        reason = as_reason(stored)
        return reason.render(language) if reason is not None else str(stored)
    with translation.override(language) if language else contextlib.nullcontext():
        reason = decode(stored)
        return _words(reason) if reason is not None else legacy_text(str(stored))


def as_reason(value) -> Reason | None:
    """`value` as a Reason: a Reason, anything with `code` and `params` (a Note), a stored reason."""
    if isinstance(value, Reason):
        return value
    if isinstance(value, str):
        return decode(value)
    nested = _nested(value, 0)
    return nested if isinstance(nested, Reason) else None


def fitted(value, limit: int = STORED_LIMIT) -> str:
    """What a text field of `limit` characters keeps of `value`: a reason (a Note, a Reason, a stored one)
    encoded to fit, any other text cut to `limit`."""
    reason = as_reason(value)
    if reason is not None:
        return reason.stored(limit)
    return str(value or "")[:limit]


def in_english(stored) -> str:
    """For logs, command output and task failures: always the source language."""
    return render(stored, "en")


def stored_text(value, limit: int = STORED_LIMIT) -> str:
    """What to store for `value`: a Reason (or an error carrying one, `.reason`) encoded to fit `limit`;
    any other value as its English text, cut to `limit` (a plain text renders as written)."""
    reason = value if isinstance(value, Reason) else getattr(value, "reason", None)
    if isinstance(reason, Reason):
        return reason.stored(limit)
    if isinstance(reason, str) and reason.startswith(MARKER) and len(reason) <= limit:
        return reason
    with translation.override("en"):
        return str(value)[:limit]


# -- intake's own reasons ----------------------------------------------------------------------------------

# Where a document came from (Document.source).
DOCUMENT_FROM_ACD_POINT = define(
    "document.acd_point_mail", gettext_lazy("ACD point %(point)s, mail from %(sender)s")
)


def api_language(request) -> str:
    """The language the API renders stored reasons in: English, unless the request asks for another one
    (Accept-Language, a supported language)."""
    meta = getattr(request, "META", {}) or {}
    if not meta.get("HTTP_ACCEPT_LANGUAGE"):
        return "en"
    return translation.get_language_from_request(request)
