"""Errors of the assess area and their messages (registered in the shell's catalogue on import).

``Refused`` is a file refused as a whole (a framework library, a scan report): it carries every reason, each
naming the field (for a library, the path inside the file: ``objects.framework.requirement_nodes[3].urn``)
with the parser's French message and its stable English code. Nothing of a refused file is stored.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from cyber360.core import i18n
from cyber360.core.errors import DomainError
from cyber360.core.i18n import N_


@dataclass(frozen=True)
class Issue:
    """One reason a file is refused: the field or path, an English code, a message (in French)."""

    field: str
    code: str
    message: str


class Refused(DomainError):
    """A file refused with one or more reasons (answered 422, or 413 when it is too large)."""

    status_code = 422

    def __init__(self, issues: Sequence[Issue], *, status_code: int = 422) -> None:
        super().__init__("error.file_refused")
        self.issues = tuple(issues)
        self.status_code = status_code


def too_large(limit: int, field: str = "file") -> Refused:
    message = f"Fichier trop volumineux : la limite est de {limit} octets."
    return Refused([Issue(field, "file_too_large", message)], status_code=413)


ERROR_MESSAGES: Final = {
    "error.file_refused": N_("Fichier refusé."),
    "error.file_missing": N_("Choisissez un fichier."),
    "error.assess_transition": N_("Impossible dans l'état actuel de l'évaluation."),
    "error.assess_not_editable": N_("L'évaluation n'est plus un brouillon : ses réponses ne changent plus."),
    "error.assess_score": N_("Score hors de l'échelle du référentiel (valeurs permises : {allowed})."),
    "error.assess_unknown_requirement": N_("Cette exigence ne fait pas partie de l'évaluation."),
    "error.assess_nothing_answered": N_("Répondez à au moins une exigence avant de soumettre."),
    "error.assess_same_framework": N_("Comparez deux évaluations du même référentiel."),
    "error.assess_ght_wide": N_(
        "Un utilisateur d'établissement évalue son établissement, pas le GHT entier."
    ),
    "error.library_exists": N_("Cette version de ce référentiel est déjà dans la bibliothèque."),
    "error.library_ght": N_("Choisissez le GHT auquel réserver ce référentiel."),
    "error.evidence_type": N_(
        "Type de fichier refusé : PDF, PNG, JPEG, texte, CSV, Word (.docx) ou Excel (.xlsx) seulement."
    ),
    "error.evidence_mismatch": N_("Le contenu du fichier ne correspond pas à son extension."),
    "error.evidence_empty": N_("Le fichier est vide."),
}

for _key, _message in ERROR_MESSAGES.items():
    i18n.ERROR_MESSAGES.setdefault(_key, _message)
