"""Language identification for articles.

Most input is English news, and loading a full n-gram identifier costs more than the rest of a cold
start, so a cheap pass counts function words of a handful of languages first and answers when one
language clearly wins. Anything unclear goes to py3langid (Lui & Baldwin, 2012, "langid.py"),
whose model is loaded once, on first need.
"""

from __future__ import annotations

import re
from functools import lru_cache

# Frequent closed-class words: present in almost any running text of the language, rare in others.
_FUNCTION_WORDS = {
    "en": "the of and to in is that for it was with as on be by this are from at have not which but",
    "fr": "le la les des est et une du dans que pour qui pas sur au avec sont ce il elle nous",
    "de": "der die das und ist nicht ein eine mit den sich auf für von dem des auch zu im",
    "it": "il di che la è per una non sono della con del gli nel alla anche più come questo",
    "es": "el la de que los las del por una para con no es se su al como más pero",
    "pt": "o de que não uma os do da em para com por é as dos das ao mais se",
    "pl": "i w nie na się z do to że jest jak po przez dla od tym jego ale co",
    "ru": "и в не на что с по это как он из к за от то его для же но",
    "bg": "и на в за се да е от не че с по са като това който към",
}
_PROFILES = {lang: frozenset(words.split()) for lang, words in _FUNCTION_WORDS.items()}
_WORD = re.compile(r"\w+", re.UNICODE)


def detect_language(text: str, sample_chars: int = 4000) -> str | None:
    """ISO 639-1 code of the text's language, or None for text with no words."""
    sample = text[:sample_chars]
    words = [w.lower() for w in _WORD.findall(sample)]
    if not words:
        return None
    counts = {lang: sum(w in prof for w in words) for lang, prof in _PROFILES.items()}
    ranked = sorted(counts.items(), key=lambda kv: kv[1], reverse=True)
    (best, n1), (_, n2) = ranked[0], ranked[1]
    # Clear win: function words make up a fair share of the text and beat the runner-up by far.
    if len(words) >= 8 and n1 >= 0.15 * len(words) and n1 >= 3 * max(n2, 1):
        return best
    lang, _score = _langid().classify(sample)
    return lang


@lru_cache(maxsize=1)
def _langid():
    import py3langid

    return py3langid
