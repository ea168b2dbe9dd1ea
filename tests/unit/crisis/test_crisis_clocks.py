"""Known-answer tests of the regulatory clocks: Europe/Paris DST changes, month ends, refusals."""

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cyber360.crisis.clocks import (
    ClockError,
    Closure,
    DeadlineKind,
    DeadlineStatus,
    IncidentFacts,
    add_calendar_months,
    compute_deadlines,
    evaluate_clocks,
    format_paris,
    format_remaining,
    to_paris,
)

K = DeadlineKind
S = DeadlineStatus


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


def facts(detected: str = "2026-03-28T10:00:00+01:00", **overrides: Any) -> IncidentFacts:
    values: dict[str, object] = {"detected_at": at(detected), "personal_data": True, "insured": True}
    values.update(overrides)
    return IncidentFacts(**values)  # type: ignore[arg-type]


def due(incident: IncidentFacts, kind: DeadlineKind) -> datetime | None:
    return {d.kind: d for d in compute_deadlines(incident)}[kind].due_at


# --- daylight-saving changes: delays are elapsed time ---------------------------------------------


def test_72h_across_spring_forward_is_the_same_instant_as_11h_summer_time() -> None:
    incident = facts("2026-03-28T10:00:00+01:00")
    for kind in (K.NIS2_NOTIFICATION, K.CNIL_NOTIFICATION, K.INSURANCE_COMPLAINT):
        assert due(incident, kind) == at("2026-03-31T11:00:00+02:00")
    assert due(incident, K.NIS2_EARLY_WARNING) == at("2026-03-29T11:00:00+02:00")


def test_72h_across_fall_back_ends_an_hour_earlier_on_the_wall_clock() -> None:
    incident = facts("2026-10-24T10:00:00+02:00")
    assert due(incident, K.NIS2_NOTIFICATION) == at("2026-10-27T09:00:00+01:00")
    assert due(incident, K.NIS2_EARLY_WARNING) == at("2026-10-25T09:00:00+01:00")


def test_detection_inside_the_repeated_autumn_hour_keeps_its_offset() -> None:
    first = facts("2026-10-25T02:30:00+02:00")
    second = facts("2026-10-25T02:30:00+01:00")
    assert due(second, K.NIS2_EARLY_WARNING) - due(first, K.NIS2_EARLY_WARNING) == timedelta(hours=1)  # type: ignore[operator]
    assert due(first, K.NIS2_EARLY_WARNING) == at("2026-10-26T01:30:00+01:00")


def test_due_times_are_utc() -> None:
    for deadline in compute_deadlines(facts(high_risk_to_data_subjects=True)):
        for instant in (deadline.starts_at, deadline.due_at, deadline.target_at):
            assert instant is None or instant.tzinfo is UTC


@given(
    st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2090, 1, 1)),
    st.integers(min_value=-12 * 60, max_value=14 * 60),
)
def test_hour_delays_are_exact_elapsed_durations(wall: datetime, offset_minutes: int) -> None:
    detected = wall.replace(tzinfo=timezone(timedelta(minutes=offset_minutes)))
    by_kind = {
        d.kind: d
        for d in compute_deadlines(IncidentFacts(detected_at=detected, personal_data=True, insured=True))
    }
    assert by_kind[K.NIS2_EARLY_WARNING].due_at - detected == timedelta(hours=24)  # type: ignore[operator]
    for kind in (K.NIS2_NOTIFICATION, K.CNIL_NOTIFICATION, K.INSURANCE_COMPLAINT):
        assert by_kind[kind].due_at - detected == timedelta(hours=72)  # type: ignore[operator]


# --- NIS2 final report: one calendar month (Paris wall clock) after the notification --------------


