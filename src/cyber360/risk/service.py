"""Use cases of the risk results: the inputs of a run (profile, control maturity, exposure), running the
engine, storing the figures as snapshots, reading the latest, comparing two and explaining the change.

The pure model (``risk.model``) turns an establishment's profile and control maturity into a loss model; the
engine (``quant``) simulates it. This module only gathers the inputs from the database, in the acting user's
scope, and keeps what came out.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import asdict, fields
from typing import Any

from sqlalchemy import distinct, func, select

from cyber360.core.scope import Principal
from cyber360.core.scoped import get_in_scope
from cyber360.core.uow import UnitOfWork
from cyber360.org.tables import EstablishmentRow, GhtRow
from cyber360.quant import simulate, summarize
from cyber360.risk import access, explain
from cyber360.risk import model as risk_model
from cyber360.risk.tables import RiskSnapshotRow

Progress = Callable[[int, int], None]
#: An EPSS probability at or above this marks a finding as likely exploited (assumption; FIRST's own
#: guidance uses 0.1 as a pragmatic cut-off for prioritisation).
HIGH_EPSS = 0.1
DEFAULT_SEED = 42


def catalogue() -> Any:
    """The packaged catalogue, read once (see :func:`cyber360.risk.explain.cached_catalogue`)."""
    return explain.cached_catalogue()


def model_version() -> str:
    return str(catalogue().model_version)


def canonical(data: Any) -> str:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def sha256_of(inputs: dict[str, Any]) -> str:
    return hashlib.sha256(canonical(inputs).encode("utf-8")).hexdigest()


# Inputs ---------------------------------------------------------------------------------------------------


def _exposure(uow: UnitOfWork, establishment_id: int) -> dict[str, int]:
    """Exposure counts from the assess area's scan imports (zero when nothing was imported)."""
    try:
        from cyber360.assess.tables import AssetRow, EpssRow, FindingRow, KevRow
    except ImportError:  # the assess area is absent: no exposure known
        return {}
    session = uow.session
    exposed = session.execute(
        select(func.count(AssetRow.id)).where(
            AssetRow.establishment_id == establishment_id, AssetRow.internet_exposed
        )
    ).scalar_one()
    kev = session.execute(
        select(func.count(FindingRow.id))
        .join(AssetRow, AssetRow.id == FindingRow.asset_id)
        .join(KevRow, KevRow.cve_id == FindingRow.cve)
        .where(FindingRow.establishment_id == establishment_id, AssetRow.internet_exposed)
    ).scalar_one()
    high_epss = session.execute(
        select(func.count(FindingRow.id))
        .join(EpssRow, EpssRow.cve == FindingRow.cve)
        .where(FindingRow.establishment_id == establishment_id, EpssRow.epss >= HIGH_EPSS)
    ).scalar_one()
    devices = session.execute(
        select(func.count(distinct(AssetRow.id)))
        .join(FindingRow, FindingRow.asset_id == AssetRow.id)
        .where(AssetRow.establishment_id == establishment_id, AssetRow.is_medical_device)
    ).scalar_one()
    return {
        "internet_exposed_services": int(exposed),
        "internet_kev_findings": int(kev),
        "high_epss_findings": int(high_epss),
        "medical_devices_vulnerable": int(devices),
    }


def profile_of(uow: UnitOfWork, establishment: EstablishmentRow) -> dict[str, Any]:
    """The establishment's profile as the model takes it (plain JSON)."""
    profile = risk_model.EstablishmentProfile(
        name=establishment.name,
        kind=establishment.kind,
        annual_revenue_eur=float(establishment.annual_revenue_eur),
        beds=int(establishment.beds),
        patients_per_year=int(establishment.patients_per_year),
        **_exposure(uow, establishment.id),
    )
    return asdict(profile)


def _assess_control_maturity() -> Callable[[UnitOfWork, Principal, int], dict[str, float]] | None:
    """The assess area's ``control_maturity`` use case, wherever that area keeps it (None when absent)."""
    import importlib

    for name in ("cyber360.assess.assessment_analysis", "cyber360.assess.assessment_service"):
        try:
            module = importlib.import_module(name)
        except ImportError:
            continue
        function = getattr(module, "control_maturity", None)
        if function is not None:
            return function  # type: ignore[no-any-return]
    return None


def maturity_of(uow: UnitOfWork, principal: Principal, establishment_id: int) -> tuple[dict[str, float], str]:
    """Control maturity 0-5 from the assessments, and its source (``catalogue_defaults`` when none)."""
    control_maturity = _assess_control_maturity()
    if control_maturity is None:
        return {}, "catalogue_defaults"
    maturity = control_maturity(uow, principal, establishment_id)
    rounded = {key: round(float(value), 4) for key, value in sorted(maturity.items())}
    return rounded, ("assessment" if maturity else "catalogue_defaults")


