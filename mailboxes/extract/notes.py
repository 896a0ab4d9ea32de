"""What extraction says about a mail, as data: a code and its parameters (no Django in here).

Reasons a mail cannot be read, defects repaired, an attachment's problem, why a signature fails: each is a
`Note`, a stable code with parameters (a file name, a count, a charset as the mail wrote it, another
Note). The words live on the Django side, one lazy msgid per code (mailboxes/extract_reasons.py), and
intake.reasons stores a Note as `{"$reason": <code>, "p": {...}}` and renders it in the reader's
language, so a Polish page never shows an English reason.

    NO_DATE = note("extract.no_date")                         # a fixed text
    note("extract.attachment", name="a.pdf", note=NO_DATE)    # "attachment a.pdf: no Date header"
    joined(first, second)                                     # shown "first; second"
    located("x / inner.zip", note)                            # shown "x / inner.zip: <note>"

A parameter named "detail" is data the text does not place (an exception's own words): shown after the
text in parentheses, never translated. An empty reason is "" (falsy), as the fields were before.
"""

from dataclasses import dataclass

# intake.reasons' structural codes, which have no text of their own (its JOINED and LOCATED).
JOINED = "$joined"
LOCATED = "$located"


@dataclass(frozen=True, slots=True)
class Note:
    """A code and its parameters, (name, value) pairs sorted by name; values are strings, numbers, Notes
    or tuples of those. Hashable and comparable, so repeated notes can be dropped."""

    code: str
    params: tuple = ()

    def get(self, name: str, default=None):
        return dict(self.params).get(name, default)

    def mentions(self, code: str) -> bool:
        """Whether this note is `code`, or holds a note that is, at any depth."""
        return self.code == code or any(_mentions(value, code) for _name, value in self.params)


def _mentions(value, code: str) -> bool:
    if isinstance(value, Note):
        return value.mentions(code)
    if isinstance(value, tuple):
        return any(_mentions(item, code) for item in value)
    return False


def note(code: str, **params) -> Note:
    return Note(code, tuple(sorted(params.items())))


def joined(*parts) -> "Note | str":
    """Several notes as one ("" for none, the note itself for one)."""
    kept = tuple(dict.fromkeys(part for part in parts if part))
    if not kept:
        return ""
    return kept[0] if len(kept) == 1 else note(JOINED, parts=kept)


def located(where: str, said, separator: str = ": ") -> "Note | str":
    """`said` about a place given as data (a path inside an archive): "<where>: <said>"."""
    if not where or not said:
        return said
    if separator != ": ":
        return note(LOCATED, where=where, note=said, separator=separator)
    return note(LOCATED, where=where, note=said)


def mentions(value, code: str) -> bool:
    """Whether `value` (a Note, "" or a plain text) is or holds the note `code`."""
    return isinstance(value, Note) and value.mentions(code)
