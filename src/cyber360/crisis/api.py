"""JSON routes of the crisis area: plans, contacts, playbooks, exercises, lessons (incidents elsewhere)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response, status

from cyber360.core.web import CurrentUser, UowDep
from cyber360.crisis import exercise_service, lesson_service, plan_service, playbook_service
from cyber360.crisis.clock import IdPath, KeyPath, Now
from cyber360.crisis.playbooks import Scenario
from cyber360.crisis.schemas import (
    ApplicationCreate,
    ApplicationPublic,
    CellMemberSet,
    ContactCreate,
    ContactPublic,
    ExerciseCreate,
    ExerciseEnd,
    ExerciseFeed,
    ExercisePublic,
    ExerciseSummary,
    ExerciseTick,
    LessonPublic,
    PlanCreate,
    PlanPublic,
    PlanSummary,
    PlanUpdate,
    PlaybookPublic,
    PlaybookSave,
)

router = APIRouter(prefix="/api/v1", tags=["crisis"])
_CREATED = status.HTTP_201_CREATED
_NO_CONTENT = status.HTTP_204_NO_CONTENT


# Plans ----------------------------------------------------------------------------------------------------


@router.get("/crisis-plans", response_model=list[PlanSummary])
def api_list_plans(principal: CurrentUser, uow: UowDep) -> list[PlanSummary]:
    return plan_service.list_plans(uow, principal)


@router.post("/crisis-plans", response_model=PlanPublic, status_code=_CREATED)
def api_create_plan(body: PlanCreate, principal: CurrentUser, uow: UowDep) -> PlanPublic:
    return plan_service.create_plan(uow, principal, body)


@router.get("/crisis-plans/{plan_id}", response_model=PlanPublic)
def api_get_plan(plan_id: IdPath, principal: CurrentUser, uow: UowDep) -> PlanPublic:
    """The plan; personal phones are never in it (``/contacts`` shows them to crisis roles, audited)."""
    return plan_service.get_plan(uow, principal, plan_id)


@router.patch("/crisis-plans/{plan_id}", response_model=PlanPublic)
def api_update_plan(plan_id: IdPath, body: PlanUpdate, principal: CurrentUser, uow: UowDep) -> PlanPublic:
    return plan_service.update_plan(uow, principal, plan_id, body)


@router.post("/crisis-plans/{plan_id}/cell", response_model=PlanPublic)
def api_set_cell_member(
    plan_id: IdPath, body: CellMemberSet, principal: CurrentUser, uow: UowDep
) -> PlanPublic:
    return plan_service.set_cell_member(uow, principal, plan_id, body)


@router.get("/crisis-plans/{plan_id}/contacts", response_model=list[ContactPublic])
def api_list_contacts(plan_id: IdPath, principal: CurrentUser, uow: UowDep) -> list[ContactPublic]:
    """The contacts with personal phones for the crisis roles (each such view audited), null otherwise."""
    return plan_service.list_contacts(uow, principal, plan_id)


@router.post("/crisis-plans/{plan_id}/contacts", response_model=ContactPublic, status_code=_CREATED)
def api_add_contact(
    plan_id: IdPath, body: ContactCreate, principal: CurrentUser, uow: UowDep
) -> ContactPublic:
    return plan_service.add_contact(uow, principal, plan_id, body)


@router.delete("/crisis-plans/{plan_id}/contacts/{contact_id}", status_code=_NO_CONTENT)
def api_remove_contact(plan_id: IdPath, contact_id: IdPath, principal: CurrentUser, uow: UowDep) -> Response:
    plan_service.remove_contact(uow, principal, plan_id, contact_id)
    return Response(status_code=_NO_CONTENT)


@router.post("/crisis-plans/{plan_id}/applications", response_model=ApplicationPublic, status_code=_CREATED)
def api_add_application(
    plan_id: IdPath, body: ApplicationCreate, principal: CurrentUser, uow: UowDep
) -> ApplicationPublic:
    return plan_service.add_application(uow, principal, plan_id, body)


@router.delete("/crisis-plans/{plan_id}/applications/{application_id}", status_code=_NO_CONTENT)
def api_remove_application(
    plan_id: IdPath, application_id: IdPath, principal: CurrentUser, uow: UowDep
) -> Response:
    plan_service.remove_application(uow, principal, plan_id, application_id)
    return Response(status_code=_NO_CONTENT)


# Playbooks ------------------------------------------------------------------------------------------------


@router.get("/playbooks")
def api_list_playbooks(principal: CurrentUser) -> list[dict[str, str]]:
    """The shipped playbooks (one per scenario of the catalogue)."""
    return [{"scenario": scenario, "title": title} for scenario, title in playbook_service.list_shipped()]


@router.get("/ghts/{ght_id}/playbooks/{scenario}", response_model=PlaybookPublic)
def api_get_playbook(
    ght_id: IdPath, scenario: Scenario, principal: CurrentUser, uow: UowDep
) -> PlaybookPublic:
    """The playbook the GHT follows: its own copy, else the shipped one."""
    return playbook_service.get_playbook(uow, principal, ght_id, scenario)


@router.put("/ghts/{ght_id}/playbooks/{scenario}", response_model=PlaybookPublic)
def api_save_playbook(
    ght_id: IdPath, scenario: Scenario, body: PlaybookSave, principal: CurrentUser, uow: UowDep
) -> PlaybookPublic:
    return playbook_service.save_playbook(uow, principal, ght_id, scenario, body)


@router.delete("/ghts/{ght_id}/playbooks/{scenario}", response_model=PlaybookPublic)
def api_reset_playbook(
    ght_id: IdPath, scenario: Scenario, principal: CurrentUser, uow: UowDep
) -> PlaybookPublic:
    return playbook_service.reset_playbook(uow, principal, ght_id, scenario)


# Lessons ------------------------------------------------------------------------------------------


@router.get("/crisis-lessons", response_model=list[LessonPublic])
def api_list_lessons(principal: CurrentUser, uow: UowDep) -> list[LessonPublic]:
    """Lessons of incidents and exercises, as actions (owner, due date, status) for the action plan."""
    return lesson_service.list_lessons(uow, principal)


# Exercises ----------------------------------------------------------------------------------------


@router.get("/exercise-library")
def api_exercise_library(principal: CurrentUser) -> list[dict[str, Any]]:
    return [
        {
            "id": exercise.id,
            "scenario": exercise.scenario,
            "title": exercise.title,
            "duration_minutes": exercise.duration_minutes,
            "injects": len(exercise.injects),
        }
        for exercise in exercise_service.library().values()
    ]


@router.get("/exercises", response_model=list[ExerciseSummary])
def api_list_exercises(principal: CurrentUser, uow: UowDep) -> list[ExerciseSummary]:
    return exercise_service.list_exercises(uow, principal)


@router.post("/exercises", response_model=ExercisePublic, status_code=_CREATED)
def api_create_exercise(
    body: ExerciseCreate, principal: CurrentUser, uow: UowDep, now: Now
) -> ExercisePublic:
    return exercise_service.create_exercise(uow, principal, body, now=now)


@router.get("/exercises/{exercise_id}", response_model=ExercisePublic)
def api_get_exercise(exercise_id: IdPath, principal: CurrentUser, uow: UowDep, now: Now) -> ExercisePublic:
    """The facilitator's view: schedule, releases, expected actions and score."""
    return exercise_service.get_exercise(uow, principal, exercise_id, now=now)


