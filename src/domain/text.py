"""How long a post is, as each platform counts it.

X counts a weighted length (twitter-text v3): after NFC normalization every URL counts 23
whatever its length, every emoji sequence counts 2, a code point in one of `X_LIGHT_RANGES`
(Latin, most punctuation) counts 1 and any other (most CJK, for one) counts 2; a post holds
at most 280. Bluesky counts extended grapheme clusters (at most 300) and caps a post's text
at 3000 UTF-8 bytes.

URLs are found the way twitter-text's extractor finds them, simplified: `http(s)://` or a
bare domain ending in a known top-level domain, not glued to a preceding letter, digit,
`@`, `$` or `#` (a bare one not to `-`, `_`, `.` or `/` either), then an optional port, path
and query whose trailing punctuation is left out. Emoji are whole sequences: keycaps,
flags, and up to four pictographs joined by ZWJ, each with an optional skin tone,
presentation selector or tag sequence.
"""

from __future__ import annotations

import unicodedata

import regex

X_MAX_WEIGHTED = 280
X_URL_WEIGHT = 23
X_EMOJI_WEIGHT = 2
X_MAX_URL_LENGTH = 4096
X_LIGHT_RANGES = ((0, 4351), (8192, 8205), (8208, 8223), (8242, 8247))
BLUESKY_MAX_GRAPHEMES = 300
BLUESKY_MAX_BYTES = 3000

_GENERIC_TLDS = (
    "com net org edu gov mil int info biz name pro mobi aero asia cat coop jobs museum tel "
    "travel xxx app dev page blog shop store online site website tech xyz club design art "
    "news live social world media cloud email link network digital agency studio space "
    "today top icu vip wiki zone fun life love team games fyi global guru ninja rocks"
)
_COUNTRY_TLDS = (
    "ac ad ae af ag ai al am ao aq ar as at au aw ax az ba bb bd be bf bg bh bi bj bm bn bo "
    "bq br bs bt bw by bz ca cc cd cf cg ch ci ck cl cm cn co cr cu cv cw cx cy cz de dj dk "
    "dm do dz ec ee eg er es et eu fi fj fk fm fo fr ga gb gd ge gf gg gh gi gl gm gn gp gq "
    "gr gs gt gu gw gy hk hm hn hr ht hu id ie il im in io iq ir is it je jm jo jp ke kg kh "
    "ki km kn kp kr kw ky kz la lb lc li lk lr ls lt lu lv ly ma mc md me mg mh mk ml mm mn "
    "mo mp mq mr ms mt mu mv mw mx my mz na nc ne nf ng ni nl no np nr nu nz om pa pe pf pg "
    "ph pk pl pm pn pr ps pt pw py qa re ro rs ru rw sa sb sc sd se sg sh si sk sl sm sn so "
    "sr ss st su sv sx sy sz tc td tf tg th tj tk tl tm tn to tr tt tv tw tz ua ug uk us uy "
    "uz va vc ve vg vi vn vu wf ws ye yt za zm zw"
)
_TLDS = (_GENERIC_TLDS + " " + _COUNTRY_TLDS).split()
_TLD = r"(?:\L<tlds>|xn--[a-z0-9-]+)(?![a-z0-9@+-])"
_MAX_SUBDOMAINS = 10


def _domain(char: str) -> str:
    """Labels of `char` with inner hyphens (underscores too before the last label), then a
    known TLD. The subdomain count is bounded: an unbounded repeat backtracks in quadratic
    time on input such as "a.a.a.a..."."""
    sub = rf"{char}(?:[{char[1:-1]}_-]*{char})?\."
    name = rf"{char}(?:[{char[1:-1]}-]*{char})?\."
    return rf"(?:{sub}){{0,{_MAX_SUBDOMAINS}}}{name}{_TLD}"


_PATH_CHAR = r"[\p{Latin}\p{Cyrillic}\p{M}0-9!*';:=+,.$/%#\[\]\-\u2013_~&|@]"
_PATH_END = r"[\p{Latin}\p{Cyrillic}\p{M}0-9+\-=_#/]"
_PARENS = rf"\({_PATH_CHAR}*\)"
_PATH = rf"/(?:(?:{_PATH_CHAR}|{_PARENS})*(?:{_PATH_END}|{_PARENS}))?"
_QUERY = r"\?[a-z0-9!?*'@();:&=+$/%#\[\]\-_.,~|]*[a-z0-9\-_&=#/]"
_REST = rf"(?::[0-9]+)?(?:{_PATH})?(?:{_QUERY})?"
_GLUED = r"A-Za-z0-9@\uff20$#\uff03"
_ANY_DOMAIN = _domain(r"[\p{L}\p{M}\p{N}]")
_ASCII_DOMAIN = _domain(r"[a-z0-9\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u024f]")
_URL = (
    rf"(?<![{_GLUED}])(?P<scheme>https?://){_ANY_DOMAIN}{_REST}"
    rf"|(?<![{_GLUED}\-_./]){_ASCII_DOMAIN}{_REST}"
)

