"""NLTK's English sentence and word tokenizers (`nltk.sent_tokenize`, `nltk.word_tokenize`): same output, faster.

IFEval and IFBench checkers split text with NLTK's Punkt + Treebank tokenizers, so verdict parity needs those
tokenizers themselves, not look-alikes. Both are linear but slow on long text: Punkt spends ~35 us per `.?!`
candidate (1.7 s on 100 KB of "P.S. P.S. ..."), and the Treebank tokenizer runs ~25 regex substitutions per
sentence. The code here keeps NLTK's decision code, patterns and rule order, and changes only how expensively they
are reached (`bench/tokenize_speed.py`: 3x on real responses, up to 37x on degenerate text):

Punkt (`punkt()`):
1. `text_contains_sentbreak(context)` is a pure function of the context string around a candidate (the trained
   parameters are fixed), so it is memoised; and since NLTK annotates each token from itself and the next token
   only, a context is decided from its distinct adjacent token pairs, each decided once by NLTK's own code (a
   100 KB context of one repeated pattern costs a handful of decisions, not 66k).
2. The candidate scan is one C-level regex pass with one match per whitespace-free run that holds candidates: only
   a run's last candidate (and one at its very start) can pass NLTK's overlap rule, so the others are never visited
   in Python. Same candidates, same contexts, same spans.
3. Boundary realignment matches its pattern in place, only where a sentence starts with a closing character, and
   not at all in text without closing characters.

Treebank (`treebank_tokenize`, `treebank_tokenize_many`):
4. Literal rules and "pad every character of this class" rules become `str.replace`; whitespace collapsing becomes
   split/join where both define whitespace alike; the ten contraction patterns run only if their word is present;
   a regex rule runs only if the text holds one of the strings every match of it contains (`RULE_NEEDS`), and the
   final-period rules only on the text's tail, the one place they can match.
5. Many sentences are tokenized in one pass per rule (SEP-joined, with SEP-aware anchors and negated classes).

Both: NLTK 3.10 wraps every pattern in `nltk.redos.TimedPattern` (a wall-clock limit per call, against ReDoS in
user-supplied patterns). These fixed patterns are linear (the fuzz tests hold them to it) and are called tens of
thousands of times on long text, so the compiled patterns inside are called directly: same engine, source, flags.

`tests/test_tokenize.py` checks everything against stock NLTK: the benchmark responses, adversarial strings,
generated text, and every shortcut exhaustively over all code points."""

from __future__ import annotations

import functools
from collections.abc import Iterator


# The characters NLTK's boundary-realignment pattern starts with (`re_boundary_realignment`: closing quotes and
# brackets); tests check that no other code point can start a match.
CLOSERS = frozenset("\"')]}\u2018\u2019\u201c\u201d\xab\xbb")


def _raw(pattern):
    """The compiled pattern inside an `nltk.redos.TimedPattern` (or the pattern itself)."""
    return getattr(pattern, "_rx", pattern)


EAGER_TOKENS = 64  # tokens of a Punkt context line read one by one before the rest is tokenized in bulk
WHITESPACE = " \t\n\r\x0b\x0c"  # `string.whitespace`: what NLTK's word-before-candidate search stops at
# The `regex` module's `\s` (NLTK compiles its candidate pattern with it) spelled for the stdlib `re`: Python's
# `str.isspace()` also counts U+001C..U+001F, the Unicode White_Space property does not (tested over all code points).
REGEX_SPACE, REGEX_NONSPACE = r"[^\S\x1c-\x1f]", r"[\S\x1c-\x1f]"


def _scan_pattern(lang):
    """One match per whitespace-free run holding a Punkt candidate (a sentence-end character followed by NLTK's
    `after_tok`: a closing/other punctuation character, or whitespace and a token).

    The match runs from the run's start to its last candidate (greedy, so the engine backtracks to the rightmost one;
    anchored to the run's start, so each run is tried once: linear). Groups: 1 the after_tok of a candidate at the
    run's start when a later one exists, 2 its next token; 3 the last candidate's after_tok, 4 its next token. The
    stdlib engine is used for speed (several times faster than `regex` on this pattern), with the `regex` module's
    whitespace classes spelled out, so candidates and after_toks are exactly NLTK's.
    """
    import re

    word_char = f"[^{re.escape(WHITESPACE)}]"
    after = rf"{lang._re_non_word_chars}|{REGEX_SPACE}+({REGEX_NONSPACE}+)"
    sent = lang._re_sent_end_chars
    return re.compile(rf"(?<!{word_char})(?:{sent}(?=({after})))?{word_char}*{sent}(?=({after}))")


