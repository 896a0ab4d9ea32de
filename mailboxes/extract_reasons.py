"""The words of what mail extraction records (mailboxes.extract.notes): one lazy msgid per code.

Extraction runs without Django and stores codes with parameters; these are the texts intake.reasons
renders them with, in the reader's language. A code is stable, a text may be reworded. The fixed texts
are the English ones rows stored before the codes hold, so those rows still show translated. Loaded with
the mailboxes app (mailboxes.polling.ingest imports it), and by whatever renders stored mail.
"""

from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from intake import reasons

TEXTS = {
    # Why a mail cannot be read at all (Message.unreadable_reason).
    "too_deeply_nested_to_read": _("MIME structure too deeply nested to read"),
    "too_large_for_memory": _("mail too large to read in memory"),
    "internal_error": _("could not be read: internal error"),
    "empty_no_bytes": _("empty message: no bytes"),
    "empty_only_blank_lines": _("empty message: only blank lines"),
    "no_headers": _("not an e-mail message: no headers"),
    "encrypted": _("encrypted — can't be opened"),
    # Defects repaired in the headers and the structure (Message.defects, one a line).
    "no_date": _("no Date header"),
    "no_message_id": _("no Message-ID header"),
    "date_out_of_range": _("Date header out of range (kept as written)"),
    "date_unparsable": _("unparsable Date header"),
    "message_id_without_brackets": _("Message-ID without angle brackets"),
    "message_id_unparsable": _("unparsable Message-ID header"),
    "final_boundary_missing": _("missing final MIME boundary"),
    "boundary_never_found": _("MIME boundary never found; the body was kept as text"),
    "multipart_without_boundary": _("multipart without a boundary parameter"),
    "header_body_separator_missing": _("missing blank line between headers and body"),
    "first_header_line_continuation": _("first header line is a continuation line (ignored)"),
    "misplaced_from_line": _("misplaced 'From ' line among the headers (ignored)"),
    "header_line_without_name": _("header line without a name (ignored)"),
    "multipart_transfer_encoding": _("multipart declares a transfer encoding (ignored)"),
    "nested_too_deep": ngettext_lazy(
        "MIME structure nested deeper than %(count)d level; deeper parts ignored",
        "MIME structure nested deeper than %(count)d levels; deeper parts ignored",
        "count",
    ),
    "mail_ends_inside_part": _("the mail ends inside this part"),
    "mail_ends_inside_file": _("the mail ends inside this file: it may be incomplete"),
    "salvaged": _("structure read by the salvaging parser"),
    "boundary_guessed": _("boundary guessed from the body: %(boundary)s"),
    "text_body": _("text body: %(note)s"),
    "attachment": _("attachment %(name)s: %(note)s"),
    "signature_verified": _("signature verified: %(note)s"),
    "signature_failed": _("signature failed: %(note)s"),
    "signature_unchecked": _("signature unchecked: %(note)s"),
    # Transfer encodings and charsets.
    "unknown_transfer_encoding": _("unknown transfer encoding %(encoding)s; content kept as is"),
    "not_base64": _("declared base64, but %(share)d%% of its characters are not base64"),
    "base64_stray_characters": ngettext_lazy(
        "%(count)d invalid base64 character ignored", "%(count)d invalid base64 characters ignored", "count"
    ),
    "base64_padding_repaired": _("base64 padding repaired"),
    "base64_truncated": _("base64 data truncated; incomplete last group dropped"),
    "uuencoded_lines_bad": ngettext_lazy(
        "%(count)d uuencoded line could not be decoded",
        "%(count)d uuencoded lines could not be decoded",
        "count",
    ),
    "uuencoded_without_begin": _("uuencoded data without a begin line"),
    "uuencoded_without_end": _("no end line: the file may be cut off"),
    "unknown_charset": _("unknown charset %(charset)s"),
    "invalid_in_charset": _("text is not valid %(charset)s"),
    "decoded_as": _("%(note)s; decoded as %(charset)s"),
    # Files that look cut off.
    "pdf_incomplete": _("the PDF is incomplete: its end is missing"),
    "jpeg_incomplete": _("the JPEG picture is incomplete: its end is missing"),
    "png_incomplete": _("the PNG picture is incomplete: its end is missing"),
    "gif_incomplete": _("the GIF picture is incomplete: its end is missing"),
    "zip_incomplete": _("the ZIP archive is incomplete: its directory is missing"),
    # Signatures (Message.signature_detail).
    "signed_content_not_located": _("the signed content could not be located in the mail"),
    "openpgp_unchecked": _("OpenPGP signature; not checked (no public key)"),
    "signature_content_changed": _("the content was changed after signing"),
    "signature_no_certificate": _("the signer's certificate is not in the mail"),
    "signature_invalid": _("not a valid signature"),
    "signature_no_signer": _("the signature names no signer"),
    "signature_wrong_key": _("the signature algorithm does not fit the signer's key"),
    "signature_certificate_unreadable": _("the signer's certificate cannot be read"),
    "signature_no_digest": _("the signed attributes hold no message digest"),
    "signature_problem_of": _("%(problem)s (signer: %(signer)s)"),
    "unsupported_digest": _("unsupported digest algorithm: %(name)s"),
    "unsupported_signature_algorithm": _("unsupported signature algorithm: %(name)s"),
    "unsupported_pss_hash": _("unsupported signature algorithm: rsassa_pss with %(name)s"),
    # Containers (Attachment.problem_detail, and defects about the files inside).
    "containers_too_deep": ngettext_lazy(
        "nested deeper than %(count)d container; not opened",
        "nested deeper than %(count)d containers; not opened",
        "count",
    ),
    "tnef_unreadable": _("winmail.dat could not be unpacked: %(note)s"),
    "tnef_no_signature": _("no TNEF signature"),
    "tnef_no_files": _("no files could be taken out of this winmail.dat (it may be damaged)"),
    "tnef_cut_off": _("the winmail.dat was cut off: files inside it may be missing or incomplete"),
    "tnef_member_empty": _("empty: the winmail.dat was cut off"),
    "smime_unreadable": _("S/MIME data could not be read: %(note)s"),
    "smime_content_unreadable": _("the signed data's content cannot be read"),
    "smime_detached": _("the signed data holds no content (it is a detached signature)"),
    "smime_not_bytes": _("not bytes"),
    "smime_too_large": _("larger than %(count)d MB"),
    "smime_not_cms": _("not a CMS structure"),
    "smime_not_der": _("neither DER nor base64 text"),
    "smime_not_signed_data": _("not signed data but %(kind)s"),
    # ZIP archives.
    "archive_incomplete": _("archive could not be read completely"),
    "archive_too_many_files": ngettext_lazy(
        "more than %(count)d file inside; the rest not listed",
        "more than %(count)d files inside; the rest not listed",
        "count",
    ),
    "archive_too_large": _("unpacks to more than %(size)s; files past that not unpacked"),
    "archive_damaged": _("damaged archive: cannot be opened"),
    "archive_empty": _("the archive holds no files"),
    "archive_nested_too_deep": ngettext_lazy(
        "inner archive nested deeper than %(count)d level; not opened",
        "inner archive nested deeper than %(count)d levels; not opened",
        "count",
    ),
    "archive_unknown_method": _("compressed with an unsupported method (method %(number)s); not unpacked"),
    "archive_method": _("compressed with %(method)s (method %(number)s); not unpacked"),
    "archive_member_past_total": _("would take the archive past %(size)s unpacked; not unpacked"),
    "archive_member_ends_early": _("damaged: the data ends early"),
    "archive_member_damaged": _("damaged: %(error)s"),
    "archive_member_ratio": ngettext_lazy(
        "expands more than %(count)d time; not unpacked",
        "expands more than %(count)d times; not unpacked",
        "count",
    ),
    # Outlook .msg files.
    "msg_unreadable": _("Outlook message could not be read: %(note)s"),
    "msg_not_ole": _("not an OLE compound file (no signature)"),
    "msg_damaged_file": _("damaged compound file (%(note)s)"),
    "msg_damaged_message": _("damaged Outlook message (%(note)s)"),
    "msg_too_short": _("shorter than a compound file header"),
    "msg_sector_size": _("impossible sector size"),
    "msg_sector_count": _("header claims more sectors than the file has"),
    "msg_mini_stream": _("mini stream larger than the file"),
    "msg_other_document": _("an OLE compound file, but not an Outlook message"),
    "msg_stream_too_large": _("stream %(name)s is declared larger than the whole file"),
    "msg_data_cut_short": ngettext_lazy(
        "data cut short (%(got)d of %(count)d byte)", "data cut short (%(got)d of %(count)d bytes)", "count"
    ),
    "msg_stream_cut_short": ngettext_lazy(
        "stream %(name)s cut short (%(got)d of %(count)d byte)",
        "stream %(name)s cut short (%(got)d of %(count)d bytes)",
        "count",
    ),
    "msg_properties": _("message properties: %(note)s"),
    "msg_subject": _("subject: %(note)s"),
    "msg_sender": _("sender: %(note)s"),
    "msg_body": _("body: %(note)s"),
    "msg_attachment": _("attachment %(number)s: %(note)s"),
    "msg_link": _("a link to a file, not the file itself"),
    "msg_ole_object": _("an embedded OLE object; not extracted"),
    "msg_web_link": _("a link to a file on the web, not the file itself"),
    "msg_data_missing": _("data missing"),
    "msg_too_many_without_file": ngettext_lazy(
        "more than %(count)d attachment without a file; the rest not read",
        "more than %(count)d attachments without a file; the rest not read",
        "count",
    ),
    "msg_too_many_files": ngettext_lazy(
        "more than %(count)d file; the rest not read", "more than %(count)d files; the rest not read", "count"
    ),
    "msg_too_large": ngettext_lazy(
        "files larger than %(count)d byte in total; the rest not read",
        "files larger than %(count)d bytes in total; the rest not read",
        "count",
    ),
    "msg_nested_too_deep": ngettext_lazy(
        "nested deeper than %(count)d level; not opened",
        "nested deeper than %(count)d levels; not opened",
        "count",
    ),
}

KINDS = {code: reasons.define(f"extract.{code}", text) for code, text in TEXTS.items()}
