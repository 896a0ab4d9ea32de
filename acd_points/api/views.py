"""The API's views: thin callers of access (who may see what), mail_list (the mail list) and actions
(what happens), exactly as the pages are, so both answer with the same permissions."""

import contextlib

from django.db.models import Prefetch
from django.http import Http404
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import generics, status
from rest_framework.exceptions import ValidationError
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.pagination import CursorPagination
from rest_framework.response import Response

from acd_points import access, actions
from acd_points.api import generation, queries, serializers
from acd_points.downloads import file_response
from acd_points.generate import unknown_choices
from acd_points.mail_list import PAGE_SIZE, mail_page
from acd_points.models import AcdPoint
from intake.models import Document, DocumentFile
from intake.tenancy import tenant_context
from mailboxes.models import Attachment

NOT_FOUND = OpenApiResponse(description="Not found, or not yours to see (the two are never told apart).")
INVALID = OpenApiResponse(OpenApiTypes.OBJECT, description="Invalid input: each field named with its errors.")
FILE = {(200, "application/octet-stream"): OpenApiTypes.BINARY, 404: NOT_FOUND}


class TenantScopedView(generics.GenericAPIView):
    """Runs the handler (and the rendering of its answer) in the tenant of the token's employee.

    Authentication happens inside DRF's dispatch, so the tenant is only known in `initial()`; the
    context is entered there and left when dispatch returns.
    """

    def dispatch(self, request, *args, **kwargs):
        with contextlib.ExitStack() as scope:
            self._tenant_scope = scope
            response = super().dispatch(request, *args, **kwargs)
            if isinstance(response, Response):
                response.render()
            return response

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        queries.each_once(request.query_params)
        self._tenant_scope.enter_context(tenant_context(request.tenant))


def _acd_area_or_404(request):
    # As the pages: an employee with no point (and no administrator role) has no ACD area at all.
    if not access.has_acd_area(request.employee):
        raise Http404


@extend_schema_view(
    get=extend_schema(responses={200: serializers.PointSerializer(many=True), 404: NOT_FOUND})
)
class PointList(TenantScopedView, generics.ListAPIView):
    """The ACD points the employee may use (administrators: all of their company's)."""

    serializer_class = serializers.PointSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return AcdPoint.objects.none()
        _acd_area_or_404(self.request)
        return access.points_for(self.request.employee).select_related("buffer")


@extend_schema_view(get=extend_schema(responses={200: serializers.PointSerializer, 404: NOT_FOUND}))
class PointDetail(TenantScopedView, generics.RetrieveAPIView):
    """One ACD point the employee may use."""

    serializer_class = serializers.PointSerializer

    def get_object(self):
        return access.point_or_404(self.request, self.kwargs["pk"])


class PointMailList(TenantScopedView):
    """The point's mail list, newest first, with the page's filters; pages are addressed by cursors."""

    serializer_class = serializers.MailPageSerializer

    @extend_schema(
        operation_id="points_mails_list",
        parameters=[serializers.MailQuerySerializer],
        responses={200: serializers.MailPageSerializer, 400: INVALID, 404: NOT_FOUND},
    )
    def get(self, request, pk):
        point = access.point_or_404(request, pk)
        query = serializers.MailQuerySerializer(data=queries.as_given(request.query_params))
        query.is_valid(raise_exception=True)
        filters = query.filters()
        mails = filters.apply(access.visible_mail(point.buffer)).prefetch_related(
            Prefetch("attachments", queryset=Attachment.objects.order_by("position"))
        )
        page = mail_page(
            mails,
            after=queries.keyset_cursor_or_404(query.validated_data.get("after", "")),
            before=queries.keyset_cursor_or_404(query.validated_data.get("before", "")),
            size=query.validated_data["page_size"],
        )
        kept = filters.as_query() | {"page_size": query.validated_data["page_size"]}

        def link(cursor: dict) -> str | None:
            return (
                request.build_absolute_uri("?" + urlencode(kept | cursor)) if any(cursor.values()) else None
            )

        body = {
            "next": link({"after": page.older}),
            "previous": link({"before": page.newer}),
            "results": page.mails,
        }
        return Response(
            serializers.MailPageSerializer(body, context={"request": request, "point": point}).data
        )


class PointMailDetail(TenantScopedView):
    """One mail of the point's list: headers, state, attachments, and its document once generated."""

    serializer_class = serializers.MailDetailSerializer

    @extend_schema(
        operation_id="points_mails_retrieve",
        responses={200: serializers.MailDetailSerializer, 404: NOT_FOUND},
    )
    def get(self, request, pk, mail_id):
        point = access.point_or_404(request, pk)
        message = access.mail_or_404(point.buffer, mail_id)
        context = {"request": request, "point": point}
        return Response(serializers.MailDetailSerializer(message, context=context).data)


class _AnyAccept(BaseContentNegotiation):
    """Files are served whatever the client accepts; errors are still JSON."""

    def select_parser(self, request, parsers):
        return parsers[0]

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