@functools.cache
def punkt():
    """The process-wide English `FastPunkt` (bundled punkt_tab data, loaded once)."""
    from lightif.resources import ensure_nltk

    ensure_nltk()
    from nltk.tokenize.punkt import PunktToken, PunktTokenizer

    class FastToken(PunktToken):
        _RE_ELLIPSIS = _raw(PunktToken._RE_ELLIPSIS)
        _RE_NUMERIC = _raw(PunktToken._RE_NUMERIC)
        _RE_INITIAL = _raw(PunktToken._RE_INITIAL)
        _RE_ALPHA = _raw(PunktToken._RE_ALPHA)

    class FastPunkt(PunktTokenizer):
        def __init__(self) -> None:
            super().__init__("english")
            self._Token = FastToken
            lang = self._lang_vars  # this instance's own PunktLanguageVars
            lang._re_word_tokenizer = _raw(lang._word_tokenizer_re())
            self._realign_re = _raw(lang.re_boundary_realignment)
            self._scan_re = _scan_pattern(lang)
            # bound per instance: the memos must not outlive or mix parameters
            self.text_contains_sentbreak = functools.lru_cache(maxsize=1 << 16)(self._contains_sentbreak)
            self.breaks_between = functools.lru_cache(maxsize=1 << 16)(self._breaks_between)

        def _contains_sentbreak(self, context: str) -> bool:
            # NLTK's `text_contains_sentbreak`: True iff a token other than the last is a sentence break after both
            # annotation passes. The first pass reads one token, the second pass decides token i from tokens i and
            # i+1 (token i+1 with its first-pass annotation only), and the line/paragraph-start flags are used by
            # training alone: each token's verdict is a function of the pair of token strings. So the verdict is
            # "some adjacent pair breaks", and each distinct pair is decided once (with NLTK's own code). A 100 KB
            # whitespace-free run ("*..*..") is one context of 66k tokens but a handful of distinct pairs.
            #
            # The first EAGER_TOKENS tokens of a line are read lazily, so a break near the start ("?!?!...", 100 KB)
            # ends the work there; the rest of a longer line is tokenized in one C-level pass (NLTK's word pattern has
            # no lookbehind or anchor, so resuming at the last match's end gives the same tokens).
            word_re = self._lang_vars._re_word_tokenizer
            decided: set[tuple[str, str]] = set()
            prev = None
            for line in context.split("\n"):
                if not line.strip():
                    continue
                for count, match in enumerate(word_re.finditer(line), 1):
                    tok = match.group()
                    if prev is not None and (prev, tok) not in decided:
                        if self.breaks_between(prev, tok):
                            return True
                        decided.add((prev, tok))
                    prev = tok
                    if count == EAGER_TOKENS:
                        rest = [tok, *word_re.findall(line, match.end())]
                        if any(self.breaks_between(*pair) for pair in set(zip(rest, rest[1:])) - decided):
                            return True
                        prev = rest[-1]
                        break
            return False

        def _breaks_between(self, first: str, second: str) -> bool:
            # NLTK's annotation of token `first` when `second` follows it
            tok1, tok2 = self._Token(first), self._Token(second)
            self._first_pass_annotation(tok1)
            self._first_pass_annotation(tok2)
            self._second_pass_annotation(tok1, tok2)
            return bool(tok1.sentbreak)

        def span_tokenize(self, text: str, realign_boundaries: bool = True) -> Iterator[tuple[int, int]]:
            spans = self._spans_from_text(text)
            if not realign_boundaries:
                return spans
            if any(ch in text for ch in CLOSERS):
                return self._realign_spans(text, spans)
            return (span for span in spans if span[0] < span[1])  # no closer: realignment only drops empty spans

        def _spans_from_text(self, text: str) -> Iterator[tuple[int, int]]:
            # NLTK's `_match_potential_end_contexts` + `_slices_from_text`, yielding (start, stop). NLTK walks every
            # candidate: the word before it starts after the last ASCII whitespace since the previous candidate, or is
            # inherited from the previous candidate when there is none; a candidate is considered only if the next
            # one's word does not overlap its own. Within one whitespace-free run every candidate therefore inherits
            # the run's start, and exactly these are considered: the run's last candidate (word = run start up to it)
            # and a candidate at the very start of the run (empty word). `_scan_pattern` matches both per run in C.
            # One exception: whitespace at index 0 of the text does not count (NLTK's `if index_after_last_space:`),
            # so a first run starting at index 1 has its word start at 0.
            decide = self.text_contains_sentbreak
            last_break = 0
            for m in self._scan_re.finditer(text):
                start = m.start()
                if start == 1 and text[0] in WHITESPACE:
                    start = 0  # the word is " ...": never empty, so no run-start candidate
                elif m.start(1) >= 0 and decide(text[start:m.end(1)]):
                    yield last_break, start + 1
                    nxt = m.start(2)
                    last_break = nxt if nxt >= 0 else start + 1
                if decide(text[start:m.end(3)]):
                    end = m.end()
                    yield last_break, end
                    nxt = m.start(4)
                    last_break = nxt if nxt >= 0 else end
            yield last_break, len(text.rstrip())  # the last sentence has no trailing whitespace

        def _realign_spans(self, text: str, spans: Iterator[tuple[int, int]]) -> Iterator[tuple[int, int]]:
            # NLTK's `_realign_boundaries` on (start, stop) pairs: closing punctuation that opens the next sentence
            # ("(Sent1.) Sent2.") moves to the previous one. Its pattern can only match at a closing character.
            realign_re, closers = self._realign_re, CLOSERS
            realign = 0
            pending = None
            for start, stop in spans:
                if pending is not None:
                    s1_start, s1_stop = pending[0] + realign, pending[1]
                    m = realign_re.match(text, start, stop) if start < stop and text[start] in closers else None
                    if m:
                        yield s1_start, start + len(m.group(0).rstrip())
                        realign = m.end() - start
                    else:
                        realign = 0
                        if s1_start < s1_stop:
                            yield s1_start, s1_stop
                pending = (start, stop)
            if pending is not None and pending[0] + realign < pending[1]:
                yield pending[0] + realign, pending[1]

    return FastPunkt()


