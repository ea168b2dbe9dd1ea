"""The framework library in the database: shipped libraries, imports (CISO Assistant format), exports, and
the view of a framework that an assessment answers (requirements, domains, scale)."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from cyber360.assess import access
from cyber360.assess.errors import Issue, Refused
from cyber360.assess.library import (
    MAX_LIBRARY_BYTES,
    Framework,
    Library,
    LibraryError,
    RequirementNode,
    export_library,
    load_library,
    load_packaged_controls,
    packaged_library_names,
)
from cyber360.assess.model import Domain, Requirement, Scale
from cyber360.assess.schemas import (
    FrameworkDetail,
    FrameworkNode,
    FrameworkSummary,
    GroupPublic,
    LibraryImport,
    ScoreLevel,
)
from cyber360.assess.tables import PLATFORM_SCOPE, FrameworkRow
from cyber360.core.errors import Conflict, FieldError, Forbidden
from cyber360.core.scope import Principal, Role
from cyber360.core.scoped import get_in_scope
from cyber360.core.uow import UnitOfWork


@lru_cache(maxsize=64)
def _parse(sha256: str, source: str) -> Library:
    """A stored library, parsed once per process (its text was validated when it was imported)."""
    return load_library(source)


def parsed(row: FrameworkRow) -> Library:
    return _parse(row.sha256, row.source)


@lru_cache(maxsize=1)
def _shipped() -> tuple[tuple[str, Library], ...]:
    catalogue = load_packaged_controls()
    folder = resources.files("cyber360").joinpath("data", "frameworks")
    result = []
    for name in packaged_library_names():
        source = folder.joinpath(name).read_text(encoding="utf-8")
        result.append((source, load_library(source, controls=catalogue)))
    return tuple(result)


def _digest(source: str) -> str:
    return hashlib.sha256(source.encode("utf-8")).hexdigest()


def ensure_shipped(uow: UnitOfWork) -> None:
    """Install the libraries shipped with this version of the application (once per database and version).

    The product's own content, like the schema, not a tenant's change: it is not audited.
    """
    installed = set(
        uow.session.execute(select(FrameworkRow.urn, FrameworkRow.version).where(FrameworkRow.shipped)).all()
    )
    missing = [
        (source, library) for source, library in _shipped() if (library.urn, library.version) not in installed
    ]
    if not missing:
        return
    for source, library in missing:
        uow.session.add(_row(library, source, ght_id=None, shipped=True, user_id=None))
    try:
        uow.commit()
    except IntegrityError:  # another request installed them first
        uow.rollback()


def _row(
    library: Library, source: str, *, ght_id: int | None, shipped: bool, user_id: int | None
) -> FrameworkRow:
    return FrameworkRow(
        urn=library.urn,
        version=library.version,
        ref_id=library.ref_id[:200],
        name=library.framework.name[:500],
        provider=(library.provider or "")[:200],
        locale=library.locale,
        scope_key=PLATFORM_SCOPE if ght_id is None else f"ght:{ght_id}",
        ght_id=ght_id,
        shipped=shipped,
        source=source,
        sha256=_digest(source),
        imported_by_user_id=user_id,
    )


def framework_row(uow: UnitOfWork, principal: Principal, framework_id: int) -> FrameworkRow:
    clause = access.library_clause(principal, FrameworkRow.ght_id)
    return get_in_scope(uow, principal, FrameworkRow, framework_id, clause, object_type="framework")


def _summary(row: FrameworkRow, locale: str) -> FrameworkSummary:
    framework = parsed(row).framework
    low, high = framework.score_range()
    return FrameworkSummary(
        id=row.id,
        urn=row.urn,
        ref_id=row.ref_id,
        name=framework.localized("name", locale) or row.name,
        version=row.version,
        provider=row.provider,
        locale=row.locale,
        ght_id=row.ght_id,
        shipped=row.shipped,
        requirement_count=len(framework.assessable_requirements()),
        score_min=low,
        score_max=high,
        levels=levels(framework, locale),
        implementation_groups=[
            GroupPublic(
                ref_id=group.ref_id,
                name=group.localized("name", locale) or group.ref_id,
                default_selected=bool(group.default_selected),
            )
            for group in framework.implementation_groups_definition or []
        ],
    )


def levels(framework: Framework, locale: str) -> list[ScoreLevel]:
    """The answer scale: the defined levels, else every integer of the range (CISO Assistant's 0-100
    default is offered in steps of ten)."""
    definitions = framework.scores_definition or []
    if definitions:
        return [
            ScoreLevel(
                score=item.score,
                name=item.localized("name", locale) or str(item.score),
                description=item.localized("description", locale),
            )
            for item in sorted(definitions, key=lambda item: item.score)
        ]
    low, high = framework.score_range()
    step = 10 if high - low > 20 else 1
    return [ScoreLevel(score=value, name=str(value)) for value in range(low, high + 1, step)]


def list_frameworks(uow: UnitOfWork, principal: Principal, locale: str = "fr") -> list[FrameworkSummary]:
    ensure_shipped(uow)
    rows = uow.session.execute(
        select(FrameworkRow)
        .where(access.library_clause(principal, FrameworkRow.ght_id))
        .order_by(FrameworkRow.shipped.desc(), FrameworkRow.name, FrameworkRow.version)
    ).scalars()
    return [_summary(row, locale) for row in rows]


def get_framework(
    uow: UnitOfWork, principal: Principal, framework_id: int, locale: str = "fr"
) -> FrameworkDetail:
    row = framework_row(uow, principal, framework_id)
    library = parsed(row)
    framework = library.framework
    nodes = [
        FrameworkNode(
            urn=node.urn,
            parent_urn=node.parent_urn,
            level=level,
            ref_id=node.ref_id,
            name=node.localized("name", locale),
            description=node.localized("description", locale),
            typical_evidence=node.localized("typical_evidence", locale),
            assessable=node.assessable,
            implementation_groups=list(node.implementation_groups or []),
            controls=list(node.controls or []),
        )
        for node, level in framework.walk()
    ]
    return FrameworkDetail(
        **_summary(row, locale).model_dump(),
        description=framework.localized("description", locale),
        copyright=library.copyright,
        nodes=nodes,
    )


def export_framework(uow: UnitOfWork, principal: Principal, framework_id: int) -> tuple[str, str]:
    """The library file in CISO Assistant's format, and a file name for it."""
    row = framework_row(uow, principal, framework_id)
    name = re.sub(r"[^A-Za-z0-9._-]+", "-", f"{row.ref_id}-v{row.version}").strip("-.") or "framework"
    return f"{name[:100]}.yaml", export_library(parsed(row))


