"""The tenant admin: the site, the mixin scoping every tenant-owned page, and the shared domain's pages.

Every page that takes an id answers for an object the administrator may not see exactly as for an id
that does not exist (404), so guessing ids teaches nothing about other tenants.
"""

import json

from django.contrib import admin
from django.contrib.admin.models import DELETION, LogEntry
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group
from django.contrib.auth.views import redirect_to_login
from django.contrib.contenttypes.models import ContentType
from django.contrib.contenttypes.views import shortcut
from django.db.models import Q, TextField
from django.db.models.functions import Cast
from django.http import Http404
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from django_celery_results.models import TaskResult

from intake.admin_saving import UniqueOnSaveMixin
from intake.admin_titles import with_titles
from intake.forms import EmployeeCreationForm, EmployeeForm, TenantForm, TenantUniqueChecks
from intake.models import Document, DocumentFile, Employee, Tenant
from intake.task_results import TaskFailureAdmin
from intake.tenancy import TenantOwned, is_tenant_administrator, manager_for


def deletion_stamp(tenant_id: int) -> str:
    """The change message of a deletion's log entry: a deleted object can no longer be traced to its
    tenant, and LogEntry has no tenant column, so the entry records it."""
    return json.dumps([{"tenant": int(tenant_id)}])


class SiteAdminMixin(UniqueOnSaveMixin):
    """What every page of this admin does: an object it may not show answers as an unused id (Django
    redirects to the index with "doesn't exist", a 404 here), no field shown read-only is prepopulated
    (or prepopulates another): the form has no such field, so Django would fail with a KeyError; a save
    refused by a unique constraint is a field error (intake/admin_saving.py)."""

    def _get_obj_does_not_exist_redirect(self, request, opts, object_id):
        raise Http404

    def get_prepopulated_fields(self, request, obj=None):
        readonly = set(self.get_readonly_fields(request, obj))
        return {
            field: sources
            for field, sources in super().get_prepopulated_fields(request, obj).items()
            if field not in readonly and not readonly.intersection(sources)
        }


class TenantAdminMixin(SiteAdminMixin):
    """ModelAdmin mixin restricting a tenant administrator to the objects of their tenant.

    Querysets, foreign-key and many-to-many choices are filtered to the tenant (a guessed id of another
    tenant's object answers 404 and is refused as a choice); new objects are stamped with the tenant,
    before validation, so a name the tenant already uses is a field error (intake.forms.TenantUniqueChecks).
    Superusers keep seeing everything. Permissions follow the employee's role, not Django's is_staff.
    """

    def _scope(self, request, queryset):
        if request.user.is_superuser:
            return queryset
        if not is_tenant_administrator(request):
            return queryset.none()
        if issubclass(queryset.model, TenantOwned):
            return queryset  # read through the scoped manager: the request's tenant only
        return self.scope_non_tenant_queryset(request, queryset)

    def scope_non_tenant_queryset(self, request, queryset):
        """Override for related models that are not TenantOwned (e.g. users)."""
        return queryset.none()

    def get_queryset(self, request):
        model = self.model
        queryset = manager_for(request, model).all()
        ordering = self.get_ordering(request)
        if ordering:
            queryset = queryset.order_by(*ordering)
        return self._scope(request, queryset)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        kwargs.setdefault("queryset", self._related_queryset(request, db_field))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        kwargs.setdefault("queryset", self._related_queryset(request, db_field))
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def _related_queryset(self, request, db_field):
        related = db_field.remote_field.model
        return self._scope(request, manager_for(request, related).all())

    def get_form(self, request, obj=None, change=False, **kwargs):
        # A duplicate name is a field error, not an IntegrityError on save (see TenantUniqueChecks).
        form = super().get_form(request, obj, change=change, **kwargs)
        if not issubclass(form._meta.model, TenantOwned):
            return form
        return type(form.__name__, (TenantUniqueChecks, form), {"tenant_of_new_object": request.tenant})

    def save_model(self, request, obj, form, change):
        if not change and isinstance(obj, TenantOwned) and obj.tenant_id is None:
            obj.tenant = request.tenant
        super().save_model(request, obj, form, change)  # a concurrent duplicate: UniqueOnSaveMixin

    def has_module_permission(self, request):
        return request.user.is_superuser or is_tenant_administrator(request)

    def log_deletions(self, request, queryset):
        entries = []
        for tenant_id in sorted({obj.tenant_id for obj in queryset}):
            entries += LogEntry.objects.log_actions(
                user_id=request.user.pk,
                queryset=[obj for obj in queryset if obj.tenant_id == tenant_id],
                action_flag=DELETION,
                change_message=deletion_stamp(tenant_id),
            )
        return entries

    def has_view_permission(self, request, obj=None):
        return self._allowed(request, obj)

    def has_change_permission(self, request, obj=None):
        return self._allowed(request, obj)

    def has_add_permission(self, request):
        # New objects belong to the tenant being worked in; a superuser outside any tenant picks one first.
        return self._allowed(request, None) and request.tenant is not None

    def has_delete_permission(self, request, obj=None):
        return self._allowed(request, obj)

    def _allowed(self, request, obj):
        if request.user.is_superuser:
            return True
        if not is_tenant_administrator(request):
            return False
        return obj is None or getattr(obj, "tenant_id", None) == request.tenant.pk


