"""JSON routes of the cooperative view: its member GHTs and their subscription (the buyer), and the
anonymised figures over the GHTs that subscribed (the buyer and the member GHTs' managers)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from cyber360.core.web import CurrentUser, UowDep
from cyber360.cover import cooperative_service as service
from cyber360.cover.cooperative_service import MemberPublic, SubscriptionChange

router = APIRouter(prefix="/api/v1/cooperative", tags=["cooperative"])


@router.get("/members")
def api_members(principal: CurrentUser, uow: UowDep) -> list[MemberPublic]:
    return service.list_members(uow, principal)


@router.put("/subscriptions")
def api_set_subscription(body: SubscriptionChange, principal: CurrentUser, uow: UowDep) -> MemberPublic:
    """Record that a member GHT subscribed (``subscribed: true``) or left; audited with before and after."""
    return service.set_subscription(uow, principal, body)


@router.get("/figures")
def api_figures(principal: CurrentUser, uow: UowDep) -> dict[str, Any]:
    """Aggregates over the subscribed GHTs; a figure drawn from fewer than five GHTs has no value."""
    return service.figures_public(service.figures(uow, principal))
