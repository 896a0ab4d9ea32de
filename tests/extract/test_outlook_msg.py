"""Outlook .msg attachments: the files inside come out, also from embedded (forwarded) messages."""

import io
import random
import re
import struct

import olefile
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mailboxes.extract.outlook_msg import MsgContents, MsgError, MsgFile, looks_like_msg, unpack_msg
from tests.builders.outlook_msg import MsgAttachment, OutlookMessage, compound_file, msg_bytes
from tests.extract.mailbuilder import pdf_bytes, png_bytes
from tests.extract.rendered import english, english_all

PDF = pdf_bytes(3_000, seed=7)
PNG = png_bytes()
WORD_FILE = compound_file(
    {"WordDocument": b"\xec\xa5" + bytes(600), "1Table": bytes(300), "\x01CompObj": b"x"}
)


def invoice_msg(**options) -> bytes:
    return msg_bytes(
        "Faktura 12/2026",
        "W załączeniu faktura.\r\n",
        [
            MsgAttachment("Faktura 12.pdf", PDF, "application/pdf"),
            MsgAttachment("logo.png", PNG, "image/png", content_id="logo@dostawca"),
        ],
        sender_name="Dostawca",
        sender_address="ksiegowosc@dostawca.example",
        recipients=[("Faktury", "faktury@alpha.example")],
        **options,
    )


def nested(depth: int, top_files=()) -> OutlookMessage:
    """A message holding a file at each of `depth` levels of embedded messages below it."""
    inner = None
    for level in range(depth, 0, -1):
        attachments = [MsgAttachment(f"level{level}.pdf", PDF, "application/pdf")]
        if inner is not None:
            attachments.append(MsgAttachment(display_name=inner.subject, embedded=inner))
        inner = OutlookMessage(f"Level {level}", attachments=attachments)
    return OutlookMessage("Top", attachments=[*top_files, MsgAttachment(embedded=inner)])


def msg_of(message: OutlookMessage) -> bytes:
    return msg_bytes(message.subject, message.body, message.attachments)


# --- the writer the test data relies on -----------------------------------------------------------


def test_the_compound_file_writer_is_read_by_olefile_without_complaint():
    large = random.Random(1).randbytes(10_000)
    data = compound_file({"small": b"hello", "large": large, "empty": b"", "folder": {"inner": {"x": b"1"}}})
    assert olefile.isOleFile(data=data)
    with olefile.OleFileIO(io.BytesIO(data), raise_defects=olefile.DEFECT_UNSURE) as ole:
        assert ole.parsing_issues == []
        assert ole.listdir() == [["empty"], ["folder", "inner", "x"], ["large"], ["small"]]
        assert ole.openstream("small").read() == b"hello"
        assert ole.openstream("large").read() == large
        assert ole.openstream(["folder", "inner", "x"]).read() == b"1"
        assert ole.openstream("empty").read() == b""


def test_the_msg_builder_writes_the_storages_outlook_does():
    with olefile.OleFileIO(io.BytesIO(invoice_msg()), raise_defects=olefile.DEFECT_UNSURE) as ole:
        assert ole.exists("__nameid_version1.0")
        assert ole.get_size("__properties_version1.0") == 32 + 16 * 4  # header + one entry per string
        attachment = ["__attach_version1.0_#00000000"]
        assert ole.openstream([*attachment, "__substg1.0_37010102"]).read() == PDF
        properties = ole.openstream([*attachment, "__properties_version1.0"]).read()
        assert struct.unpack_from("<IIQ", properties, 8) == (0x37050003, 6, 1)  # PR_ATTACH_METHOD: by value


# --- what comes out -------------------------------------------------------------------------------


def test_attachments_come_out_with_names_bytes_and_types():
    contents = unpack_msg(invoice_msg())
    assert contents.files == [
        MsgFile("Faktura 12.pdf", PDF, "application/pdf", (), is_inline=False),
        MsgFile("logo.png", PNG, "image/png", (), is_inline=True),
    ]
    assert (contents.subject, contents.sender) == (
        "Faktura 12/2026",
        "Dostawca <ksiegowosc@dostawca.example>",
    )
    assert contents.body_text == "W załączeniu faktura.\r\n"
    assert english_all(contents.notes) == []


