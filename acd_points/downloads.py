"""Serving stored files to browsers safely: always as downloads, except a preview of the few types a
browser renders without running anything (PDF in its viewer, raster images), and then sandboxed."""

from django.http import FileResponse, Http404

from intake.files import safe_display_name

PREVIEWABLE = {"application/pdf", "image/png", "image/jpeg", "image/gif"}


def file_response(field_file, *, name: str, content_type: str, inline: bool = False) -> FileResponse:
    if inline and content_type not in PREVIEWABLE:
        raise Http404  # HTML, SVG and the rest never render from the portal's origin
    try:
        handle = field_file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(
        handle,
        as_attachment=not inline,
        filename=safe_display_name(name),  # rows stored before names were cleaned are cleaned here
        content_type=content_type if content_type in PREVIEWABLE else "application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    if content_type != "application/pdf":  # Chromium refuses to show PDFs under a sandbox policy
        response["Content-Security-Policy"] = "sandbox; default-src 'none'; img-src 'self'"
    response["Cache-Control"] = "private, no-store"
    if inline:
        response["X-Frame-Options"] = "SAMEORIGIN"
    return response
