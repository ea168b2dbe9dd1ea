"""Words of the crisis area shown to users (French source, translated by the catalogs) and its error messages.

The error messages are added to the shell's registry (``core.i18n.ERROR_MESSAGES``) when the area is
imported, so that a service raises ``FieldError("evidence", "error.crisis_...")`` like any other area.
"""

from __future__ import annotations

from typing import Final

from cyber360.core import i18n
from cyber360.core.i18n import N_

ROLE_LABELS: Final = {
    "crisis_director": N_("Directeur de crise"),
    "dsi": N_("DSI"),
    "rssi": N_("RSSI"),
    "communication": N_("Communication"),
    "care_direction": N_("Direction des soins / médical"),
    "logistics": N_("Logistique"),
    "legal_dpo": N_("Juridique / DPO"),
    "insurer_contact": N_("Contact assureur"),
    "consultant": N_("Consultant"),
}

CLINICAL_SERVICE_LABELS: Final = {
    "emergency": N_("Urgences"),
    "operating_theatres": N_("Blocs opératoires"),
    "laboratory": N_("Laboratoire"),
    "pharmacy": N_("Pharmacie"),
    "imaging": N_("Imagerie"),
    "admissions": N_("Admissions"),
}

CONTACT_CATEGORY_LABELS: Final = {
    "internal": N_("Contact interne hors SI"),
    "ars": N_("ARS"),
    "cert_sante": N_("CERT Santé"),
    "cert_fr": N_("CERT-FR (ANSSI)"),
    "cnil": N_("CNIL"),
    "police": N_("Police ou gendarmerie"),
    "insurer_hotline": N_("Assistance de l'assureur"),
    "consultant_csirt": N_("CSIRT du consultant"),
}

DEADLINE_LABELS: Final = {
    "health_report": N_("Signalement ARS / CERT Santé"),
    "nis2_early_warning": N_("NIS2 : alerte précoce"),
    "nis2_notification": N_("NIS2 : notification d'incident"),
    "nis2_final_report": N_("NIS2 : rapport final"),
    "cnil_notification": N_("Notification à la CNIL"),
    "data_subjects_notification": N_("Information des personnes concernées"),
    "insurance_complaint": N_("Plainte (condition de l'indemnisation)"),
}

DEADLINE_STATUS_LABELS: Final = {
    "open": N_("En cours"),
    "due_soon": N_("Échéance proche"),
    "overdue": N_("En retard"),
    "met": N_("Tenu"),
    "met_late": N_("Tenu en retard"),
}

INCIDENT_STATUS_LABELS: Final = {
    "open": N_("Ouvert"),
    "contained": N_("Contenu"),
    "recovering": N_("Reprise d'activité"),
    "closed": N_("Clos"),
}

PHASE_LABELS: Final = {
    "alert": N_("Alerte"),
    "qualification": N_("Qualification"),
    "containment": N_("Confinement"),
    "continuity_of_care": N_("Continuité des soins"),
    "communication": N_("Communication"),
    "remediation": N_("Remédiation"),
    "return_to_normal": N_("Retour à la normale"),
    "lessons_learned": N_("Retour d'expérience"),
}

ENTRY_KIND_LABELS: Final = {
    "fact": N_("Fait"),
    "decision": N_("Décision"),
    "action": N_("Action"),
    "communication": N_("Communication"),
    "correction": N_("Correction"),
}

SCENARIO_LABELS: Final = {
    "ransomware": N_("Rançongiciel"),
    "data_breach": N_("Fuite de données"),
    "ddos": N_("Déni de service"),
    "supplier_compromise": N_("Compromission d'un fournisseur"),
    "medical_device_compromise": N_("Compromission d'un dispositif médical"),
    "accidental_outage": N_("Panne accidentelle"),
}

EXERCISE_STATUS_LABELS: Final = {
    "planned": N_("Prévu"),
    "running": N_("En cours"),
    "ended": N_("Terminé"),
}

LESSON_STATUS_LABELS: Final = {"open": N_("À faire"), "in_progress": N_("En cours"), "done": N_("Réalisée")}

CHANNEL_LABELS: Final = {
    "phone": N_("Téléphone"),
    "email": N_("Courriel"),
    "sms": N_("SMS"),
    "in_person": N_("En personne"),
    "press": N_("Presse"),
    "social_media": N_("Réseaux sociaux"),
    "paper": N_("Papier"),
    "radio": N_("Radio"),
}

ERROR_MESSAGES: Final = {
    "error.crisis_future": N_("Cet instant est dans le futur."),
    "error.crisis_before_detection": N_("Cet instant précède la détection de l'incident."),
    "error.crisis_incident_closed": N_("L'incident est clos : il n'accepte plus de modification."),
    "error.crisis_clock_not_applicable": N_("Cette échéance ne s'applique pas à cet incident."),
    "error.crisis_clock_closed": N_("Cette échéance est déjà close."),
    "error.crisis_correction_target": N_("Aucune entrée antérieure ne porte ce numéro."),
    "error.crisis_correction_pointer": N_("Seule une correction désigne une autre entrée."),
    "error.crisis_playbook_invalid": N_("Playbook invalide : {problems}"),
    "error.crisis_plan_exists": N_("Un plan de crise existe déjà pour ce périmètre."),
    "error.crisis_exercise_state": N_("Impossible dans l'état actuel de l'exercice."),
    "error.crisis_status": N_("Changement de statut impossible."),
    "error.crisis_logbook_busy": N_("Une autre entrée vient d'être enregistrée : renvoyez la vôtre."),
}

_PYDANTIC_MESSAGES: Final = {
    "timezone_aware": N_("Précisez le décalage horaire, par exemple 2026-03-28T10:00:00+01:00."),
}

for _key, _message in ERROR_MESSAGES.items():
    i18n.ERROR_MESSAGES.setdefault(_key, _message)
for _key, _message in _PYDANTIC_MESSAGES.items():
    i18n.PYDANTIC_MESSAGES.setdefault(_key, _message)