class ReadOnlyTenantInline(TenantAdminMixin, admin.TabularInline):
    """A tenant-scoped inline that only shows rows (attachments of a mail, files of a document)."""

    extra = 0
    can_delete = False

    def get_readonly_fields(self, request, obj=None):
        return self.fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class RecordOnlyAdminMixin:
    """Rows the portal writes and nobody edits (operator actions, stored mail, task failures): listed and
    viewed, never added, changed or deleted here. Put before the admin's scoping mixin."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class TenantAdminSite(admin.AdminSite):
    """The admin, opened to platform superusers and to each tenant's administrators (not to operators)."""

    site_header = _("Intake portal administration")
    site_title = _("Intake portal")
    index_title = _("Administration")

    def register(self, model_or_iterable, admin_class=None, **options):
        # Every page gets its model's whole-sentence titles (intake/admin_titles.py).
        super().register(model_or_iterable, with_titles(admin_class or admin.ModelAdmin), **options)

    def has_permission(self, request):
        user = request.user
        return user.is_active and (user.is_superuser or is_tenant_administrator(request))

    def login(self, request, extra_context=None):
        # One login page for everybody; the admin form would demand is_staff, which we do not use.
        if request.user.is_authenticated:
            return redirect("dashboard")
        return redirect_to_login(request.GET.get("next", self.index_url()))

    def index_url(self):
        return reverse("admin:index", current_app=self.name)

    def get_log_entries(self, request):
        """The index's "Recent actions": a tenant administrator sees only entries about the tenant being
        worked in, not even their own about another tenant they belong or belonged to."""
        entries = super().get_log_entries(request)
        if request.user.is_superuser:
            return entries
        if request.tenant is None:
            return entries.none()
        return entries.filter(self._about_tenant(request.tenant.pk))

    def _about_tenant(self, tenant_id: int) -> Q:
        content_type = ContentType.objects.get_for_model
        about = Q(content_type=content_type(Tenant), object_id=str(tenant_id))
        about |= Q(action_flag=DELETION, change_message=deletion_stamp(tenant_id))
        for model in self._registry:
            if issubclass(model, TenantOwned):
                # The scoped manager: the objects of the active tenant, which is the request's.
                keys = model.objects.annotate(log_key=Cast("pk", output_field=TextField())).values("log_key")
                about |= Q(content_type=content_type(model), object_id__in=keys)
        return about

    def get_urls(self):
        # Django's "view on site" finds any object through the base manager (every tenant's rows).
        return [
            path(
                "r/<path:content_type_id>/<path:object_id>/",
                self.admin_view(self.view_on_site),
                name="view_on_site",
            )
            if getattr(pattern, "name", None) == "view_on_site"
            else pattern
            for pattern in super().get_urls()
        ]

    def view_on_site(self, request, content_type_id, object_id):
        content_type = (
            ContentType.objects.filter(pk=content_type_id).first() if content_type_id.isdigit() else None
        )
        model_admin = self._registry.get(content_type.model_class()) if content_type else None
        if model_admin is None or model_admin.get_object(request, object_id) is None:
            raise Http404
        return shortcut(request, content_type_id, object_id)


