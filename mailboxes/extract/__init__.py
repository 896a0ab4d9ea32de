"""E-mail extraction: raw mail bytes → headers, body text and attachments (no Django in here).

    from mailboxes.extract import extract_mail
    mail = extract_mail(raw_bytes)  # never raises; see ExtractedMail.unreadable_reason and .defects

Modules, one job each:
    extractor   extract_mail itself: parser choice, header fields, never raising
    fastmime    fast structure parser (bytes.find on the raw mail) for well-formed MIME
    stdlib_tree fallback: the standard library's parser, converted to the same tree
    parts       the MimePart tree and the structure rules both parsers share
    collect     the walk: which parts are attachments (rules in its docstring), body text, defects
    headers     RFC 2047 words, addresses, dates, Message-IDs
    params      Content-Type / Content-Disposition parameters incl. RFC 2231
    names       attachment names: finding, decoding, generating
    transfer    base64 / quoted-printable / uuencode, tolerant of ragged input
    charsets    bytes → text with declared charset and fallbacks
    html_text   text of HTML-only bodies
    tnef        Outlook winmail.dat unpacking (via tnefparse)
"""

from mailboxes.extract.extractor import extract_mail
from mailboxes.extract.model import ExtractedAttachment, ExtractedMail

__all__ = ["ExtractedAttachment", "ExtractedMail", "extract_mail"]