def span_tokenize(text: str) -> Iterator[tuple[int, int]]:
    """`nltk.sent_tokenize` spans of `text` (English), lazily."""
    return punkt().span_tokenize(text)


SEP = "\x00"  # joins sentences for `treebank_tokenize_many`; texts containing it take the one-by-one path


@functools.cache
def _treebank_rules(batched: bool = False) -> tuple[tuple, tuple]:
    """NLTKWordTokenizer's rules as `text -> text` steps, in its order (`convert_parentheses=False`): before and
    after the `" " + text + " "` padding. `batched`: for SEP-joined sentences (see `_batched_pattern`)."""
    from nltk.tokenize import NLTKWordTokenizer as T

    before = [_step(r, sub, batched) for r, sub in (*T.STARTING_QUOTES, *T.PUNCTUATION, T.PARENS_BRACKETS,
                                                    T.DOUBLE_DASHES)]
    after = [_step(r, sub, batched) for r, sub in T.ENDING_QUOTES]
    after.append(_contractions([*T.CONTRACTIONS2, *T.CONTRACTIONS3]))
    return tuple(before), tuple(after)


def _compile_like(rx, source: str):
    """`source` compiled by the same engine (`re` or `regex`) and with the same flags as `rx`."""
    import re

    import regex

    return (regex if isinstance(rx, regex.Pattern) else re).compile(source, rx.flags)


def _batched_pattern(rx):
    """`rx` for text made of SEP-joined sentences, matching inside each sentence exactly as `rx` does on it alone.

    SEP is not whitespace, not a word character and in no positive class of these rules, so runs, `\\s`, `\\w`,
    `\\b` and lookarounds stop at it as at the ends of a string. What would still see it: `^` and `$` (made to
    match next to SEP too; no sentence ends with a newline, so `$` is the end) and negated classes (SEP excluded).
    Any other construct that could match SEP (`.`, `\\S`, `\\W`, `\\D`, an inner anchor) is refused here.
    """
    import regex

    src = rx.pattern
    bad = regex.search(r"(?<!\\)(?:\\\\)*(?:\.|\\[SWDBAZ])", src)
    inner_anchor = regex.search(r"(?<!\\)[\^$]", src.removeprefix("^").removesuffix("$").replace("[^", "["))
    if bad or inner_anchor:
        raise AssertionError(f"Treebank rule {src!r} cannot be batched as written")
    if src.startswith("^"):
        src = "(?:^|(?<=\\x00))" + src[1:]
    if src.endswith("$") and not src.endswith("\\$"):
        src = src[:-1] + "(?=\\x00|\\Z)"
    return _compile_like(rx, src.replace("[^", "[^\\x00"))


