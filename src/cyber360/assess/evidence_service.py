"""Evidence files of an assessment: checked on the way in, stored outside the database, served in scope.

A file is accepted when its extension is on the allow-list *and* its content is of that type (magic bytes;
an Office document is a ZIP holding ``[Content_Types].xml`` and the ``word/`` or ``xl/`` part; a text or
CSV file holds no binary bytes). It is stored under ``data_dir/evidence`` with a random name: never the
name the user gave, which is kept, cleaned, for the download only.
"""

from __future__ import annotations

import hashlib
import io
import logging
import re
import secrets
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select

from cyber360.assess import access
from cyber360.assess.assessment_service import assessment_row, framework_of, require_editable
from cyber360.assess.errors import too_large
from cyber360.assess.schemas import EvidencePublic
from cyber360.assess.tables import EvidenceRow
from cyber360.core.errors import FieldError, NotFound
from cyber360.core.scope import Principal
from cyber360.core.scoped import get_in_scope
from cyber360.core.uow import UnitOfWork

log = logging.getLogger("cyber360.assess")

#: Allowed kinds: extensions and the content type the download is served with.
KINDS: dict[str, tuple[tuple[str, ...], str]] = {
    "pdf": ((".pdf",), "application/pdf"),
    "png": ((".png",), "image/png"),
    "jpg": ((".jpg", ".jpeg"), "image/jpeg"),
    "txt": ((".txt",), "text/plain; charset=utf-8"),
    "csv": ((".csv",), "text/csv; charset=utf-8"),
    "docx": ((".docx",), "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    "xlsx": ((".xlsx",), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
}
_TEXT_KINDS = frozenset({"txt", "csv"})
_MAX_ZIP_ENTRIES = 10_000
_BINARY = re.compile(rb"[\x00-\x08\x0b\x0e-\x1a\x1c-\x1f]")
_UNSAFE_NAME = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2066-\u2069\ufeff\"\\/:*?<>|]+")


@dataclass(frozen=True)
class EvidenceStore:
    """Where evidence files live and how large they may be (from the settings)."""

    root: Path
    max_bytes: int

    def path(self, stored_name: str) -> Path:
        if not re.fullmatch(r"[0-9a-f]{32}", stored_name):
            raise ValueError("not a stored evidence name")
        return self.root / stored_name

    @contextmanager
    def stored(self, filename: str, data: bytes) -> Iterator[dict[str, Any]]:
        """Check ``data`` and write it under a new random name, readable by this process only; yields the
        row's file columns. The file is removed again if the block fails (the row is then not written)."""
        kind = check_file(filename, data, self.max_bytes)
        self.root.mkdir(parents=True, exist_ok=True, mode=0o700)
        stored_name = secrets.token_hex(16)
        path = self.path(stored_name)
        with path.open("xb") as handle:
            handle.write(data)
        path.chmod(0o600)
        try:
            yield {
                "original_name": clean_filename(filename, kind),
                "stored_name": stored_name,
                "kind": kind,
                "content_type": KINDS[kind][1],
                "size_bytes": len(data),
                "sha256": hashlib.sha256(data).hexdigest(),
            }
        except BaseException:
            path.unlink(missing_ok=True)
            raise


def kind_of_extension(filename: str) -> str | None:
    suffix = Path(filename).suffix.lower()
    return next((kind for kind, (extensions, _) in KINDS.items() if suffix in extensions), None)


def _office_kind(data: bytes) -> str | None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            entries = archive.infolist()
            if len(entries) > _MAX_ZIP_ENTRIES:
                return None
            names = {entry.filename for entry in entries}
    except (zipfile.BadZipFile, ValueError, OSError):
        return None
    if "[Content_Types].xml" not in names:
        return None
    if any(name.startswith("word/") for name in names):
        return "docx"
    if any(name.startswith("xl/") for name in names):
        return "xlsx"
    return None


def detect_kind(data: bytes) -> str | None:
    """The kind of a file from its content (``txt`` for any text), or None when it is none we accept."""
    if data.startswith(b"%PDF-"):
        return "pdf"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpg"
    if data.startswith(b"PK\x03\x04"):
        return _office_kind(data)
    if not _BINARY.search(data[:65536]) and b"\x00" not in data:
        return "txt"
    return None


