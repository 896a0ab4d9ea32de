"""The operators see every defect intake recorded: on the mail page (which attachment is wrong and why,
the mail's defects, its signature, an unusable date, why it cannot be read) and in the mail list.

Mails are stored as a poll stores them (tests.builders.add_mail); where a test needs a defect that is
awkward to produce in bytes, the stored rows are set with the ORM, exactly as intake would have written
them.
"""

import html
import re
from email.message import EmailMessage
from html.parser import HTMLParser

import pytest
from django.core.files.storage import default_storage
from django.urls import reverse
from django.utils import translation

from intake import reasons
from mailboxes.models import Attachment, Message
from tests.builders import PDF, PNG, add_mail, another_buffer, invoice_mail
from tests.builders.archives import zip_of

ABSURD_DATE = "Fri, 01 Jan 9999 00:00:00 +0000"
# What intake writes for a file the mail ends inside (mailboxes/extract/collect.py).
CUT_OFF_DETAIL = "the mail ends inside this file: it may be incomplete"
PROBLEM_DETAILS = {
    Attachment.Problem.TRUNCATED: CUT_OFF_DETAIL,
    Attachment.Problem.UNREADABLE: "damaged archive: cannot be opened",
    Attachment.Problem.ENCRYPTED: "password-protected archive",
    Attachment.Problem.TOO_DEEP: "nested deeper than 3 containers; not opened",
    Attachment.Problem.OVER_LIMIT: "would unpack to more than 100 MB",
}


@pytest.fixture
def point(make_point, world_a):
    return make_point(employees=[world_a.operator])


@pytest.fixture
def operator(client_for, world_a):
    return client_for(world_a.operator)


def mail_bytes(*, subject="Faktura 5/2026", date=None, files=(("faktura.pdf", PDF),), picture=False) -> bytes:
    """A mail with `files` attached (typed by their extension), optionally a logo drawn by its HTML text."""
    message = EmailMessage()
    message["From"] = "Dostawca <ksiegowosc@dostawca.example>"
    message["To"] = "faktury@alpha.example"
    message["Subject"] = subject
    if date:
        message["Date"] = date
    message.set_content("W załączeniu faktura.")
    if picture:
        message.add_alternative('<p>W załączeniu faktura.</p><img src="cid:logo@dostawca">', subtype="html")
        message.get_payload()[1].add_related(PNG, maintype="image", subtype="png", cid="<logo@dostawca>")
    types = {
        "pdf": ("application", "pdf"),
        "png": ("image", "png"),
        "zip": ("application", "zip"),
        "p7s": ("application", "pkcs7-signature"),
        "xml": ("application", "xml"),
    }
    for name, data in files:
        maintype, subtype = types[name.rpartition(".")[2]]
        message.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    return message.as_bytes()


def stored_mail_with(buffer, **options) -> Message:
    return add_mail(buffer, mail_bytes(**options))


def attachment_named(message, name) -> Attachment:
    return Attachment.all_tenants.get(message=message, display_name=name)


def with_problem(message, name, problem, detail) -> Attachment:
    """Mark the stored attachment `name` as intake marks a defective file, and count it on the mail."""
    Attachment.all_tenants.filter(message=message, display_name=name).update(
        problem=problem, problem_detail=detail
    )
    problems = Attachment.all_tenants.filter(message=message).exclude(problem="").count()
    Message.all_tenants.filter(pk=message.pk).update(attachment_problems=problems)
    return attachment_named(message, name)


class _BlockTexts(HTMLParser):
    """The visible text of every element whose id starts with a prefix, by id."""

    def __init__(self, prefix):
        super().__init__()
        self.prefix, self.open, self.texts = prefix, [], {}

    def handle_starttag(self, tag, attrs):
        if tag in {"br", "img", "input", "meta", "link", "hr"}:
            return
        block = dict(attrs).get("id") or ""
        self.open.append(block if block.startswith(self.prefix) else None)
        if self.open[-1]:
            self.texts[block] = ""

    def handle_endtag(self, tag):
        if tag not in {"br", "img", "input", "meta", "link", "hr"} and self.open:
            self.open.pop()

    def handle_data(self, data):
        for block in {b for b in self.open if b}:
            self.texts[block] += data


