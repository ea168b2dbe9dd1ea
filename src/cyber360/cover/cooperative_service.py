"""Use cases of the cooperative view: which member GHTs subscribed, and anonymised figures about them.

Subscriptions. The offer is reserved to the GHTs members of the cooperative: its buyer lists them and
records which subscribed. The change itself is the directory's (``org.service.update_ght``: the buyer's
scope is the cooperative's members, the change is audited with its before and after); this module only
names the GHT in the body and refuses a GHT that is not a member like an unknown one (422 on ``ght_id``).

Figures. The buyer and the managers of the member GHTs read aggregates over the GHTs that subscribed:
risk results (the latest GHT-wide snapshot of each), control maturity, premiums (the latest quote of each),
claims. These are the only reads of tenant content across GHTs in the application, and what they read never
leaves this module but through the rule of :mod:`cyber360.cover.cooperative` (no figure drawn from fewer
than five GHTs). The buyer still reads no policy, quote, claim or risk result of any GHT (``access``).

Residual risk, stated rather than hidden: the buyer decides the subscriptions, so comparing the figures
before and after one GHT's subscription changes tells that GHT's contribution to within the rounding of
the published amounts (two significant digits). Publishing from periodic frozen snapshots would close it.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from pydantic import BaseModel, ConfigDict
from sqlalchemy import and_, func, select

from cyber360.core.errors import FieldError, NotFound
from cyber360.core.scope import Principal, Role
from cyber360.core.scoped import get_in_scope
from cyber360.core.uow import UnitOfWork
from cyber360.cover import cooperative as rule
from cyber360.cover.tables import ClaimRow, QuoteRow
from cyber360.org import service as org_service
from cyber360.org.model import GhtUpdate, ObjectId
from cyber360.org.tables import GhtRow, OrganisationRow
from cyber360.risk.tables import RiskSnapshotRow

#: Who reads the cooperative's figures: its buyer, and the managers of its member GHTs.
READERS = frozenset({Role.COOPERATIVE_BUYER, Role.GHT_MANAGER})
#: Maturity bands (0-5 scale of the assessments).
MATURITY_EDGES = (0.0, 1.0, 2.0, 3.0, 4.0, 5.0)


class MemberPublic(BaseModel):
    """A member GHT as the cooperative sees it: no figure of its own, only its membership."""

    id: int
    name: str
    region: str
    member_since: date | None
    subscribed: bool


class SubscriptionChange(BaseModel):
    """The cooperative records that a member GHT subscribed to the offer, or that it left."""

    model_config = ConfigDict(extra="forbid")

    ght_id: ObjectId
    subscribed: bool


@dataclass(frozen=True)
class Line:
    """One published or suppressed figure; ``group`` names the subgroup of a breakdown."""

    key: str
    unit: str  # count, eur, score or share
    figure: rule.Figure
    group: str = ""


@dataclass(frozen=True)
class Section:
    key: str
    lines: list[Line]


@dataclass(frozen=True)
class CooperativeFigures:
    cooperative_name: str
    sections: list[Section]
    min_ghts: int = rule.MIN_GHTS


@dataclass(frozen=True)
class CooperativeView:
    """What the cooperative page shows the acting user."""

    can_manage: bool
    members: list[MemberPublic] = field(default_factory=list)
    own_ght: MemberPublic | None = None
    figures: CooperativeFigures | None = None


def _member_public(row: Any) -> MemberPublic:
    return MemberPublic.model_validate(row, from_attributes=True)


def _cooperative_id(uow: UnitOfWork, principal: Principal) -> int | None:
    """The cooperative the acting user reads: the buyer's own, or the one their GHT is a member of."""
    principal.require_role(*READERS, action="cooperative.read")
    if principal.role is Role.COOPERATIVE_BUYER:
        return principal.organisation_id
    cooperative_id: int | None = uow.session.execute(
        select(GhtRow.cooperative_id).where(GhtRow.organisation_id == principal.organisation_id)
    ).scalar()
    return cooperative_id


# Subscriptions ----------------------------------------------------------------------------------------------


def _members_clause(principal: Principal) -> Any:
    return and_(principal.ght_clause(GhtRow.id), GhtRow.cooperative_id == principal.organisation_id)


