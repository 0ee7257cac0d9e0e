"""Language identification for articles, and the names and codes the rest of slant uses for them.

Most input is English news, and loading a full n-gram identifier costs more than the rest of a cold
start, so two cheap passes come first and answer when the text leaves no doubt:

1. **The alphabet.** Greek and Georgian letters belong to one language each among those slant's
   users read. Within Cyrillic, letters that only one alphabet has decide between the three
   languages that share the rest: і ї є ґ are Ukrainian, ы э ё are Russian (Belarusian has
   them too, with ў, which is why ў and the letters of other Cyrillic alphabets send a text on to
   the identifier), and ъ with neither set is Bulgarian (Russian has ъ too, but never without ы).
   A few letters of the other alphabet (a quoted name) do not change the answer; a real mix goes
   on to the identifier.
2. **Function words.** Counts of frequent closed-class words of a handful of languages; one
   language must clearly win.

Anything unclear goes to py3langid (Lui & Baldwin, 2012, "langid.py"), whose model is loaded once,
on first need. The function-word pass alone used to call Ukrainian Russian when a text used more
of the words the two share than of Ukrainian's own; the alphabet pass and a Ukrainian profile of
words Russian does not have close that gap.
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
    # Ukrainian words Russian does not write the same way (в, на, не, за are shared and left out).
    "uk": "і що з та як це від його але й її ці також щоб був була було були він вона вони який яка які",
    "bg": "и на в за се да е от не че с по са като това който към",
    "ar": "في من على إلى أن التي الذي عن مع هذا هذه كان لا ما قد بين بعد كما",
}
_PROFILES = {lang: frozenset(words.split()) for lang, words in _FUNCTION_WORDS.items()}
_WORD = re.compile(r"\w+", re.UNICODE)

# Alphabets that name one language (of those the identifier would otherwise weigh).
_GREEK = re.compile("[\u0370-\u03ff\u1f00-\u1fff]")
_GEORGIAN = re.compile("[\u10a0-\u10ff\u1c90-\u1cbf]")
_CYRILLIC = re.compile("[\u0400-\u04ff]")
_UKRAINIAN_LETTERS = re.compile("[іїєґІЇЄҐ]")
_RUSSIAN_LETTERS = re.compile("[ыэёЫЭЁ]")
_BULGARIAN_LETTERS = re.compile("[ъЪ]")
# Letters of other Cyrillic alphabets (Belarusian ў, Serbian and Macedonian, the Turkic and Tajik
# alphabets): a text that has them is not one of the three, and the identifier decides.
_OTHER_CYRILLIC = re.compile("[ўЎђЂјЈљЉњЊћЋџЏѓЃќЌѕЅәӘғҒқҚңҢөӨұҰүҮһҺӣӢӯӮҷҶҳҲ]")
_MIN_LETTERS = 3  # marker letters needed before the alphabet decides
_STRAY = 10  # ... and how many times more than the other alphabet's markers

# English names of the languages slant's users read (and a few neighbours), for reports.
NAMES = {
    "en": "English", "ru": "Russian", "uk": "Ukrainian", "pl": "Polish", "de": "German", "fr": "French",
    "it": "Italian", "el": "Greek", "ka": "Georgian", "es": "Spanish", "bg": "Bulgarian", "ar": "Arabic",
    "pt": "Portuguese", "be": "Belarusian", "cs": "Czech", "sk": "Slovak", "ro": "Romanian", "hu": "Hungarian",
    "tr": "Turkish", "fa": "Persian", "hi": "Hindi", "he": "Hebrew", "sr": "Serbian", "hr": "Croatian",
    "mk": "Macedonian", "lt": "Lithuanian", "lv": "Latvian", "et": "Estonian", "fi": "Finnish", "nl": "Dutch",
    "sv": "Swedish", "da": "Danish", "no": "Norwegian", "zh": "Chinese", "ja": "Japanese", "ko": "Korean",
    "kk": "Kazakh", "hy": "Armenian", "az": "Azerbaijani",
}
# ISO 639-2/3 codes that records sometimes carry ("eng", "fre"), to their ISO 639-1 code.
_THREE_LETTER = {
    "eng": "en", "rus": "ru", "ukr": "uk", "pol": "pl", "deu": "de", "ger": "de", "fra": "fr", "fre": "fr",
    "ita": "it", "ell": "el", "gre": "el", "kat": "ka", "geo": "ka", "spa": "es", "bul": "bg", "ara": "ar",
    "por": "pt", "bel": "be", "ces": "cs", "cze": "cs",
}


def detect_language(text: str, sample_chars: int = 4000) -> str | None:
    """ISO 639-1 code of the text's language, or None for text with no words (numbers alone are
    no words)."""
    sample = text[:sample_chars]
    words = [w.lower() for w in _WORD.findall(sample)]
    if not any(ch.isalpha() for w in words for ch in w):
        return None
    by_letters = _by_alphabet(sample)
    if by_letters is not None:
        return by_letters
    counts = {lang: sum(w in prof for w in words) for lang, prof in _PROFILES.items()}
    ranked = sorted(counts.items(), key=lambda kv: kv[1], reverse=True)
    (best, n1), (_, n2) = ranked[0], ranked[1]
    # Clear win: function words make up a fair share of the text and beat the runner-up by far.
    if len(words) >= 8 and n1 >= 0.15 * len(words) and n1 >= 3 * max(n2, 1):
        return best
    lang, _score = _langid().classify(sample)
    return lang


def _by_alphabet(sample: str) -> str | None:
    """The language the letters alone name (see the module docstring), or None."""
    letters = sum(ch.isalpha() for ch in sample)
    if not letters:
        return None
    if len(_GREEK.findall(sample)) > letters / 2:
        return "el"
    if len(_GEORGIAN.findall(sample)) > letters / 2:
        return "ka"
    if len(_CYRILLIC.findall(sample)) <= letters / 2 or _OTHER_CYRILLIC.search(sample):
        return None
    uk = len(_UKRAINIAN_LETTERS.findall(sample))
    ru = len(_RUSSIAN_LETTERS.findall(sample))
    if uk >= _MIN_LETTERS and uk >= _STRAY * ru:
        return "uk"
    # Russian's marker letters are about a third as frequent as Ukrainian's (ы ~2% of letters,
    # і ї є ~7%), so a third of the margin.
    if ru >= _MIN_LETTERS and 3 * ru >= _STRAY * uk:
        return "ru"
    if uk == ru == 0 and len(_BULGARIAN_LETTERS.findall(sample)) >= _MIN_LETTERS:
        return "bg"
    return None


def normalise(code: str | None) -> str | None:
    """The ISO 639-1 code of ``code`` ("EN" -> "en", "en-GB" -> "en", "fre" -> "fr"), or None."""
    if not code:
        return None
    base = re.split(r"[-_]", code.strip().lower(), maxsplit=1)[0]
    return _THREE_LETTER.get(base, base) or None


def name(code: str | None) -> str:
    """The English name of a language code, for messages ("uk" -> "Ukrainian"); the code itself
    when the name is not known."""
    code = normalise(code)
    if code is None:
        return "an unknown language"
    return NAMES.get(code, code)


@lru_cache(maxsize=1)
def _langid():
    import py3langid

    return py3langid