def _target_ght(principal: Principal, command: LibraryImport) -> int | None:
    if principal.role is Role.PLATFORM_ADMIN:
        if command.ght_id is not None:
            raise FieldError("ght_id", "error.unknown_id")
        return None
    if command.ght_id is None:
        if len(principal.writable_ght_ids) != 1:
            raise FieldError("ght_id", "error.library_ght")
        return next(iter(principal.writable_ght_ids))
    if not principal.can_write_ght(command.ght_id):
        raise FieldError("ght_id", "error.unknown_id")
    return command.ght_id


def import_library(
    uow: UnitOfWork,
    principal: Principal,
    data: bytes,
    command: LibraryImport,
    *,
    max_bytes: int = MAX_LIBRARY_BYTES,
) -> FrameworkSummary:
    """Validate a library file and add it to the library (platform-wide, or private to the importer's GHT)."""
    if not access.can_import_library(principal):
        raise Forbidden("framework.import")
    ght_id = _target_ght(principal, command)
    try:
        library = load_library(
            data, max_bytes=min(max_bytes, MAX_LIBRARY_BYTES), controls=load_packaged_controls()
        )
    except LibraryError as error:
        raise Refused(
            [Issue(issue.path or "file", issue.code, issue.message) for issue in error.issues]
        ) from None
    if not library.framework.assessable_requirements():
        path = "objects.framework.requirement_nodes"
        raise Refused(
            [Issue(path, "no_assessable_requirement", "aucune exigence évaluable (assessable: true)")]
        )
    source = data.decode("utf-8-sig")
    scope_key = PLATFORM_SCOPE if ght_id is None else f"ght:{ght_id}"
    duplicate = uow.session.execute(
        select(FrameworkRow.id).where(
            FrameworkRow.urn == library.urn,
            FrameworkRow.version == library.version,
            FrameworkRow.scope_key == scope_key,
        )
    ).first()
    if duplicate is not None:
        raise Conflict("error.library_exists")
    row = _row(library, source, ght_id=ght_id, shipped=False, user_id=principal.user_id)
    uow.session.add(row)
    uow.session.flush()
    uow.audit(
        principal,
        "framework.imported",
        object_type="framework",
        object_id=row.id,
        ght_id=ght_id,
        after={"urn": row.urn, "version": row.version, "ref_id": row.ref_id, "sha256": row.sha256},
    )
    uow.commit()
    return _summary(row, principal.locale)


# The view of a framework that an assessment answers ---------------------------------------------------------


@dataclass(frozen=True)
class AssessedFramework:
    """The requirements of a framework for a selection of implementation groups, with their domains."""

    library: Library
    requirements: tuple[Requirement, ...]
    nodes: dict[str, RequirementNode]
    domains: tuple[Domain, ...]
    scale: Scale


def _label(node: RequirementNode, locale: str) -> str:
    name = node.localized("name", locale) or node.localized("description", locale) or node.urn
    return f"{node.ref_id} {name}" if node.ref_id else name


def assessed_framework(library: Library, groups: list[str] | None, locale: str = "fr") -> AssessedFramework:
    framework = library.framework
    selected = groups if framework.implementation_groups_definition else None
    nodes = framework.assessable_requirements(selected)
    requirements = []
    for node in nodes:
        ancestors = framework.ancestors(node.urn)
        domain = ancestors[-1] if ancestors else node
        requirements.append(
            Requirement(
                urn=node.urn,
                ref_id=node.ref_id or "",
                name=node.localized("name", locale) or node.localized("description", locale) or "",
                domain_urn=domain.urn,
                controls=tuple(node.controls or ()),
            )
        )
    used = {requirement.domain_urn for requirement in requirements}
    domains = tuple(
        Domain(node.urn, _label(node, locale)) for node, _ in framework.walk() if node.urn in used
    )
    low, high = framework.score_range()
    scale = Scale(low, high, tuple(sorted(item.score for item in framework.scores_definition or [])))
    return AssessedFramework(library, tuple(requirements), {node.urn: node for node in nodes}, domains, scale)