def list_members(uow: UnitOfWork, principal: Principal) -> list[MemberPublic]:
    """The cooperative's member GHTs with their membership date and subscription (the buyer's list)."""
    principal.require_role(Role.COOPERATIVE_BUYER, action="cooperative.members")
    rows = uow.session.execute(select(GhtRow).where(_members_clause(principal)).order_by(GhtRow.name))
    return [_member_public(row) for row in rows.scalars()]


def set_subscription(uow: UnitOfWork, principal: Principal, command: SubscriptionChange) -> MemberPublic:
    """Record a member GHT's subscription (or its end); a GHT that is not a member is an unknown id."""
    principal.require_role(Role.COOPERATIVE_BUYER, action="ght.subscription")
    try:
        get_in_scope(uow, principal, GhtRow, command.ght_id, _members_clause(principal), object_type="ght")
    except NotFound as error:
        raise FieldError("ght_id", "error.unknown_id") from error
    ght = org_service.update_ght(uow, principal, command.ght_id, GhtUpdate(subscribed=command.subscribed))
    return MemberPublic.model_validate(ght.model_dump())


# Figures ----------------------------------------------------------------------------------------------------


def _latest_by_ght(rows: Any) -> dict[int, Any]:
    """The first row of each GHT in rows ordered newest first."""
    latest: dict[int, Any] = {}
    for row in rows:
        latest.setdefault(row.ght_id, row)
    return latest


def _assessed_maturity(inputs_json: str) -> float | None:
    """The mean control maturity of a GHT-wide run's establishments that were assessed (None if none was:
    catalogue defaults are an assumption of the model, not a measured maturity)."""
    inputs = json.loads(inputs_json)
    means = [
        sum(item["maturity"].values()) / len(item["maturity"])
        for item in inputs.get("establishments", [])
        if item.get("maturity_source") == "assessment" and item.get("maturity")
    ]
    return sum(means) / len(means) if means else None


def _risk_sections(uow: UnitOfWork, subscribers: dict[int, GhtRow]) -> list[Section]:
    rows = uow.session.execute(
        select(RiskSnapshotRow)
        .where(RiskSnapshotRow.ght_id.in_(sorted(subscribers)), RiskSnapshotRow.establishment_id.is_(None))
        .order_by(RiskSnapshotRow.ght_id, RiskSnapshotRow.created_at.desc(), RiskSnapshotRow.id.desc())
    ).scalars()
    latest = _latest_by_ght(rows)
    aal = {ght: float(row.total_aal) for ght, row in latest.items()}
    maturity = {
        ght: value for ght, row in latest.items() if (value := _assessed_maturity(row.inputs)) is not None
    }
    q1, median, q3 = rule.quantiles(aal)
    risk = Section(
        "risk",
        [
            Line("aal_total", "eur", rule.total(aal)),
            Line("aal_mean", "eur", rule.mean(aal)),
            Line("aal_q1", "eur", q1),
            Line("aal_median", "eur", median),
            Line("aal_q3", "eur", q3),
            Line("maturity_mean", "score", rule.mean(maturity)),
        ],
    )
    regions: dict[str, dict[int, float]] = defaultdict(dict)
    for ght, value in aal.items():
        regions[subscribers[ght].region][ght] = value
    by_region = rule.partition(dict(sorted(regions.items())), "mean")
    bands = rule.bands(maturity, MATURITY_EDGES)
    return [
        risk,
        Section("aal_by_region", [Line("aal_mean", "eur", f, group) for group, f in by_region.items()]),
        Section("maturity_bands", [Line("ghts", "count", f, group) for group, f in bands.items()]),
    ]


def _premium_section(uow: UnitOfWork, subscribers: dict[int, GhtRow]) -> Section:
    rows = uow.session.execute(
        select(QuoteRow)
        .where(QuoteRow.ght_id.in_(sorted(subscribers)))
        .order_by(QuoteRow.ght_id, QuoteRow.created_at.desc(), QuoteRow.id.desc())
    ).scalars()
    latest = _latest_by_ght(rows)
    now = {ght: float(row.technical_premium_eur) for ght, row in latest.items()}
    after = {ght: float(row.technical_premium_after_eur) for ght, row in latest.items()}
    reduction = {ght: now[ght] - after[ght] for ght in latest}
    return Section(
        "premiums",
        [
            Line("premium_total", "eur", rule.total(now)),
            Line("premium_median", "eur", rule.quantiles(now, (0.5,))[0]),
            Line("premium_after_total", "eur", rule.total(after)),
            Line("premium_reduction", "eur", rule.total(reduction)),
            Line("premium_reduction_share", "share", rule.share(reduction, now)),
        ],
    )


