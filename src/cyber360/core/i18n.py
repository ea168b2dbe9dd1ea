"""Languages: French first, English second. Catalogs are Babel .po files read at start-up."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import lru_cache
from pathlib import Path

from babel import Locale
from babel.messages.pofile import read_po
from babel.numbers import format_currency, format_decimal

SUPPORTED_LOCALES = ("fr", "en")
DEFAULT_LOCALE = "fr"
LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"

Translate = Callable[..., str]


def N_(message: str) -> str:  # the gettext convention: mark now, translate later
    """Mark a string for extraction without translating it now."""
    return message


#: Messages of the errors the services raise, by key (source language: French).
ERROR_MESSAGES: dict[str, str] = {
    "error.not_found": N_("Introuvable."),
    "error.forbidden": N_("Vous n'avez pas le droit de faire cela."),
    "error.unauthenticated": N_("Veuillez vous connecter."),
    "error.login_failed": N_("Adresse électronique ou mot de passe incorrect."),
    "error.too_many_attempts": N_("Trop de tentatives échouées : réessayez dans {minutes} minutes."),
    "error.second_factor_required": N_("Le second facteur d'authentification est requis."),
    "error.second_factor_invalid": N_("Code invalide ou déjà utilisé."),
    "error.second_factor_already_enabled": N_("Le second facteur est déjà activé."),
    "error.second_factor_not_started": N_("Commencez par afficher le QR code."),
    "error.csrf": N_("Le formulaire a expiré ; rechargez la page et recommencez."),
    "error.duplicate": N_("Cette valeur est déjà utilisée."),
    "error.required": N_("Ce champ est obligatoire."),
    "error.length": N_("Longueur attendue : entre {min} et {max} caractères."),
    "error.range": N_("Valeur attendue : entre {min} et {max}."),
    "error.choice": N_("Choix invalide."),
    "error.unknown_id": N_("Identifiant inconnu."),
    "error.invalid": N_("Valeur invalide."),
    "error.support_not_in_ght": N_("L'établissement support doit appartenir au GHT."),
    "error.role_not_allowed": N_("Ce rôle ne convient pas à cette organisation."),
    "error.establishment_not_in_ght": N_("Choisissez un établissement du GHT de l'utilisateur."),
    "error.not_on_yourself": N_("Vous ne pouvez pas modifier votre propre rôle ou activation."),
    "error.password_wrong": N_("Mot de passe actuel incorrect."),
    "error.password_mismatch": N_("Les deux mots de passe ne sont pas identiques."),
    "error.not_grantable": N_("Seuls un assureur ou une société de sécurité peuvent recevoir un accès."),
    "error.grant_exists": N_("Cet accès est déjà accordé."),
    "error.not_a_member": N_("Seul un GHT membre de la coopérative peut souscrire."),
    "error.finess_invalid": N_("Numéro FINESS invalide (9 caractères, clé de contrôle)."),
    "error.payload_too_large": N_("Fichier trop volumineux."),
    "error.server": N_("Erreur interne : l'incident est enregistré."),
}

#: Pydantic error types -> our message keys, so that validation errors speak the user's language.
PYDANTIC_MESSAGES: dict[str, str] = {
    "missing": N_("Ce champ est obligatoire."),
    "string_too_short": N_("Trop court : au moins {min_length} caractères."),
    "string_too_long": N_("Trop long : au plus {max_length} caractères."),
    "int_parsing": N_("Nombre entier attendu."),
    "int_type": N_("Nombre entier attendu."),
    "int_from_float": N_("Nombre entier attendu."),
    "float_parsing": N_("Nombre attendu."),
    "bool_parsing": N_("Valeur oui/non attendue."),
    "greater_than": N_("Doit être supérieur à {gt}."),
    "greater_than_equal": N_("Doit être supérieur ou égal à {ge}."),
    "less_than_equal": N_("Doit être inférieur ou égal à {le}."),
    "less_than": N_("Doit être inférieur à {lt}."),
    "enum": N_("Choix invalide : {expected}."),
    "literal_error": N_("Choix invalide : {expected}."),
    "value_error": N_("Valeur invalide."),
    "extra_forbidden": N_("Champ inconnu."),
    "string_pattern_mismatch": N_("Format invalide."),
    "date_from_datetime_parsing": N_("Date attendue (AAAA-MM-JJ)."),
    "date_parsing": N_("Date attendue (AAAA-MM-JJ)."),
    "datetime_parsing": N_("Date et heure attendues (ISO 8601)."),
    "json_invalid": N_("JSON invalide."),
    "model_attributes_type": N_("Objet JSON attendu."),
    "dict_type": N_("Objet JSON attendu."),
}


@lru_cache(maxsize=len(SUPPORTED_LOCALES))
def _catalog(locale: str) -> dict[str, str]:
    path = LOCALE_DIR / locale / "LC_MESSAGES" / "messages.po"
    if not path.exists():
        return {}
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=locale)
    return {str(message.id): str(message.string) for message in catalog if message.id and message.string}


def translator(locale: str) -> Translate:
    """A ``_`` function for one language; ``_("Texte {x}", x=1)`` formats after translating."""
    catalog = _catalog(locale) if locale != DEFAULT_LOCALE else {}

    def translate(message: str, **params: object) -> str:
        text = catalog.get(message, message)
        return text.format(**params) if params else text

    return translate


def error_text(locale: str, message_key: str, params: Mapping[str, object] | None = None) -> str:
    source = ERROR_MESSAGES.get(message_key) or PYDANTIC_MESSAGES.get(message_key) or message_key
    try:
        return translator(locale)(source, **(params or {}))
    except (KeyError, IndexError):
        return translator(locale)(source)


def negotiate(accept_language: str | None) -> str:
    """The best supported language for an Accept-Language header; French when nothing matches."""
    if not accept_language:
        return DEFAULT_LOCALE
    weighted: list[tuple[float, str]] = []
    for part in accept_language.split(",")[:20]:
        piece = part.strip().split(";")
        tag = piece[0].strip().lower()[:2]
        quality = 1.0
        for parameter in piece[1:]:
            if parameter.strip().startswith("q="):
                try:
                    quality = float(parameter.strip()[2:])
                except ValueError:
                    quality = 0.0
        weighted.append((quality, tag))
    for _quality, tag in sorted(weighted, key=lambda item: -item[0]):
        if tag in SUPPORTED_LOCALES:
            return tag
    return DEFAULT_LOCALE


def format_eur(amount: float, locale: str, *, decimals: bool = False) -> str:
    """An amount in euros written the way the reader's language writes it (1 234 567 € / €1,234,567)."""
    babel_locale = Locale.parse("fr_FR" if locale == "fr" else "en_GB")
    pattern = None if decimals else "#,##0\xa0¤" if locale == "fr" else "¤#,##0"
    return format_currency(amount, "EUR", format=pattern, locale=babel_locale, currency_digits=decimals)


def format_number(value: float, locale: str) -> str:
    return format_decimal(value, locale="fr_FR" if locale == "fr" else "en_GB")
