"""Quotes: who said what, read off the parse the way a reader attributes reported speech.

Five forms are recognised, in this order (a later form never takes text an earlier one claimed):

1. **Direct quotes** in any quotation marks (“…”, "…", «…», „…“, ‘…’). The speaker is the subject
   of a speech verb ("said", "noted", "warned", ...) in the sentence around the quote but outside
   it, or the object of "according to". A quote without a cue of its own continues the quote just
   before it in the same paragraph, or the paragraph before ("“…,” he said. “…”"). Short quoted
   phrases (fewer than four words) without a cue are scare quotes and left out; so are names and
   titles in quotation marks: words introduced as one ('a booklet, “…”', 'dubbed “…”'), titles
   in title case, and a short quotation with no verb and no cue ("“Mini Mike.”"). A name that
   signs a quotation at the end of its paragraph ('“...” ― Jorge Falcon') is its speaker.
2. **Dash attributions**, as Russian- and Ukrainian-style copy writes them: a paragraph that opens
   with a dash and a speech verb ("– noted opposition leader Svetlana Tikhanovskaya before the
   meeting") attributes the paragraph before it. The speaker is the person named in the cue
   verb's subject or object phrase, else the first name there.
3. **Colon quotes**: "X said: ..." without quotation marks; the quote runs to the end of the
   sentence, or is the next paragraph when the colon ends one.
4. **Indirect speech**: the clause a speech verb governs ("X said (that) ...", "..., X said"),
   the speaker being the verb's subject (inherited through "adding that ..." from the verb it
   hangs on).
5. **"According to X"**: the rest of the sentence, attributed to X.

English forms 3 and 4 also read the **cue lexicon learned from PolNeAR train** (``CUE_LEXICON``,
built by :mod:`slant.train.quotes`): verbs annotators marked as attribution cues, each with the
share of its occurrences that were one (its precision, which becomes the quote's confidence). A
learned cue that governs no clause attributes its infinitive, object or prepositional object
("promised military assistance") when PolNeAR says such objects are usually the content. Cues of
believing, wanting and intending give kind ``belief``. A cue inside a quotation is never read (it
is what someone said), and a quotation that is only a fragment of a reported clause goes into the
clause. Every quote has a confidence (``CONFIDENCE`` per rule, or the learned cue's precision).

The speaker is linked to an actor through the mention that covers it, and the quote records the
cue verb's span and lemma. A pronoun that speaks is resolved here, with the quotes in view
(``_pronoun_speaker``): the nearest fitting actor (kind, and gender where the text gives it)
mentioned outside quotations in its sentence or the one before, never across the quote of another
speaker, and never the one who asked the question it answers.

Languages: English and French (the languages with a spaCy pipeline, :mod:`slant.analysers.parse`);
the pipeline skips any other and says so in provenance. The words that cue reported speech are a
``Cues`` profile per language, chosen by the language of the parse. French reads forms 1, 2 and 5:
quotations in any marks (« … » included), attributed by a French speech verb ("a déclaré",
"a-t-elle affirmé", "a ajouté"), whose subject French often writes after it; dash attributions; and
"selon X" for "according to X". Forms 3 and 4 (colon quotes without quotation marks, indirect
speech) are left out in French: their rules read the English parser's clause structure ("said
that ..."), and the small French model's parses of "a affirmé que ..." were too rough to trust
without annotated French data to check them on. Expect fewer speakers than in English: on 30
French SemEval-2023 articles 143 quotes were found, 28 of them tied to an actor and 27 to a
speaker phrase; the rest are quotations whose cue the small parser did not attach. A French
pronoun that speaks ("a-t-elle affirmé") is taken as the person named last before it in its
paragraph, as the actors layer resolves no French pronouns.

Notes: the cue-verb approach follows Pareti (2012, "A database of attribution relations") and
Newell, Margolin & Ruths (2018, "An attribution relations corpus for political news", PolNeAR,
whose train split the cue lexicon is learned from); like textacy's direct-quotation extractor, cue
verbs are only looked for outside the quoted content.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from ..article import Article, Quote, Span
from . import parse
from .actors import PERSON_NOUNS, genders
from .base import Analyser

# Speech verbs (lemmas) that introduce or attribute reported speech.
CUE_VERBS = frozenset(
    """
    say tell add note state claim emphasize emphasise stress warn insist explain argue write declare
    announce deny admit acknowledge suggest report reply respond comment assert confirm ask urge
    remark recall conclude complain allege maintain predict promise vow tweet post observe reiterate
    underline underscore highlight mention testify concede boast brag quip lament joke inform proclaim
    reveal shout recount estimate contend counter retort caution point believe think fume rant scoff
    snap sneer exclaim announce continue read quote cite answer
    """.split()
)
# Verbs whose clause is reported speech even without quotation marks. "believe" and "think" report
# opinions only in the first person, and "read", "continue", "ask" govern other things too, so they
# only cue quotes in quotation marks.
INDIRECT_CUES = CUE_VERBS - {"believe", "think", "ask", "post", "tweet", "read", "continue", "quote", "cite", "answer"}
# Nouns that stand for a person in a speaker phrase ("the member of ... Svetlana Alexievich").
PERSON_HEADS = PERSON_NOUNS | frozenset(
    "member laureate official adviser advisor ceo editor host analyst expert researcher professor".split()
)
# Languages the attribution tagger reads (it learned from English news; elsewhere the rules alone),
# and how its attributions join the rules' (QuoteFinder._merge_learned).
TAGGER_LANGUAGES = frozenset({"en"})
POLICY = "prefer"
LEARNED_MIN_CONFIDENCE = 0.7  # mean tag probability below which a tagger attribution is left out
MIN_WORDS = 4  # a quoted phrase shorter than this is a scare quote or a name, not a quote
_PAIRS = {"\u201c": "\u201d\u201c", "\u201e": "\u201c\u201d", "\u00ab": "\u00bb", '"': '"', "\u2018": "\u2019"}
_OPENERS = re.compile("[\u201c\u201e\u00ab\"\u2018]")
_DASH_START = re.compile(r"\s*[\u2013\u2014\u2012-]+\s*")
# An embedded post: "... text — Name (@handle) Date".
_POST_BYLINE = re.compile(r"[\u2014\u2013]\s*([^\n\u2014\u2013(]{2,80}?)\s*\(@\w+\)")
_RELATIVE = frozenset({"who", "which", "that"})
# A name signing a quotation at the end of its paragraph: '“...” ― Jorge Falcon'.
_SIGNATURE = re.compile(
    r"[\"\u201d\u2019\u00bb]?\s*[\u2015\u2014\u2013-]\s*([A-Z][\w.\u2019'-]*(?:\s+[A-Z][\w.\u2019'-]*){0,4})\s*$")
PRONOUNS = {"he": "PERSON", "she": "PERSON", "it": "OTHER", "they": "ANY"}
PRONOUN_GENDERS = {"he": "m", "she": "f", "il": "m", "elle": "f"}
# Words right before quotation marks that make the quoted words a name or a title, not speech:
# 'a booklet "Protect and Survive"', 'dubbed "Mini Mike"', 'known as "the Iron Lady"'.
_NAMING = re.compile(
    r"(?:\b(?:called|titled|entitled|named|renamed|dubbed|nicknamed|labell?ed|branded|known\s+as|billed\s+as|"
    r"hashtag|slogan|motto|headline|banner|sign|booklet|book|pamphlet|leaflet|brochure|guide|manual|handbook|"
    r"film|movie|documentary|song|album|series|show|programme|program|podcast|novel|poem|play|exhibition|magazine|"
    r"newsletter|campaign|operation)\s*[,:]?"
    r"|\b(?:report|paper|study|article|essay|column|website|blog|app|game|policy|plan|bill))\s*$",
    re.I,
)
# A quotation with no cue of its own and fewer words than this must read as speech (hold a verb)
# to be a quote: a quoted nickname ("Mini Mike.") or a term is not one.
VERBLESS_WORDS = 8


@dataclass(frozen=True)
class Cues:
    """What reported speech looks like in one language, for the rules above.

    ``verbs`` are lemmas of speech verbs that attribute a quotation; ``indirect`` those whose clause
    is reported speech without quotation marks (forms 3 and 4; empty: those forms are not read);
    ``according`` the word that opens "according to X" ("according", followed by "to"; French
    "selon", which marks its noun); ``person_heads`` nouns that stand for a person in a speaker
    phrase; ``pronouns`` subject pronouns and the kind of actor they stand for. With
    ``nearest_first`` (where the actors layer resolves no pronouns), a pronoun that speaks is
    first the nearest actor of its kind named before it in its paragraph ("La maire, Sophie
    Marchand, a rejeté ... « ... », a-t-elle affirmé"), before the last speaker."""

    verbs: frozenset[str]
    indirect: frozenset[str]
    according: str
    person_heads: frozenset[str]
    pronouns: dict[str, str]
    nearest_first: bool = False


ENGLISH = Cues(CUE_VERBS, INDIRECT_CUES, "according", PERSON_HEADS, PRONOUNS)
FRENCH = Cues(
    verbs=frozenset(
        """
        dire déclarer affirmer ajouter souligner estimer expliquer indiquer assurer annoncer préciser
        rappeler confier avertir prévenir répondre lancer insister nier reconnaître admettre dénoncer
        marteler écrire raconter confirmer poursuivre conclure demander exclamer observer noter
        juger regretter promettre commenter avancer plaider tweeter protester fustiger lâcher glisser
        résumer témoigner signaler relever rétorquer répliquer ironiser indigner clamer proclamer
        jurer avouer constater déplorer
        """.split()
    ),
    indirect=frozenset(),
    according="selon",
    person_heads=frozenset(
        """
        président présidente ministre maire porte-parole député députée sénateur sénatrice chef
        dirigeant dirigeante responsable directeur directrice secrétaire ambassadeur ambassadrice
        procureur procureure juge candidat candidate militant militante opposant opposante
        journaliste expert experte analyste membre conseiller conseillère avocat avocate
        """.split()
    ),
    pronouns={"il": "PERSON", "elle": "PERSON", "ils": "ANY", "elles": "ANY"},
    nearest_first=True,
)
LANGUAGES = {"en": ENGLISH, "fr": FRENCH}

# The English cue lexicon learned from PolNeAR train (``slant train quotes``, slant.train.quotes):
# verb lemmas with the share of their occurrences that annotators marked as an attribution's cue.
CUE_LEXICON = Path(__file__).resolve().parents[1] / "data" / "attribution-cues.tsv"
# A learned cue is used when at least this share of its occurrences in PolNeAR train cue an
# attribution (tuned on PolNeAR dev, docs/analysers/quotes.md) and it cued at least MIN_CUE_COUNT.
MIN_CUE_PRECISION = 0.3
MIN_CUE_COUNT = 3
# Cues that report what someone believes, wants or intends rather than what they said
# ("the Kremlin believes ...", "Russia wants to ..."): their quotes are of kind "belief".
BELIEF_CUES = frozenset(
    """
    believe think know want hope hop expect fear plan intend feel doubt wish worry suspect assume consider
    understand seek aim prefer trust realize realise recognize recognise imagine suppose guess figure
    """.split()
)
# A quotation inside a reported clause is a fragment of it (the clause is the attribution) when
# it covers less than this share of the clause.
FRAGMENT_SHARE = 0.6
# Confidence of each rule's quotes: the share of such quotes that match a PolNeAR dev attribution
# (lenient, each quote on its own): a quotation with a cue 0.75 (287 of 382), without one 0.67 (137
# of 206), "according to" 0.89 (25 of 28). PolNeAR has no dash, post or colon attributions and
# almost no indirect speech outside the learned lexicon, so those are set by hand, below the
# quotations they resemble. A quote a learned cue found takes that cue's precision (learned cues of
# precision >= 0.6 matched 0.80 of the time on dev, the others 0.64).
CONFIDENCE = {"direct": 0.75, "uncued": 0.65, "dash": 0.7, "post": 0.7, "colon": 0.6, "indirect": 0.7,
              "according": 0.85, "signed": 0.7}


# A learned cue attributes what it governs when that is not a clause ("promised military
# assistance") if in PolNeAR train at least this share of such objects were the attributed content
# (and not, as in "told reporters", the addressee).
MIN_OBJECT_PRECISION = 0.3


@lru_cache(maxsize=4)
def cue_lexicon(path: Path = CUE_LEXICON, min_precision: float = MIN_CUE_PRECISION,
                min_count: int = MIN_CUE_COUNT) -> dict[str, float]:
    """lemma -> precision of the learned cues that pass both thresholds (empty without the file)."""
    if not Path(path).is_file():
        return {}
    out = {}
    for line in Path(path).read_text("utf-8").splitlines()[1:]:
        parts = line.split("\t")
        if len(parts) >= 4 and int(parts[1]) >= min_count and float(parts[3]) >= min_precision:
            out[parts[0]] = float(parts[3])
    return out


@lru_cache(maxsize=4)
def object_cues(path: Path = CUE_LEXICON, min_precision: float = MIN_OBJECT_PRECISION,
                min_seen: int = MIN_CUE_COUNT) -> frozenset[str]:
    """The learned cues whose object (not a clause) is the attributed content often enough."""
    if not Path(path).is_file():
        return frozenset()
    out = set()
    for line in Path(path).read_text("utf-8").splitlines()[1:]:
        parts = line.split("\t")
        if len(parts) >= 6 and int(parts[4]) >= min_seen and float(parts[5]) >= min_precision:
            out.add(parts[0])
    return frozenset(out)


@dataclass
class _Found:
    start: int
    end: int
    kind: str
    speaker_tok: object = None  # the token standing for the speaker, if any
    speaker_phrase: tuple[int, int] | None = None  # token range to look for a name in
    cue: object = None
    speaker_chars: tuple[int, int] | None = None  # a speaker given as characters (posts)
    prefer_person: bool = False  # a person named anywhere in the speaker phrase speaks (dashes)
    confidence: float = 0.0  # 0: the rule's default (CONFIDENCE by kind)


def quote_marks(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """(content start, content end) of the quotations in ``text[start:end]`` (one paragraph).

    An opening mark pairs with the next closing mark of its kind; a single curly quote only pairs
    when the closing ’ is not an apostrophe (followed by a letter). An unclosed quotation runs to
    the end of the paragraph, as news copy writes a quote that goes on in the next one."""
    out = []
    pos = start
    while True:
        m = _OPENERS.search(text, pos, end)
        if m is None:
            break
        opener = m.group(0)
        closers = _PAIRS[opener]
        i = m.end()
        close = -1
        while i < end:
            if text[i] in closers and not (opener == "\u2018" and i + 1 < len(text) and text[i + 1].isalpha()):
                if not (opener == "\u201c" and text[i] == "\u201c"):
                    close = i
                    break
            i += 1
        if opener == "\u2018" and (close < 0 or " " not in text[m.end() : close]):
            pos = m.end()  # an apostrophe or a quoted word
            continue
        if opener == "\u2018" and m.start() > 0 and text[m.start() - 1].isalpha():
            pos = m.end()
            continue
        content_end = close if close >= 0 else end
        s, e = m.end(), content_end
        while s < e and text[s].isspace():
            s += 1
        while e > s and (text[e - 1].isspace() or text[e - 1] == ","):
            e -= 1
        if e > s:
            out.append((s, e))
        pos = content_end + 1 if close >= 0 else end
    return out


def _marked(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """The parts of ``text[start:end]`` inside quotation marks (paired within its paragraphs)."""
    out = []
    pos = text.rfind("\n", 0, start) + 1
    while pos < end:
        stop = text.find("\n", pos)
        stop = len(text) if stop < 0 else stop
        out += [(max(a, start), min(b, end)) for a, b in quote_marks(text, pos, stop) if a < end and start < b]
        pos = stop + 1
    return out


def _quotable(content: str) -> bool:
    """Long enough to be speech: MIN_WORDS words, or a short full sentence ("Nobody asked us.")."""
    words = content.split()
    if len(words) >= MIN_WORDS:
        return True
    core = content.strip().rstrip("\"\u201d\u2019")
    return len(words) >= 2 and core[:1].isupper() and core[-1:] in (".", "!", "?")


def named_before(text: str, start: int) -> bool:
    """Whether the quotation whose content starts at ``start`` is introduced as a name or a title
    ('a booklet called "..."', 'the pamphlet "..."', 'dubbed "..."'): the words just before its
    opening mark say so."""
    mark = start
    while mark > 0 and (text[mark - 1].isspace() or _OPENERS.match(text[mark - 1])):
        mark -= 1
    return bool(_NAMING.search(text, max(0, mark - 40), mark))


def speech_like(span) -> bool:
    """Whether a quotation's content (a spaCy span) reads as speech on its own: long enough, or
    holding a verb ("Nobody asked us."; not "Mini Mike.")."""
    words = [t for t in span if not (t.is_punct or t.is_space)]
    return len(words) >= VERBLESS_WORDS or any(t.pos_ in ("VERB", "AUX") for t in words)


def is_title(text: str) -> bool:
    """A quoted title of a work or a headline ("On The Jews And Their Lies"): nearly every word
    capitalised."""
    words = [w for w in re.findall(r"[^\W\d_][\w'\u2019-]*", text)]
    if len(words) < 3:
        return False
    caps = sum(1 for w in words if w[0].isupper())
    return caps >= 0.8 * len(words)


def is_headline(text: str, start: int, end: int) -> bool:
    """A headline-like paragraph: one line without sentence-final punctuation."""
    para = text[start:end].strip()
    return bool(para) and "\n" not in para and para[-1] not in ".!?\"\u201d\u2019\u00bb:)" and len(para.split()) <= 30


def _is_cue(tok, cues=CUE_VERBS) -> bool:
    return tok.lemma_.lower() in cues and tok.pos_ in ("VERB", "AUX")


def _nested_in_cue(tok, cues=INDIRECT_CUES) -> bool:
    """Whether the cue ``tok`` sits in the reported clause of another cue ("X said the period
    *acknowledged* that ..."): the outer cue is the attribution."""
    cur = tok
    for _ in range(6):
        if cur.head is cur:
            return False
        if cur.dep_ in ("ccomp", "xcomp") and _is_cue(cur.head, cues) and cur.head.i < tok.i:
            return True
        cur = cur.head
    return False


def _subject(verb):
    """The subject of ``verb``, climbing through "adding that ..." and conjoined verbs; a relative
    pronoun stands for the noun its clause modifies ("the campaign, which says ...")."""
    seen = 0
    while verb is not None and seen < 4:
        # the nearest subject first: a headline the parser ran on into the sentence ("Senate vote
        # \n\n Senator Ana Vask said ...") gives the verb a second, wrong one
        for c in sorted(verb.children, key=lambda c: abs(c.i - verb.i)):
            if c.dep_ in ("nsubj", "nsubjpass") and c.lower_ != "-t":  # French "a-t-il dit": "-il"
                if c.lower_ in _RELATIVE and verb.dep_ == "relcl":
                    return verb.head
                return c
        if verb.dep_ in ("advcl", "conj", "xcomp", "ccomp", "parataxis") and verb.head is not verb:
            verb = verb.head
            seen += 1
        else:
            return None
    return None


def _np_range(tok) -> tuple[int, int]:
    """Token range of the noun phrase ``tok`` heads: its left modifiers and its prepositional
    complements ("a spokesperson for Thunberg"), not appositions or clauses."""
    left = tok.i
    for c in tok.lefts:
        if c.dep_ not in ("punct", "cc") and not c.is_space:
            left = min(left, c.left_edge.i)
    right = tok.i
    for c in tok.rights:
        if c.dep_ in ("compound", "prep", "flat", "nummod") and c.i == right + 1:
            right = c.right_edge.i
    while left < tok.i and (tok.doc[left].is_punct or tok.doc[left].is_space):
        left += 1
    return left, right + 1


def _source(doc, tok, cues: Cues):
    """The head of X when ``tok`` opens "according to X" (English: "according", then "to" and its
    object) or "selon X" (French: "selon" marks X), else None."""
    if cues.according == "according":
        if tok.lower_ == "according" and tok.i + 1 < len(doc) and doc[tok.i + 1].lower_ == "to":
            return next((c for c in doc[tok.i + 1].children if c.dep_ == "pobj"), None)
        return None
    if tok.lower_ == cues.according and tok.dep_ == "case" and tok.head.i > tok.i:
        src = _past_elision(tok.head)
        # "selon" also means "depending on" ("selon les périodes"): only a name, a pronoun, a
        # person or a body that can speak is a source.
        if src.pos_ == "PRON" or src.lemma_.lower() in cues.person_heads | _SOURCE_NOUNS or any(
                t.pos_ == "PROPN" for t in src.subtree):
            return src
    return None


# Nouns for bodies and documents that speak in French copy ("selon le ministère", "selon une étude").
_SOURCE_NOUNS = frozenset(
    "ministère gouvernement agence source rapport étude sondage journal média police armée service "
    "autorité parquet enquête document communiqué presse chaîne quotidien hebdomadaire site".split()
)


def _past_elision(tok):
    """The word after an elided article ("l’", "d’") that the small French parser took for the
    noun itself ("selon l’Associated Press": "l’"), else ``tok``."""
    if tok.text[-1:] in ("'", "\u2019") and len(tok.text) <= 3 and tok.i + 1 < len(tok.doc):
        return tok.doc[tok.i + 1]
    return tok


def _linked_person(tok, person_tokens: dict[int, object]):
    """A PERSON mention tied to a person-noun head by apposition, compound or "of"
    ("the member of the opposition council of Belarus Nobel Laureate Svetlana Alexievich")."""
    stack = [tok]
    seen = 0
    while stack and seen < 40:
        t = stack.pop()
        seen += 1
        if t.i in person_tokens and t is not tok:
            return person_tokens[t.i]
        for c in t.children:
            if c.dep_ in ("appos", "compound") or (c.dep_ == "prep" and c.lower_ == "of") or (
                c.dep_ == "pobj" and t.lower_ == "of"):
                stack.append(c)
    return None


class QuoteFinder:
    """The rules above, with the learned English cue lexicon (``learned``: lemma -> precision;
    None loads :func:`cue_lexicon` with its default thresholds, {} turns it off) and the learned
    cues that attribute an object (``objects``; None: :func:`object_cues`)."""

    def __init__(self, learned: dict[str, float] | None = None, objects: frozenset[str] | None = None) -> None:
        self.learned = cue_lexicon() if learned is None else learned
        self.objects = object_cues() if objects is None else objects

    def __call__(self, art: Article, doc, learned: list | None = None, policy: str = "prefer") -> list[Quote]:
        """The quotes of ``art`` (``doc``: its parse). ``learned``: the attribution tagger's
        attributions (:func:`slant.attributions.attributions`), merged with the rules' by
        ``policy`` (:meth:`_merge_learned`)."""
        if not art.text.strip():
            return []
        cues = LANGUAGES.get(doc.lang_, ENGLISH)  # the rules follow the parser's conventions
        text = art.text
        claimed: list[tuple[int, int]] = []
        found: list[_Found] = []
        paragraphs = art.paragraphs or [Span(start=0, end=len(text))]
        headlines = [is_headline(text, p.start, p.end) for p in paragraphs]

        def free(s: int, e: int) -> bool:
            return not any(s < b and a < e for a, b in claimed)

        def para_of(offset: int) -> int:
            for i, p in enumerate(paragraphs):
                if p.start <= offset < p.end:
                    return i
            return -1

        # 1. direct quotes
        for pi, para in enumerate(paragraphs):
            spans = quote_marks(text, para.start, para.end)
            if headlines[pi] and not any(_SIGNATURE.match(text, e, para.end) for _, e in spans):
                continue  # (a signed quotation, one line without a full stop, is no headline)
            for s, e in spans:
                content = text[s:e]
                if not _quotable(content) or is_title(content) or named_before(text, s):
                    continue
                f = self._direct(doc, text, s, e, spans, cues)
                sig = _SIGNATURE.match(text, e, para.end) if f.cue is None else None
                if sig is not None:
                    # '“...” ― Jorge Falcon': a name signing the quotation at the end of its paragraph
                    f.speaker_chars, f.confidence = (sig.start(1), sig.end(1)), CONFIDENCE["signed"]
                elif f.cue is None:
                    words = doc.char_span(s, e, alignment_mode="expand")
                    if words is not None and not speech_like(words):
                        continue  # a quoted name or term without a speaker: "Mini Mike."
                found.append(f)
                claimed.append((s, e))
        # 2. embedded posts ("— Name (@handle) date") and dash attributions: the text before
        for pi, para in enumerate(paragraphs):
            m = _POST_BYLINE.search(text, para.start, para.end)
            if m is not None:
                before = text[para.start : m.start()].strip()
                if len(before.split()) >= 2:
                    qs, qe = para.start, para.start + len(text[para.start : m.start()].rstrip())
                elif pi > 0:
                    qs, qe = paragraphs[pi - 1].start, paragraphs[pi - 1].end
                else:
                    continue
                if free(qs, qe):
                    found.append(_Found(qs, qe, "direct", speaker_chars=(m.start(1), m.start(1) + len(m.group(1).rstrip())),
                                        confidence=CONFIDENCE["post"]))
                    claimed.append((qs, qe))
                continue
            if pi == 0:
                continue
            m = _DASH_START.match(text, para.start, para.end)
            if m is None or m.start() != para.start:
                continue
            span = doc.char_span(m.end(), para.end, alignment_mode="expand")
            if span is None or not len(span):
                continue
            cue = next((t for t in span[:4] if _is_cue(t, cues.verbs)), None)
            if cue is None:
                continue
            prev = paragraphs[pi - 1]
            if not free(prev.start, prev.end):
                continue
            phrase = self._dash_speaker(cue)
            found.append(_Found(prev.start, prev.end, "direct", speaker_tok=phrase[0] if phrase else None,
                                speaker_phrase=phrase[1] if phrase else None, cue=cue, prefer_person=True,
                                confidence=CONFIDENCE["dash"]))
            claimed.append((prev.start, prev.end))
        # 3-5. colon quotes, indirect speech, "according to". A cue inside a quotation is part of
        # what someone said, not an attribution by the writer (textacy's rule too).
        quoted = [(f.start, f.end) for f in found if f.kind == "direct"]
        for sent in doc.sents:
            if not sent.text.strip():
                continue
            for tok in sent:
                # (the parser may run a headline on into the first sentence: its words cue nothing)
                pi = para_of(tok.idx)
                if pi >= 0 and headlines[pi] or any(a <= tok.idx < b for a, b in quoted):
                    continue
                if cues.according == "according" and tok.lower_ == "according" and tok.i + 1 < len(doc) \
                        and doc[tok.i + 1].lower_ == "to":
                    self._according(doc, art.text, sent, tok, found, claimed, free, _source(doc, tok, cues), cues)
                elif cues.according != "according" and tok.lower_ == cues.according:
                    source = _source(doc, tok, cues)
                    if source is not None:
                        self._according(doc, art.text, sent, tok, found, claimed, free, source, cues)
                elif _is_cue(tok, cues.indirect) and not _nested_in_cue(tok, cues.indirect):
                    self._reported(doc, art, sent, tok, found, claimed, free, paragraphs,
                                   learned=self.learned.get(tok.lemma_.lower(), 0.0) if cues is ENGLISH else 0.0)
                elif cues is ENGLISH and tok.pos_ == "VERB" and tok.lemma_.lower() in self.learned:
                    self._reported(doc, art, sent, tok, found, claimed, free, paragraphs,
                                   learned=self.learned[tok.lemma_.lower()])
        if learned:
            self._merge_learned(art, doc, learned, found, claimed, policy)
        found.sort(key=lambda f: (f.start, f.end))
        quotes = [self._quote(art, doc, f, cues) for f in found]
        self._carry_speakers(art, quotes, para_of, cues, doc)
        return quotes

    @staticmethod
    def _merge_learned(art: Article, doc, learned: list, found: list[_Found], claimed: list[tuple[int, int]],
                       policy: str = "prefer") -> None:
        """Join the tagger's attributions to what the rules found. A tagger attribution with no cue,
        or less confident than ``LEARNED_MIN_CONFIDENCE``, is left out (headlines are read: "Orban
        says sanctions hurt Europe" is an attribution, as PolNeAR marks it). ``add``: one the rules have
        not covered (no rule quote overlaps its content) is added. ``prefer``: in addition, rule
        quotes its content overlaps give way to it (its content, cue and source, as PolNeAR marks
        them), except a direct quote whose speaker the rules named (quotation marks with a cue,
        dashes, signatures, posts); where the tagger found no source, the speaker of the rule quote
        it replaces is kept."""
        for g in learned:
            if g.cue is None or g.confidence < LEARNED_MIN_CONFIDENCE:
                continue
            s, e = g.start, g.end
            inner = [f for f in found if f.start < e and s < f.end]
            if inner and policy != "prefer":
                continue
            if any(f.kind == "direct" and (f.speaker_tok is not None or f.speaker_chars is not None) for f in inner):
                continue
            for f in inner:
                found.remove(f)
                claimed.remove((f.start, f.end))
            cue = src = phrase = chars = None
            span = doc.char_span(*g.cue, alignment_mode="expand")
            if span is not None and len(span):
                # the lexical verb of the cue ("has promised": promise), else its head
                cue = next((t for t in span if t.pos_ == "VERB"), span.root)
            if g.source is not None:
                span = doc.char_span(*g.source, alignment_mode="expand")
                if span is not None and len(span):
                    src, phrase = span.root, (span.start, span.end)
            if src is None:
                had = next((f for f in inner if f.speaker_tok is not None or f.speaker_chars is not None), None)
                if had is not None:
                    src, phrase, chars = had.speaker_tok, had.speaker_phrase, had.speaker_chars
            lemma = cue.lemma_.lower() if cue is not None else ""
            quoted = sum(b - a for a, b in _marked(art.text, s, e))
            kind = "direct" if quoted >= 0.8 * (e - s) else "belief" if lemma in BELIEF_CUES else "indirect"
            found.append(_Found(s, e, kind, speaker_tok=src, speaker_phrase=phrase, cue=cue, speaker_chars=chars,
                                confidence=round(g.confidence, 3)))
            claimed.append((s, e))

    def _direct(self, doc, text: str, s: int, e: int, spans, cues: Cues = ENGLISH) -> _Found:
        f = _Found(s, e, "direct")
        content = doc.char_span(s, e, alignment_mode="expand")
        if content is None or not len(content):
            return f
        inside = set()
        for a, b in spans:
            cs = doc.char_span(a, b, alignment_mode="expand")
            if cs is not None:
                inside.update(range(cs.start, cs.end))
        # The sentences the quote touches, plus the one that follows when the quote ends one:
        # "“...”, he said." is often split after the closing mark; never beyond the paragraph.
        first, last = content[0].sent, content[-1].sent
        lo, hi = first.start, last.end
        if hi < len(doc):
            nxt = doc[hi].sent
            if nxt.end - nxt.start <= 8:
                hi = nxt.end
        para_start = text.rfind("\n\n", 0, s)
        para_end = text.find("\n\n", e)
        para_end = len(text) if para_end < 0 else para_end
        cands = [t for t in doc[lo:hi]
                 if t.i not in inside and _is_cue(t, cues.verbs) and para_start < t.idx < para_end]
        # The cue the quote's own clause hangs on comes first ("X said Y “...,” the outlet
        # reported": X); then the nearest cue.
        ancestors = []
        cur = content.root
        for _ in range(8):
            if cur.head is cur:
                break
            cur = cur.head
            ancestors.append(cur.i)
        rank = {i: k for k, i in enumerate(ancestors)}
        cands.sort(key=lambda t: (rank.get(t.i, 99), min(abs(t.i - content.start), abs(t.i - content.end))))
        for cue in cands:
            subj = _subject(cue)
            if subj is not None and cues is not ENGLISH:
                subj = _past_elision(subj)
            if subj is not None and subj.i not in inside:
                f.cue, f.speaker_tok, f.speaker_phrase = cue, subj, _np_range(subj)
                return f
        for t in doc[lo:hi]:
            if t.lower_ == cues.according and t.i not in inside and (cues.according != "according" or (
                    t.i + 1 < hi and doc[t.i + 1].lower_ == "to")):
                pobj = _source(doc, t, cues)
                if pobj is not None:
                    f.cue, f.speaker_tok, f.speaker_phrase = t, pobj, _source_range(t, pobj, cues)
                    return f
        return f

    @staticmethod
    def _dash_speaker(cue):
        """(token, phrase range) of the speaker named after a dash cue."""
        for c in cue.children:
            if c.dep_ in ("nsubj", "nsubjpass", "dobj", "attr") and c.i > cue.i:
                return c, (c.left_edge.i, c.right_edge.i + 1)
        for c in cue.rights:
            if c.pos_ in ("PROPN", "NOUN"):
                return c, (c.left_edge.i, c.right_edge.i + 1)
        return None

    def _according(self, doc, text: str, sent, tok, found, claimed, free, pobj, cues: Cues = ENGLISH) -> None:
        """"according to X" / "selon X" (``tok`` opens it, ``pobj`` heads X): the rest of the
        sentence, attributed to X."""
        if pobj is None:
            return
        left, right = tok.i, max(_np_range(pobj)[1], pobj.right_edge.i + 1)
        # The reported content: the sentence without the "according to X" phrase and its commas.
        if left - sent.start > sent.end - right:
            a, b = sent.start, left
        else:
            a, b = right, sent.end
        s, e = _trim(doc, a, b)
        if s is None or len(text[s:e].split()) < 3 or not free(s, e):
            return
        found.append(_Found(s, e, "indirect", speaker_tok=pobj, speaker_phrase=_source_range(tok, pobj, cues), cue=tok,
                            confidence=CONFIDENCE["according"]))
        claimed.append((s, e))

    def _reported(self, doc, art, sent, cue, found, claimed, free, paragraphs, learned: float = 0.0) -> None:
        """Indirect speech (and colon quotes) cued by ``cue``; ``learned``: the cue comes from the
        learned lexicon with this precision, and may govern an infinitive ("promised to send
        troops") or an object ("promised military assistance") as well as a clause."""
        subj = _subject(cue)
        # "I", "we" and "you" outside quotation marks are the writer or the reader; PolNeAR marks
        # their beliefs too ("you might think ..."), so a learned cue reads them.
        if subj is None or subj.lower_ in ("this", "that", "which", "who") or (
                not learned and subj.lower_ in ("i", "we", "you")):
            return
        lemma = cue.lemma_.lower()
        kind = "belief" if lemma in BELIEF_CUES else "indirect"
        colon = None
        for t in doc[cue.i + 1 : min(sent.end, cue.i + 8)]:
            if t.text == ":":
                colon = t
                break
            if t.is_punct and t.text not in (",",):
                break
        if colon is not None:
            after = colon.i + 1
            if after >= sent.end or doc[after].is_space:  # the colon ends the paragraph
                para = next((p for p in paragraphs if p.start > colon.idx), None)
                if para is None:
                    return
                s, e = para.start, para.end
            else:
                s, e = _trim(doc, after, sent.end)
                if s is None:
                    return
            if free(s, e):
                found.append(_Found(s, e, "direct", speaker_tok=subj, speaker_phrase=_np_range(subj), cue=cue,
                                    confidence=CONFIDENCE["colon"]))
                claimed.append((s, e))
            return
        comp = next((c for c in cue.children if c.dep_ == "ccomp"), None)
        min_words = 3
        if comp is not None:
            a, b = comp.left_edge.i, comp.right_edge.i + 1
        elif cue.dep_ in ("ccomp", "parataxis") and cue.head.i < subj.i < cue.i and cue.head.i >= sent.start:
            # "..., the agency said.": the clause the attribution follows.
            a, b = sent.start, subj.left_edge.i
        elif not learned or lemma not in self.objects:
            return
        elif obj := next((c for c in cue.children if c.dep_ in ("xcomp", "dobj") and c.i > cue.i), None):
            # What a learned cue governs: "promised to send troops", "promised military assistance".
            a, b = obj.left_edge.i, obj.right_edge.i + 1
            min_words = 2
        elif (prep := next((c for c in cue.children if c.dep_ == "prep" and c.i == cue.i + 1), None)) \
                and (pobj := next((c for c in prep.children if c.dep_ in ("pobj", "pcomp")), None)):
            # "called for new sanctions", "pointed to the polls": the preposition belongs to the cue.
            a, b = pobj.left_edge.i, pobj.right_edge.i + 1
            min_words = 2
        else:
            return
        while a < b and (doc[a].dep_ == "mark" and doc[a].lower_ == "that" or doc[a].is_punct or doc[a].is_space):
            a += 1
        s, e = _trim(doc, a, b)
        if s is None or len(art.text[s:e].split()) < min_words:
            return
        # A clause that holds a quotation already found is that quote's attribution, not a second
        # one; but where the quotation is only a fragment of the clause ('says the tweets were
        # “unhinged, even for him.”'), the clause is what is attributed (as PolNeAR marks it),
        # and the fragment goes into it.
        if not free(s, e):
            inner = [f for f in found if s < f.end and f.start < e]
            # (a quotation may run past the clause by its closing punctuation: '... “even for him.”')
            e = max([e] + [f.end for f in inner if not art.text[e : f.end].strip(".,;:!?\"\u201d\u2019 ")])
            if not all(s <= f.start and f.end <= e and f.kind == "direct" for f in inner) or \
                    sum(f.end - f.start for f in inner) >= FRAGMENT_SHARE * (e - s):
                return
            for f in inner:
                found.remove(f)
                claimed.remove((f.start, f.end))
        found.append(_Found(s, e, kind, speaker_tok=subj, speaker_phrase=_np_range(subj), cue=cue,
                            confidence=learned or CONFIDENCE["indirect"]))
        claimed.append((s, e))

    def _quote(self, art: Article, doc, f: _Found, cues: Cues = ENGLISH) -> Quote:
        speaker = -1
        speaker_span = None
        if f.speaker_chars is not None:
            a, b = f.speaker_chars
            pick = next((m for m in art.entities if m.actor >= 0 and a <= m.start and m.end <= b), None)
            if pick is not None:
                speaker, speaker_span = pick.actor, Span(start=pick.start, end=pick.end)
            else:
                speaker_span = Span(start=a, end=b)
        elif f.speaker_tok is not None:
            speaker, speaker_span = self._speaker(art, doc, f.speaker_tok, f.speaker_phrase, f.prefer_person,
                                                  cues.person_heads)
        cue = cue_text = None
        if f.cue is not None:
            cue = Span(start=f.cue.idx, end=f.cue.idx + len(f.cue))
            cue_text = "according to" if f.cue.lower_ == "according" else \
                f.cue.lower_ if f.cue.lower_ == cues.according else f.cue.lemma_.lower()
        confidence = f.confidence or (CONFIDENCE["direct"] if f.cue is not None else CONFIDENCE["uncued"])
        return Quote(start=f.start, end=f.end, kind=f.kind, speaker=speaker, speaker_span=speaker_span,
                     cue=cue, cue_text=cue_text, confidence=round(confidence, 3))

    @staticmethod
    def _speaker(art: Article, doc, tok, phrase, prefer_person: bool = False,
                 person_heads: frozenset[str] = PERSON_HEADS) -> tuple[int, Span | None]:
        """The actor (or -1) and span of the speaker whose head token is ``tok``.

        The mention covering the head wins (a name, a description, a resolved pronoun). A person
        noun ("the member of ...") takes the person tied to it. Otherwise a common-noun head
        ("the U.S. attorney's office", "U.N. agencies") is its own phrase: a name inside it
        modifies it and does not speak."""
        by_token: dict[int, object] = {}
        persons: dict[int, object] = {}
        lo, hi = phrase or (tok.i, tok.i + 1)
        a, b = doc[lo].idx, doc[hi - 1].idx + len(doc[hi - 1])
        for m in art.entities:
            if m.actor < 0 or m.end <= a - 200 or m.start >= b + 200:
                continue
            span = doc.char_span(m.start, m.end, alignment_mode="expand")
            if span is None:
                continue
            for t in span:
                by_token[t.i] = m
                if m.type == "PERSON":
                    persons[t.i] = m
        own = by_token.get(tok.i)
        if own is not None and own.kind == "pronoun":
            # A pronoun that speaks is resolved with the quotes in view (_carry_speakers), not by
            # the salience the actors layer weighed without them.
            return -1, Span(start=own.start, end=own.end)
        if own is not None:
            return own.actor, Span(start=own.start, end=own.end)
        if prefer_person:
            people = [persons[t] for t in range(lo, hi) if t in persons]
            if people:
                return people[0].actor, Span(start=people[0].start, end=people[0].end)
        if tok.pos_ == "PROPN" or tok.lemma_.lower() in person_heads:
            linked = _linked_person(tok, persons)
            if linked is not None:
                return linked.actor, Span(start=linked.start, end=linked.end)
        if tok.pos_ == "PROPN":
            inside = [by_token[t] for t in range(lo, hi) if t in by_token]
            if inside:
                m = inside[0]
                return m.actor, Span(start=m.start, end=m.end)
        s, e = _trim(doc, lo, hi)
        return -1, (Span(start=s, end=e) if s is not None else None)

    @staticmethod
    def _carry_speakers(art: Article, quotes: list[Quote], para_of, cues: Cues = ENGLISH, doc=None) -> None:
        """Speaker continuity, as readers attribute: a quote without a cue continues the quote
        before it (same or previous paragraph); a "he"/"she"/"it"/"they" that speaks is resolved
        by ``_pronoun_speaker`` (French: the nearest such actor named before in the paragraph,
        else the last speaker of that kind, else one named in the three paragraphs before)."""
        last: Quote | None = None
        known = genders(art) if not cues.nearest_first else {}
        spans = [(q.start, q.end) for q in quotes]
        for q in quotes:
            pronoun = art.span_text(q.speaker_span).lower() if q.speaker_span is not None and q.speaker < 0 else ""
            if cues is not ENGLISH:
                pronoun = pronoun.lstrip("-")  # French inversion: "a-t-elle affirmé" ("-elle")
            want = cues.pronouns.get(pronoun)
            near = last is not None and para_of(q.start) - para_of(last.start) <= 1
            if q.speaker < 0 and q.speaker_span is None and q.cue is None and near and last.speaker_span is not None:
                q.speaker, q.speaker_span = last.speaker, last.speaker_span
            elif want is not None and not cues.nearest_first:
                pick = _pronoun_speaker(art, doc, q, last, spans, want, PRONOUN_GENDERS.get(pronoun), known, para_of)
                if pick is not None:
                    q.speaker = pick
            elif want is not None:
                p = para_of(q.speaker_span.start)
                pick = _named_before(art, q.speaker_span.start, p, 0, want)
                if pick is None:
                    recent = last is not None and last.speaker >= 0 and para_of(q.start) - para_of(last.start) <= 2 \
                        and _kind_ok(art.actors[last.speaker].type, want)
                    pick = last.speaker if recent else _named_before(art, q.speaker_span.start, p, 3, want)
                if pick is not None:
                    q.speaker = pick
            if q.speaker >= 0 or (q.speaker_span is not None and not want):
                last = q


def _pronoun_speaker(art: Article, doc, q: Quote, last: Quote | None, spans: list[tuple[int, int]], want: str,
                     gender: str | None, known: dict[int, str], para_of) -> int | None:
    """The actor a pronoun that speaks ("“...,” he said") stands for, or None.

    1. The nearest actor mentioned before the pronoun (by name, description or a pronoun the
       actors layer resolved) in its sentence or the one before (before the quote, when the
       pronoun follows it), outside every quotation (a name inside quotation marks is what someone
       said, not who speaks: in '“... Diana ...,” she said' Diana does not speak), of the pronoun's
       kind and, where the text gives one, its gender; one whose gender the text gives as the
       pronoun's goes before one whose gender it does not give.
    2. Else the actor the actors layer resolved the pronoun to (by salience), if it fits and no
       quote of another speaker stands in between.
    3. Else the speaker of the quote just before (within two paragraphs), if that speaker fits;
       if another speaker's quote stands there, no one: a pronoun is never resolved across the
       quotes of another speaker (Harry's "he said" after Oprah Winfrey's question is not hers),
       except that the answer to a question is the person it was put to, named before it. At
       every step, who asked the question just before is not who answers it.
    4. Else, with no quote in between, the nearest fitting actor named in the paragraph or the
       three before (a profile names its subject once, then quotes "she" for paragraphs)."""
    at = q.speaker_span.start
    # Who asked the question just before does not answer it ('"Were you silenced?" Winfrey asked.
    # "I was trapped," he said.': not Winfrey, whatever the text says of her gender).
    asker = last.speaker if last is not None and last.speaker >= 0 and para_of(q.start) - para_of(last.start) <= 2 \
        and (last.cue_text == "ask" or art.text[last.start : last.end].rstrip().endswith("?")) else None

    def fits(actor: int) -> bool:
        if actor == asker or not _kind_ok(art.actors[actor].type, want):
            return False
        return not (gender and known.get(actor) and known[actor] != gender)

    def quoted(offset: int) -> bool:
        return any(a <= offset < b for a, b in spans)

    pick = _nearest_fitting(art, doc, min(q.start, at), at, fits, quoted, gender, known)
    if pick is not None:
        return pick
    # The quote just before, when its speaker is an actor: a pronoun does not reach past it to
    # another actor. (A speaker the text names without an actor, "the 25-year-old athlete", may
    # well be the same person and stops nothing.)
    between = last is not None and last.speaker >= 0 and para_of(q.start) - para_of(last.start) <= 2
    resolved = next((m.actor for m in art.entities if m.kind == "pronoun" and m.start == at and m.actor >= 0), None)
    if resolved is not None and fits(resolved) and (not between or last.speaker == resolved):
        return resolved  # the actors layer's reading of the pronoun, when no other speaker is in the way
    if between:
        if fits(last.speaker):
            return last.speaker
        if last.speaker == asker:
            # The answer to a question: the person it was put to, named before the question.
            return _nearest_fitting(art, doc, last.start, last.start, fits, quoted)
        return None
    p = para_of(at)
    start = art.paragraphs[max(p - 3, 0)].start if p >= 0 and art.paragraphs else 0
    if last is not None and last.speaker >= 0:
        start = max(start, last.end)
    before = [m for m in art.entities if m.actor >= 0 and m.kind != "pronoun" and start <= m.start < at
              and not quoted(m.start) and fits(m.actor)]
    return before[-1].actor if before else None


def _nearest_fitting(art: Article, doc, anchor: int, at: int, fits, quoted, gender: str | None = None,
                     known: dict[int, str] | None = None) -> int | None:
    """The actor mentioned last before ``at`` in the sentence holding ``anchor`` or the one before
    it, outside quotations, that ``fits``; one of the wanted ``gender`` (as far as ``known``
    says) before one whose gender is not known."""
    lo = 0
    if doc is not None and len(doc):
        span = doc.char_span(anchor, anchor + 1, alignment_mode="expand")
        if span is not None and len(span):
            sent = span[0].sent
            lo = sent.start_char
            if sent.start > 0:
                prev = doc[sent.start - 1].sent
                while prev.start > 0 and not prev.text.strip():
                    prev = doc[prev.start - 1].sent
                lo = prev.start_char
    named = [m for m in art.entities if m.actor >= 0 and lo <= m.start < at and not quoted(m.start) and fits(m.actor)]
    if not named:
        return None
    sure = [m for m in named if gender and (known or {}).get(m.actor) == gender]
    return (sure or named)[-1].actor


def _source_range(tok, pobj, cues: Cues = ENGLISH) -> tuple[int, int]:
    """Token range of the X of "according to X" / "selon X": "selon" stands before X and, in the
    French parse, hangs on it; it is not part of the speaker's phrase."""
    lo, hi = _np_range(pobj)
    if cues.according == "according":
        return lo, hi
    return (tok.i + 1, hi) if lo <= tok.i < hi else (lo, hi)


def _named_before(art: Article, offset: int, para: int, back: int, want: str) -> int | None:
    """The actor of kind ``want`` named (not by a pronoun) last before ``offset``, from paragraph
    ``para`` or the ``back`` paragraphs before it, or None."""
    lo = art.paragraphs[max(para - back, 0)].start if para >= 0 and art.paragraphs else 0
    before = [m for m in art.entities if m.actor >= 0 and lo <= m.start < offset
              and m.kind != "pronoun" and _kind_ok(art.actors[m.actor].type, want)]
    return before[-1].actor if before else None


def _kind_ok(actor_type: str, want: str) -> bool:
    if want == "ANY":
        return True
    return (actor_type == "PERSON") == (want == "PERSON")


def _trim(doc, a: int, b: int) -> tuple[int | None, int | None]:
    while a < b and (doc[a].is_punct or doc[a].is_space) and doc[a].text not in "\u201c\u201e\u00ab\"":
        a += 1
    while b > a and (doc[b - 1].is_space or doc[b - 1].text in (",", ";", ":", "\u2013", "\u2014", "-")):
        b -= 1
    if b <= a:
        return None, None
    return doc[a].idx, doc[b - 1].idx + len(doc[b - 1])


class Quotes(Analyser):
    """Direct and indirect quotes with speaker, cue verb, and the actor who speaks."""

    name = "quotes"
    needs = ("paragraphs", "sentences", "actors")
    adds = ("quotes",)
    version = "1"
    languages = frozenset(LANGUAGES)  # and only where a spaCy pipeline is installed

    def __init__(self, model: str = parse.MODEL, **options) -> None:
        super().__init__(model=model, **options)
        self.model = model
        self._finder = QuoteFinder()
        self._tagger = None
        self._encoder = None

    def skip_reason(self, language: str | None) -> str | None:
        return parse.skip_reason(language, self.model) or super().skip_reason(language)

    def load(self) -> None:
        parse.load_nlp(self.model)
        if self.options.get("learned", True) and self._tagger is None:
            from ..attributions import MODEL_DIR, Tagger
            from ..doclabels import ENCODER_DIR
            from ..encoder import OnnxEncoder

            self._tagger = Tagger(self.options.get("tagger", MODEL_DIR))
            self._encoder = OnnxEncoder(self.options.get("encoder", ENCODER_DIR), threads=self.options.get("threads"))
            self._tagger.check_encoder(self._encoder)

    def pipe(self, articles: Iterable[Article], batch_size: int = 32) -> Iterator[Article]:
        from ..attributions import attributions
        from ..doclabels import encode_missing

        self.load()
        arts = list(articles)
        tagged = [a for a in arts if a.meta.language in TAGGER_LANGUAGES or a.meta.language is None] \
            if self._tagger is not None else []
        reads = {id(a) for a in tagged}
        if tagged:
            encode_missing(self._encoder, tagged)  # nothing to do after the techniques analyser
        policy = self.options.get("policy", POLICY)
        for art, doc in zip(arts, parse.docs(arts, self.model, batch_size), strict=True):
            learned = attributions(art, self._tagger) if id(art) in reads else None
            art.quotes = self._finder(art, doc, learned, policy)
            model = parse.model_of(art, self.model)
            if learned is not None:
                model = f"{model}+attributions@{self._tagger.version}"
            art.record("quotes", self.name, self.version, model=model)
            yield art
