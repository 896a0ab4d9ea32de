"""Every URL the portal answers, walked from the URL resolvers, asked by every role with its path
parameters filled with another tenant's ids: the answer is exactly the one for an id that does not exist,
and no page ever shows another tenant's names or fails with a server error.

A new URL is covered the day it is added: a path parameter this module does not know how to fill fails
`test_every_path_parameter_is_known`, so whoever adds it says here which object its id names.
"""

import itertools
import logging
import re
from dataclasses import dataclass, field
from urllib.parse import quote

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from django.urls.resolvers import RegexPattern

from acd_points.models import AcdPoint, ApiToken, OcrPoint
from intake.admin import site
from intake.models import Document, DocumentFile, Employee, Tenant
from mailboxes.models import Attachment, Buffer, Mailbox, Message, Notification
from tests import builders
from tests.api.client import api_client
from tests.builders.two_factor import mark_verified
from tests.intake.sweep_parameters import PARAMETERS, ContentTypeOf

NOWHERE = 987654321
User = get_user_model()
MARKER = "zeta"  # every name of the other tenant's objects holds it, and nothing of the own tenant does


ADMIN_OBJECT_PARAMETERS = {"object_id", "id"}
NEVER_POSTED = {"logout", "admin:logout"}  # posting would end the role's session mid-sweep

_ROUTE_PARAMETER = re.compile(r"<(?:[^>:]+:)?(?P<name>[^>]+)>")
_REGEX_GROUP = re.compile(r"\(\?P<(?P<name>\w+)>[^()]*\)")
_REGEX_LEFT = re.compile(r"[\\^$()*+?\[\]{}|]")


@dataclass(frozen=True)
class Route:
    pieces: tuple[tuple[str, bool], ...]  # (text, is a regex) of each resolver level
    name: str | None
    admin_model: type | None
    callback: object = field(compare=False)

    @property
    def text(self) -> str:
        return "".join(text for text, _ in self.pieces)

    @property
    def key(self) -> str:
        return self.name or self.text

    @property
    def params(self) -> list[str]:
        found = []
        for text, is_regex in self.pieces:
            pattern = _REGEX_GROUP if is_regex else _ROUTE_PARAMETER
            found += [match["name"] for match in pattern.finditer(text)]
        return found

    def spec(self, param):
        if self.admin_model is not None and param in ADMIN_OBJECT_PARAMETERS:
            return self.admin_model
        return PARAMETERS.get((self.key, param))

    def url(self, values: dict) -> str:
        built = []
        for text, is_regex in self.pieces:
            if is_regex:
                text = _REGEX_GROUP.sub(lambda m: str(values[m["name"]]), text.lstrip("^").rstrip("$"))
                assert not _REGEX_LEFT.search(text), f"cannot build a URL of {self.text}: extend Route.url"
            else:
                text = _ROUTE_PARAMETER.sub(lambda m: str(values[m["name"]]), text)
            built.append(text)
        return "/" + "".join(built)


def _admin_model(prefix: str):
    for model in site._registry:
        if prefix == f"admin/{model._meta.app_label}/{model._meta.model_name}/":
            return model
    return None


def routes(resolver=None, pieces=(), namespace="", admin_model=None) -> list[Route]:
    found = []
    for entry in (resolver or get_resolver()).url_patterns:
        piece = ((str(entry.pattern), isinstance(entry.pattern, RegexPattern)),)
        if isinstance(entry, URLResolver):
            inner = ":".join(filter(None, [namespace, entry.namespace]))
            model = admin_model or _admin_model("".join(text for text, _ in pieces + piece))
            found += routes(entry, pieces + piece, inner, model)
        elif isinstance(entry, URLPattern):
            name = f"{namespace}:{entry.name}" if namespace and entry.name else entry.name
            found.append(Route(pieces + piece, name, admin_model, entry.callback))
    return found


def test_every_path_parameter_is_known():
    unknown = [
        f"{route.key} <{param}>" for route in routes() for param in route.params if not route.spec(param)
    ]
    assert unknown == [], "say in PARAMETERS which object each of these ids names"


def test_the_walk_sees_pages_api_and_every_admin_model():
    keys = {route.key for route in routes()}
    assert {"dashboard", "acd:attachment", "api:document-file", "admin:view_on_site"} <= keys
    for model in site._registry:
        assert f"admin:{model._meta.app_label}_{model._meta.model_name}_history" in keys


# -- the two tenants ---------------------------------------------------------------------------------------


