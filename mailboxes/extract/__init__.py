"""E-mail extraction: raw mail bytes → headers, body text and attachments (no Django in here).

    from mailboxes.extract import extract_mail
    mail = extract_mail(raw_bytes)  # never raises; see ExtractedMail.unreadable_reason and .defects

Decisions (details in collect.py):
    * Named parts are attachments whatever their disposition (named inline images, inline PDFs, named
      text/calendar). Unnamed parts referenced by Content-ID or inside multipart/related (signature
      logos, pictures in the HTML) are not.
    * Forwarded mails (message/rfc822) are opened at any depth; their attachments carry `origin`
      ("forwarded: <subject>", levels joined with " \u203a "). The .eml itself is never listed.
    * winmail.dat (TNEF, recognised by type, name or signature) is unpacked with tnefparse; its files
      get origin "winmail.dat". One that cannot be unpacked is listed itself with unreadable_reason.
    * Well-formed MIME is split by fastmime (bytes.find, no copies); anything odd goes to the standard
      library's parser, and both feed the same interpretation code.

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