def attachment_texts(page: str) -> dict[int, str]:
    """Each attachment's block on the mail page as text (whitespace collapsed), by attachment id."""
    parser = _BlockTexts("attachment-")
    parser.feed(page)
    return {
        int(block.removeprefix("attachment-")): " ".join(text.split())
        for block, text in parser.texts.items()
        if block.removeprefix("attachment-").isdigit()
    }


def header_text(page: str, name: str) -> str:
    """The text of the mail page's header `name` (its <dd>, tags stripped, whitespace collapsed)."""
    value = re.search(rf"<dt>{re.escape(name)}</dt>\s*<dd[^>]*>(.*?)</dd>", page, re.S)
    assert value, name
    return " ".join(html.unescape(re.sub(r"<[^>]+>", "", value[1])).split())


def mail_page(client, point, message, **headers) -> str:
    response = client.get(reverse("acd:mail", args=[point.pk, message.pk]), headers=headers)
    assert response.status_code == 200
    return response.content.decode()


# The mail page: attachments


@pytest.mark.parametrize("problem", list(Attachment.Problem), ids=str)
def test_each_problem_is_a_marked_warning_with_its_label_and_detail_on_its_attachment(
    point, operator, buffer_a, problem
):
    message = stored_mail_with(buffer_a, files=[("faktura.pdf", PDF), ("zalacznik.pdf", PDF)])
    broken = with_problem(message, "zalacznik.pdf", problem, PROBLEM_DETAILS[problem])
    whole = attachment_named(message, "faktura.pdf")
    page = mail_page(operator, point, message)
    blocks = attachment_texts(page)
    assert f"⚠ {problem.label}" in blocks[broken.pk] and PROBLEM_DETAILS[problem] in blocks[broken.pk]
    assert "⚠" not in blocks[whole.pk] and str(problem.label) not in blocks[whole.pk]
    # Marked in the markup too, not by colour alone: the warning is text with a role a reader announces.
    assert re.search(rf'id="attachment-{broken.pk}"[^>]*class="[^"]*has-problem', page) or re.search(
        rf'class="[^"]*has-problem[^"]*"[^>]*id="attachment-{broken.pk}"', page
    )


def test_a_truncated_pdf_found_by_intake_says_it_is_cut_off(point, operator, buffer_a):
    cut = invoice_mail(3, attachments=[("faktura.pdf", PDF)])
    cut = cut[: cut.rindex(b"\n--") - 400]  # the mail ends inside the PDF's base64
    message = add_mail(buffer_a, cut)
    pdf = attachment_named(message, "faktura.pdf")
    assert pdf.problem == Attachment.Problem.TRUNCATED  # as intake stored it
    text = attachment_texts(mail_page(operator, point, message))[pdf.pk]
    assert "⚠ incomplete: cut off" in text and reasons.in_english(pdf.problem_detail) in text
    assert "1 attachment has a problem" in mail_page(operator, point, message)


def test_a_detail_repeating_the_label_is_not_shown_twice(point, operator, buffer_a):
    message = stored_mail_with(buffer_a, files=[("tajne.zip", zip_of([("a.pdf", PDF)]))])
    # What intake writes for an S/MIME-encrypted part (mailboxes/extract/model.py: ENCRYPTED_DETAIL).
    secret = with_problem(message, "tajne.zip", Attachment.Problem.ENCRYPTED, "encrypted — can't be opened")
    text = attachment_texts(mail_page(operator, point, message))[secret.pk]
    assert "encrypted: can't be opened" in text and "encrypted — can't be opened" not in text