def _objects(world, point, *, marked: bool) -> dict:
    """One object of every model a URL may name, of `world`'s tenant; the other tenant's carry MARKER."""
    mail = builders.invoice_mail(7)
    data = builders.make_point_data(point, point.buffer, employee=world.operator, mail=mail)
    objects = {
        AcdPoint: point,
        Buffer: point.buffer,
        Mailbox: point.buffer.mailbox,
        Message: data.mail,
        Attachment: data.attachment,
        Document: data.document,
        DocumentFile: data.document_file,
        Employee: world.operator,
        Tenant: world.tenant,
        User: world.admin.user,
        Group: Group.objects.create(name=f"Group of {world.tenant.slug}"),
        OcrPoint: builders.make_ocr_point(world.tenant, name=f"OCR of {world.tenant.slug}"),
        ApiToken: builders.issue_token(world.operator, name=f"ERP of {world.tenant.slug}")[0],
        Notification: builders.another_notification(world),
    }
    for model in site._registry.keys() - objects.keys():  # a new tenant-owned model: its builder's object
        assert model in builders.BUILDERS, f"give the sweep an object of {model.__name__}"
        objects[model] = builders.BUILDERS[model](world)
    if marked:  # names the builders give without the tenant's slug
        Message.all_tenants.filter(pk=data.mail.pk).update(subject=f"{MARKER} invoice")
        Attachment.all_tenants.filter(message=data.mail).update(display_name=f"{MARKER}.pdf")
        Document.all_tenants.filter(pk=data.document.pk).update(title=f"{MARKER} document")
        DocumentFile.all_tenants.filter(pk=data.document_file.pk).update(original_name=f"{MARKER}.pdf")
        for model, obj in objects.items():
            obj.refresh_from_db()
            assert MARKER in (str(obj) + getattr(obj, "username", "")).lower(), model
    return objects


@dataclass
class Role:
    """Who asks; to keep the sweep fast each role asks only what can differ for it (see _roles)."""

    name: str
    pages: Client
    api: Client
    admin: bool = False
    own_ids: bool = True  # open the own tenant's objects too: never a server error
    guesses: bool = True
    posts: bool = True
    superuser: bool = False  # sees every tenant by design: only never a server error
    of_both: bool = False  # the tenant switcher rightly names the other tenant


def _admin_actions_in_the_other_tenant(client, world_z, ocr_name):
    """Log entries that name the other tenant's objects, made by a user who works (or worked) there."""
    ocr = builders.make_ocr_point(world_z.tenant, name=f"{ocr_name} to rename")
    doomed = builders.make_ocr_point(world_z.tenant, name=f"{ocr_name} to delete")
    # follow: the pages after the redirects show (and so use up) the "saved" messages
    renamed = {"name": f"{ocr_name} renamed", "folder": "o"}
    client.post(f"/admin/acd_points/ocrpoint/{ocr.pk}/change/", renamed, follow=True)
    client.post(f"/admin/acd_points/ocrpoint/{doomed.pk}/delete/", {"post": "yes"}, follow=True)
    assert not OcrPoint.all_tenants.filter(pk=doomed.pk).exists()


def _roles(world_a, world_z) -> list[Role]:
    def pages(user):
        client = Client()
        client.force_login(user)
        return client

    def api(employee):
        return api_client(builders.issue_token(employee, name="Sweep")[1])

    both = builders.another_employee(world_a, "drifter", role="administrator")
    builders.another_employee(world_z, "drifter", role="administrator")
    drifter = pages(both.user)
    drifter.post("/tenant/switch/", {"tenant": world_z.tenant.pk})
    _admin_actions_in_the_other_tenant(drifter, world_z, f"{MARKER} drifter OCR")
    drifter.post("/tenant/switch/", {"tenant": world_a.tenant.pk})

    former = builders.another_employee(world_z, "mover", role="administrator")
    _admin_actions_in_the_other_tenant(pages(former.user), world_z, f"{MARKER} mover OCR")
    Employee.all_tenants.filter(pk=former.pk).update(is_active=False)
    moved = builders.another_employee(world_a, "mover", role="administrator")

    root = User.objects.create_superuser("root", "root@example.com", "x")
    superuser = pages(root)
    mark_verified(superuser, root)  # platform superusers always owe a second factor
    # Anonymous: the login gate comes before any id. The administrator of both tenants has the tenant
    # administrator's permissions where they work: their guesses show that the other membership opens
    # nothing (their posts would take the same paths); the former member's index and lists show whether
    # their old log entries leak. The superuser sees every tenant by design: only never a 500.
    return [
        Role("anonymous", Client(), api_client(), own_ids=False),
        Role("operator", pages(world_a.operator.user), api(world_a.operator)),
        Role("tenant administrator", pages(world_a.admin.user), api(world_a.admin), admin=True),
        Role("admin of both", drifter, api(both), admin=True, own_ids=False, posts=False, of_both=True),
        Role("former member", pages(moved.user), api(moved), admin=True, own_ids=False, guesses=False),
        Role("superuser", superuser, api_client(), admin=True, guesses=False, superuser=True),
    ]


@pytest.fixture
def sweep(db, world_a, caplog):
    caplog.set_level(logging.ERROR, logger="django.request")  # every guess is a logged 404; errors still show
    cache.clear()  # API throttling counts per user id, which other tests' users shared
    world_z = builders.make_tenant_world(MARKER)
    point_z = builders.make_acd_point(
        world_z.tenant,
        buffer=builders.another_buffer(world_z),
        employees=[world_z.operator],
        name=f"{MARKER} point",
        define_path_during_work=True,
        allow_delete_from_mailbox=True,
    )
    point_a = builders.make_acd_point(
        world_a.tenant,
        buffer=builders.another_buffer(world_a),
        employees=[world_a.operator],
        define_path_during_work=True,
        allow_delete_from_mailbox=True,
    )
    own, foreign = _objects(world_a, point_a, marked=False), _objects(world_z, point_z, marked=True)
    yield own, foreign, _roles(world_a, world_z)
    cache.clear()