class AttachmentFile(TenantScopedView):
    """An attachment's bytes, always as a download (its SHA-256 is in the mail's attachment list)."""

    content_negotiation_class = _AnyAccept

    @extend_schema(responses=FILE)
    def get(self, request, pk, attachment_id):
        point = access.point_or_404(request, pk)
        attachment = access.attachment_or_404(point.buffer, attachment_id)
        return file_response(
            attachment.file, name=attachment.display_name, content_type=attachment.sniffed_type
        )


class PointGenerate(TenantScopedView):
    """Generate documents, as the mail page's *Generate document* does: one per mail (one per attachment
    at a point that makes a document of each), with the attachments the point's rules choose or those
    named in `attachments`; repeating is harmless."""

    serializer_class = generation.GenerateRequestSerializer

    @extend_schema(
        request=generation.GenerateRequestSerializer,
        responses={
            201: OpenApiResponse(
                generation.GenerateResultSerializer, description="At least one document was created."
            ),
            200: OpenApiResponse(
                generation.GenerateResultSerializer, description="Nothing new: every mail was skipped."
            ),
            422: OpenApiResponse(
                generation.GenerateRefusedSerializer,
                description="Nothing created, and mails were refused: they have no attachment to copy "
                "(or none was chosen) and the point does not allow documents without files. They stay as "
                "they were.",
            ),
            400: INVALID,
            404: NOT_FOUND,
        },
    )
    def post(self, request, pk):
        point = access.point_or_404(request, pk)
        incoming = generation.GenerateRequestSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        choices = incoming.validated_data.get("attachments")
        _check_choices(point, choices)
        report = actions.generate(
            point=point,
            message_ids=incoming.validated_data["mails"],
            employee=request.employee,
            choices=choices,
        )
        body = {
            "created": report.created,
            "skipped": report.skipped,
            "refused": report.refused,
            "without_files": report.without_files,
        }
        if report.refused and not report.created:
            return Response(_refused_answer(body, report), status=status.HTTP_422_UNPROCESSABLE_ENTITY)
        answer = generation.GenerateResultSerializer(body)
        return Response(answer.data, status=status.HTTP_201_CREATED if report.created else status.HTTP_200_OK)


def _check_choices(point, choices) -> None:
    """400 naming, per mail, the chosen ids that are not attachments of that mail which can be copied."""
    unknown = unknown_choices(point, choices) if choices else {}
    if unknown:
        message = _("Not attachments of this mail that can be copied: %(ids)s.")
        raise ValidationError(
            {
                "attachments": {
                    str(pk): [message % {"ids": ", ".join(map(str, ids[:20]))}] for pk, ids in unknown.items()
                }
            }
        )


def _refused_answer(body: dict, report) -> dict:
    reasons = {refusal.reason for refusal in report.refused}
    code = reasons.pop() if len(reasons) == 1 else "no_eligible_attachments"
    detail = _("No document was generated.") + " " + actions.refusal_hint()
    return generation.GenerateRefusedSerializer(body | {"code": str(code), "detail": detail}).data


class DocumentPages(CursorPagination):
    ordering = ("-created_at", "-id")
    page_size = PAGE_SIZE
    page_size_query_param = "page_size"
    max_page_size = 100


def _documents(request):
    """The employee's documents narrowed by the documents page's filters, checked as published (400)."""
    query = queries.DocumentQuerySerializer(data=queries.as_given(request.query_params))
    query.is_valid(raise_exception=True)
    return (
        query.filters()
        .apply(access.documents_for(request.employee))
        .select_related("created_by__user", "point_document")
        .prefetch_related(Prefetch("files", queryset=DocumentFile.objects.order_by("id")))
    )


@extend_schema_view(
    get=extend_schema(
        parameters=[queries.DocumentQuerySerializer],
        responses={200: serializers.DocumentSerializer(many=True), 400: INVALID, 404: NOT_FOUND},
    )
)
class DocumentList(TenantScopedView, generics.ListAPIView):
    """Documents of the points the employee may use, newest first (administrators: all of the company's),
    with the documents page's filters."""

    serializer_class = serializers.DocumentSerializer
    pagination_class = DocumentPages

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Document.objects.none()
        _acd_area_or_404(self.request)
        return _documents(self.request)


@extend_schema_view(get=extend_schema(responses={200: serializers.DocumentDetailSerializer, 404: NOT_FOUND}))
class DocumentDetail(TenantScopedView, generics.RetrieveAPIView):
    """One document with its files and its history."""

    serializer_class = serializers.DocumentDetailSerializer

    def get_object(self):
        return access.document_or_404(self.request, self.kwargs["pk"])


class DocumentFileDownload(TenantScopedView):
    """A document file's bytes, always as a download (its SHA-256 is in the document's file list)."""

    content_negotiation_class = _AnyAccept

    @extend_schema(responses=FILE)
    def get(self, request, pk, file_id):
        stored = access.document_file_or_404(access.document_or_404(request, pk), file_id)
        return file_response(stored.file, name=stored.original_name, content_type=stored.content_type)
