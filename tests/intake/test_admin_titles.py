"""Admin titles are whole phrases per model (intake/admin_titles.py), so Polish can inflect the name.

These run in English and check that every page uses the registry's phrase (through gettext); with
the Polish catalogue they then show e.g. "Dodaj skrzynkę pocztową" instead of "Dodaj skrzynka pocztowa".
"""

import html
import json
import re

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils.html import escape, strip_tags

from acd_points.models import OcrPoint
from intake.admin import site
from intake.admin_titles import SELECTOR_PHRASES, TITLES, AdminTitlesMixin, titles_for
from intake.models import Tenant
from intake.tenancy import TenantOwned
from mailboxes.models import Buffer
from tests.builders import BUILDERS, another_ocr_point
from tests.builders.admin_pages import more_of


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


# -- Polish pages of every registered model: each name in the case and plural its sentence needs ----------

# nominative, accusative, genitive singular; nominative, genitive plural; masculine personal (whose
# accusative plural and counts from 2 take the genitive: "3 pracowników").
POLISH = {
    "auth.user": ("użytkownik", "użytkownika", "użytkownika", "użytkownicy", "użytkowników", True),
    "auth.group": ("grupa", "grupę", "grupy", "grupy", "grup", False),
    "django_celery_results.taskresult": (
        "wynik zadania",
        "wynik zadania",
        "wyniku zadania",
        "wyniki zadań",
        "wyników zadań",
        False,
    ),
    "intake.tenant": ("firma", "firmę", "firmy", "firmy", "firm", False),
    "intake.employee": ("pracownik", "pracownika", "pracownika", "pracownicy", "pracowników", True),
    "intake.document": ("dokument", "dokument", "dokumentu", "dokumenty", "dokumentów", False),
    "mailboxes.buffer": (
        "bufor e-mail",
        "bufor e-mail",
        "bufora e-mail",
        "bufory e-mail",
        "buforów e-mail",
        False,
    ),
    "mailboxes.mailbox": (
        "skrzynka pocztowa",
        "skrzynkę pocztową",
        "skrzynki pocztowej",
        "skrzynki pocztowe",
        "skrzynek pocztowych",
        False,
    ),
    "mailboxes.message": ("wiadomość", "wiadomość", "wiadomości", "wiadomości", "wiadomości", False),
    "mailboxes.notification": (
        "powiadomienie",
        "powiadomienie",
        "powiadomienia",
        "powiadomienia",
        "powiadomień",
        False,
    ),
    "acd_points.apitoken": ("token API", "token API", "tokenu API", "tokeny API", "tokenów API", False),
    "acd_points.acdpoint": ("punkt ACD", "punkt ACD", "punktu ACD", "punkty ACD", "punktów ACD", False),
    "acd_points.ocrpoint": ("punkt OCR", "punkt OCR", "punktu OCR", "punkty OCR", "punktów OCR", False),
    "acd_points.mailaction": (
        "czynność operatora",
        "czynność operatora",
        "czynności operatora",
        "czynności operatorów",
        "czynności operatorów",
        False,
    ),
}
# Django's Polish where the gender would decide: "został(a)(-ło)", "wybrane(-nych)", "go/ją/je", "nim/nią".
_ALTERNATIVES = re.compile(r"\w\(-?\w+\)|\)\(-?\w+\)|\b\w+/\w+/\w+\b|\bnim/nią\b")
_VERBS = "Dodaj|Zmień|Usuń|Wybierz|usunąć|skasować|Dodano|Zmieniono|Usunięto|dodać"
_DETERMINER = r"(?:(?:wybran|zaznaczon|kolejn|wszystki)\w* )?"  # "usunąć [5] [wybranych] skrzynek"


def _category(count: int) -> str:
    if count == 1:
        return "one"
    if count % 10 in (2, 3, 4) and count % 100 not in (12, 13, 14):
        return "few"
    return "many"


