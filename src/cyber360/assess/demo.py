"""Demo data of the assess area (data/demo/assessments.yaml): ANSSI hygiene assessments for the
establishments of GHT A and B, scan imports from the shipped demo files, and the bundled KEV/EPSS snapshots.

Everything goes through the services, acting as each GHT's demo security officer, so that the demo data
obeys the same rules and leaves the same audit trail as a user's work.
"""

from __future__ import annotations

from importlib import resources
from typing import Any

import yaml
from sqlalchemy import select

from cyber360.assess import assessment_service, exposure_service, feeds_service, library_service
from cyber360.assess.model import AssessmentAction, AssessmentStatus
from cyber360.assess.schemas import AnswerIn, AnswersUpdate, AssessmentCreate
from cyber360.assess.tables import FrameworkRow
from cyber360.core.audit import Actor
from cyber360.core.scope import Principal
from cyber360.core.uow import UnitOfWork
from cyber360.org.auth import build_principal
from cyber360.org.tables import EstablishmentRow, UserRow

#: The demo account that runs the assessments of each GHT (by the GHT's key in organisation.yaml).
OFFICERS = {"a": "rssi-a@demo.test", "b": "rssi-b@demo.test"}


def _data() -> dict[str, Any]:
    text = (
        resources.files("cyber360").joinpath("data", "demo", "assessments.yaml").read_text(encoding="utf-8")
    )
    data: dict[str, Any] = yaml.safe_load(text)
    return data


def _officers(uow: UnitOfWork) -> dict[int, Principal]:
    """The demo security officer of each GHT, by GHT id."""
    officers: dict[int, Principal] = {}
    for email in OFFICERS.values():
        user = uow.session.execute(select(UserRow).where(UserRow.email == email)).scalar_one()
        principal = build_principal(uow, user)
        for ght_id in principal.writable_ght_ids:
            officers[ght_id] = principal
    return officers


def _score(controls: list[str], levels: dict[str, float], offset: float) -> int:
    base = sum(levels.get(control, 2.0) for control in controls) / len(controls) if controls else 2.0
    return max(0, min(5, round(base + offset)))


def load_demo(uow: UnitOfWork, ids: dict[str, int]) -> dict[str, int]:
    """Load the assess demo data; returns the ids of what it created (``assessment:<n>``)."""
    data = _data()
    library_service.ensure_shipped(uow)
    feeds_service.import_bundled(uow, actor=Actor.system("demo-loader"))
    framework_id = uow.session.execute(
        select(FrameworkRow.id).where(FrameworkRow.urn == data["framework_urn"], FrameworkRow.shipped)
    ).scalar_one()
    officers = _officers(uow)
    created: dict[str, int] = {}
    for number, spec in enumerate(data["establishments"], start=1):
        establishment = uow.session.get(EstablishmentRow, ids[f"establishment:{spec['key']}"])
        assert establishment is not None
        officer = officers[establishment.ght_id]
        summary = assessment_service.create_assessment(
            uow,
            officer,
            AssessmentCreate(
                framework_id=framework_id,
                establishment_id=establishment.id,
                title=spec["title"],
                implementation_groups=data["implementation_groups"],
            ),
        )
        assessment = assessment_service.get_assessment(uow, officer, summary.id)
        adjust = {str(key): float(value) for key, value in (spec.get("adjust") or {}).items()}
        answers = [
            AnswerIn(
                requirement_urn=item.urn,
                score=_score(
                    item.controls,
                    data["control_levels"],
                    float(spec["offset"]) + adjust.get(item.ref_id, 0.0),
                ),
                comment=data["comments"].get(item.ref_id, ""),
            )
            for item in assessment.requirements
        ]
        if spec["status"] == AssessmentStatus.DRAFT.value:
            answers = answers[: len(answers) // 2]  # a campaign under way
        assessment_service.save_answers(uow, officer, summary.id, AnswersUpdate(answers=answers))
        if spec["status"] != AssessmentStatus.DRAFT.value:
            assessment_service.change_status(uow, officer, summary.id, AssessmentAction.SUBMIT)
        if spec["status"] == AssessmentStatus.VALIDATED.value:
            assessment_service.change_status(uow, officer, summary.id, AssessmentAction.VALIDATE)
        created[f"assessment:{number}"] = summary.id
    scans = resources.files("cyber360").joinpath("data", "demo", "scans")
    for key, files in data["scans"].items():
        establishment_id = ids[f"establishment:{key}"]
        establishment = uow.session.get(EstablishmentRow, establishment_id)
        assert establishment is not None
        for name in files:
            exposure_service.import_scan(
                uow, officers[establishment.ght_id], establishment_id, name, scans.joinpath(name).read_bytes()
            )
    return created
