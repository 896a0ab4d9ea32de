"""What extraction records, in the words a reader sees: its Notes rendered in English (intake.reasons)."""

from intake import reasons


def english(value) -> str:
    """A Note (or "", or a plain text such as a signer's address) as an English reader sees it."""
    return reasons.in_english(value) if value else ""


def english_all(values) -> list[str]:
    return [english(value) for value in values]