def clean_filename(filename: str, kind: str) -> str:
    """The user's file name without path, control or reserved characters, at most 255 characters."""
    name = re.split(r"[\\/]", filename or "")[-1]
    name = " ".join(_UNSAFE_NAME.sub(" ", name).split()).strip(" .")
    extension = KINDS[kind][0][0]
    if not name or name.startswith("."):
        name = "preuve" + extension
    if len(name) > 255:
        suffix = Path(name).suffix[:16]
        name = name[: 255 - len(suffix)] + suffix
    return name


def check_file(filename: str, data: bytes, max_bytes: int) -> str:
    """The kind of an uploaded evidence file, or a refusal naming the ``file`` field."""
    if len(data) > max_bytes:
        raise too_large(max_bytes)
    if not data:
        raise FieldError("file", "error.evidence_empty")
    declared = kind_of_extension(filename)
    if declared is None:
        raise FieldError("file", "error.evidence_type")
    found = detect_kind(data)
    if found is None or (found != declared and not (found == "txt" and declared in _TEXT_KINDS)):
        raise FieldError("file", "error.evidence_mismatch")
    return declared


def add_evidence(
    uow: UnitOfWork,
    principal: Principal,
    store: EvidenceStore,
    assessment_id: int,
    requirement_urn: str,
    filename: str,
    data: bytes,
) -> EvidencePublic:
    """Attach a file to a requirement of a draft assessment."""
    row = assessment_row(uow, principal, assessment_id)
    require_editable(principal, row, "evidence.add")
    urn = requirement_urn.strip().lower()
    if urn not in {item.urn for item in framework_of(uow, row, "fr").requirements}:
        raise FieldError("requirement_urn", "error.assess_unknown_requirement")
    with store.stored(filename, data) as columns:
        evidence = EvidenceRow(
            assessment_id=row.id,
            ght_id=row.ght_id,
            establishment_id=row.establishment_id,
            requirement_urn=urn,
            uploaded_by_user_id=principal.user_id,
            **columns,
        )
        uow.session.add(evidence)
        uow.session.flush()
        uow.audit(
            principal,
            "evidence.added",
            object_type="evidence",
            object_id=evidence.id,
            ght_id=row.ght_id,
            after={
                "assessment_id": row.id,
                "requirement_urn": urn,
                "name": evidence.original_name,
                "size_bytes": evidence.size_bytes,
                "sha256": evidence.sha256,
            },
        )
        uow.commit()
    return EvidencePublic.model_validate(evidence, from_attributes=True)


def evidence_row(uow: UnitOfWork, principal: Principal, evidence_id: int) -> EvidenceRow:
    clause = access.read_clause(principal, EvidenceRow.establishment_id, EvidenceRow.ght_id)
    return get_in_scope(uow, principal, EvidenceRow, evidence_id, clause, object_type="evidence")


@dataclass(frozen=True)
class Download:
    path: Path
    filename: str
    content_type: str


def open_evidence(uow: UnitOfWork, principal: Principal, store: EvidenceStore, evidence_id: int) -> Download:
    row = evidence_row(uow, principal, evidence_id)
    path = store.path(row.stored_name)
    if not path.is_file():
        log.error("evidence %s: file %s missing", row.id, row.stored_name)
        raise NotFound("evidence", evidence_id)
    return Download(path, row.original_name, row.content_type)


def list_evidence(uow: UnitOfWork, principal: Principal, assessment_id: int) -> list[EvidencePublic]:
    row = assessment_row(uow, principal, assessment_id)
    rows = uow.session.execute(
        select(EvidenceRow).where(EvidenceRow.assessment_id == row.id).order_by(EvidenceRow.id)
    ).scalars()
    return [EvidencePublic.model_validate(item, from_attributes=True) for item in rows]


def delete_evidence(uow: UnitOfWork, principal: Principal, store: EvidenceStore, evidence_id: int) -> int:
    """Remove an evidence file of a draft assessment (the row, then the file); returns the assessment id."""
    row = evidence_row(uow, principal, evidence_id)
    assessment = assessment_row(uow, principal, row.assessment_id)
    require_editable(principal, assessment, "evidence.delete")
    before = {
        "assessment_id": row.assessment_id,
        "requirement_urn": row.requirement_urn,
        "name": row.original_name,
        "sha256": row.sha256,
    }
    path = store.path(row.stored_name)
    uow.session.delete(row)
    uow.audit(
        principal,
        "evidence.deleted",
        object_type="evidence",
        object_id=evidence_id,
        ght_id=assessment.ght_id,
        before=before,
    )
    uow.commit()
    try:
        path.unlink(missing_ok=True)
    except OSError:
        log.exception("evidence %s: could not remove %s", evidence_id, path)
    return assessment.id