def _counted_noun(label, count, case="nominative") -> str:
    nominative, accusative, _genitive, plural, plural_genitive, personal = POLISH[label]
    category = _category(count)
    if category == "one":
        return accusative if case == "accusative" else nominative
    return plural if category == "few" and not personal else plural_genitive


def _visible_text(response) -> str:
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", response.content.decode(), flags=re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def _words(*forms) -> str:
    return "|".join(re.escape(form) for form in sorted(set(forms), key=len, reverse=True))


def _misused_forms(label, text) -> list[str]:
    """What a Polish reader would trip over: alternatives left to them, a nominative after a verb, a
    non-genitive after "Usunięcie", a count with the wrong plural form."""
    nominative, accusative, genitive, plural, plural_genitive, personal = POLISH[label]
    wrong = [found.group(0) for found in _ALTERNATIVES.finditer(text)]
    after_verb = {nominative} - {accusative} | ({plural} if personal else set())
    if after_verb:
        pattern = rf"\b(?:{_VERBS}) {_DETERMINER}(?:\d+ )?{_DETERMINER}(?:{_words(*after_verb)})(?!\w)"
        wrong += re.findall(pattern, text)
    not_genitive = {nominative, accusative, plural} - {genitive, plural_genitive}
    wrong += re.findall(
        rf"\bUsunięcie {_DETERMINER}(?:\d+ )?{_DETERMINER}(?:{_words(*not_genitive)})(?!\w)", text
    )
    forms = _words(nominative, accusative, genitive, plural, plural_genitive)
    for found in re.finditer(rf"\b(\d+) {_DETERMINER}({forms})(?!\w)", text):
        count, noun = int(found.group(1)), found.group(2)
        if noun not in {_counted_noun(label, count), _counted_noun(label, count, "accusative")}:
            wrong.append(found.group(0))
    return wrong


def _polish(client, method, url, data=None):
    response = getattr(client, method)(url, data, headers={"accept-language": "pl"}, follow=method == "post")
    assert response.status_code == 200, (url, response.status_code)
    return response


