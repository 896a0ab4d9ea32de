"""Folders the file system cannot hold are refused with a clear message wherever a folder is typed
(the operators' "Set folder", the point's and the OCR point's folder in the admin), never a server error;
and copying into a folder never fails on a sender's very long file name."""

import pytest
from django.urls import reverse

from acd_points import actions, folders
from acd_points.models import AcdPoint, OcrPoint

TOO_LONG_SEGMENTS = {
    "ascii-256": "a" * 256,
    "multibyte-128-chars": "ą" * 128,  # 256 bytes in UTF-8: the file system counts bytes
    "nested": "faktury/" + "b" * 300,
}
TOO_LONG_PATH = "/".join(["x" * 60] * 6)  # six short segments, 365 characters: more than the field holds


@pytest.fixture
def point(make_point, world_a):
    return make_point(employees=[world_a.operator], define_path_during_work=True)


@pytest.mark.parametrize(
    "folder", [*TOO_LONG_SEGMENTS.values(), TOO_LONG_PATH], ids=[*TOO_LONG_SEGMENTS, "path"]
)
def test_set_folder_page_explains_a_folder_the_file_system_cannot_hold(point, client_for, world_a, folder):
    response = client_for(world_a.operator).post(
        reverse("acd:set-folder", args=[point.pk]), {"folder": folder}
    )
    assert response.status_code == 200
    assert 'class="error"' in response.content.decode()
    assert AcdPoint.all_tenants.get(pk=point.pk).work_folder == ""


def test_a_segment_of_exactly_255_bytes_is_accepted(point, world_a):
    actions.set_work_folder(point=point, folder="ą" * 127 + "a")
    assert (folders.tenant_root(world_a.tenant.pk) / ("ą" * 127 + "a")).is_dir()


def test_a_folder_where_a_file_already_is_is_refused_not_a_server_error(point, client_for, world_a):
    root = folders.tenant_root(world_a.tenant.pk)
    root.mkdir(parents=True, exist_ok=True)
    (root / "faktura.pdf").write_bytes(b"%PDF-1.4")
    for folder in ["faktura.pdf", "faktura.pdf/2026"]:
        response = client_for(world_a.operator).post(
            reverse("acd:set-folder", args=[point.pk]), {"folder": folder}
        )
        assert response.status_code == 200, folder
        assert 'class="error"' in response.content.decode(), folder
        assert str(root) not in response.content.decode()  # the server's own paths are never shown
    assert AcdPoint.all_tenants.get(pk=point.pk).work_folder == ""


@pytest.mark.parametrize("folder", [*TOO_LONG_SEGMENTS.values()], ids=[*TOO_LONG_SEGMENTS])
def test_the_admin_refuses_such_folders_on_the_point_and_the_ocr_point(client_for, world_a, buffer_a, folder):
    client = client_for(world_a.admin)
    response = client.post(
        reverse("admin:acd_points_acdpoint_add"),
        {"kind": "mailbox", "buffer": buffer_a.pk, "name": "P", "show_subject": "on", "work_folder": folder},
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors.keys() == {"work_folder"}
    response = client.post(reverse("admin:acd_points_ocrpoint_add"), {"name": "OCR", "folder": folder})
    assert response.status_code == 200
    assert response.context["adminform"].form.errors.keys() == {"folder"}
    assert not AcdPoint.all_tenants.exists() and not OcrPoint.all_tenants.exists()


def test_copying_a_file_with_a_very_long_multibyte_name_keeps_it_within_the_file_systems_limit(world_a):
    name = "ż" * 149 + ".pdf"  # what the display-name rule lets through: 150 characters, 302 bytes
    first = folders.copy_into(world_a.tenant.pk, "ocr", name, b"%PDF-1")
    second = folders.copy_into(world_a.tenant.pk, "ocr", name, b"%PDF-2")
    assert first != second
    for copied in (first, second):
        assert len(copied.name.encode()) <= 255 and copied.suffix == ".pdf"
    assert first.read_bytes() == b"%PDF-1" and second.read_bytes() == b"%PDF-2"
    assert folders.copy_into(world_a.tenant.pk, "ocr", name, b"%PDF-1") == first  # a retry is the copy