def establishment_inputs(
    uow: UnitOfWork, principal: Principal, establishment: EstablishmentRow
) -> dict[str, Any]:
    maturity, source = maturity_of(uow, principal, establishment.id)
    return {
        "kind": "establishment",
        "establishment_id": establishment.id,
        "profile": profile_of(uow, establishment),
        "maturity": maturity,
        "maturity_source": source,
        "model_version": model_version(),
    }


def ght_inputs(uow: UnitOfWork, principal: Principal, ght: GhtRow) -> dict[str, Any]:
    rows = list(
        uow.session.execute(
            select(EstablishmentRow).where(EstablishmentRow.ght_id == ght.id).order_by(EstablishmentRow.id)
        ).scalars()
    )
    members = [establishment_inputs(uow, principal, row) for row in rows]
    ids = [row.id for row in rows]
    support = ids.index(ght.support_establishment_id) if ght.support_establishment_id in ids else 0
    return {
        "kind": "ght",
        "ght_id": ght.id,
        "establishments": members,
        "support_index": support,
        "model_version": model_version(),
    }


# Running ----------------------------------------------------------------------------------------------------


def _profile(data: dict[str, Any]) -> Any:
    known = {item.name for item in fields(risk_model.EstablishmentProfile)}
    return risk_model.EstablishmentProfile(**{key: value for key, value in data.items() if key in known})


def build(inputs: dict[str, Any]) -> Any:
    """The engine's model for stored inputs (pure)."""
    if inputs["kind"] == "ght":
        members = inputs["establishments"]
        return risk_model.build_ght_model(
            [_profile(item["profile"]) for item in members],
            [item["maturity"] for item in members],
            inputs["support_index"],
            catalogue(),
        )
    return risk_model.build_model(_profile(inputs["profile"]), inputs["maturity"], catalogue())


def run_inputs(
    inputs: dict[str, Any], years: int, seed: int, progress: Progress | None = None
) -> dict[str, Any]:
    """Simulate stored inputs: the summary in the shape of ``cyber360 quantify --json`` (pure)."""
    return summarize(simulate(build(inputs), years, seed, progress=progress))


def mean_maturity(inputs: dict[str, Any]) -> float:
    if inputs["kind"] == "ght":
        means = [mean_maturity(item) for item in inputs["establishments"]]
        return sum(means) / len(means) if means else 0.0
    values = list(inputs["maturity"].values())
    return sum(values) / len(values) if values else 0.0


def store_snapshot(
    uow: UnitOfWork,
    principal: Principal,
    inputs: dict[str, Any],
    years: int,
    seed: int,
    summary: dict[str, Any],
) -> RiskSnapshotRow:
    """Keep a run's figures with its inputs, their hash, the seed and the model version; audited."""
    if inputs["kind"] == "ght":
        ght_id, establishment_id = int(inputs["ght_id"]), None
    else:
        establishment = uow.session.get(EstablishmentRow, inputs["establishment_id"])
        assert establishment is not None
        ght_id, establishment_id = establishment.ght_id, establishment.id
    row = RiskSnapshotRow(
        ght_id=ght_id,
        establishment_id=establishment_id,
        inputs=canonical(inputs),
        inputs_sha256=sha256_of(inputs),
        seed=seed,
        years=years,
        model_version=str(inputs.get("model_version", model_version())),
        summary=canonical(summary),
        total_aal=float(summary["total"]["aal"] or 0.0),
        mean_maturity=mean_maturity(inputs),
        created_by_user_id=principal.user_id or None,
        created_by=principal.email,
    )
    uow.session.add(row)
    uow.session.flush()
    uow.audit(
        principal,
        "risk.snapshot.create",
        object_type="risk_snapshot",
        object_id=row.id,
        ght_id=ght_id,
        after={
            "establishment_id": establishment_id,
            "inputs_sha256": row.inputs_sha256,
            "seed": seed,
            "years": years,
            "total_aal": row.total_aal,
        },
    )
    return row


def run_now(
    uow: UnitOfWork,
    principal: Principal,
    *,
    establishment_id: int | None = None,
    ght_id: int | None = None,
    years: int,
    seed: int = DEFAULT_SEED,
) -> RiskSnapshotRow:
    """Gather the inputs, simulate and store, in this unit of work (small runs, the demo, the tests)."""
    inputs = inputs_for(uow, principal, establishment_id=establishment_id, ght_id=ght_id, write=True)
    return store_snapshot(uow, principal, inputs, years, seed, run_inputs(inputs, years, seed))