_KEYCAP = r"[#*0-9]\ufe0f?\u20e3"
_FLAG = r"\p{Regional_Indicator}{2}"
_PICTOGRAPH = r"(?:[\u00a9\u00ae]\ufe0f|(?![\u00a9\u00ae])\p{Extended_Pictographic}(?!\ufe0e))"
_SKIN_TONE_OR_STYLE_OR_TAGS = (
    r"(?:\p{Emoji_Modifier}|\ufe0f|[\U000e0020-\U000e007e]{1,7}\U000e007f)?"
)
_ELEMENT = _PICTOGRAPH + _SKIN_TONE_OR_STYLE_OR_TAGS
_EMOJI = rf"{_KEYCAP}|{_FLAG}|{_ELEMENT}(?:\u200d{_ELEMENT}){{0,3}}"

_X_ENTITY = regex.compile(rf"(?P<url>{_URL})|(?P<emoji>{_EMOJI})", regex.IGNORECASE, tlds=_TLDS)
_X_HEAVY = regex.compile(
    "[^" + "".join(f"\\u{low:04x}-\\u{high:04x}" for low, high in X_LIGHT_RANGES) + "]"
)
_X_INVALID = regex.compile("[\ufffe\ufeff\uffff]")
# No text is denser than a URL (23 for up to 4096 characters): anything longer cannot fit,
# which spares weighing a megabyte of text character by character.
_X_MAX_CHARACTERS = X_MAX_WEIGHTED * X_MAX_URL_LENGTH // X_URL_WEIGHT
_GRAPHEME = regex.compile(r"\X")
_NON_SPACE = regex.compile(r"\S*")


def x_weighted_length(text: str) -> int:
    """X's weighted length of `text` (twitter-text v3 rules, see the module docstring)."""
    return _weigh(unicodedata.normalize("NFC", text))


def x_fits(text: str) -> bool:
    """X accepts it: something to read, no invalid code point, weighted length <= 280."""
    if not text.strip() or _X_INVALID.search(text):
        return False
    normalized = unicodedata.normalize("NFC", text)
    if len(normalized) > _X_MAX_CHARACTERS:
        return False
    return _weigh(normalized) <= X_MAX_WEIGHTED


def _weigh(text: str) -> int:
    weight, position = 0, 0
    for entity in _X_ENTITY.finditer(text):
        start, end = entity.span()
        weight += _plain_weight(text[position:start])
        if entity.lastgroup == "emoji":
            weight += X_EMOJI_WEIGHT
        elif _url_length(entity) <= X_MAX_URL_LENGTH:
            weight += X_URL_WEIGHT
        else:
            weight += _plain_weight(entity.group())
        position = end
    return weight + _plain_weight(text[position:])


def url_spans(text: str) -> list[tuple[int, int]]:
    """Where the URLs of `text` lie, as twitter-text finds them (bare domains included),
    widened to the next whitespace: no client cuts a link there, whichever rules it uses."""
    spans = []
    for entity in _X_ENTITY.finditer(text):
        if entity.lastgroup == "url":
            end = _NON_SPACE.match(text, entity.end())
            spans.append((entity.start(), end.end() if end else entity.end()))
    return spans


def first_link(text: str) -> str | None:
    """The first URL of `text` as a link (a bare domain gets `https://`), or None."""
    for entity in _X_ENTITY.finditer(text):
        if entity.lastgroup == "url":
            url = entity.group()
            return url if entity.group("scheme") else f"https://{url}"
    return None


def grapheme_ends(text: str) -> list[int]:
    """The offsets just after each extended grapheme cluster: the only places text may be
    cut without breaking a character apart."""
    return [match.end() for match in _GRAPHEME.finditer(text)]


def bluesky_graphemes(text: str) -> int:
    """The number of extended grapheme clusters: what Bluesky limits to 300."""
    return len(_GRAPHEME.findall(text))


def bluesky_fits(text: str) -> bool:
    """Bluesky accepts it: something to read, 1 to 300 graphemes, at most 3000 UTF-8 bytes."""
    if not text.strip():
        return False
    if len(text.encode("utf-8", "surrogatepass")) > BLUESKY_MAX_BYTES:
        return False
    return bluesky_graphemes(text) <= BLUESKY_MAX_GRAPHEMES


def _url_length(url: regex.Match[str]) -> int:
    """A bare domain is measured as if it had its implied `https://`."""
    return len(url.group()) + (0 if url.group("scheme") else len("https://"))


def _plain_weight(text: str) -> int:
    return len(text) + len(_X_HEAVY.findall(text))
