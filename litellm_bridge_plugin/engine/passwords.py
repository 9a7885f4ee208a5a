"""What a password typed for Open WebUI must be (bcrypt reads at most 72 bytes)."""

from __future__ import annotations

MIN_LENGTH = 8
MAX_BYTES = 72


def problem(password: str, min_length: int = MIN_LENGTH) -> str | None:
    """Why ``password`` cannot be used, or None. Never echoes the password."""
    if len(password) < min_length:
        return f"shorter than {min_length} characters"
    if len(password.encode("utf-8")) > MAX_BYTES:
        return f"longer than {MAX_BYTES} bytes (bcrypt would ignore the rest)"
    if any(ord(c) < 32 or ord(c) == 127 for c in password):
        return "it holds control characters"
    return None