@pytest.mark.parametrize(
    ("sent", "expected"),
    [
        ("2026-01-31T10:00:00+01:00", "2026-02-28T10:00:00+01:00"),  # month end clamped
        ("2028-01-31T10:00:00+01:00", "2028-02-29T10:00:00+01:00"),  # leap year
        ("2026-12-15T09:00:00+01:00", "2027-01-15T09:00:00+01:00"),  # year change
        ("2026-03-15T10:00:00+01:00", "2026-04-15T10:00:00+02:00"),  # wall clock kept across DST
        (
            "2026-01-30T23:30:00+00:00",
            "2026-02-28T00:30:00+01:00",
        ),  # Paris calendar, not UTC (Jan 31 in Paris)
        ("2028-02-26T02:30:00+01:00", "2028-03-26T01:30:00+00:00"),  # lands in the spring gap: 03:30 CEST
        ("2026-09-25T02:30:00+02:00", "2026-10-25T02:30:00+02:00"),  # lands in the autumn fold: first one
    ],
)
def test_final_report_from_the_actual_notification(sent: str, expected: str) -> None:
    incident = facts("2026-01-01T00:00:00+01:00", nis2_notification_sent_at=at(sent))
    assert due(incident, K.NIS2_FINAL_REPORT) == at(expected)


def test_final_report_falls_back_on_the_72h_due_time() -> None:
    incident = facts("2026-01-28T10:00:00+01:00")
    assert due(incident, K.NIS2_NOTIFICATION) == at("2026-01-31T10:00:00+01:00")
    assert due(incident, K.NIS2_FINAL_REPORT) == at("2026-02-28T10:00:00+01:00")


def test_closing_the_notification_moves_the_final_report() -> None:
    incident = facts("2026-01-28T10:00:00+01:00")
    sent = Closure(at("2026-01-29T16:00:00+01:00"), "accusé de réception 42")
    board = evaluate_clocks(incident, at("2026-01-30T00:00:00+01:00"), {"nis2_notification": sent})
    final = next(s for s in board if s.kind == K.NIS2_FINAL_REPORT)
    assert final.deadline.due_at == at("2026-02-28T16:00:00+01:00")
    assert next(s for s in board if s.kind == K.NIS2_NOTIFICATION).status == S.MET


def test_add_calendar_months_handles_several_months_and_negative() -> None:
    assert add_calendar_months(at("2026-08-31T12:00:00+02:00"), 6) == at("2027-02-28T12:00:00+01:00")
    assert add_calendar_months(at("2026-03-31T12:00:00+02:00"), -1) == at("2026-02-28T12:00:00+01:00")


# --- which clocks apply ---------------------------------------------------------------------------


def test_all_kinds_for_a_breach_at_an_insured_essential_entity() -> None:
    kinds = [d.kind for d in compute_deadlines(facts(high_risk_to_data_subjects=True))]
    assert kinds == list(DeadlineKind)


def test_minimal_incident_has_only_the_health_report() -> None:
    incident = facts(personal_data=False, insured=False, is_nis2_essential_entity=False)
    assert [d.kind for d in compute_deadlines(incident)] == [K.HEALTH_REPORT]


def test_accidental_outage_needs_no_complaint() -> None:
    kinds = {d.kind for d in compute_deadlines(facts(malicious=False))}
    assert K.INSURANCE_COMPLAINT not in kinds
    assert K.NIS2_NOTIFICATION in kinds


def test_cnil_runs_from_a_later_awareness_others_from_detection() -> None:
    incident = facts("2026-03-28T10:00:00+01:00", personal_data_aware_at=at("2026-03-30T08:00:00+02:00"))
    assert due(incident, K.CNIL_NOTIFICATION) == at("2026-04-02T08:00:00+02:00")
    assert due(incident, K.INSURANCE_COMPLAINT) == at("2026-03-31T11:00:00+02:00")


def test_every_deadline_has_bilingual_basis_and_recipient() -> None:
    for deadline in compute_deadlines(facts(high_risk_to_data_subjects=True)):
        for text in (deadline.legal_basis, deadline.recipient):
            assert text.fr and text.en and text.text("en") == text.en
    basis = {d.kind: d.legal_basis.fr for d in compute_deadlines(facts())}
    assert "2016-1214" in basis[K.HEALTH_REPORT]
    assert "L.12-10-1" in basis[K.INSURANCE_COMPLAINT]
    assert "art. 33" in basis[K.CNIL_NOTIFICATION]
    assert "2022/2555" in basis[K.NIS2_FINAL_REPORT]


# --- health report: due at once, practical target -------------------------------------------------