def test_a_container_that_cannot_be_opened_is_labelled_and_stays_downloadable(point, operator, buffer_a):
    damaged = b"PK\x03\x04 this archive is damaged"
    message = stored_mail_with(buffer_a, files=[("faktura.pdf", PDF), ("paczka.zip", damaged)])
    container = attachment_named(message, "paczka.zip")
    assert (container.role, container.problem) == (Attachment.Role.CONTAINER, Attachment.Problem.UNREADABLE)
    page = mail_page(operator, point, message)
    text = attachment_texts(page)[container.pk]
    assert str(Attachment.Role.CONTAINER.label) in text
    assert f"⚠ {Attachment.Problem.UNREADABLE.label}" in text
    assert reasons.in_english(container.problem_detail) in text
    download_url = reverse("acd:attachment", args=[point.pk, container.pk, "download"])
    assert download_url in page
    download = operator.get(download_url)
    assert download.status_code == 200 and download["Content-Disposition"].startswith("attachment;")
    assert b"".join(download.streaming_content) == damaged


def test_attachments_that_are_not_documents_say_what_they_are(point, operator, buffer_a):
    message = stored_mail_with(
        buffer_a,
        picture=True,
        files=[
            ("faktura.pdf", PDF),
            ("paczka.zip", zip_of([("w-paczce.pdf", PDF)])),
            ("smime.p7s", b"0\x82 not really a signature"),
        ],
    )
    by_role = {a.role: a for a in Attachment.all_tenants.filter(message=message)}
    assert set(by_role) == set(Attachment.Role) - {Attachment.Role.RESOURCE_FORK}
    blocks = attachment_texts(mail_page(operator, point, message))
    for role in (Attachment.Role.CONTAINER, Attachment.Role.SIGNATURE, Attachment.Role.PICTURE):
        assert str(role.label) in blocks[by_role[role].pk], role
    document = blocks[by_role[Attachment.Role.DOCUMENT].pk]
    assert not any(str(role.label) in document for role in Attachment.Role if role != "document")
    inner = attachment_named(message, "w-paczce.pdf")
    assert "inside paczka.zip" in blocks[inner.pk] and "in inside" not in blocks[inner.pk]


# The mail page: the mail itself


def test_the_mail_counts_its_problems_and_points_to_each_attachment(point, operator, buffer_a):
    names = ["a.pdf", "b.pdf", "c.pdf"]
    message = stored_mail_with(buffer_a, files=[(name, PDF) for name in names])
    first = with_problem(message, "a.pdf", Attachment.Problem.TRUNCATED, CUT_OFF_DETAIL)
    third = with_problem(message, "c.pdf", Attachment.Problem.ENCRYPTED, "password-protected")
    page = mail_page(operator, point, message)
    assert "2 attachments have a problem" in page
    notice = page[page.index("2 attachments have a problem") : page.index('<pre class="mail-text"')]
    assert f'href="#attachment-{first.pk}"' in notice and f'href="#attachment-{third.pk}"' in notice
    assert f'href="#attachment-{attachment_named(message, "b.pdf").pk}"' not in notice


def test_the_defects_are_listed_in_a_details_element(point, operator, buffer_a):
    message = stored_mail_with(buffer_a)
    defects = ["no Message-ID header", "text body: invalid bytes for utf-8 replaced", "boundary guessed"]
    Message.all_tenants.filter(pk=message.pk).update(defects="\n".join(defects))
    page = mail_page(operator, point, message)
    details = re.search(r"<details[^>]*>(.*?)</details>", page, re.S)
    assert details and "3 defects found in this mail" in details[1]
    assert re.findall(r"<li>(.*?)</li>", details[1]) == defects