def test_recipients_are_not_taken_for_attachments():
    data = msg_bytes("x", "", [], recipients=[("Anna", "anna@alpha.example"), ("Piotr", "p@alpha.example")])
    assert unpack_msg(data).files == []


def test_utf16_names_keep_their_polish_letters():
    data = msg_bytes("Faktura", "", [MsgAttachment("Faktura_żółć.pdf", PDF, "application/pdf")])
    assert [f.name for f in unpack_msg(data).files] == ["Faktura_żółć.pdf"]


def test_8bit_strings_are_read_in_the_message_codepage():
    attachment = MsgAttachment("Faktura_żółć.pdf", PDF, "application/pdf")
    data = msg_bytes("Zażółć gęślą jaźń", "Treść", [attachment], string8="cp1250", codepage=1250)
    contents = unpack_msg(data)
    assert [f.name for f in contents.files] == ["Faktura_żółć.pdf"]
    assert (contents.subject, contents.body_text) == ("Zażółć gęślą jaźń", "Treść")


def test_8bit_strings_without_a_codepage_are_windows_1252_else_latin_1():
    attachments = [MsgAttachment("Café_100€.pdf", PDF), MsgAttachment("odd\x81.pdf", PDF)]
    data = msg_bytes("Menü", "", attachments[:1], string8="cp1252")
    assert [f.name for f in unpack_msg(data).files] == ["Café_100€.pdf"]
    data = msg_bytes("", "", attachments[1:], string8="latin-1")  # 0x81 is not a Windows-1252 character
    assert [f.name for f in unpack_msg(data).files] == ["odd\x81.pdf"]


def test_names_fall_back_to_the_short_name_then_the_display_name_then_none():
    attachments = [
        MsgAttachment(short_name="FAKTUR~1.PDF", display_name="Faktura", data=PDF),
        MsgAttachment(display_name="Faktura.pdf", data=PDF),
        MsgAttachment(data=PDF),
    ]
    assert [f.name for f in unpack_msg(msg_bytes("x", "", attachments)).files] == [
        "FAKTUR~1.PDF",
        "Faktura.pdf",
        "",
    ]


def test_a_hidden_attachment_is_inline():
    data = msg_bytes("x", "", [MsgAttachment("sig.png", PNG, hidden=True), MsgAttachment("a.pdf", PDF)])
    assert [f.is_inline for f in unpack_msg(data).files] == [True, False]


def test_a_large_attachment_in_regular_sectors_round_trips():
    large = random.Random(2).randbytes(300_000)
    data = msg_bytes("x", "", [MsgAttachment("scan.tif", large, "image/tiff"), MsgAttachment("a.pdf", PDF)])
    with olefile.OleFileIO(io.BytesIO(data)) as ole:
        [entry] = [entry for entry in ole.direntries if entry is not None and entry.size == len(large)]
        assert not entry.is_minifat
    assert [(f.name, f.data) for f in unpack_msg(data).files] == [("scan.tif", large), ("a.pdf", PDF)]


def test_embedded_messages_three_deep_give_their_files_paths():
    message = nested(3, top_files=[MsgAttachment("top.pdf", PDF)])
    files = unpack_msg(msg_of(message)).files
    assert [(f.name, f.path) for f in files] == [
        ("top.pdf", ()),
        ("level1.pdf", ("forwarded: Level 1",)),
        ("level2.pdf", ("forwarded: Level 1", "forwarded: Level 2")),
        ("level3.pdf", ("forwarded: Level 1", "forwarded: Level 2", "forwarded: Level 3")),
    ]
    assert all(f.data == PDF for f in files)


def test_an_embedded_message_without_a_subject_is_labelled_so():
    data = msg_bytes(
        "x", "", [MsgAttachment(embedded=OutlookMessage(attachments=[MsgAttachment("a", b"1")]))]
    )
    assert [f.path for f in unpack_msg(data).files] == [("forwarded: (no subject)",)]