def test_health_report_is_due_at_detection_with_a_two_hour_target() -> None:
    deadline = compute_deadlines(facts("2026-03-28T03:00:00+01:00"))[0]
    assert deadline.kind == K.HEALTH_REPORT
    assert deadline.due_at == at("2026-03-28T03:00:00+01:00")
    assert deadline.target_at == at("2026-03-28T05:00:00+01:00")
    assert deadline.note is not None and "hypothèse" in deadline.note.fr
    assert deadline.status(at("2026-03-28T03:00:00+01:00")) == S.DUE_SOON
    assert deadline.status(at("2026-03-28T05:30:00+01:00")) == S.OVERDUE
    assert (
        deadline.status(at("2026-03-29T00:00:00+01:00"), Closure(at("2026-03-28T04:00:00+01:00"), "n° 1"))
        == S.MET
    )
    late = Closure(at("2026-03-28T06:00:00+01:00"), "n° 1")
    assert deadline.status(at("2026-03-29T00:00:00+01:00"), late) == S.MET_LATE


def test_health_report_target_is_configurable() -> None:
    deadline = compute_deadlines(facts(), health_report_target=timedelta(hours=1))[0]
    assert deadline.target_at == at("2026-03-28T11:00:00+01:00")
    with pytest.raises(ClockError, match="health_report_target"):
        compute_deadlines(facts(), health_report_target=timedelta(hours=-1))


# --- status and remaining time --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("now", "status", "remaining"),
    [
        ("2026-03-28T10:00:00+01:00", S.OPEN, timedelta(hours=72)),
        ("2026-03-30T16:59:59+02:00", S.OPEN, timedelta(hours=18, seconds=1)),
        ("2026-03-30T17:00:00+02:00", S.DUE_SOON, timedelta(hours=18)),  # last quarter of 72 h
        ("2026-03-31T11:00:00+02:00", S.DUE_SOON, timedelta(0)),
        ("2026-03-31T11:00:01+02:00", S.OVERDUE, -timedelta(seconds=1)),
        ("2026-03-31T12:30:00+02:00", S.OVERDUE, -timedelta(hours=1, minutes=30)),
    ],
)
def test_cnil_status_and_remaining(now: str, status: DeadlineStatus, remaining: timedelta) -> None:
    deadline = next(d for d in compute_deadlines(facts()) if d.kind == K.CNIL_NOTIFICATION)
    assert deadline.status(at(now)) == status
    assert deadline.remaining(at(now)) == remaining


def test_closure_met_or_late_and_no_remaining() -> None:
    deadline = next(d for d in compute_deadlines(facts()) if d.kind == K.INSURANCE_COMPLAINT)
    on_time = Closure(at("2026-03-31T11:00:00+02:00"), "PV de plainte 2026/123")
    late = Closure(at("2026-03-31T11:00:01+02:00"), "PV de plainte 2026/123")
    assert deadline.status(at("2026-04-10T00:00:00+02:00"), on_time) == S.MET
    assert deadline.status(at("2026-04-10T00:00:00+02:00"), late) == S.MET_LATE
    assert deadline.remaining(at("2026-04-10T00:00:00+02:00"), on_time) is None


def test_data_subjects_clock_has_no_fixed_delay() -> None:
    board = evaluate_clocks(facts(high_risk_to_data_subjects=True), at("2027-01-01T00:00:00+01:00"))
    subjects = next(s for s in board if s.kind == K.DATA_SUBJECTS_NOTIFICATION)
    assert subjects.deadline.due_at is None
    assert (subjects.status, subjects.remaining) == (S.OPEN, None)
    closed = Closure(at("2026-04-20T00:00:00+02:00"), "courriers envoyés")
    assert subjects.deadline.status(at("2027-01-01T00:00:00+01:00"), closed) == S.MET
    assert K.DATA_SUBJECTS_NOTIFICATION not in {d.kind for d in compute_deadlines(facts())}


def test_evaluate_clocks_board() -> None:
    board = evaluate_clocks(facts(), at("2026-03-28T11:00:00+01:00"))
    assert {s.kind: s.status for s in board} == {
        K.HEALTH_REPORT: S.DUE_SOON,
        K.NIS2_EARLY_WARNING: S.OPEN,
        K.NIS2_NOTIFICATION: S.OPEN,
        K.NIS2_FINAL_REPORT: S.OPEN,
        K.CNIL_NOTIFICATION: S.OPEN,
        K.INSURANCE_COMPLAINT: S.OPEN,
    }