def inputs_for(
    uow: UnitOfWork,
    principal: Principal,
    *,
    establishment_id: int | None = None,
    ght_id: int | None = None,
    write: bool = False,
) -> dict[str, Any]:
    if establishment_id is not None:
        establishment = access.establishment_in_scope(uow, principal, establishment_id)
        if write:
            access.require_write(principal, establishment.ght_id, establishment.id, "risk.run")
        return establishment_inputs(uow, principal, establishment)
    assert ght_id is not None
    ght = access.ght_in_scope(uow, principal, ght_id)
    if write:
        access.require_write(principal, ght.id, None, "risk.run")
    return ght_inputs(uow, principal, ght)


# Reading ----------------------------------------------------------------------------------------------------


def snapshot_row(uow: UnitOfWork, principal: Principal, snapshot_id: int) -> RiskSnapshotRow:
    clause = access.read_clause(principal, RiskSnapshotRow.establishment_id, RiskSnapshotRow.ght_id)
    return get_in_scope(uow, principal, RiskSnapshotRow, snapshot_id, clause, object_type="risk_snapshot")


def snapshot_meta(row: RiskSnapshotRow) -> dict[str, Any]:
    return {
        "id": row.id,
        "ght_id": row.ght_id,
        "establishment_id": row.establishment_id,
        "created_at": row.created_at.isoformat(),
        "created_by": row.created_by,
        "seed": row.seed,
        "years": row.years,
        "model_version": row.model_version,
        "inputs_sha256": row.inputs_sha256,
        "total_aal": row.total_aal,
        "mean_maturity": row.mean_maturity,
    }


def snapshot_public(row: RiskSnapshotRow) -> dict[str, Any]:
    """The figures in the shape of ``cyber360 quantify --json``, with the snapshot and the profile."""
    inputs = json.loads(row.inputs)
    result: dict[str, Any] = json.loads(row.summary)
    result["snapshot"] = snapshot_meta(row)
    if inputs["kind"] == "ght":
        result["profile"] = {
            "support_index": inputs["support_index"],
            "establishments": [item["profile"] for item in inputs["establishments"]],
        }
    else:
        result["profile"] = inputs["profile"]
        result["maturity"] = inputs["maturity"]
        result["maturity_source"] = inputs.get("maturity_source", "")
    return result


def _snapshots(uow: UnitOfWork, ght_id: int, establishment_id: int | None) -> Any:
    where = (
        RiskSnapshotRow.establishment_id.is_(None)
        if establishment_id is None
        else RiskSnapshotRow.establishment_id == establishment_id
    )
    return select(RiskSnapshotRow).where(RiskSnapshotRow.ght_id == ght_id, where)


def history(uow: UnitOfWork, ght_id: int, establishment_id: int | None) -> list[RiskSnapshotRow]:
    """Snapshots oldest first (the caller checked the scope)."""
    statement = _snapshots(uow, ght_id, establishment_id).order_by(
        RiskSnapshotRow.created_at, RiskSnapshotRow.id
    )
    return list(uow.session.execute(statement).scalars())


def latest(uow: UnitOfWork, ght_id: int, establishment_id: int | None) -> RiskSnapshotRow | None:
    statement = _snapshots(uow, ght_id, establishment_id).order_by(
        RiskSnapshotRow.created_at.desc(), RiskSnapshotRow.id.desc()
    )
    return uow.session.execute(statement.limit(1)).scalar_one_or_none()


def establishment_risk(uow: UnitOfWork, principal: Principal, establishment_id: int) -> dict[str, Any] | None:
    establishment = access.establishment_in_scope(uow, principal, establishment_id)
    row = latest(uow, establishment.ght_id, establishment.id)
    return snapshot_public(row) if row else None


def ght_risk(uow: UnitOfWork, principal: Principal, ght_id: int) -> dict[str, Any] | None:
    ght = access.ght_in_scope(uow, principal, ght_id)
    row = latest(uow, ght.id, None)
    return snapshot_public(row) if row else None


def list_snapshots(
    uow: UnitOfWork, principal: Principal, *, establishment_id: int | None = None, ght_id: int | None = None
) -> list[dict[str, Any]]:
    if establishment_id is not None:
        establishment = access.establishment_in_scope(uow, principal, establishment_id)
        rows = history(uow, establishment.ght_id, establishment.id)
    else:
        assert ght_id is not None
        ght = access.ght_in_scope(uow, principal, ght_id)
        rows = history(uow, ght.id, None)
    return [snapshot_meta(row) for row in reversed(rows)]
