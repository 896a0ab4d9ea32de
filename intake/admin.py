"""The tenant admin: the site, the mixin scoping every tenant-owned page, and the shared domain's pages."""

from django import forms
from django.contrib import admin
from django.contrib.auth import get_user_model, password_validation
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from intake.models import Document, DocumentFile, Employee, Tenant
from intake.tenancy import TenantOwned, is_tenant_administrator, manager_for
from intake.tenants import add_employee


class TenantAdminMixin:
    """ModelAdmin mixin restricting a tenant administrator to the objects of their tenant.

    Querysets, foreign-key and many-to-many choices are filtered to the tenant (a guessed id of another
    tenant's object answers 404 and is refused as a choice); new objects are stamped with the tenant.
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

    def save_model(self, request, obj, form, change):
        if not change and isinstance(obj, TenantOwned) and obj.tenant_id is None:
            obj.tenant = request.tenant
        super().save_model(request, obj, form, change)

    def has_module_permission(self, request):
        return request.user.is_superuser or is_tenant_administrator(request)

    def _get_obj_does_not_exist_redirect(self, request, opts, object_id):
        # Django redirects to the index with "doesn't exist"; another tenant's id must look like any 404.
        raise Http404

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


class TenantAdminSite(admin.AdminSite):
    """The admin, opened to platform superusers and to each tenant's administrators (not to operators)."""

    site_header = "Intake portal administration"
    site_title = "Intake portal"
    index_title = "Administration"

    def has_permission(self, request):
        user = request.user
        return user.is_active and (user.is_superuser or is_tenant_administrator(request))

    def login(self, request, extra_context=None):
        # One login page for everybody; the admin form would demand is_staff, which we do not use.
        from django.contrib.auth.views import redirect_to_login
        from django.shortcuts import redirect

        if request.user.is_authenticated:
            return redirect("dashboard")
        return redirect_to_login(request.GET.get("next", self.index_url()))

    def index_url(self):
        from django.urls import reverse

        return reverse("admin:index", current_app=self.name)


site = TenantAdminSite(name="admin")
User = get_user_model()

# Django's own user and group pages are for platform superusers only (plain ModelAdmin permissions).
site.register(User, UserAdmin)
site.register(Group, GroupAdmin)


@admin.register(Tenant, site=site)
class TenantAdmin(admin.ModelAdmin):
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
        return [] if request.user.is_superuser else ["slug", "is_active"]

    def _get_obj_does_not_exist_redirect(self, request, opts, object_id):
        raise Http404

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


class EmployeeCreationForm(forms.ModelForm):
    """Adding an employee creates their login; the password is set here, never shown again."""

    username = forms.CharField(label=_("Username"), max_length=150)
    password = forms.CharField(
        label=_("Password"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )

    class Meta:
        model = Employee
        fields = ["username", "password", "display_name", "email", "role", "is_active"]

    def clean_username(self):
        username = self.cleaned_data["username"]
        if User.objects.filter(username__iexact=username).exists():
            raise forms.ValidationError(_("This username is already taken."))
        return username

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("password"):
            candidate = User(username=cleaned.get("username", ""), email=cleaned.get("email", ""))
            try:
                password_validation.validate_password(cleaned["password"], candidate)
            except forms.ValidationError as error:
                self.add_error("password", error)
        return cleaned

    def create_employee(self, tenant) -> Employee:
        """The service creates the login and the employee; the admin only collects the values."""
        data = self.cleaned_data
        return add_employee(
            tenant=tenant,
            username=data["username"],
            password=data["password"],
            role=data["role"],
            email=data.get("email", ""),
            display_name=data.get("display_name", ""),
            is_active=data.get("is_active", True),
        )


@admin.register(Employee, site=site)
class EmployeeAdmin(TenantAdminMixin, admin.ModelAdmin):
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
        created = form.create_employee(request.tenant)
        obj.pk, obj.tenant, obj.user = created.pk, created.tenant, created.user
        obj._state.adding = False
        return None


class DocumentFileInline(ReadOnlyTenantInline):
    model = DocumentFile
    fields = ["original_name", "size", "content_type", "sha256"]


@admin.register(Document, site=site)
class DocumentAdmin(TenantAdminMixin, admin.ModelAdmin):
    """Documents are made by operators; the admin shows them read-only."""

    list_display = ["title", "source", "created_by", "created_at"]
    search_fields = ["title", "source"]
    readonly_fields = ["title", "source", "created_by", "created_at"]
    inlines = [DocumentFileInline]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
