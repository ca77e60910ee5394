"""Suggestions ("did you mean …?") for unknown keys: same key in another case, a small
misspelling, or a name authors often reach for (``environment`` for ``env``)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

# Close enough to be a typo of the known key, far enough not to suggest unrelated keys.
_CUTOFF = 0.8


def suggest(key: str, known: Iterable[str], synonyms: Mapping[str, str] | None = None
            ) -> str | None:
    """The known key ``key`` most likely means, or None.

    ``synonyms`` maps other lower-case names authors use to a known key; they take part in the
    fuzzy match too, so ``enviroment`` finds ``env`` through ``environment``.
    """
    synonyms = synonyms or {}
    by_lower = {name.lower(): name for name in known}
    lowered = key.lower()
    if lowered in by_lower:
        return by_lower[lowered]
    if lowered in synonyms:
        return synonyms[lowered]
    import difflib  # only a spec with an unknown key pays for it

    candidates = {**by_lower, **synonyms}
    close = difflib.get_close_matches(lowered, list(candidates), n=1, cutoff=_CUTOFF)
    return candidates[close[0]] if close else None
