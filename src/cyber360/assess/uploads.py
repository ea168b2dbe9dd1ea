"""Web plumbing of the assess area: size-limited multipart uploads, downloads as attachments, and the
answer to a refused file.

An upload is refused by its announced size before anything is read, and by its real size while it is read
(a chunked request announces none): a hostile client cannot make the server spool gigabytes to disk.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated
from urllib.parse import quote

from fastapi import Depends, Request
from fastapi.responses import FileResponse, JSONResponse, Response
from starlette.datastructures import FormData, UploadFile

from cyber360.assess.errors import Refused, too_large
from cyber360.core import i18n
from cyber360.core.errors import FieldError
from cyber360.core.web import CurrentUser, PageUser, SettingsDep, check_form_csrf, render, request_locale

#: Room for the multipart envelope and the small text fields around the file.
MULTIPART_OVERHEAD = 64 * 1024
MAX_TEXT_FIELD = 10_000


@dataclass(frozen=True)
class Upload:
    """The uploaded file (``None`` when none was sent) and the form's text fields."""

    filename: str
    data: bytes | None
    fields: dict[str, str] = field(default_factory=dict)

    def require(self, name: str = "file") -> bytes:
        if self.data is None:
            raise FieldError(name, "error.file_missing")
        return self.data


async def _limited_form(request: Request, max_bytes: int) -> FormData:
    limit = max_bytes + MULTIPART_OVERHEAD
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise too_large(max_bytes)
    if not hasattr(request, "_body"):
        chunks: list[bytes] = []
        total = 0
        async for chunk in request.stream():
            total += len(chunk)
            if total > limit:
                raise too_large(max_bytes)
            chunks.append(chunk)
        # Starlette reads a body already received from here, so the form parser never sees more than this.
        request._body = b"".join(chunks)
    return await request.form(max_files=1, max_fields=50)


async def _upload(request: Request, max_bytes: int) -> Upload:
    form = await _limited_form(request, max_bytes)
    fields = {key: value[:MAX_TEXT_FIELD] for key, value in form.items() if isinstance(value, str)}
    item = form.get("file")
    if not isinstance(item, UploadFile) or not item.filename:
        return Upload("", None, fields)
    data = await item.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise too_large(max_bytes)
    return Upload(item.filename, data, fields)


async def api_upload(request: Request, principal: CurrentUser, settings: SettingsDep) -> Upload:
    """For JSON routes taking a file: the caller authenticated (and CSRF-checked) first, then the file."""
    return await _upload(request, settings.upload_max_bytes)


async def page_upload(request: Request, principal: PageUser, settings: SettingsDep) -> Upload:
    """For page forms with a file: authenticated, the size-limited body read, then the form's CSRF token."""
    upload = await _upload(request, settings.upload_max_bytes)
    await check_form_csrf(request)
    return upload


ApiUpload = Annotated[Upload, Depends(api_upload)]
PageUpload = Annotated[Upload, Depends(page_upload)]


#: The OpenAPI description of a multipart body with one file (and optional text fields).
def multipart_body(*text_fields: str) -> dict[str, object]:
    properties: dict[str, object] = {"file": {"type": "string", "format": "binary"}}
    properties.update({name: {"type": "string"} for name in text_fields})
    schema = {"type": "object", "required": ["file"], "properties": properties}
    return {"requestBody": {"required": True, "content": {"multipart/form-data": {"schema": schema}}}}


def _disposition(filename: str) -> str:
    ascii_name = unicodedata.normalize("NFKD", filename).encode("ascii", "ignore").decode("ascii")
    ascii_name = re.sub(r"[^A-Za-z0-9._ -]+", "_", ascii_name).strip() or "fichier"
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename, safe='')}"


def attachment(content: str | bytes, filename: str, media_type: str) -> Response:
    """A download (never shown inline by the browser), its name given safely in both header forms."""
    return Response(content, media_type=media_type, headers={"Content-Disposition": _disposition(filename)})


def file_attachment(path: Path, filename: str, media_type: str) -> FileResponse:
    response = FileResponse(path, media_type=media_type)
    response.headers["Content-Disposition"] = _disposition(filename)
    return response


def refusal_messages(error: Refused, locale: str) -> dict[str, str]:
    """The reasons by field, for a form: the file field gets the first reason of the file as a whole."""
    prefix = i18n.error_text(locale, error.message_key)
    messages: dict[str, str] = {}
    for issue in error.issues:
        target = issue.field if issue.field in {"file", "ght_id"} else "file"
        where = "" if issue.field in {"file", "ght_id"} else f"{issue.field} : "
        text = f"{where}{issue.message}"
        messages[target] = f"{messages[target]} ; {text}" if target in messages else f"{prefix} {text}"
    return messages


async def refused_handler(request: Request, error: Exception) -> Response:
    """A refused file: 422 (or 413) naming each field, the parser's message and code."""
    assert isinstance(error, Refused)
    locale = request_locale(request)
    if request.url.path.startswith("/api/"):
        detail = [
            {"field": issue.field, "loc": ["body", issue.field], "msg": issue.message, "type": issue.code}
            for issue in error.issues
        ]
        return JSONResponse({"detail": detail}, status_code=error.status_code)
    message = " ".join(refusal_messages(error, locale).values())
    return render(
        request,
        "error.html",
        {"status": error.status_code, "message": message},
        status_code=error.status_code,
    )