@router.get("/exercises/{exercise_id}/feed", response_model=ExerciseFeed)
def api_exercise_feed(exercise_id: IdPath, principal: CurrentUser, uow: UowDep, now: Now) -> ExerciseFeed:
    """The players' view: the injects released so far."""
    return exercise_service.feed(uow, principal, exercise_id, now=now)


@router.post("/exercises/{exercise_id}/start", response_model=ExercisePublic)
def api_start_exercise(exercise_id: IdPath, principal: CurrentUser, uow: UowDep, now: Now) -> ExercisePublic:
    return exercise_service.start_exercise(uow, principal, exercise_id, now=now)


@router.post("/exercises/{exercise_id}/injects/{inject_id}/release", response_model=ExercisePublic)
def api_release_inject(
    exercise_id: IdPath, inject_id: KeyPath, principal: CurrentUser, uow: UowDep, now: Now
) -> ExercisePublic:
    return exercise_service.release_inject(uow, principal, exercise_id, inject_id, now=now)


@router.post("/exercises/{exercise_id}/actions/{action_id}", response_model=ExercisePublic)
def api_tick_action(
    exercise_id: IdPath, action_id: KeyPath, body: ExerciseTick, principal: CurrentUser, uow: UowDep, now: Now
) -> ExercisePublic:
    return exercise_service.tick_action(uow, principal, exercise_id, action_id, body, now=now)


@router.post("/exercises/{exercise_id}/end", response_model=ExercisePublic)
def api_end_exercise(
    exercise_id: IdPath, body: ExerciseEnd, principal: CurrentUser, uow: UowDep, now: Now
) -> ExercisePublic:
    return exercise_service.end_exercise(uow, principal, exercise_id, body, now=now)