# -- asking ------------------------------------------------------------------------------------------------


def _variants(route, own, foreign):
    """(own values, foreign-filled values or None, the same with unused ids, all ids guessed) of the route:
    the own ids; every id guessed; and, with several ids, each one guessed under the own others."""
    specs = {param: route.spec(param) for param in route.params}
    ids = [param for param, spec in specs.items() if isinstance(spec, type)]
    literals = [param for param in specs if param not in ids]
    for chosen in itertools.product(*(specs[param] for param in literals)):
        fixed = {
            param: ContentType.objects.get_for_model(value.model).pk
            if isinstance(value, ContentTypeOf)
            else value
            for param, value in zip(literals, chosen, strict=True)
        }
        mine = fixed | {param: own[specs[param]].pk for param in ids}
        yield mine, None, None, False
        if not ids:
            continue
        for guessed in [ids] + ([[param] for param in ids] if len(ids) > 1 else []):
            yield (
                mine,
                mine | {param: foreign[specs[param]].pk for param in guessed},
                mine | {param: NOWHERE for param in guessed},
                guessed == ids,
            )


def _ask(role, route, method, url):
    client = role.api if (route.name or "").startswith("api:") else role.pages
    if method == "get":
        return client.get(url)
    if (route.name or "").startswith("api:"):
        return client.post(url, {"mails": [NOWHERE]}, format="json")
    return client.post(url, {"post": "yes"})


def _body(response) -> str:
    if not hasattr(response, "swept_body"):  # a file's bytes stream, and only once
        data = b"".join(response.streaming_content) if response.streaming else response.content
        response.swept_body = data.decode(errors="replace")
    return response.swept_body


def _normalised(response, url):
    text = _body(response)
    location = response.get("Location", "")
    for form in (url, quote(url, safe="")):
        text, location = text.replace(form, "<url>"), location.replace(form, "<url>")
    text = re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", text)
    return response.status_code, location, text


def _leaks(role, response) -> bool:
    if role.superuser:
        return False
    text = _body(response)
    if role.of_both:
        text = re.sub(r'<form[^>]*class="tenant-switch".*?</form>', "", text, flags=re.S)
    return MARKER in text.lower()


def _methods(role, route, everything_guessed):
    # POST may take another path (the admin checks permissions before looking up on saving and deleting)
    gate_only = route.key.startswith("admin") and not role.admin
    if route.key in NEVER_POSTED or not role.posts or gate_only or not everything_guessed:
        return ("get",)
    return ("get", "post")


def _open_own(role, route, values) -> list[str]:
    url = route.url(values)
    assert resolve(url).func == route.callback, f"{url} does not resolve to {route.key}"
    response = _ask(role, route, "get", url)
    if response.status_code >= 500 or _leaks(role, response):
        return [f"{role.name}: GET {url} (own ids) -> {response.status_code}"]
    if role.admin and role.posts and route.key.endswith(("_add", "_change")):
        # An empty form answers with its errors (every admin form has a required field, so nothing is
        # saved): a form whose checks read a field it does not have fails here, not in production.
        saved = role.pages.post(url, {})
        if saved.status_code >= 500 or _leaks(role, saved):
            return [f"{role.name}: POST {url} (own ids, empty form) -> {saved.status_code}"]
    return []


def _guess(role, route, guessed, nowhere, methods) -> list[str]:
    problems = []
    url, twin = route.url(guessed), route.url(nowhere)
    for method in methods:
        answer = _ask(role, route, method, url)
        if answer.status_code >= 500 or _leaks(role, answer):
            problems.append(f"{role.name}: {method.upper()} {url} -> {answer.status_code}, foreign data")
        elif _normalised(answer, url) != _normalised(_ask(role, route, method, twin), twin):
            problems.append(f"{role.name}: {method.upper()} {url} differs from an unused id")
    return problems


def _sweep_route(role, route, own, foreign) -> list[str]:
    problems = []
    gate_only = route.key.startswith("admin") and not role.admin
    for mine, guessed, nowhere, everything in _variants(route, own, foreign):
        if guessed is None:
            if not route.params or (role.own_ids and not gate_only):
                problems += _open_own(role, route, mine)
        elif role.guesses:
            problems += _guess(role, route, guessed, nowhere, _methods(role, route, everything))
    return problems


def test_no_url_shows_another_tenants_data_to_any_role(sweep):
    own, foreign, roles = sweep
    every = routes()
    problems = [
        problem for role in roles for route in every for problem in _sweep_route(role, route, own, foreign)
    ]
    assert problems == []
    for model, obj in foreign.items():  # posting "yes" to every page changed nothing of theirs
        assert type(obj)._base_manager.filter(pk=obj.pk).exists(), model