def _claims_section(uow: UnitOfWork, subscribers: dict[int, GhtRow]) -> Section:
    counted = uow.session.execute(
        select(ClaimRow.state, ClaimRow.ght_id, func.count(ClaimRow.id), func.sum(ClaimRow.paid_eur))
        .where(ClaimRow.ght_id.in_(sorted(subscribers)))
        .group_by(ClaimRow.state, ClaimRow.ght_id)
    ).all()
    by_state: dict[str, dict[int, float]] = defaultdict(dict)
    claims: dict[int, float] = defaultdict(float)
    paid: dict[int, float] = defaultdict(float)
    for state, ght, number, paid_eur in counted:
        by_state[str(state)][int(ght)] = float(number)
        claims[int(ght)] += float(number)
        if paid_eur:
            paid[int(ght)] += float(paid_eur)
    states = rule.partition(dict(sorted(by_state.items())), "sum", significant=None)
    return Section(
        "claims",
        [
            Line("claims_total", "count", rule.total(claims, significant=None)),
            *(Line("claims_by_state", "count", figure, state) for state, figure in states.items()),
            Line("claims_paid_total", "eur", rule.total({g: v for g, v in paid.items() if v > 0})),
        ],
    )


def _figures_of(uow: UnitOfWork, cooperative_id: int) -> CooperativeFigures:
    members = list(
        uow.session.execute(select(GhtRow).where(GhtRow.cooperative_id == cooperative_id)).scalars()
    )
    subscribers = {row.id: row for row in members if row.subscribed}
    name = uow.session.execute(
        select(OrganisationRow.name).where(OrganisationRow.id == cooperative_id)
    ).scalar_one()
    subscriptions = Section(
        "subscriptions",
        [
            Line("members", "count", rule.count_ghts([row.id for row in members])),
            Line("subscribers", "count", rule.count_ghts(list(subscribers))),
        ],
    )
    return CooperativeFigures(
        str(name),
        [
            subscriptions,
            *_risk_sections(uow, subscribers),
            _premium_section(uow, subscribers),
            _claims_section(uow, subscribers),
        ],
    )


def figures(uow: UnitOfWork, principal: Principal) -> CooperativeFigures:
    """The anonymised figures of the acting user's cooperative; 404 for a GHT that is not a member."""
    cooperative_id = _cooperative_id(uow, principal)
    if cooperative_id is None:
        raise NotFound("cooperative")
    return _figures_of(uow, cooperative_id)


def view(uow: UnitOfWork, principal: Principal) -> CooperativeView:
    """The cooperative page: the buyer manages the members; a member GHT's manager sees its own
    subscription; both read the figures. A GHT outside the cooperative gets no figure."""
    cooperative_id = _cooperative_id(uow, principal)
    if cooperative_id is None:
        return CooperativeView(can_manage=False)
    if principal.role is Role.COOPERATIVE_BUYER:
        return CooperativeView(True, list_members(uow, principal), None, _figures_of(uow, cooperative_id))
    own = uow.session.execute(
        select(GhtRow).where(GhtRow.organisation_id == principal.organisation_id)
    ).scalar_one()
    return CooperativeView(False, [], _member_public(own), _figures_of(uow, cooperative_id))


def figures_public(result: CooperativeFigures) -> dict[str, Any]:
    """The figures as JSON: a suppressed figure has no value, its reason and its number of GHTs."""
    return {
        "cooperative": result.cooperative_name,
        "min_ghts": result.min_ghts,
        "sections": [
            {
                "key": section.key,
                "lines": [
                    {
                        "key": line.key,
                        "group": line.group or None,
                        "unit": line.unit,
                        "published": line.figure.published,
                        "value": line.figure.value,
                        "contributors": line.figure.contributors,
                        "reason": line.figure.reason.value if line.figure.reason else None,
                    }
                    for line in section.lines
                ],
            }
            for section in result.sections
        ],
    }
