"""Small things of the operators' pages (issue 13, item 14): "Set folder" starts from the current folder
and can be cancelled; each follow-up line of a document names the file it concerns."""

import re

import pytest
from django.urls import reverse

from acd_points.generate import generate_documents
from intake.models import Document
from tests.builders import PDF, PNG, add_mail, invoice_mail


@pytest.fixture
def folder_point(make_point, world_a):
    return make_point(employees=[world_a.operator], define_path_during_work=True, work_folder="faktury/2026")


def _field_value(page: str) -> str:
    return re.search(r'<input type="text" id="folder" name="folder" value="([^"]*)"', page).group(1)


def test_set_folder_is_prefilled_with_the_current_folder_and_has_cancel(folder_point, client_for, world_a):
    response = client_for(world_a.operator).get(reverse("acd:set-folder", args=[folder_point.pk]))
    page = response.content.decode()
    assert _field_value(page) == "faktury/2026"
    cancel = re.search(r'<a class="button cancel" href="([^"]+)"', page).group(1)
    assert cancel == reverse("acd:point", args=[folder_point.pk])


def test_a_refused_folder_stays_typed_and_the_current_one_is_kept(folder_point, client_for, world_a):
    typed = "../poza-obszarem"
    response = client_for(world_a.operator).post(
        reverse("acd:set-folder", args=[folder_point.pk]), {"folder": typed}
    )
    page = response.content.decode()
    assert response.status_code == 200 and 'class="error"' in page
    assert _field_value(page) == typed
    assert '<code class="current-folder">faktury/2026</code>' in page
    folder_point.refresh_from_db()
    assert folder_point.work_folder == "faktury/2026"


def test_each_follow_up_line_names_its_file_or_the_mail(make_point, world_a, ocr_point, buffer_a, client_for):
    point = make_point(employees=[world_a.operator], ocr_point=ocr_point, delete_after_generate=True)
    message = add_mail(buffer_a, invoice_mail(5, attachments=[("faktura-5.pdf", PDF), ("skan-5.png", PNG)]))
    generate_documents(point=point, message_ids=[message.pk], employee=world_a.operator)
    document = Document.all_tenants.get()

    page = client_for(world_a.operator).get(reverse("acd:document", args=[document.pk])).content.decode()
    lines = re.findall(r'<li class="work-[a-z]+">(.*?)</li>', page, flags=re.S)
    named = sorted(re.search(r'<strong class="work-file">([^<]+)</strong>', line).group(1) for line in lines)
    assert named == ["The mail", "faktura-5.pdf", "skan-5.png"]
    copies = [line for line in lines if "copy file to folder" in line]
    assert len(copies) == 2 and all("ocr/incoming" in line for line in copies)
