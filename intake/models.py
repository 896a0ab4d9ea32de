"""The shared domain: tenants, their employees, and the documents operators generate."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from intake import reasons
from intake.tenancy import TenantOwned


class Tenant(models.Model):
    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=60, unique=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    # Read by intake/two_factor.py: administrators without an authenticator are sent to set one up.
    require_admin_two_factor = models.BooleanField(
        _("require two-factor authentication of administrators"),
        default=False,
        help_text=_(
            "Administrators must sign in with a code from an authenticator app as well as their password."
        ),
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("tenant")
        verbose_name_plural = _("tenants")

    def __str__(self):
        return self.name


class Employee(TenantOwned):
    class Role(models.TextChoices):
        ADMINISTRATOR = "administrator", _("administrator")
        OPERATOR = "operator", _("operator")

    tenant = models.ForeignKey(
        Tenant, on_delete=models.CASCADE, related_name="employees", editable=False, verbose_name=_("tenant")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("user")
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.OPERATOR)
    display_name = models.CharField(_("display name"), max_length=200, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["display_name", "user__username"]
        verbose_name = _("employee")
        verbose_name_plural = _("employees")
        constraints = [models.UniqueConstraint(fields=["tenant", "user"], name="employee_once_per_tenant")]

    def __str__(self):
        return self.display_name or self.user.get_username()

    @property
    def is_administrator(self):
        return self.role == self.Role.ADMINISTRATOR


class Document(TenantOwned):
    tenant = models.ForeignKey(
        Tenant, on_delete=models.CASCADE, related_name="documents", editable=False, verbose_name=_("tenant")
    )
    title = models.CharField(_("title"), max_length=300)
    created_by = models.ForeignKey(
        Employee,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)
    # Where the document came from: a stored reason (intake.reasons, e.g. "document.acd_point_mail" with
    # the point and the sender), shown in the reader's language (shown_source); rows of old hold plain
    # words. Apps that create documents keep their own typed link to the source next to it.
    source = models.CharField(_("source"), max_length=1000, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("document")
        verbose_name_plural = _("documents")

    def __str__(self):
        return self.title

    @property
    def shown_source(self) -> str:
        """Where it came from, in the active language (a plain text of old as written)."""
        return reasons.render(self.source)


class DocumentFile(TenantOwned):
    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="+", editable=False)
    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="files")
    original_name = models.CharField(_("original file name"), max_length=255)
    file = models.FileField(_("file"), max_length=300)
    size = models.PositiveBigIntegerField(_("size"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    content_type = models.CharField(_("content type"), max_length=120)

    class Meta:
        ordering = ["id"]
        verbose_name = _("document file")
        verbose_name_plural = _("document files")

    def __str__(self):
        return self.original_name


# Defined in its own module (it borrows django-otp code); imported here so Django registers it.
from intake.authenticators import AuthenticatorApp  # noqa: E402, F401