def _paginator_text(response) -> str:
    found = re.search(r'<p class="paginator">(.*?)</p>', response.content.decode(), re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", found.group(1)).split())


def _check_counts(model, client, world) -> object:
    """The change list with 0, 1, 2, 5 and 22 objects (those not below what there is already)."""
    label, url = model._meta.label_lower, _url(model, "changelist")
    listing = _polish(client, "get", url)
    shown = listing.context["cl"].result_count
    for count in (0, 1, 2, 5, 22):
        if count < shown:
            continue
        more_of(model, world, count - shown)
        listing = _polish(client, "get", url)
        shown = listing.context["cl"].result_count
        assert shown == count
        assert _paginator_text(listing) == f"{count} {_counted_noun(label, count)}"
        assert _misused_forms(label, _visible_text(listing)) == [], count
    every = "wszystkich" if POLISH[label][5] else "wszystkie"
    expected = f"Wybierz {every} {shown} {_counted_noun(label, shown, 'accusative')}"
    assert str(listing.context["cl"].select_all_text) == expected  # shown beyond one page
    return listing


def _check_bulk_deletion(model, client, listing):
    """The action's label, the confirmation for 1, 2 and 5 selected, the message after deleting 5."""
    label, url = model._meta.label_lower, _url(model, "changelist")
    _nominative, _accusative, _genitive, plural, plural_genitive, personal = POLISH[label]
    assert f"Usuń {'wybranych ' + plural_genitive if personal else 'wybrane ' + plural}" in _visible_text(
        listing
    )
    ids = [obj.pk for obj in listing.context["cl"].result_list]
    for count in (1, 2, 5):
        data = {"action": "delete_selected", "_selected_action": ids[:count], "index": "0"}
        text = _visible_text(_polish(client, "post", url, data))
        noun = re.escape(_counted_noun(label, count, "accusative"))
        assert re.search(rf"usunąć (?:{count} )?\w+ {noun}\?", text) or "Usunięcie" in text, text
        assert _misused_forms(label, text) == [], count
        if "Podsumowanie" in text:
            assert f"{count} {_counted_noun(label, count)}" in text
    deleted = _polish(client, "post", url, data | {"post": "yes"})
    if "deletable_objects" not in deleted.context:  # deleted, not refused
        assert f"Usunięto 5 {plural_genitive}." in _visible_text(deleted)


@pytest.mark.parametrize("model", _registered(), ids=lambda m: m._meta.label_lower)
def test_polish_admin_pages_put_every_name_in_its_case_and_plural(
    model, world_a, django_user_model, client_for
):
    label = model._meta.label_lower
    tenant_page = issubclass(model, TenantOwned) or label == "intake.employee"
    who = world_a.admin if tenant_page else django_user_model.objects.create_superuser("root", "r@x.pl", "x")
    client = client_for(who)
    listing = _check_counts(model, client, world_a)
    obj = listing.context["cl"].result_list[0]
    for view in ("add", "change", "history", "delete"):
        url = _url(model, view, *([] if view == "add" else [obj.pk]))
        response = client.get(url, headers={"accept-language": "pl"})
        if response.status_code == 200:
            assert _misused_forms(label, _visible_text(response)) == [], view
    if "delete_selected" in listing.context["cl"].model_admin.get_actions(listing.wsgi_request):
        _check_bulk_deletion(model, client, listing)


def _messages(response) -> list[str]:
    return [html.unescape(strip_tags(str(message))) for message in response.context["messages"]]


def test_polish_messages_name_the_object_in_the_accusative(world_a, django_user_model, client_for):
    root = client_for(django_user_model.objects.create_superuser("root", "r@x.pl", "x"))
    added = _polish(root, "post", _url(Group, "add"), {"name": "Księgowość", "_addanother": "1"})
    assert _messages(added) == ["Dodano grupę „Księgowość”. Poniżej możesz dodać kolejną grupę."]
    group = Group.objects.get(name="Księgowość")
    changed = _polish(root, "post", _url(Group, "change", group.pk), {"name": "Kadry", "_continue": "1"})
    assert _messages(changed) == ["Zmieniono grupę „Kadry”. Poniżej możesz ponownie edytować."]
    deleted = _polish(root, "post", _url(Group, "delete", group.pk), {"post": "yes"})
    assert _messages(deleted) == ["Usunięto grupę „Kadry”."]
    data = {"name": "Alfa", "slug": "alpha", "is_active": "on"}
    renamed = _polish(root, "post", _url(Tenant, "change", world_a.tenant.pk), data)
    assert _messages(renamed) == ["Zmieniono firmę „Alfa”."]
    point = another_ocr_point(world_a)
    admin = client_for(world_a.admin)
    saved = _polish(admin, "post", _url(OcrPoint, "change", point.pk), {"name": "Faktury", "folder": "ocr"})
    assert _messages(saved) == ["Zmieniono punkt OCR „Faktury”."]
    added = _polish(
        admin, "post", _url(OcrPoint, "add"), {"name": "Paragony", "folder": "ocr/2", "_continue": "1"}
    )
    assert _messages(added) == ["Dodano punkt OCR „Paragony”. Poniżej możesz ponownie edytować."]


def test_english_messages_stay_djangos(world_a, client_for):
    point = another_ocr_point(world_a)
    saved = client_for(world_a.admin).post(
        _url(OcrPoint, "change", point.pk), {"name": "Invoices", "folder": "ocr"}, follow=True
    )
    assert _messages(saved) == ["The OCR point “Invoices” was changed successfully."]


@pytest.mark.parametrize(
    ("url", "button"),
    [
        ("admin:mailboxes_mailbox_add", "Zapisz i dodaj nową"),
        ("admin:intake_employee_add", "Zapisz i dodaj nowego"),
        ("admin:acd_points_ocrpoint_add", "Zapisz i dodaj nowy"),
    ],
)
def test_polish_save_and_add_another_agrees_with_the_name(world_a, client_for, url, button):
    page = _polish(client_for(world_a.admin), "get", reverse(url)).content.decode()
    assert f'value="{button}" name="_addanother"' in page