def test_nesting_beyond_the_depth_limit_is_noted_and_not_opened():
    contents = unpack_msg(msg_of(nested(3)), max_depth=2)
    assert [f.name for f in contents.files] == ["level1.pdf", "level2.pdf"]
    assert english_all(contents.notes) == [
        "forwarded: Level 1 \u203a forwarded: Level 2 \u203a attachment 2: "
        "nested deeper than 2 levels; not opened"
    ]
    assert english_all(unpack_msg(msg_of(nested(1)), max_depth=0).notes) == [
        "attachment 1: nested deeper than 0 levels; not opened"
    ]


def test_files_beyond_max_files_are_noted_and_the_walk_stops():
    attachments = [MsgAttachment(f"{n}.pdf", PDF) for n in range(5)]
    contents = unpack_msg(msg_bytes("x", "", attachments), max_files=3)
    assert [f.name for f in contents.files] == ["0.pdf", "1.pdf", "2.pdf"]
    assert english_all(contents.notes) == ["more than 3 files; the rest not read"]


def test_files_beyond_max_total_bytes_are_noted_and_the_walk_stops():
    attachments = [MsgAttachment(f"{n}.bin", bytes(1000)) for n in range(3)]
    contents = unpack_msg(msg_bytes("x", "", attachments), max_total_bytes=2500)
    assert [f.name for f in contents.files] == ["0.bin", "1.bin"]
    assert english_all(contents.notes) == ["files larger than 2500 bytes in total; the rest not read"]


def test_attachments_without_a_file_are_noted_and_the_others_kept():
    attachments = [
        MsgAttachment("a.pdf", PDF),
        MsgAttachment("missing.pdf", None),
        MsgAttachment("chart", None, method=6),
        MsgAttachment("\\\\server\\share\\x.pdf", None, method=4),
        MsgAttachment("b.pdf", PDF),
    ]
    contents = unpack_msg(msg_bytes("x", "", attachments))
    assert [f.name for f in contents.files] == ["a.pdf", "b.pdf"]
    assert english_all(contents.notes) == [
        "attachment 2: data missing",
        "attachment 3: an embedded OLE object; not extracted",
        "attachment 4: a link to a file, not the file itself",
    ]


def test_attachments_without_a_file_are_bounded_by_max_files_too():
    contents = unpack_msg(msg_bytes("x", "", [MsgAttachment(f"{n}", None) for n in range(5)]), max_files=2)
    assert english_all(contents.notes) == [
        "attachment 1: data missing",
        "attachment 2: data missing",
        "attachment 3: data missing",
        "more than 2 attachments without a file; the rest not read",
    ]


def test_an_ole_object_with_binary_data_is_kept():
    contents = unpack_msg(msg_bytes("x", "", [MsgAttachment("picture.bmp", b"BM1234", method=6)]))
    assert [(f.name, f.data) for f in contents.files] == [("picture.bmp", b"BM1234")]


def test_a_stream_declared_larger_than_the_file_costs_only_its_attachment():
    data = bytearray(
        msg_bytes("x", "", [MsgAttachment("a.pdf", b"%PDF-1.7 small"), MsgAttachment("b.pdf", PDF)])
    )
    entry = data.index("__substg1.0_37010102".encode("utf-16-le"))  # the first attachment's data entry
    struct.pack_into("<I", data, entry + 120, len(data) + 1000)  # its stream size
    contents = unpack_msg(bytes(data))
    assert [f.name for f in contents.files] == ["b.pdf"]
    assert english_all(contents.notes) == [
        "attachment 1: stream __substg1.0_37010102 is declared larger than the whole file"
    ]


# --- recognising a .msg ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("declared_type", "name"),
    [
        ("application/octet-stream", "Fwd Faktura.MSG"),
        ("application/vnd.ms-outlook", "attachment.bin"),
        ("application/octet-stream", "attachment"),
        ("", ""),
    ],
    ids=["by name", "by type", "by content", "by content alone"],
)
def test_an_outlook_message_is_recognised(declared_type, name):
    assert looks_like_msg(declared_type, name, invoice_msg())


