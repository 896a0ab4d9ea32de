"""ZIP attachments: which ZIPs are archives, the files inside them, and the limits that keep bombs out."""

import io
import random
import zipfile

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mailboxes.extract.archives import ArchiveLimits, looks_like_zip_archive, open_zip_archive
from tests.builders.archives import (
    PDF,
    central_entries,
    nested_zips,
    patched,
    with_flipped_byte,
    with_raw_name,
    zeros_bomb,
    zip_of,
    zip_with_unicode_path,
)
from tests.extract.rendered import english, english_all

MIB = 1024 * 1024


def listing(opened):
    return [(m.path, m.name, m.problem) for m in opened.members]


# --- which ZIPs are archives ---------------------------------------------------------------------


def test_a_plain_zip_is_an_archive_whatever_it_is_declared_as():
    data = zip_of([("faktura.pdf", PDF)])
    assert looks_like_zip_archive("application/zip", "faktury.zip", data)
    assert looks_like_zip_archive("application/octet-stream", "", data)
    assert looks_like_zip_archive("application/x-zip-compressed; name=x.zip", "x.zip", data)


def test_an_empty_archive_is_an_archive():
    empty = zip_of([])
    assert empty[:4] == b"PK\x05\x06"
    assert looks_like_zip_archive("application/zip", "empty.zip", empty)
    assert open_zip_archive(empty).members == []


def test_documents_that_are_zips_are_not_archives():
    docx = zip_of([("[Content_Types].xml", b"<Types/>"), ("word/document.xml", b"<w:document/>")])
    odt = zip_of(
        [("mimetype", b"application/vnd.oasis.opendocument.text"), ("content.xml", b"<office/>")],
        method=zipfile.ZIP_STORED,
    )
    jar = zip_of([("META-INF/MANIFEST.MF", b"Manifest-Version: 1.0\n"), ("com/acme/Main.class", b"\xca\xfe")])
    for data in (docx, odt, jar):
        assert not looks_like_zip_archive("application/octet-stream", "attachment.bin", data)
        assert not looks_like_zip_archive("application/zip", "renamed.zip", data)


def test_a_zip_named_or_declared_as_a_document_is_not_an_archive():
    data = zip_of([("faktura.pdf", PDF)])
    assert not looks_like_zip_archive("application/octet-stream", "Raport.XLSX", data)
    assert not looks_like_zip_archive("application/java-archive", "tool", data)
    assert not looks_like_zip_archive(
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "", data
    )


def test_other_bytes_are_not_archives():
    assert not looks_like_zip_archive("application/zip", "x.zip", b"")
    assert not looks_like_zip_archive("application/zip", "x.zip", b"PK")
    assert not looks_like_zip_archive("application/pdf", "faktura.pdf", PDF)
    assert not looks_like_zip_archive("application/zip", "x.zip", random.Random(4).randbytes(5000))