# Treebank rules that pad every character of a class with spaces (`[?!]` -> " \\g<0> "), with that class spelled out;
# tests check each against its pattern over all code points.
CHAR_CLASS_RULES = {
    "[;@#$%&]": ";@#$%&", "[\\u2012-\\u2015]": "\u2012\u2013\u2014\u2015", "[?!]": "?!", "[*]": "*",
    "[\\]\\[\\(\\)\\{\\}\\<\\>]": "][(){}<>", "([»”’])": "»”’",
}


def _step(pattern, sub: str, batched: bool = False):
    """One Treebank rule as `text -> text`: C-level `str` methods where they give the same string, else the regex."""
    rx = _raw(pattern)
    if rx.pattern == r"\s+":
        return _collapse_spaces(rx)  # SEP is not whitespace: batch-safe as is
    if not any(ch in rx.pattern for ch in ".^$*+?{}[]\\|()") and "\\" not in sub:
        # a literal pattern and replacement: leftmost non-overlapping replacement is exactly str.replace
        return lambda text: text.replace(rx.pattern, sub)
    if rx.pattern in CHAR_CLASS_RULES and sub in (r" \g<0> ", r" \1 "):
        # one pass per character gives the same string: the inserted spaces are in no class
        chars = CHAR_CLASS_RULES[rx.pattern]

        def pad(text: str) -> str:
            for ch in chars:
                if ch in text:
                    text = text.replace(ch, f" {ch} ")
            return text

        return pad
    substitute = functools.partial((_batched_pattern(rx) if batched else rx).sub, sub)
    if not batched and rx.pattern in FINAL_PERIOD_RULES:
        return _final_period(rx, substitute)
    needs = RULE_NEEDS.get(rx.pattern)
    if needs is None:
        return substitute
    return lambda text: substitute(text) if any(part in text for part in needs) else text


# Treebank regex rules with strings one of which every match contains (each alternative of the pattern consumes one
# of them), so a text holding none of them is left as it is without running the pattern: several of these scan every
# position of a long text for nothing (~5-15 ms per 100 KB each). Tests check each list against its pattern.
RULE_NEEDS = {
    r"([«“‘„]|[`]+)": tuple("«“‘„`"),
    r"(``)": ("``",),
    r"([ \(\[{<])(\"|\'{2})": ('"', "''"),
    r"(?i)(?<!\w)(\')(?!(?:re|ve|ll|m|t|s|d|n)\b)(?=\w)": ("'",),
    r"""([^\.])(\.)([\]\)}>"\'»”’ ]*+)\s*$""": (".",),
    r"([:,])([^\d])": (":", ","),
    r"([:,])$": (":", ","),
    r"\.{2,}": ("..",),
    r"""([^\.])(\.)([\]\)}>"\']*)\s*$""": (".",),
    r"([^'])' ": ("' ",),
    r"([^' ])('[sS]|'[mM]|'[dD]|') ": ("' ", "'s ", "'S ", "'m ", "'M ", "'d ", "'D "),
    r"([^' ])('ll|'LL|'re|'RE|'ve|'VE|n't|N'T) ": ("'ll ", "'LL ", "'re ", "'RE ", "'ve ", "'VE ", "n't ", "N'T "),
}


# The two rules that split a sentence's final period (`([^\.])(\.)([CLOSERS]*)\s*$`), with their closer classes.
FINAL_PERIOD_RULES = {
    r"""([^\.])(\.)([\]\)}>"\'»”’ ]*+)\s*$""": "]})>\"'»”’ ",
    r"""([^\.])(\.)([\]\)}>"\']*)\s*$""": "]})>\"'",
}


def _final_period(rx, substitute):
    """A final-period rule run on the only place it can match: after its period a match holds only closers and
    whitespace up to the end, and the period itself is neither, so the period is the character just before the
    text's maximal closer/whitespace suffix and the match starts one before it. On a long sentence the pattern would
    otherwise try every period of it (~8 ms per 100 KB of "p. p. ...")."""
    space = _compile_like(rx, r"\s")
    tail = FINAL_PERIOD_RULES[rx.pattern] + "".join(ch for ch in map(chr, range(0x3001)) if space.match(ch))

    def run(text: str) -> str:
        k = len(text.rstrip(tail))
        if k < 2 or text[k - 1] != "." or text[k - 2] == ".":
            return text
        return text[: k - 2] + substitute(text[k - 2:])

    return run


