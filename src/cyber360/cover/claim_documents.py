"""What documents a claim: its loss items (one insured component each, with what proves it) and its evidence
files (invoices, expert reports, the complaint's receipt).

Evidence files go through the very checks of the assessments' evidence (``assess.evidence_service``:
extension allow-list *and* content by magic bytes, size limit) and are stored the same way, outside the
database under a random name, in their own folder (``data_dir/claim_evidence``); the name the user gave
is kept, cleaned, for the download only. Items and files change while the claim is declared or under
review, by its declarants; each change is audited and the indemnity recomputed.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, Final

from sqlalchemy import func, select, update

from cyber360.assess.evidence_service import Download, EvidenceStore
from cyber360.core.errors import Conflict, FieldError, NotFound
from cyber360.core.scope import Principal
from cyber360.core.uow import UnitOfWork
from cyber360.cover.claim_indemnity import policy_terms, recompute
from cyber360.cover.claim_model import ClaimEvidencePublic, ClaimItemCreate, ClaimPublic
from cyber360.cover.claim_service import claim_row, documentable, get_claim
from cyber360.cover.claims import covering_section
from cyber360.cover.tables import ClaimEvidenceRow, ClaimItemRow, ClaimRow

log = logging.getLogger("cyber360.cover")

#: Loss items and evidence files a claim may hold.
MAX_ITEMS: Final = 200
MAX_FILES: Final = 200
EVIDENCE_FOLDER: Final = "claim_evidence"


def evidence_store(data_dir: Path, max_bytes: int) -> EvidenceStore:
    return EvidenceStore(data_dir / EVIDENCE_FOLDER, max_bytes)


def _count(uow: UnitOfWork, column: Any, claim_id: int) -> int:
    return int(uow.session.execute(select(func.count()).where(column == claim_id)).scalar_one())


def add_item(
    uow: UnitOfWork, principal: Principal, claim_id: int, command: ClaimItemCreate, *, language: str = "fr"
) -> ClaimPublic:
    """Add a loss item in a component the policy covers."""
    row, policy = documentable(uow, principal, claim_id, "cover.claim.item_add")
    if covering_section(policy_terms(policy), command.section) is None:
        raise FieldError("section", "error.claim_section_not_covered")
    if _count(uow, ClaimItemRow.claim_id, row.id) >= MAX_ITEMS:
        raise Conflict("error.claim_too_many_items", max=MAX_ITEMS)
    item = ClaimItemRow(
        claim_id=row.id,
        ght_id=row.ght_id,
        section=command.section,
        description=command.description,
        amount_eur=command.amount_eur,
        evidence=command.evidence,
        created_by_user_id=principal.user_id,
    )
    uow.session.add(item)
    uow.session.flush()
    before = row.proposed_indemnity_eur
    recompute(uow, row, policy)
    uow.audit(
        principal,
        "cover.claim.item_added",
        object_type="claim",
        object_id=row.id,
        ght_id=row.ght_id,
        before={"proposed_indemnity_eur": before},
        after={
            "item_id": item.id,
            "section": item.section,
            "description": item.description,
            "amount_eur": item.amount_eur,
            "evidence": item.evidence,
            "proposed_indemnity_eur": row.proposed_indemnity_eur,
        },
    )
    uow.commit()
    return get_claim(uow, principal, row.id, language=language)


def remove_item(
    uow: UnitOfWork, principal: Principal, claim_id: int, item_id: int, *, language: str = "fr"
) -> ClaimPublic:
    """Remove a loss item; the files attached to it stay with the claim."""
    row, policy = documentable(uow, principal, claim_id, "cover.claim.item_remove")
    item = uow.session.execute(
        select(ClaimItemRow).where(ClaimItemRow.id == item_id, ClaimItemRow.claim_id == row.id)
    ).scalar_one_or_none()
    if item is None:
        raise NotFound("claim_item", item_id)
    removed = {"item_id": item.id, "section": item.section, "amount_eur": item.amount_eur}
    uow.session.execute(
        update(ClaimEvidenceRow).where(ClaimEvidenceRow.item_id == item.id).values(item_id=None)
    )
    uow.session.delete(item)
    before = row.proposed_indemnity_eur
    recompute(uow, row, policy)
    uow.audit(
        principal,
        "cover.claim.item_removed",
        object_type="claim",
        object_id=row.id,
        ght_id=row.ght_id,
        before={**removed, "proposed_indemnity_eur": before},
        after={"proposed_indemnity_eur": row.proposed_indemnity_eur},
    )
    uow.commit()
    return get_claim(uow, principal, row.id, language=language)


def check_upload(uow: UnitOfWork, principal: Principal, claim_id: int, item_id: int | None) -> ClaimRow:
    """Before the file is read: the claim may be documented by this user, the item is one of its own."""
    row, _ = documentable(uow, principal, claim_id, "cover.claim.evidence_add")
    if (
        item_id is not None
        and not uow.session.execute(
            select(ClaimItemRow.id).where(ClaimItemRow.id == item_id, ClaimItemRow.claim_id == row.id)
        ).first()
    ):
        raise FieldError("item_id", "error.unknown_id")
    return row


def add_evidence(
    uow: UnitOfWork,
    principal: Principal,
    store: EvidenceStore,
    claim_id: int,
    filename: str,
    data: bytes,
    *,
    item_id: int | None = None,
) -> ClaimEvidencePublic:
    """Attach a file to a claim (and one of its items), checked as the assessments' evidence is."""
    row = check_upload(uow, principal, claim_id, item_id)
    if _count(uow, ClaimEvidenceRow.claim_id, row.id) >= MAX_FILES:
        raise Conflict("error.claim_too_many_files", max=MAX_FILES)
    with store.stored(filename, data) as columns:
        evidence = ClaimEvidenceRow(
            claim_id=row.id,
            ght_id=row.ght_id,
            item_id=item_id,
            uploaded_by_user_id=principal.user_id,
            **columns,
        )
        uow.session.add(evidence)
        uow.session.flush()
        uow.audit(
            principal,
            "cover.claim.evidence_added",
            object_type="claim",
            object_id=row.id,
            ght_id=row.ght_id,
            after={
                "evidence_id": evidence.id,
                "item_id": item_id,
                "name": evidence.original_name,
                "size_bytes": evidence.size_bytes,
                "sha256": evidence.sha256,
            },
        )
        uow.commit()
    return ClaimEvidencePublic.model_validate(evidence, from_attributes=True)


def open_evidence(
    uow: UnitOfWork, principal: Principal, store: EvidenceStore, claim_id: int, evidence_id: int
) -> Download:
    """A file of a claim in the reader's scope (a file of another claim is not found)."""
    row = claim_row(uow, principal, claim_id)
    evidence = uow.session.execute(
        select(ClaimEvidenceRow).where(
            ClaimEvidenceRow.id == evidence_id, ClaimEvidenceRow.claim_id == row.id
        )
    ).scalar_one_or_none()
    if evidence is None:
        raise NotFound("claim_evidence", evidence_id)
    path = store.path(evidence.stored_name)
    if not path.is_file():
        log.error("claim evidence %s: file %s missing", evidence.id, evidence.stored_name)
        raise NotFound("claim_evidence", evidence_id)
    return Download(path, evidence.original_name, evidence.content_type)