def test_a_mail_without_defects_has_no_defect_list(point, operator, buffer_a):
    message = stored_mail_with(buffer_a, date="Tue, 03 Mar 2026 10:00:00 +0100")
    Message.all_tenants.filter(pk=message.pk).update(defects="")
    page = mail_page(operator, point, message)
    assert "<details" not in page and "defect" not in page and "have a problem" not in page


@pytest.mark.parametrize(
    ("state", "detail", "shown"),
    [
        ("verified", "signer@dostawca.example", "signed by signer@dostawca.example"),
        ("failed", "the signed content was changed", "the signed content was changed"),
        ("unchecked", "key 0x1234ABCD", "key 0x1234ABCD"),
    ],
)
def test_a_signed_mail_shows_the_signature_state_and_signer(point, operator, buffer_a, state, detail, shown):
    message = stored_mail_with(buffer_a)
    Message.all_tenants.filter(pk=message.pk).update(signature=state, signature_detail=detail)
    page = mail_page(operator, point, message)
    label = str(Message.Signature(state).label)
    signature = header_text(page, "Signature")
    assert label in signature and shown in signature


def test_a_failed_signature_is_not_shown_as_signed_by(point, operator, buffer_a):
    message = stored_mail_with(buffer_a)
    Message.all_tenants.filter(pk=message.pk).update(signature="failed", signature_detail="bad digest")
    page = mail_page(operator, point, message)
    assert "signed by" not in page and "bad digest" in page


def test_an_absurd_date_is_unknown_with_the_text_as_written(point, operator, buffer_a):
    message = stored_mail_with(buffer_a, date=ABSURD_DATE)
    stored = Message.all_tenants.get(pk=message.pk)
    assert stored.header_date is None and stored.header_date_text == ABSURD_DATE  # as intake stored it
    page = mail_page(operator, point, message)
    date = header_text(page, "Date")
    assert date.startswith("unknown") and f"“{ABSURD_DATE}”" in date
    # The year appears once only, inside the text as written: never formatted as a date.
    assert page.count("9999") == 1


def test_a_missing_date_is_unknown(point, operator, buffer_a):
    message = stored_mail_with(buffer_a)
    page = mail_page(operator, point, message)
    assert header_text(page, "Date") == "unknown"


def test_a_usable_date_is_shown_as_a_date(point, operator, buffer_a, settings):
    settings.TIME_ZONE = "UTC"
    message = stored_mail_with(buffer_a, date="Tue, 03 Mar 2026 10:00:00 +0000")
    page = mail_page(operator, point, message)
    date = header_text(page, "Date")
    assert "2026" in date and "unknown" not in date


def test_an_unreadable_mail_shows_its_reason(point, operator, buffer_a):
    message = add_mail(buffer_a, b"\x01\x02 nothing like a mail")
    assert message.state == Message.State.UNREADABLE and message.unreadable_reason
    page = mail_page(operator, point, message)
    assert header_text(page, "Why it cannot be read") == reasons.in_english(message.unreadable_reason)


def test_old_mail_without_stored_text_shows_the_note_and_never_opens_the_raw_file(point, operator, buffer_a):
    message = stored_mail_with(buffer_a)
    Message.all_tenants.filter(pk=message.pk).update(body_text=None)
    default_storage.delete(message.raw.name)
    assert not default_storage.exists(message.raw.name)
    page = mail_page(operator, point, message)
    assert "stored before the portal kept its text" in page
    assert "W załączeniu faktura." not in page  # not read again from anywhere


def test_mail_without_text_says_so_instead_of_an_empty_box(point, operator, buffer_a):
    message = stored_mail_with(buffer_a)
    Message.all_tenants.filter(pk=message.pk).update(body_text="")
    page = mail_page(operator, point, message)
    assert "stored before the portal kept its text" not in page and "This mail has no text." in page


# Language


