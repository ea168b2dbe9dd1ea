"""What the assess pages call things, in French (the source language of the catalogue)."""

from __future__ import annotations

from typing import Final

from cyber360.core.i18n import N_

STATUS_LABELS: Final = {
    "draft": N_("Brouillon"),
    "submitted": N_("Soumise"),
    "validated": N_("Validée"),
}

ACTION_LABELS: Final = {
    "submit": N_("Soumettre pour validation"),
    "validate": N_("Valider"),
    "reopen": N_("Renvoyer en brouillon"),
}

CHANGE_LABELS: Final = {
    "improved": N_("En progrès"),
    "regressed": N_("En recul"),
    "unchanged": N_("Inchangé"),
    "newly_answered": N_("Nouvellement évalué"),
    "no_longer_answered": N_("Plus évalué"),
    "unanswered": N_("Non évalué"),
}

SEVERITY_LABELS: Final = {
    "info": N_("Information"),
    "low": N_("Faible"),
    "medium": N_("Moyenne"),
    "high": N_("Élevée"),
    "critical": N_("Critique"),
}

ASSET_KIND_LABELS: Final = {
    "server": N_("Serveur"),
    "workstation": N_("Poste de travail"),
    "network": N_("Équipement réseau"),
    "printer": N_("Imprimante"),
    "medical_device": N_("Dispositif médical"),
    "iot": N_("Objet connecté"),
    "other": N_("Autre"),
    "unknown": N_("Inconnu"),
}

FORMAT_LABELS: Final = {
    "nmap": "Nmap XML",
    "openvas": "OpenVAS / Greenbone XML",
    "nessus": "Nessus (.nessus)",
    "inventory_csv": N_("Inventaire CSV"),
}

LABELS: Final = {
    "status_labels": STATUS_LABELS,
    "action_labels": ACTION_LABELS,
    "change_labels": CHANGE_LABELS,
    "severity_labels": SEVERITY_LABELS,
    "asset_kind_labels": ASSET_KIND_LABELS,
    "format_labels": FORMAT_LABELS,
}
