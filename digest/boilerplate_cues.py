"""Word and structure cues that mark a plain-text paragraph as page furniture, not article prose.

Every cue here is a *family* of wording or shape (call to action, sharing, legal, navigation,
photo credit, author bio, ...), never a phrase copied from one page. clean.py combines these
cues with length, stopword density and position; on their own most cues only condemn SHORT
paragraphs, because body prose may mention e.g. "Twitter" or "newsletter" in passing.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from collections.abc import Callable, Iterable
from functools import lru_cache

log = logging.getLogger(__name__)

# Common English function words. Prose is ~40-50% stopwords; menus, bylines, captions and
# headlines are mostly content words (jusText's core observation). A compact list of our own so
# nothing is downloaded at run time.
STOPWORDS = frozenset(
    """a about above after again against all also am an and any are as at be because been before
    being below between both but by can could did do does doing down during each few for from
    further had has have having he her here hers herself him himself his how i if in into is it
    its itself just me more most my myself no nor not now of off on once only or other our ours
    ourselves out over own same she should so some such than that the their theirs them
    themselves then there these they this those through to too under until up very was we were
    what when where which while who whom why will with would you your yours yourself
    yourselves said says say told one two new like been may might must shall us""".split()
)

WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")
# WORD where the text has no "_", on which the two are the same pattern; \w is the faster class.
_WORD_NO_UNDERSCORE = re.compile(r"\w+(?:['’]\w+)*")


# ASCII letters and digits, and the apostrophe, kept; every other byte made a space.
_ASCII_WORD_BYTES = bytes(c if chr(c).isalnum() or c == ord("'") else 32 for c in range(128))
_ASCII_WORD_BYTES += b" " * 128


def words(text: str) -> list[str]:
    """WORD.findall(text), faster: most texts have no underscore, and in an ASCII text \\w is
    a letter or digit, so the words are the runs of those (split by a C byte translation, a
    third of the pattern's cost); only a run with an apostrophe needs the pattern, which
    takes "don't" whole but drops a quote's "'" around a word."""
    if "_" in text:
        return WORD.findall(text)
    if not text.isascii():
        return _WORD_NO_UNDERSCORE.findall(text)
    runs = text.encode("ascii").translate(_ASCII_WORD_BYTES).decode("ascii").split()
    if "'" not in text:
        return runs
    out: list[str] = []
    for run in runs:
        if "'" in run:
            out += _WORD_NO_UNDERSCORE.findall(run)
        else:
            out.append(run)
    return out


# Bare URLs and e-mail addresses. The address parts are bounded (RFC 5321 lengths), so the
# pattern stays linear on long runs of "a@a@a@..." where "\S+@\S+" was quadratic; an address
# starts only where a word does.
URL = re.compile(
    r"(?:https?://|www\.)\S+"
    r"|(?<![\w.+-])[\w.+-]{1,64}@[\w-]{1,63}(?:\.[\w-]{1,63}){0,8}\.\w{2,24}\b",
    re.IGNORECASE,
)
# Patterns anchored at a paragraph's end are searched in its last TAIL characters only, so their
# cost does not grow with the paragraph.
TAIL = 24
# A paragraph "reads as a sentence" if it ends like one (closing quotes/brackets allowed).
SENTENCE_END = re.compile(r"[.!?…][\"'”’)\]]*$")
# A numbered list item ("1. ", "2) "), as under a "Most read" label.
NUMBERED = re.compile(r"^\s*\d{1,2}[.)]\s+\S")
# List markers the page-to-text dump uses for <li>: "* " and "+ " (nested), also "- " and "• ",
# and the arrows of related-link lists ("» Column of the week").
BULLET = re.compile(r"^\s*(?:[*+•·▪►»›-])(?:\s+|$)")

# --- Call to action / site voice. Each alternative is a word family, matched on word boundaries.
# Subscriptions and accounts: the most common interruption inside and around news bodies.
_SUBSCRIBE = (
    r"subscri\w*",
    r"newsletters?",
    r"inbox",
    r"sign(?:\s|-)?(?:up|in)",
    r"log(?:\s|-)?(?:in|out)",
    r"register\w*",
    r"account",
    r"membership",
    r"premium",
    r"unlock",
)
# Sharing and social networks (share bars, "follow us").
_SOCIAL = (
    r"share[sd]?",
    r"sharing",
    r"tweet",
    r"facebook",
    r"twitter",
    r"linkedin",
    r"whatsapp",
    r"pinterest",
    r"instagram",
    r"reddit",
    r"flipboard",
    r"youtube",
    r"tiktok",
    r"follow(?:\s+us)?",
    r"e-?mail",
    r"print",
    r"copy\s+link",
    r"comments?",
)
# Cookie / consent / legal notices.
_LEGAL = (
    r"cookies?",
    r"privacy",
    r"consent",
    r"terms\s+(?:of|and)",
    r"gdpr",
    r"copyright",
    r"rights\s+reserved",
    r"recaptcha",
    r"policy",
    r"disclaimer",
)
# Advertising.
_ADS = (
    r"advertisements?",
    r"advertis\w*",
    r"sponsored",
    r"promoted",
    r"partner\s+content",
    r"affiliate",
)
# Navigation and teasers: related/recommended lists, "read more", pagination, menus.
_NAV = (
    r"read\s+(?:more|next|full)",
    r"more\s+(?:from|on|stories|news)",
    r"related",
    r"recommended",
    r"trending",
    r"most\s+(?:read|popular|viewed|shared)",
    r"see\s+(?:all|more)",
    r"view\s+(?:all|more)",
    r"skip\s+to",
    r"menu",
    r"homepage",
    r"search",
    r"back\s+to\s+top",
    r"load\s+more",
    r"show\s+more",
    r"click",
    r"learn\s+more",
    r"contact\s+us",
    r"about\s+us",
    r"careers",
    r"podcasts?",
    r"download",
    r"app\s+store",
    r"google\s+play",
    r"explore",
    r"editions?",
    r"watch",
    r"listen",
    r"video",
    r"gallery",
)


def _by_first_letter(alternatives: tuple[str, ...]) -> str:
    """The alternation of `alternatives` (each starting with a plain lowercase letter), grouped
    by that letter and preceded by a lookahead for the letters: the same matches, in the same
    order of preference, but `re` tries one group per word instead of every alternative, which
    made CUE the slowest pattern of the cleaning (issue 10)."""
    groups: dict[str, list[str]] = {}
    for alt in alternatives:
        if not (alt[0].isascii() and alt[0].islower()):
            raise ValueError(f"cue alternative must start with a lowercase letter: {alt!r}")
        groups.setdefault(alt[0], []).append(alt[1:])
    body = "|".join(f"{first}(?:{'|'.join(rest)})" for first, rest in groups.items())
    return f"(?=[{''.join(groups)}])(?:{body})"


CUE = re.compile(
    rf"\b{_by_first_letter((*_SUBSCRIBE, *_SOCIAL, *_LEGAL, *_ADS, *_NAV))}\b", re.IGNORECASE
)

# A cookie notice is long grammatical prose, so it needs its own pair cue: a cookie word and a
# consent word in the same paragraph (clean.py checks both; no ".*" between them to backtrack).
COOKIE_WORD = re.compile(r"\bcookies?\b", re.IGNORECASE)
COOKIE_CONSENT = re.compile(
    r"\b(?:consent|accept|browsing|privacy|experience|our\s+(?:site|website)|personali[sz]e)\b",
    re.IGNORECASE,
)

# A comment policy ("Comments are moderated ...", "Quanta Magazine moderates comments ...",
# "Comentários ... não serão aprovados pelo moderador") is a pair cue as well: a word for the
# readers' comments and one for their moderation, in any of the languages we meet. Not
# "moderates" alone, which in news is people ("an opening for moderates").
COMMENT_WORD = re.compile(r"\b(?:comment|comentári|comentari|kommentar)", re.IGNORECASE)
COMMENT_MODERATION = re.compile(
    r"\bmod[eé]ra(?:t(?:or|ing|ed|ion)|dor|teur|ção|ci[oó]n)|\bmoderates?\s+(?:all\s+)?comment",
    re.IGNORECASE,
)

# Imperative openers of calls to action ("Get ...", "Join ...", "Escape ..."): a verb first,
# addressed to the reader. Only condemning together with "you/your" (see clean.py).
IMPERATIVE_START = re.compile(
    r"^(?:get|sign|subscribe|join|follow|download|click|tap|read|watch|listen|learn|discover|"
    r"explore|escape|support|try|register|contribute|donate|enter|stay|don['’]t\s+miss|never\s+miss|"
    r"find|become|upgrade|start|keep|enjoy|check\s+out|see|view|share|send|tell|give|like|save|"
    r"receive|thank)\b",
    re.IGNORECASE,
)
# "Click ..." opening a paragraph, in the languages of our sources and their neighbours
# (English, Portuguese, Spanish, French, Italian, German, Dutch, Polish, Russian). Unlike the
# English openers above it needs no "you": a click verb is addressed to the reader whatever
# the language's pronoun, and body prose does not start a paragraph with it.
CLICK_START = re.compile(
    r"^(?:click|clique|cliquez|clica|clicar|clicca|cliccate|hag[ao]\s+clic|haz\s+clic|"
    r"pincha|klicken|klicke|klik|kliknij|нажмите|кликните|жмите)\b",
    re.IGNORECASE,
)
# The lookaheads (?=[...]) here and below only skip the words no alternative can start with.
SECOND_PERSON = re.compile(r"\b(?=y)(?:you|your|you['’](?:re|ll|ve))\b", re.IGNORECASE)
# The site talking about itself ("our journalism", "our newsletter", "this site").
SITE_VOICE = re.compile(
    r"\b(?=[ot])(?:our|this)\s+(?:site|website|journalism|newsletters?|reporting|readers|app|"
    r"newsroom|coverage|community|partners|team)\b",
    re.IGNORECASE,
)
# A wire story's sign-off, its last line: "(Reporting by Jane Roe; Editing by John Doe)".
SIGN_OFF = re.compile(r"^\W*(?:additional\s+)?(?:reporting|writing|editing)\s+by\b", re.IGNORECASE)
# Reporting that someone did not comment ("declined to comment", "did not respond to a request
# for comment"): "comment" is a cue word of buttons ("3 Comments", "Leave a comment"), but after
# "to" or "for" in a sentence it is news, as in every wire story.
REPORTED_COMMENT = re.compile(r"\b(?:to|for)\s+(?:immediate\s+)?comment\b", re.IGNORECASE)
# Opening quotation marks and their closing partners; the straight quote is both.
_QUOTES = (("“", "”"), ("«", "»"), ("„", "“"))


def quoted(text: str, index: int) -> bool:
    """Whether `index` of `text` lies inside a quotation: a speaker's "our team" is theirs,
    not the site talking about itself."""
    before = text[:index]
    if before.count('"') % 2:
        return True
    return any(before.count(o) > before.count(c) for o, c in _QUOTES if o != c)


# --- End-of-article furniture: how to reach the author or the site, and offers.
# Follow/contact calls to action: "Follow us on Twitter @Site", "Email Jane Roe at ... or follow
# her @jroe", "Jane Roe may be reached at ...". The follow verb must open a sentence (an
# imperative: reported speech has a subject before it, a quoted "Follow me," a quote mark) or be
# followed by a social @handle; the contact verb must open a sentence and address a named person.
_HANDLE = r"@[A-Za-z0-9_]{2,}"
CONTACT_CTA = re.compile(
    r"(?:^|[.!?]\s+)(?i:follow)\s+(?i:us|him|her|me|them)\b"
    rf"|\b(?i:follow)\s+(?i:us|him|her|me|them)\s+(?:(?i:on|at)\s+\w+\s+)?{_HANDLE}"
    r"|(?:^|[.!?]\s+)(?i:e-?mail|contact|write\s+to)\s+(?:[A-Z][\w'’-]+\s+){1,3}(?i:at)\b"
    r"|\b(?i:may|can)\s+be\s+(?i:reached|contacted)\s+at\b"
)
# Promo codes: "Use the code "SAVE10"", "with promo code X". Offers are adverts whatever else
# the paragraph says.
PROMO_CODE = re.compile(
    r"\b(?:promo|promotional|coupon|discount|voucher|referral)\s+code\b"
    r"|\b(?:use|enter|apply|quote)\s+(?:the\s+)?(?:promo\s+)?code\b",
    re.IGNORECASE,
)

# The comment form or comment list under a post (WordPress and most blog engines print these
# lines): nothing after it is the article, only comments, newsletter boxes and footers.
# English wording only.
COMMENT_FORM = re.compile(
    r"^(?:leave\s+a\s+(?:reply|comment)|post\s+a\s+comment|add\s+a\s+comment|"
    r"your\s+email\s+address\s+will\s+not\s+be\s+published|"
    # the comment list's header: '6 thoughts on "Title"', "12 comments on", "3 responses to"
    r"\d+\s+(?:thoughts?|comments?|responses?|replies)\s+(?:on|to)\b)",
    re.IGNORECASE,
)

# --- Photo captions and credits. Captions end with a credit, never with a full stop.
# Only whether it matches counts (found()), so the alternatives are grouped for speed: those
# at the start of the text, those opening with "(", "©" or a letter of their words (the
# lookahead lets `re` skip every other position at once), and the wire agencies.
CREDIT = re.compile(
    r"^(?:\s*(?:credits?|source|photo|photograph|illustration|image|pictured)\s*:|caption$"
    r"|image\s+\d+\s+of\s+\d+$|\s*file\s+(?:photo|picture|image)\b"  # "FILE PHOTO: ..."
    # "copyright" opens a credit or a notice ("Copyright 2019 ...", "(copyright Jane Roe)"),
    # or stands before a year; prose about a copyright case mentions it mid-sentence.
    r"|\W*copyright\b)"
    r"|(?=[(ipvc©])(?:\(?\b(?:image|photo|photograph|picture|video|illustration)s?\s*"
    r"(?:credit|courtesy|by|source|copyright)s?\b|\bphoto\s*/|©|\(c\)\s|\(\s*copyright\b"
    r"|\bcopyright\s+\d{4}\b|\((?:image|photo|picture)s?\s*:)"  # "... (Image: GETTY)"
    r"|(?-i:(?=[RAEG])\b(?:REUTERS|AP|AFP|EPA|GETTY|Reuters)\s*/\s*[A-Z])",  # "REUTERS/Jane Roe"
    re.IGNORECASE,
)
# "... / AP file", "... (Getty Images)", "Photo: Reuters": an agency name closing the paragraph.
AGENCY_TAIL = re.compile(
    r"(?:/|\||\(|,|\bvia\b|\bfor\b|:)\s*(?:[\w.'’ -]{0,40}\s)?"
    r"(?:AP|AFP|Reuters|Getty(?:\s+Images)?|EPA(?:-EFE)?|Bloomberg|Shutterstock|iStock\w*|Alamy|Xinhua|Sipa|PA(?:\s+Images)?|"
    r"NurPhoto|Zuma\w*|Wire\w*)(?:\s+(?:file|photo|images?|pool))*\)?\s*$"
)

# --- Bylines, datelines, author bios.
# "By" opens a byline when a name follows it (a capital: "By Jane Roe", "BY JANE ROE"), not a
# heading or a sentence ("By car", "By the end of this section, you will ...").
BYLINE = re.compile(
    r"^(?:by(?:\s+(?-i:[A-Z])|\s*$)|(?:(?:written|posted|reporting)\s+by|author|updated|published)\b)",
    re.IGNORECASE,
)
_MONTH = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?"
DATE = re.compile(
    rf"\b(?=[\djfmasond])(?:{_MONTH}\s+\d{{1,2}},?\s+\d{{4}}|\d{{1,2}}\s+{_MONTH}\s+\d{{4}}|"
    r"\d{1,2}[./]\d{1,2}[./]\d{2,4}|\d{1,2}:\d{2}\s*(?:am|pm|gmt|utc|et|est|edt)?|"
    # Any language: a day number, a month WORD (optionally with a linking particle such as
    # "de"), then a year ("24 сентября 2018", "22 de outubro de 2010", "5. März 2019"), or an
    # ISO date. Month names of every language cannot be listed; the digits carry the cue.
    r"\d{1,2}\.?\s+(?:[^\W\d_]{1,3}\s+)?[^\W\d_]{3,}\.?,?\s+(?:[^\W\d_]{1,3}\s+)?"
    r"(?:1[89]|20)\d{2}|(?:1[89]|20)\d{2}-\d{2}-\d{2})\b",
    re.IGNORECASE,
)
# "Jane Doe is a reporter for ...", "She previously worked at ...": the author box under a story.
_ROLE = (
    r"(?:reporter|writer|editor|correspondent|journalist|contributor|columnist|producer|"
    r"author|analyst|fellow|intern|freelancer)"
)
_NAME = r"(?:(?!The\b|This\b|It\b)[A-Z][\w.'’-]+\s+){1,4}"
# A book plug under the story: "Jane Roe's book about X, "Title" (Publisher, 2018; ...), is out
# now." A possessive name + "book" opening the paragraph, and a publisher-and-year parenthesis;
# body prose citing a book has the parenthesis but not the possessive opening, or vice versa.
BOOK_PLUG = re.compile(
    r"^(?:[A-Z][\w.'’-]+\s+){0,3}[A-Z][\w.-]+['’]s?\s+(?:\w+\s+){0,2}books?\b"
    r".*\([^()]*\b(?:1[89]|20)\d{2}\b[^()]*\)",
    re.DOTALL,
)
BIO = re.compile(
    rf"^(?:{_NAME}|I\s+am\s+|I['’]m\s+)(?:(?:is|was|has\s+been)\s+)?(?:an?|the)\s+"
    rf"(?:[\w,-]+\s+){{0,4}}{_ROLE}\b"
    rf"|^{_NAME}(?:joined|covers|writes\s+(?:about|for)|has\s+been\s+(?:reporting|writing|"
    r"covering))\b"
)


# Cheap necessary conditions of the slowest patterns (issue 10): a literal that every match
# contains, searched with the pattern's own flags, so the same characters match (under
# IGNORECASE "ſ" is an "s" and "ı" an "i", which str.lower() would miss). The pattern itself
# runs only on a text that has its hint.
_HINTS = {
    # "credit" and "source" count only at the start ("Credit: ...", "Source: ..."); anywhere
    # else they come with one of the other words ("photo credit"), and "sources said" is news.
    CREDIT: re.compile(
        r"^\s*(?:credits?|source)\s*:"
        r"|(?=[ipvc©(/])(?:i(?:mag|llustration)|p(?:hoto|ictur)|video|ca(?:ption)|copyright|©|\(c\)|/)",
        re.IGNORECASE,
    ),
    # Every date form has four digits in a row (a year) or digits around "." "/" ":".
    DATE: re.compile(r"\d(?:\d\d\d|[./:]\d)"),
    # (AGENCY_TAIL has none: its case-sensitive literals in _LITERALS are exactly its hint.)
    PROMO_CODE: re.compile(r"code", re.IGNORECASE),
    # "mail" alone would let every "Daily Mail" through: the words as the pattern has them.
    CONTACT_CTA: re.compile(
        r"follow\s+(?:us|him|her|me|them)|(?:e-?mail|contact|write\s+to)\s|be\s+(?:reached|contacted)",
        re.IGNORECASE,
    ),
    COOKIE_WORD: re.compile(r"cookie", re.IGNORECASE),
}


# Cheaper still: substrings at least one of which every hint match contains, looked for with
# `in` (a C substring search, where any pattern costs a step per character). Case-insensitive
# ones are looked for in the lowercased text, unless it has one of _FOLDED_APART, where that
# is exactly what IGNORECASE matches; AGENCY_TAIL's are its hint's own case-sensitive literals.
# A pattern with several groups needs a substring of each (SITE_VOICE: "our"/"this" AND one of
# its nouns, since "our" is in "hour" and "four"); `_STARTS` are words that count only at the
# start (after spaces), as CREDIT's hint takes "credit" and "source".
_LITERALS: dict[re.Pattern[str], tuple[tuple[tuple[str, ...], ...], bool]] = {
    CREDIT: ((("imag", "illustration", "photo", "pictur", "video", "caption", "copyright",
               "(c)", "/", "©"),), True),
    AGENCY_TAIL: ((("AP", "AFP", "PA", "Reuters", "Getty", "Bloomberg", "Shutterstock",
                    "iStock", "Alamy", "Xinhua", "Sipa", "NurPhoto", "Zuma", "Wire"),), False),
    PROMO_CODE: ((("code",),), True),
    CONTACT_CTA: ((("follow", "mail", "contact", "write", "reached", "contacted"),), True),
    COOKIE_WORD: ((("cookie",),), True),
    SECOND_PERSON: ((("you",),), True),
    SITE_VOICE: ((("our", "this"), ("site", "journalism", "newsletter", "reporting", "readers",
                                    "app", "newsroom", "coverage", "community", "partners",
                                    "team")), True),
}  # fmt: skip
_STARTS: dict[re.Pattern[str], tuple[str, ...]] = {CREDIT: ("credit", "source")}
# The characters IGNORECASE takes for an ASCII letter that str.lower() does not lower to it
# ("İ" lowers to two, "ı" and "ſ" stay): checked over every code point. In a text without them,
# an IGNORECASE pattern's lowercase literal is in text.lower() whenever the pattern matches,
# curly quotes and accents or not (most news paragraphs have one or the other).
_FOLDED_APART = ("İ", "ı", "ſ")
# The last text found() lowercased (None: it has one of those), since one paragraph is asked
# for several cues in a row. One immutable pair, replaced whole, so threads never see a
# mismatched one.
_lowered: list[tuple[str, str | None]] = [("", "")]


def _lowered_for_literals(text: str) -> str | None:
    memo = _lowered[0]
    if memo[0] is not text:
        plain = text.isascii() or not any(c in text for c in _FOLDED_APART)
        memo = (text, text.lower() if plain else None)
        _lowered[0] = memo
    return memo[1]


def _prefilter(
    groups: tuple[tuple[str, ...], ...], ignore_case: bool, starts: tuple[str, ...]
) -> Callable[[str], bool]:
    """A check that `text` may match: a substring of each group (see _LITERALS), built once per
    pattern as plain loops, since found() runs some fifty times per article."""

    def has_all(text: str) -> bool:
        for group in groups:
            for sub in group:
                if sub in text:
                    break
            else:
                return False
        return True

    if not ignore_case:
        return has_all

    def may_match(text: str) -> bool:
        low = _lowered_for_literals(text)
        return low is None or has_all(low) or (bool(starts) and low.lstrip().startswith(starts))

    return may_match


_PREFILTERS = {
    pattern: _prefilter(groups, ignore_case, _STARTS.get(pattern, ()))
    for pattern, (groups, ignore_case) in _LITERALS.items()
}


def found(pattern: re.Pattern[str], text: str) -> bool:
    """pattern.search(text), skipped when the pattern's hint (if it has one) is absent."""
    may_match = _PREFILTERS.get(pattern)
    if may_match is not None and not may_match(text):
        return False
    hint = _HINTS.get(pattern)
    if hint is not None and not hint.search(text):
        return False
    return pattern.search(text) is not None


ENGLISH_SHARE = 0.25  # share of English stopwords above which a text is taken for English


@lru_cache(maxsize=1)
def _stoplists() -> dict[str, frozenset[str]]:
    """jusText's 100 stoplists (shipped inside the wheel, nothing downloaded), if installed.

    Why: 15 of the 92 dev+held-out pages are not English; with only the English list every
    paragraph of those pages looks like a menu and the cleaner returned nothing for them.
    """
    try:
        import justext
    except ImportError:  # still correct for English pages, just blind to other languages
        log.info("justext not installed: English stopwords only")
        return {"English": STOPWORDS}
    # Sorted: jusText names its lists in a set, whose order changes with the hash seed, and
    # stopwords_for breaks a tie between languages by this order; unsorted, the same page could
    # be cleaned differently from one run to the next.
    lists = {
        lang: frozenset(justext.get_stoplist(lang)) for lang in sorted(justext.get_stoplists())
    }
    lists["English"] = lists["English"] | STOPWORDS
    return lists


LANGUAGE_SAMPLE_WORDS = 200  # words a text's language is judged from (its first)


def language_stopwords(words_by_part: Iterable[list[str]]) -> frozenset[str]:
    """stopwords_for a text's first LANGUAGE_SAMPLE_WORDS words, given part by part (its
    paragraphs' or sentences' words, read lazily): the language is plain from the first words,
    and judging a whole long article costs more than cleaning it."""
    sample: list[str] = []
    for words in words_by_part:
        sample += words[: LANGUAGE_SAMPLE_WORDS - len(sample)]
        if len(sample) >= LANGUAGE_SAMPLE_WORDS:
            break
    return stopwords_for(sample)


def stopwords_for(words: list[str]) -> frozenset[str]:
    """The stoplist of the page's language: the one covering most of the page's words."""
    lists = _stoplists()
    english = lists["English"]
    # Fast path, most of what we read: English prose is 40-50% English stopwords, other
    # languages' text a few percent (shared short words like "a", "no", "in").
    english_hits = sum(map(english.__contains__, map(str.lower, words)))
    if words and english_hits >= ENGLISH_SHARE * len(words):
        return english
    # Each language's vote is how often the page uses words of its list. A tie goes to the
    # language that has the page's earliest word, then to the first in `lists`' order.
    counts = Counter(map(str.lower, words))
    position = {w: n for n, w in enumerate(counts)}
    best: tuple[tuple[int, int, int], str] | None = None
    for order, (lang, stoplist) in enumerate(lists.items()):
        shared = stoplist.intersection(counts)  # C loops over the page's distinct words
        if shared:
            key = (
                sum(map(counts.__getitem__, shared)),
                -min(map(position.__getitem__, shared)),
                -order,
            )
            if best is None or key > best[0]:
                best = (key, lang)
    return lists[best[1]] if best else english