def _collapse_spaces(rx):
    """`\\s+` -> " " on text that starts and ends with whitespace (the padded sentence). Where the engine's `\\s` and
    `str.isspace()` agree on every character of the text, a C-level split/join gives the same string; the `regex`
    module leaves U+001C..U+001F out of `\\s`, so text containing those takes the regex."""
    unsafe = _split_unsafe(rx)

    def collapse(text: str) -> str:
        if unsafe is not None and unsafe.search(text):
            return rx.sub(" ", text)
        joined = " ".join(text.split())
        return f" {joined} " if joined else " "

    return collapse


def _split_unsafe(rx):
    """A pattern for the characters where `str.isspace()` and `rx`'s `\\s` disagree, or None if there are none.
    Every `isspace()` character is below U+3001 (asserted in tests over all code points)."""
    import re

    space = _compile_like(rx, r"\s")
    bad = [ch for ch in map(chr, range(0x3001)) if ch.isspace() != bool(space.match(ch))]
    return re.compile("[" + "".join(re.escape(ch) for ch in bad) + "]") if bad else None


# Code points that `re.IGNORECASE` matches to an ASCII letter although their lower() is not that letter (İ ı ſ).
FOLD = str.maketrans({"\u0130": "i", "\u0131": "i", "\u017f": "s"})
FOLD_CHARS = "\u0130\u0131\u017f"


def _contractions(patterns: list):
    """CONTRACTIONS2/3 (`(?i)` patterns, each replaced by " \\1 \\2 "); a pattern runs only if its word can be in
    the text.

    Each pattern matches one fixed word (cannot, d'ye, gimme, ... 'twas) case-insensitively, and a character matches
    a letter under `re.IGNORECASE` iff `ch.translate(FOLD).lower()` is that letter (tested over all code points). So
    a match needs the word in `text.translate(FOLD).lower()`. The substitutions only insert spaces, which cannot
    make a word appear, so presence in the original text is checked once.
    """
    import re

    words = [re.sub(r"^\(\?i\) ?|\(\?#X\)|\\b|\(\?=\\s\)|[()]", "", p.pattern) for p in patterns]
    assert all(p.flags & re.IGNORECASE and re.fullmatch(r"[a-z']+", w) for p, w in zip(patterns, words)), words

    def apply(text: str) -> str:
        # translate() rebuilds the whole text (slowly, for wide characters): only when a FOLD character is there
        folded = (text.translate(FOLD) if any(ch in text for ch in FOLD_CHARS) else text).lower()
        for p, word in zip(patterns, words):
            if word in folded:
                text = p.sub(r" \1 \2 ", text)
        return text

    return apply


def treebank_tokenize(sentence: str) -> list[str]:
    """`nltk.tokenize.NLTKWordTokenizer().tokenize(sentence)`: the same rules in the same order."""
    before, after = _treebank_rules()
    for step in before:
        sentence = step(sentence)
    sentence = " " + sentence + " "
    for step in after:
        sentence = step(sentence)
    return sentence.split()


def treebank_tokenize_many(sentences: list[str]) -> list[list[str]]:
    """`[treebank_tokenize(s) for s in sentences]`, with one pass per rule over all of them.

    Per-sentence calls cost ~25 rule calls each, which dominates on text with thousands of short sentences. The
    sentences are joined with SEP and run through `_batched_pattern` versions of the rules, whose matches never
    cross or touch SEP (after padding SEP always stands between spaces), then the tokens are cut at SEP. Falls back
    to one-by-one when a sentence contains SEP or ends with a newline (where `$` would differ).
    """
    if len(sentences) < 2 or any(SEP in s or s.endswith("\n") for s in sentences):
        return [treebank_tokenize(s) for s in sentences]
    before, after = _treebank_rules(batched=True)
    text = SEP.join(sentences)
    for step in before:
        text = step(text)
    text = " " + text.replace(SEP, f" {SEP} ") + " "
    for step in after:
        text = step(text)
    out: list[list[str]] = [[]]
    for tok in text.split():
        if tok == SEP:
            out.append([])
        else:
            out[-1].append(tok)
    return out
