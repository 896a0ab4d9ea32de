import os

import pytest

from acd_points import actions, folders


@pytest.mark.parametrize(
    "attempt",
    [
        "../outside",
        "/etc",
        "a/../../b",
        "..",
        "C:\\Windows",
        "a/./../..",
        ".hidden/x",
        "a\\..\\..\\b",
        "x/" * 10 + "deep",
    ],
)
def test_set_folder_refuses_paths_leaving_the_company_area(make_point, attempt):
    point = make_point(define_path_during_work=True)
    with pytest.raises(folders.FolderNotAllowed):
        actions.set_work_folder(point=point, folder=attempt)
    point.refresh_from_db()
    assert point.work_folder == ""


def test_a_symbolic_link_out_of_the_area_is_refused(make_point, world_a, tmp_path):
    point = make_point(define_path_during_work=True)
    root = folders.tenant_root(world_a.tenant.pk)
    root.mkdir(parents=True, exist_ok=True)
    os.symlink(tmp_path, root / "escape")
    with pytest.raises(folders.FolderNotAllowed):
        actions.set_work_folder(point=point, folder="escape/inside")


def test_a_normal_folder_is_created_inside_the_area(make_point, world_a):
    point = make_point(define_path_during_work=True)
    actions.set_work_folder(point=point, folder=" faktury\\2026/listopad ")
    point.refresh_from_db()
    assert point.work_folder == "faktury/2026/listopad"
    assert (folders.tenant_root(world_a.tenant.pk) / "faktury/2026/listopad").is_dir()


def test_tenants_have_separate_areas(world_a, world_b):
    assert folders.tenant_root(world_a.tenant.pk) != folders.tenant_root(world_b.tenant.pk)