@pytest.mark.parametrize(
    ("declared_type", "name", "data"),
    [
        ("application/pdf", "faktura.pdf", PDF),
        ("application/octet-stream", "faktura.msg", PDF),
        ("application/octet-stream", "noise", random.Random(3).randbytes(4000)),
        ("application/msword", "umowa.doc", WORD_FILE),
        ("application/octet-stream", "umowa", WORD_FILE),
        ("application/vnd.ms-outlook", "umowa.msg", WORD_FILE),
        ("application/vnd.ms-excel", "a.xls", compound_file({"Workbook": bytes(5000)})),
    ],
    ids=["PDF", "PDF named .msg", "random bytes", "Word", "Word unnamed", "Word named .msg", "Excel"],
)
def test_other_files_are_not_taken_for_messages(declared_type, name, data):
    assert not looks_like_msg(declared_type, name, data)


def test_ole_files_that_are_not_messages_raise():
    for data in (WORD_FILE, compound_file({"Workbook": bytes(5000)}), compound_file({"other": b"x"})):
        with pytest.raises(MsgError) as raised:
            unpack_msg(data)
        assert "not an Outlook message" in english(raised.value.note)
    with pytest.raises(MsgError) as raised:
        unpack_msg(PDF)
    assert "no signature" in english(raised.value.note)


# --- damaged and hostile files --------------------------------------------------------------------

SAMPLE_FILES = {"a.pdf": PDF[:600], "level1.pdf": PDF, "level2.pdf": PDF}
SAMPLE = msg_of(nested(2, top_files=[MsgAttachment("a.pdf", PDF[:600], "application/pdf", content_id="x")]))


@pytest.mark.parametrize("length", [0, 8, 100, 511, 512, 1024, 4096, 8192, 11_000, len(SAMPLE) - 1])
def test_a_truncated_msg_raises_msg_error_or_notes_what_is_cut_short(length):
    try:
        contents = unpack_msg(SAMPLE[:length])
    except MsgError as error:
        assert english(error.note)
        return
    # Nothing comes out cut short: a file is whole, or it is missing and a note says why.
    assert all(SAMPLE_FILES[f.name] == f.data for f in contents.files)
    assert len(contents.files) == len(SAMPLE_FILES) or any(
        "cut short" in note for note in english_all(contents.notes)
    )


def test_a_msg_cut_in_its_last_file_keeps_the_others():
    contents = unpack_msg(SAMPLE[: len(SAMPLE) - 1000])
    assert [f.name for f in contents.files] == ["a.pdf", "level1.pdf"]
    [note] = english_all(contents.notes)
    assert re.fullmatch(
        r"forwarded: Level 1 \u203a forwarded: Level 2 \u203a attachment 1: "
        r"data cut short \(\d+ of 2921 bytes\)",
        note,
    )


def test_header_sector_counts_the_file_cannot_hold_are_refused_before_reading():
    data = bytearray(SAMPLE)
    struct.pack_into("<I", data, 0x2C, 0xFFFFFFFF)  # FAT sectors
    struct.pack_into("<II", data, 0x44, 1, (0xFFFFFFFF - 109 + 126) // 127)  # a DIFAT olefile would follow
    # Refused from the header alone (olefile would follow the counts for minutes).
    with pytest.raises(MsgError) as raised:
        unpack_msg(bytes(data))
    assert "more sectors than the file has" in english(raised.value.note)
    assert looks_like_msg("", "x.msg", bytes(data))  # said to be a message: unpack_msg says why not


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    flips=st.lists(st.tuples(st.integers(0, len(SAMPLE) - 1), st.integers(0, 255)), max_size=6),
    cut=st.one_of(st.none(), st.integers(0, len(SAMPLE))),
)
def test_mutated_msg_files_give_msg_error_or_contents_never_another_exception(flips, cut):
    data = bytearray(SAMPLE)
    for position, value in flips:
        data[position] = value
    data = bytes(data[:cut] if cut is not None else data)
    looks_like_msg("", "x.msg", data)
    try:
        contents = unpack_msg(data)
    except MsgError:
        return
    assert isinstance(contents, MsgContents)
    assert all(isinstance(f.data, bytes) and isinstance(f.name, str) for f in contents.files)