def test_with_polish_active_the_problem_label_is_in_polish(point, operator, buffer_a):
    message = stored_mail_with(buffer_a)
    pdf = with_problem(message, "faktura.pdf", Attachment.Problem.TRUNCATED, CUT_OFF_DETAIL)
    page = mail_page(operator, point, message, **{"accept-language": "pl"})
    assert '<html lang="pl">' in page
    with translation.override("pl"):
        label, detail = str(Attachment.Problem.TRUNCATED.label), translation.gettext(CUT_OFF_DETAIL)
    text = attachment_texts(page)[pdf.pk]
    assert f"⚠ {label}" in text and detail in text


# The mail list


@pytest.fixture
def list_url(point):
    return reverse("acd:point", args=[point.pk])


def test_the_list_marks_mail_with_problems_with_the_count(point, operator, buffer_a, list_url):
    troubled = stored_mail_with(buffer_a, subject="Troubled", files=[("a.pdf", PDF), ("b.pdf", PDF)])
    with_problem(troubled, "a.pdf", Attachment.Problem.TRUNCATED, CUT_OFF_DETAIL)
    with_problem(troubled, "b.pdf", Attachment.Problem.UNREADABLE, "damaged")
    stored_mail_with(buffer_a, subject="Fine")
    page = operator.get(list_url).content.decode()
    rows = {
        subject: row
        for row in re.findall(r"<tr class=\"state-.*?</tr>", page, re.S)
        for subject in ("Troubled", "Fine")
        if f">{subject}</a>" in row
    }
    assert "⚠" in rows["Troubled"] and "2 with a problem" in rows["Troubled"]
    assert "⚠" not in rows["Fine"] and "problem" not in rows["Fine"]


def test_the_list_shows_why_a_mail_cannot_be_read(point, operator, buffer_a, list_url):
    message = add_mail(buffer_a, b"\x01 garbage")
    page = operator.get(list_url).content.decode().replace("&#x27;", "'")
    assert reasons.in_english(message.unreadable_reason) in page and "unreadable" in page


def test_long_subjects_are_cut_for_display_and_a_page_stays_small(point, operator, buffer_a, list_url):
    subject = "Faktura " + "x" * 20_000
    for n in range(50):
        message = add_mail(buffer_a, invoice_mail(n))
        Message.all_tenants.filter(pk=message.pk).update(subject=subject[: Message.SUBJECT_LIMIT])
    response = operator.get(list_url)
    page = response.content.decode()
    assert len(response.context["page"].mails) == 25
    assert len(response.content) < 200_000
    shown = re.findall(r'<a href="[^"]*/mails/\d+/"[^>]*>([^<]*)</a>', page)
    assert len(shown) == 25 and all(len(text) <= 300 for text in shown)
    assert all(text.endswith("…") for text in shown)
    # The whole (stored) subject stays at hand in the link's title.
    assert page.count(f'title="{subject[: Message.SUBJECT_LIMIT]}"') == 25


def test_a_short_subject_is_shown_whole(point, operator, buffer_a, list_url):
    add_mail(buffer_a, invoice_mail(1))
    page = operator.get(list_url).content.decode()
    assert ">Faktura 1/2026</a>" in page


# Tenants


def test_another_tenants_defective_mail_and_container_stay_out_of_reach(point, operator, world_b, buffer_a):
    foreign = stored_mail_with(
        another_buffer(world_b), subject="Beta secret", files=[("x.zip", b"PK\x03\x04")]
    )
    container = attachment_named(foreign, "x.zip")
    with_problem(foreign, "x.zip", Attachment.Problem.UNREADABLE, "beta's own detail")
    stored_mail_with(buffer_a, subject="Alpha mail")
    assert operator.get(reverse("acd:mail", args=[point.pk, foreign.pk])).status_code == 404
    download = reverse("acd:attachment", args=[point.pk, container.pk, "download"])
    assert operator.get(download).status_code == 404
    page = operator.get(reverse("acd:point", args=[point.pk])).content.decode()
    assert "Alpha mail" in page and "Beta secret" not in page and "with a problem" not in page
