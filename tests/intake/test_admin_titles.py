"""Admin titles are whole phrases per model (intake/admin_titles.py), so Polish can inflect the name.

These run in English and check that every page uses the registry's phrase (through gettext); with
the Polish catalogue they then show e.g. "Dodaj skrzynkę pocztową" instead of "Dodaj skrzynka pocztowa".
"""

import json
import re

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils.html import escape

from intake.admin import site
from intake.admin_titles import SELECTOR_PHRASES, TITLES, AdminTitlesMixin, titles_for
from intake.models import Tenant
from intake.tenancy import TenantOwned
from mailboxes.models import Buffer
from tests.builders import BUILDERS


def _registered():
    return list(site._registry)


def _url(model, view, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def _h1(response) -> str:
    found = re.search(r"<h1>(.*?)</h1>", response.content.decode(), re.S)
    return found.group(1).strip() if found else ""


def _object_of(model, world):
    """One object of the model the world's administrator (or a superuser) may open."""
    if model in BUILDERS:
        return BUILDERS[model](world)
    return {Tenant: lambda: world.tenant, Group: lambda: Group.objects.create(name="clerks")}.get(
        model, lambda: world.admin.user
    )()


def test_every_registered_model_has_its_phrases():
    missing = [model._meta.label_lower for model in _registered() if titles_for(model) is None]
    assert missing == []
    assert all(isinstance(model_admin, AdminTitlesMixin) for model_admin in site._registry.values())


def test_every_two_list_selector_has_its_phrases():
    missing = []
    for model, model_admin in site._registry.items():
        for name in [*model_admin.filter_horizontal, *model_admin.filter_vertical]:
            chosen = model._meta.get_field(name).remote_field.model._meta.label_lower
            if chosen not in SELECTOR_PHRASES:
                missing.append(f"{model._meta.label_lower}.{name} ({chosen})")
    assert missing == []


@pytest.mark.parametrize("model", _registered(), ids=lambda m: m._meta.label_lower)
def test_english_phrases_say_what_django_would(model):
    titles = TITLES[model._meta.label_lower]
    name = str(model._meta.verbose_name)
    assert [str(titles.add), str(titles.change), str(titles.select_to_change), str(titles.delete)] == [
        f"Add {name}",
        f"Change {name}",
        f"Select {name} to change",
        f"Delete {name}",
    ]
    assert str(titles.deletion_object) == name


@pytest.mark.parametrize("model", _registered(), ids=lambda m: m._meta.label_lower)
def test_every_admin_page_shows_the_models_phrase(model, world_a, django_user_model, client_for):
    tenant_page = issubclass(model, TenantOwned) or model._meta.label_lower == "intake.employee"
    who = world_a.admin if tenant_page else django_user_model.objects.create_superuser("root", "r@x.pl", "x")
    client, titles, obj = client_for(who), titles_for(model), _object_of(model, world_a)

    listing = client.get(_url(model, "changelist"))
    assert listing.status_code == 200
    can_change = listing.context["cl"].model_admin.has_change_permission(listing.wsgi_request)
    expected = titles.select_to_change if can_change else titles.select_to_view
    assert listing.context["title"] == expected
    assert _h1(listing) == escape(str(expected))
    if listing.context["has_add_permission"]:
        assert f'class="addlink">\n      {escape(str(titles.add))}' in listing.content.decode()

    change = client.get(_url(model, "change", obj.pk))
    assert change.status_code == 200
    expected = titles.change if change.context["has_change_permission"] else titles.view
    assert change.context["title"] == expected and _h1(change) == escape(str(expected))

    add = client.get(_url(model, "add"))
    if add.status_code == 200:
        assert add.context["title"] == titles.add and _h1(add) == escape(str(titles.add))
    delete = client.get(_url(model, "delete", obj.pk))
    if delete.status_code == 200:
        assert delete.context["title"] in (titles.delete, titles.cannot_delete)
        assert delete.context["object_name"] == titles.deletion_object


def test_site_header_and_index_title_are_translatable(world_a, client_for):
    page = client_for(world_a.admin).get(reverse("admin:index")).content.decode()
    assert "Intake portal administration" in page
    assert "<h1>Administration</h1>" in page or ">Administration<" in page


def test_two_list_selector_carries_whole_phrases(world_a, client_for):
    page = client_for(world_a.admin).get(_url(Buffer, "add")).content.decode()
    assert "intake/selector_phrases.js" in page
    # The phrases land on the employees select, HTML-escaped JSON, for selector_phrases.js to apply.
    found = re.search(r'data-selector-phrases="([^"]*)"', page)
    assert found
    phrases = json.loads(found.group(1).replace("&quot;", '"').replace("&amp;", "&"))
    assert phrases["available"] == "Available employees"
    assert phrases["choose_all"] == "Choose all employees"
    assert phrases["remove_all"] == "Remove all employees"


# Polish nominatives that must never stand where Django's sentences need the accusative.
_NOMINATIVE_AFTER_VERB = re.compile(
    r"(Dodaj|Zmień|Usuń|Wybierz) (skrzynka pocztowa|firma|grupa|pracownik(?![\\\w]))"
)


@pytest.mark.parametrize(
    ("url", "title"),
    [
        ("admin:mailboxes_mailbox_add", "Dodaj skrzynkę pocztową"),
        ("admin:mailboxes_mailbox_changelist", "Wybierz skrzynkę pocztową do zmiany"),
        ("admin:intake_employee_add", "Dodaj pracownika"),
        ("admin:acd_points_acdpoint_add", "Dodaj punkt ACD"),
    ],
)
def test_polish_admin_pages_put_the_name_in_the_case_the_sentence_needs(world_a, client_for, url, title):
    page = client_for(world_a.admin).get(reverse(url), headers={"accept-language": "pl"}).content.decode()
    assert f"<h1>{title}</h1>" in page
    assert not _NOMINATIVE_AFTER_VERB.search(page), _NOMINATIVE_AFTER_VERB.search(page).group(0)