def test_a_truncated_archive_still_counts_unless_its_first_member_says_document():
    archive = zip_of([("faktura.pdf", PDF * 50)])
    docx = zip_of([("[Content_Types].xml", b"<Types/>" * 300), ("word/document.xml", b"<w:document/>")])
    assert looks_like_zip_archive("application/zip", "x.zip", archive[: len(archive) // 2])
    assert not looks_like_zip_archive("application/octet-stream", "x", docx[: len(docx) // 2])


# --- members -------------------------------------------------------------------------------------


def test_members_come_with_names_bytes_and_folders_in_archive_order():
    data = zip_of(
        [
            ("2024/", b""),
            ("2024/03/faktura 1.pdf", PDF),
            ("readme.txt", b"hello"),
            ("__MACOSX/2024/._faktura 1.pdf", b"\x00\x05\x16\x07"),
            ("2024/.DS_Store", b"\x00\x00\x00\x01Bud1"),
            ("empty.txt", b""),
        ]
    )
    opened = open_zip_archive(data)
    assert [(m.path, m.name, m.data, m.problem, english(m.detail)) for m in opened.members] == [
        (("2024", "03"), "faktura 1.pdf", PDF, "", ""),
        ((), "readme.txt", b"hello", "", ""),
        ((), "empty.txt", b"", "", ""),
    ]
    assert english_all(opened.notes) == []


def test_traversal_backslashes_and_drive_letters_stay_out_of_the_name():
    data = zip_of([("../../etc/passwd", b"x"), ("C:\\Faktury\\marzec.pdf", PDF), ("a/./b_.pdf", b"y")])
    data = with_raw_name(data, "a/./b_.pdf", b"a/./b\x00.pdf")  # zipfile itself would cut the name at NUL
    assert listing(open_zip_archive(data)) == [
        (("etc",), "passwd", ""),
        (("Faktury",), "marzec.pdf", ""),
        (("a",), "b.pdf", ""),
    ]


def test_utf8_flagged_names_are_read_as_utf8():
    data = zip_of([("Faktury/Zażółć gęślą jaźń.pdf", PDF)])
    assert zipfile.ZipFile(io.BytesIO(data)).infolist()[0].flag_bits & 0x800
    [member] = open_zip_archive(data).members
    assert (member.path, member.name) == (("Faktury",), "Zażółć gęślą jaźń.pdf")


@pytest.mark.parametrize(
    ("raw_name", "expected"),
    [
        ("faktura_łódź.pdf".encode("cp852"), "faktura_łódź.pdf"),  # old WinRAR / 7-Zip on Polish Windows
        ("Zażółć_gęślą.pdf".encode("cp1250"), "Zażółć_gęślą.pdf"),  # archivers writing the ANSI code page
        ("ŻÓŁW.pdf".encode("cp1250"), "ŻÓŁW.pdf"),
        ("Spółka.pdf".encode(), "Spółka.pdf"),  # UTF-8 without the flag
        ("faktura_březen.pdf".encode("cp1250"), "faktura_březen.pdf"),
    ],
)
def test_unflagged_names_in_polish_code_pages_are_recovered(raw_name, expected):
    placeholder = "p" * len(raw_name)
    data = with_raw_name(zip_of([(placeholder, PDF)]), placeholder, raw_name)
    assert not zipfile.ZipFile(io.BytesIO(data)).infolist()[0].flag_bits & 0x800
    [member] = open_zip_archive(data).members
    assert (member.name, member.data) == (expected, PDF)


def test_an_info_zip_unicode_path_field_wins_over_the_legacy_name():
    data = zip_with_unicode_path(b"faktura_?.pdf", "faktura_€½.pdf", PDF)
    [member] = open_zip_archive(data).members
    assert member.name == "faktura_€½.pdf"


# --- nesting -------------------------------------------------------------------------------------


@pytest.mark.parametrize("depth", [1, 2, 3, 4])
def test_inner_archives_are_opened_three_levels_deep(depth):
    opened = open_zip_archive(nested_zips(depth), ArchiveLimits(max_depth=3))
    two, three = ("level2.zip",), ("level2.zip", "level3.zip")
    everything = [
        ((), "level1.pdf", ""),
        ((), "level2.zip", ""),
        (two, "level2.pdf", ""),
        (two, "level3.zip", ""),
        (three, "level3.pdf", ""),
        (three, "level4.zip", "too_deep"),
    ]
    assert listing(opened) == everything[: 2 * depth - 1]
    assert english_all(opened.notes) == []
    for member in opened.members:  # inner archives are kept as files, the one too deep to open too
        is_pdf = member.name.endswith(".pdf")
        assert member.data == PDF if is_pdf else looks_like_zip_archive("", member.name, member.data)


def test_the_archive_too_deep_keeps_its_bytes_and_says_why():
    inner = zip_of([("faktura.pdf", PDF)])
    opened = open_zip_archive(zip_of([("inner.zip", inner)]), ArchiveLimits(max_depth=1))
    [member] = opened.members
    assert (member.name, member.data, member.problem) == ("inner.zip", inner, "too_deep")
    assert english(member.detail) == "inner archive nested deeper than 1 level; not opened"


def test_inner_archives_in_folders_and_documents_among_members():
    docx = zip_of([("[Content_Types].xml", b"<Types/>")])
    inner = zip_of([("a.pdf", PDF), ("raport.docx", docx)])
    opened = open_zip_archive(zip_of([("2024/marzec.zip", inner)]))
    assert listing(opened) == [
        (("2024",), "marzec.zip", ""),
        (("2024", "marzec.zip"), "a.pdf", ""),
        (("2024", "marzec.zip"), "raport.docx", ""),
    ]


def test_a_damaged_inner_archive_is_kept_and_noted():
    inner = zip_of([("a.pdf", PDF * 20)])
    opened = open_zip_archive(zip_of([("x/inner.zip", inner[: len(inner) // 2]), ("b.pdf", PDF)]))
    assert listing(opened) == [(("x",), "inner.zip", ""), ((), "b.pdf", "")]
    assert english_all(opened.notes) == ["x / inner.zip: damaged archive: cannot be opened"]


# --- limits --------------------------------------------------------------------------------------


def test_a_bomb_over_the_total_limit_is_not_unpacked_and_later_members_still_are():
    opened = open_zip_archive(zeros_bomb(), ArchiveLimits(max_total_bytes=2 * MIB, max_ratio=10**6))
    bomb, after = opened.members
    assert (bomb.name, bomb.data, bomb.problem) == ("zeros.bin", b"", "over_limit")
    assert english(bomb.detail) == "would take the archive past 2 MB unpacked; not unpacked"
    assert (after.name, after.data, after.problem) == ("after.pdf", PDF, "")
    assert english_all(opened.notes) == ["unpacks to more than 2 MB; files past that not unpacked"]


def test_a_bomb_over_the_ratio_is_not_unpacked():
    opened = open_zip_archive(zeros_bomb())
    bomb, after = opened.members
    assert (bomb.data, bomb.problem) == (b"", "over_limit")
    assert english(bomb.detail) == "expands more than 200 times; not unpacked"
    assert (after.data, after.problem) == (PDF, "")


def test_small_members_that_compress_well_are_not_bombs():
    [member] = open_zip_archive(zip_of([("blank.txt", bytes(MIB))])).members
    assert (member.problem, len(member.data)) == ("", MIB)


@pytest.mark.parametrize("lie", [{"file_size": 100}, {"file_size": 100, "compress_size": 50}])
def test_a_bomb_declaring_tiny_sizes_is_still_stopped(lie):
    data = patched(zeros_bomb(), 0, **lie)
    opened = open_zip_archive(data, ArchiveLimits(max_total_bytes=2 * MIB))
    bomb, after = opened.members
    # zipfile stops at the declared size, so today the lie shows as a CRC failure; were it to read on,
    # the limits would stop it. Either way nothing is delivered and the budget is not drained.
    assert bomb.data == b""
    assert bomb.problem in {"over_limit", "unreadable"}
    assert (after.data, after.problem) == (PDF, "")
    assert english_all(opened.notes) == []


def test_a_bomb_claiming_a_larger_compressed_size_still_expands_too_much():
    # Claim every byte up to the end of the file as compressed data: the ratio is still far past 200.
    _, local = central_entries(zeros_bomb())[0]
    data_start = local + 30 + len("zeros.bin")
    data = patched(zeros_bomb(), 0, compress_size=len(zeros_bomb()) - data_start, file_size=40 * MIB)
    bomb, after = open_zip_archive(data).members
    assert (bomb.data, bomb.problem) == (b"", "over_limit")
    assert english(bomb.detail) == "expands more than 200 times; not unpacked"
    assert (after.data, after.problem) == (PDF, "")


def test_a_compressed_size_claimed_past_the_end_of_the_archive_buys_nothing():
    data = patched(zeros_bomb(), 0, compress_size=0x7FFF_0000, file_size=40 * MIB)
    bomb, after = open_zip_archive(data).members
    assert bomb.data == b""
    assert (bomb.problem, english(bomb.detail)) in {
        ("unreadable", "damaged: the data ends early"),  # zipfile wants the claimed bytes: not there
        ("over_limit", "expands more than 200 times; not unpacked"),
    }
    assert (after.data, after.problem) == (PDF, "")


def test_the_total_is_shared_by_all_nesting_levels():
    inner = zip_of([(f"part{i}.bin", random.Random(i).randbytes(300_000)) for i in range(3)])
    opened = open_zip_archive(zip_of([("inner.zip", inner)]), ArchiveLimits(max_total_bytes=1_500_000))
    # inner.zip itself (900 kB) and its first part fit; the second part would pass 1.5 MB.
    assert [m.problem for m in opened.members] == ["", "", "over_limit", "over_limit"]
    assert sum(len(m.data) for m in opened.members) <= 1_500_000


def test_members_are_counted_across_nesting_levels():
    inner = zip_of([(f"inner{i}.pdf", PDF) for i in range(5)])
    opened = open_zip_archive(
        zip_of([("a.pdf", PDF), ("inner.zip", inner), ("b.pdf", PDF)]), ArchiveLimits(max_members=4)
    )
    assert [m.name for m in opened.members] == ["a.pdf", "inner.zip", "inner0.pdf", "inner1.pdf"]
    assert english_all(opened.notes) == ["more than 4 files inside; the rest not listed"]


# --- members that cannot be extracted, and broken archives ---------------------------------------


def test_encrypted_members_are_listed_without_data():
    data = patched(zip_of([("tajne.pdf", PDF), ("jawne.pdf", PDF)]), 0, set_flags=0x1)
    secret, public = open_zip_archive(data).members
    assert (secret.name, secret.data, secret.problem) == ("tajne.pdf", b"", "encrypted")
    assert english(secret.detail) == "encrypted — can't be opened"
    assert (public.data, public.problem) == (PDF, "")


def test_a_crc_error_makes_the_member_unreadable():
    data = with_flipped_byte(zip_of([("a.pdf", PDF), ("b.pdf", PDF)], method=zipfile.ZIP_STORED), 0, at=5)
    broken, fine = open_zip_archive(data).members
    assert (broken.data, broken.problem) == (b"", "unreadable")
    assert english(broken.detail).startswith("damaged: ") and "CRC" in english(broken.detail)
    assert (fine.data, fine.problem) == (PDF, "")


@pytest.mark.parametrize(("method", "shown"), [(12, "bzip2"), (14, "LZMA"), (6, "an unsupported method")])
def test_members_packed_with_other_methods_are_unreadable(method, shown):
    data = patched(zip_of([("a.pdf", PDF)]), 0, method=method)
    [member] = open_zip_archive(data).members
    assert (member.data, member.problem) == (b"", "unreadable")
    assert english(member.detail) == f"compressed with {shown} (method {method}); not unpacked"


@pytest.mark.parametrize("cut", [0, 4, 30, 100, 0.5, -1])
def test_a_truncated_archive_gives_a_note_and_no_members(cut):
    data = zip_of([("a.pdf", PDF * 10), ("b.pdf", PDF)])
    data = data[: int(len(data) * cut) if isinstance(cut, float) else cut]
    opened = open_zip_archive(data)
    assert (opened.members, english_all(opened.notes)) == ([], ["damaged archive: cannot be opened"])


def test_an_archive_of_folders_only_says_it_holds_no_files():
    assert english_all(open_zip_archive(zip_of([("a/", b""), ("a/b/", b"")])).notes) == [
        "the archive holds no files"
    ]


# --- anything goes in: never raises, never beyond the limits -------------------------------------

SMALL = ArchiveLimits(max_depth=2, max_members=6, max_total_bytes=150_000, max_ratio=50)
SEED = zip_of(
    [
        ("folder/a.pdf", PDF),
        ("b.bin", random.Random(1).randbytes(2_000)),
        ("zeros.bin", bytes(200_000)),
        ("inner.zip", zip_of([("c.txt", b"c" * 5_000), ("deeper.zip", zip_of([("d.txt", b"d")]))])),
    ]
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    flips=st.lists(st.tuples(st.integers(0, len(SEED) - 1), st.integers(1, 255)), max_size=6),
    keep=st.one_of(st.none(), st.integers(0, len(SEED))),
)
def test_damaged_archives_never_raise_and_stay_within_the_limits(flips, keep):
    data = bytearray(SEED)
    for position, mask in flips:
        data[position] ^= mask
    data = bytes(data[:keep])
    opened = open_zip_archive(data, SMALL)
    assert len(opened.members) <= SMALL.max_members
    assert sum(len(m.data) for m in opened.members) <= SMALL.max_total_bytes
    for member in opened.members:
        assert member.problem in {"", "encrypted", "over_limit", "unreadable", "too_deep"}
        assert (member.problem == "") == (member.detail == "")
        assert member.data == b"" or member.problem in {"", "too_deep"}
        assert "/" not in member.name and ".." not in member.path
    looks_like_zip_archive("", "x.zip", data)