# --- refusals -------------------------------------------------------------------------------------


def test_naive_detected_at_is_refused_with_a_clear_error() -> None:
    with pytest.raises(ClockError, match="detected_at: naive datetime refused") as raised:
        IncidentFacts(detected_at=datetime(2026, 3, 28, 10), personal_data=False, insured=False)
    assert raised.value.field == "detected_at"


@pytest.mark.parametrize("field", ["personal_data_aware_at", "nis2_notification_sent_at"])
def test_naive_optional_times_are_refused(field: str) -> None:
    naive: dict[str, Any] = {field: datetime(2026, 3, 29, 10)}
    with pytest.raises(ClockError, match=f"{field}: naive"):
        facts(**naive)


def test_naive_now_closure_and_calendar_input_are_refused() -> None:
    deadline = compute_deadlines(facts())[0]
    with pytest.raises(ClockError, match="now: naive"):
        deadline.status(datetime(2026, 3, 29))
    with pytest.raises(ClockError, match="closed_at: naive"):
        Closure(datetime(2026, 3, 29), "x")
    with pytest.raises(ClockError, match="instant: naive"):
        add_calendar_months(datetime(2026, 3, 29), 1)


def test_text_instead_of_datetime_is_refused() -> None:
    with pytest.raises(ClockError, match="expected a datetime, got str"):
        IncidentFacts(detected_at="2026-03-28T10:00:00+01:00", personal_data=False, insured=False)  # type: ignore[arg-type]


def test_inconsistent_facts_are_refused() -> None:
    with pytest.raises(ClockError, match="personal_data_aware_at: must not be earlier"):
        facts(personal_data_aware_at=at("2026-03-27T10:00:00+01:00"))
    with pytest.raises(ClockError, match="high_risk_to_data_subjects"):
        facts(personal_data=False, high_risk_to_data_subjects=True)
    with pytest.raises(ClockError, match="personal_data_aware_at: given while"):
        facts(personal_data=False, personal_data_aware_at=at("2026-03-29T10:00:00+01:00"))
    with pytest.raises(ClockError, match="outside NIS2"):
        facts(is_nis2_essential_entity=False, nis2_notification_sent_at=at("2026-03-29T10:00:00+01:00"))


def test_bad_closures_are_refused() -> None:
    with pytest.raises(ClockError, match="evidence: required"):
        Closure(at("2026-03-29T10:00:00+01:00"), "  ")
    now = at("2026-03-29T10:00:00+01:00")
    proof = Closure(now, "reçu")
    with pytest.raises(ClockError, match=r"closures\.ars: unknown deadline kind"):
        evaluate_clocks(facts(), now, {"ars": proof})
    with pytest.raises(ClockError, match="does not apply"):
        evaluate_clocks(facts(insured=False), now, {"insurance_complaint": proof})
    early = Closure(at("2026-03-27T10:00:00+01:00"), "reçu")
    with pytest.raises(ClockError, match="earlier than detected_at"):
        evaluate_clocks(facts(), now, {"health_report": early})


# --- display in Europe/Paris ----------------------------------------------------------------------


def test_paris_display_in_winter_and_summer() -> None:
    assert format_paris(at("2026-03-28T09:00:00+00:00")) == "28/03/2026 10:00 (UTC+01:00)"
    assert format_paris(at("2026-03-31T09:00:00+00:00")) == "31/03/2026 11:00 (UTC+02:00)"
    assert format_paris(at("2026-03-31T09:00:00+00:00"), "en") == "2026-03-31 11:00 Paris (UTC+02:00)"
    assert to_paris(at("2026-10-25T00:30:00+00:00")).utcoffset() == timedelta(hours=2)
    assert to_paris(at("2026-10-25T01:30:00+00:00")).utcoffset() == timedelta(hours=1)


def test_countdown_text() -> None:
    assert format_remaining(timedelta(days=2, hours=3, minutes=5, seconds=59)) == "2 j 03 h 05 min"
    assert format_remaining(timedelta(minutes=70)) == "1 h 10 min"
    assert format_remaining(-timedelta(minutes=70)) == "en retard de 1 h 10 min"
    assert format_remaining(-timedelta(days=1), "en") == "1 d 00 h 00 min overdue"
