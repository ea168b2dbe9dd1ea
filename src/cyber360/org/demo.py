"""Loads the demo organisation (data/demo/organisation.yaml): GHTs, establishments, accounts, grants."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import func, select

from cyber360.core import security
from cyber360.core.audit import Actor
from cyber360.core.settings import DEMO_PASSWORD
from cyber360.core.uow import UnitOfWork
from cyber360.org.model import EstablishmentCreate
from cyber360.org.tables import EstablishmentRow, GhtRow, GrantRow, OrganisationRow, UserRow

DEMO_FILE = Path(__file__).resolve().parent.parent / "data" / "demo" / "organisation.yaml"


def demo_present(uow: UnitOfWork) -> bool:
    return bool(uow.session.execute(select(func.count(UserRow.id))).scalar_one())


def demo_accounts() -> list[dict[str, str]]:
    data = yaml.safe_load(DEMO_FILE.read_text(encoding="utf-8"))
    return [{"email": user["email"], "role": user["role"], "name": user["name"]} for user in data["users"]]


def load_demo(uow: UnitOfWork) -> dict[str, int]:
    """Create the demo organisation in one transaction; returns the ids by key (for other areas' demo)."""
    data: dict[str, Any] = yaml.safe_load(DEMO_FILE.read_text(encoding="utf-8"))
    session = uow.session
    actor = Actor.system("demo-loader")
    ids: dict[str, int] = {}
    for kind, spec in data["organisations"].items():
        row = OrganisationRow(kind=kind, name=spec["name"])
        session.add(row)
        session.flush()
        ids[f"org:{kind}"] = row.id
    password_hash = security.hash_password(DEMO_PASSWORD)
    for ght_spec in data["ghts"]:
        organisation = OrganisationRow(kind="ght", name=ght_spec["name"])
        session.add(organisation)
        session.flush()
        member_since = ght_spec.get("member_since")
        ght = GhtRow(
            organisation_id=organisation.id,
            cooperative_id=ids["org:cooperative"],
            name=ght_spec["name"],
            region=ght_spec["region"],
            member_since=member_since if isinstance(member_since, date) else None,
            subscribed=bool(ght_spec.get("subscribed")),
        )
        session.add(ght)
        session.flush()
        ids[f"org:{ght_spec['key']}"] = organisation.id
        ids[f"ght:{ght_spec['key']}"] = ght.id
        for spec in ght_spec["establishments"]:
            command = EstablishmentCreate(ght_id=ght.id, **{k: v for k, v in spec.items() if k != "key"})
            establishment = EstablishmentRow(**command.model_dump())
            session.add(establishment)
            session.flush()
            ids[f"establishment:{spec['key']}"] = establishment.id
        ght.support_establishment_id = ids[f"establishment:{ght_spec['support']}"]
        uow.audit(
            actor,
            "ght.created",
            object_type="ght",
            object_id=ght.id,
            ght_id=ght.id,
            after={"name": ght.name, "establishments": len(ght_spec["establishments"])},
        )
    for grant in data["grants"]:
        row = GrantRow(ght_id=ids[f"ght:{grant['ght']}"], organisation_id=ids[f"org:{grant['organisation']}"])
        session.add(row)
        session.flush()
        uow.audit(
            actor,
            "grant.created",
            object_type="grant",
            object_id=row.id,
            ght_id=row.ght_id,
            after={"organisation_id": row.organisation_id},
        )
    for spec in data["users"]:
        user = UserRow(
            email=spec["email"],
            display_name=spec["name"],
            password_hash=password_hash,
            organisation_id=ids[f"org:{spec['organisation']}"],
            role=spec["role"],
            establishment_id=ids[f"establishment:{spec['establishment']}"]
            if spec.get("establishment")
            else None,
            locale="fr",
        )
        session.add(user)
        session.flush()
        uow.audit(
            actor,
            "user.created",
            object_type="user",
            object_id=user.id,
            after={"email": user.email, "role": user.role},
        )
    uow.commit()
    return ids
