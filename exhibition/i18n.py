"""Picking the Vietnamese or English field of content that organisers type."""

from flask_babel import get_locale


def current_language() -> str:
    try:
        locale = get_locale()
    except RuntimeError:  # outside a request
        return "vi"
    return locale.language if locale is not None else "vi"


class Localized:
    """Mixin for models with `<field>_vi` and `<field>_en` columns."""

    def tr(self, field: str, language: str | None = None) -> str:
        language = language or current_language()
        value = getattr(self, f"{field}_{language}", None)
        return value or getattr(self, f"{field}_vi", "") or ""

    def tr_language(self, field: str, language: str | None = None) -> str:
        """The language of what tr() shows: `language`, or "vi" when it falls back."""
        language = language or current_language()
        return language if getattr(self, f"{field}_{language}", None) else "vi"
