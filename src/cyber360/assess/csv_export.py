"""An assessment as a CSV file for a spreadsheet: one line per requirement.

Semicolons and a UTF-8 byte-order mark, which is what a French spreadsheet expects; every text cell goes
through ``spreadsheet_safe`` so that a comment starting with ``=`` stays text (no formula injection).
"""

from __future__ import annotations

import csv
import io
import re

from cyber360.assess.assessment_service import get_assessment
from cyber360.assess.exposure import spreadsheet_safe
from cyber360.core.i18n import N_, translator
from cyber360.core.scope import Principal
from cyber360.core.uow import UnitOfWork

HEADERS = (
    N_("Domaine"),
    N_("Exigence"),
    N_("Intitulé"),
    N_("Score"),
    N_("Niveau"),
    N_("Score normalisé (%)"),
    N_("Commentaire"),
    N_("Preuves"),
    N_("Contrôles"),
)


def export_csv(
    uow: UnitOfWork, principal: Principal, assessment_id: int, locale: str = "fr"
) -> tuple[str, str]:
    """The file name and the CSV text of an assessment."""
    assessment = get_assessment(uow, principal, assessment_id, locale)
    _ = translator(locale)
    names = {level.score: level.name for level in assessment.levels}
    span = assessment.score_max - assessment.score_min
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow([_(header) for header in HEADERS])
    for item in assessment.requirements:
        normalised = "" if item.score is None else f"{100 * (item.score - assessment.score_min) / span:.1f}"
        writer.writerow(
            [
                spreadsheet_safe(item.domain_label),
                spreadsheet_safe(item.ref_id),
                spreadsheet_safe(item.name),
                "" if item.score is None else str(item.score),
                spreadsheet_safe(names.get(item.score, "")) if item.score is not None else "",
                normalised.replace(".", ",") if locale == "fr" else normalised,
                spreadsheet_safe(item.comment),
                spreadsheet_safe(" | ".join(evidence.original_name for evidence in item.evidence)),
                spreadsheet_safe(" ".join(item.controls)),
            ]
        )
    stem = re.sub(r"[^A-Za-z0-9_-]+", "-", assessment.title).strip("-")[:60] or "evaluation"
    return f"evaluation-{assessment.id}-{stem}.csv", "\ufeff" + buffer.getvalue()