class PlatformOnlyAdminMixin(SiteAdminMixin):
    """Pages of the shared domain (logins, groups) are for platform superusers. For anyone else no object
    exists there, so an id of another tenant's login answers as an unused id."""

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        return queryset if request.user.is_superuser else queryset.none()

    def has_module_permission(self, request):
        return request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return request.user.is_superuser

    has_add_permission = has_module_permission
    has_change_permission = has_delete_permission = has_view_permission


class PlatformUserAdmin(PlatformOnlyAdminMixin, UserAdmin):
    pass


class PlatformGroupAdmin(PlatformOnlyAdminMixin, GroupAdmin):
    pass


site = TenantAdminSite(name="admin")
User = get_user_model()

site.register(User, PlatformUserAdmin)
site.register(Group, PlatformGroupAdmin)
site.register(TaskResult, TaskFailureAdmin)  # failed worker tasks cross tenants: superusers only

# What a tenant administrator may change on their own tenant; every other field is shown read-only,
# fields added to Tenant later included, until they are named here.
TENANT_ADMINISTRATOR_EDITS = {"name", "require_admin_two_factor"}


@admin.register(Tenant, site=site)
class TenantAdmin(SiteAdminMixin, admin.ModelAdmin):
    form = TenantForm
    list_display = ["name", "slug", "is_active", "created_at"]
    prepopulated_fields = {"slug": ["name"]}
    search_fields = ["name", "slug"]

    # A tenant administrator sees and renames their own tenant; only superusers create or delete tenants.
    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        if is_tenant_administrator(request):
            return queryset.filter(pk=request.tenant.pk)
        return queryset.none()

    def get_readonly_fields(self, request, obj=None):
        if request.user.is_superuser:
            return []
        return [
            field.name
            for field in Tenant._meta.get_fields()
            if field.concrete
            and field.editable
            and not field.primary_key
            and field.name not in TENANT_ADMINISTRATOR_EDITS
        ]

    def has_module_permission(self, request):
        return request.user.is_superuser or is_tenant_administrator(request)

    def has_view_permission(self, request, obj=None):
        return self.has_module_permission(request) and (
            request.user.is_superuser or obj is None or obj.pk == request.tenant.pk
        )

    has_change_permission = has_view_permission

    def has_add_permission(self, request):
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser


@admin.register(Employee, site=site)
class EmployeeAdmin(TenantAdminMixin, admin.ModelAdmin):
    form = EmployeeForm
    list_display = ["__str__", "user", "role", "email", "is_active"]
    list_filter = ["role", "is_active"]
    search_fields = ["display_name", "email", "user__username"]
    fields = ["user", "display_name", "email", "role", "is_active"]
    readonly_fields = ["user"]

    def get_list_display(self, request):
        return ["tenant", *self.list_display] if request.user.is_superuser else self.list_display

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = EmployeeCreationForm
            kwargs["fields"] = EmployeeCreationForm.Meta.fields
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fields(self, request, obj=None):
        return EmployeeCreationForm.Meta.fields if obj is None else self.fields

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else self.readonly_fields

    def save_model(self, request, obj, form, change):
        if change:
            return super().save_model(request, obj, form, change)
        # A login taken meanwhile is a field error like a name (UniqueOnSaveMixin).
        created = self.save_refusing_clashes(User, lambda: form.create_employee(request.tenant))
        obj.pk, obj.tenant, obj.user = created.pk, created.tenant, created.user
        obj._state.adding = False
        return None


class DocumentFileInline(ReadOnlyTenantInline):
    model = DocumentFile
    fields = ["original_name", "size", "content_type", "sha256"]


@admin.register(Document, site=site)
class DocumentAdmin(TenantAdminMixin, admin.ModelAdmin):
    """Documents are made by operators; the admin shows them read-only."""

    list_display = ["title", "shown_source", "created_by", "created_at"]
    search_fields = ["title", "source"]
    readonly_fields = ["title", "shown_source", "created_by", "created_at"]
    inlines = [DocumentFileInline]

    @admin.display(description=_("source"))
    def shown_source(self, obj):
        return obj.shown_source  # stored as data: in the reader's language

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
