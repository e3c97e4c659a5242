"""The fast engine's token columns (``tokenbits``): one bit set per element class and sentence."""
from __future__ import annotations

import pytest

from claimminer.cli import load_resources
from claimminer.match import compiled
from claimminer.tokens import tokenize


@pytest.fixture(scope="module")
def book():
    return load_resources(None).rulebook


@pytest.fixture(scope="module")
def program(book):
    return compiled(book)


def test_regex_tests_are_per_surface_features(program) -> None:
    """A REGEX test is a feature like a lexicon: computed once per distinct surface, cached."""
    table = program.table
    assert table.regexes
    tokens = tokenize("Officials warned that talks were stalling")
    for token in tokens:
        found, _ = table.features(token)
        for attr, pattern, feature in table.regexes:
            surface = token.norm if attr == "norm" else token.lower
            assert (feature in found) == (pattern.fullmatch(surface) is not None), (token.norm, pattern.pattern)


def test_class_masks_agree_with_the_elements_one_token_at_a_time(program) -> None:
    """Each element class's bit set holds exactly the tokens that pass the class's tests."""
    from claimminer.tokenbits import SentenceBits

    table = program.table
    tokens = tokenize("The minister's aides said on Tuesday that 15 officials were warned, reportedly.")
    bits = SentenceBits(table, tokens, [False] * len(tokens))
    for cls, (need, forbid, quote) in enumerate(table.classes):
        mask = bits.class_mask(cls)
        for i, token in enumerate(tokens):
            found = set(table.features(token)[0])
            passes = set(need) <= found and not set(forbid) & found and quote is not True
            assert bool(mask >> i & 1) == passes, (cls, token.norm)


def test_phrase_lexicon_tables_agree_with_lexicon_advance(book, program) -> None:
    """The columns' phrase matching (tuple slices) gives ``Lexicon.advance``'s ends, in its order."""
    from claimminer.tokenbits import SentenceBits

    lexicons = [lexicon for lexicon in book.lexicons.values()
                if lexicon.phrases and id(lexicon) in program.table.first_word_feature]
    assert lexicons
    for text in ("He has said that he will not have to step down, according to a source close to him.",
                 "In addition to that, as well as this, they 'll be able to say so"):
        tokens = tokenize(text)
        bits = SentenceBits(program.table, tokens, [False] * len(tokens))
        for lexicon in lexicons:
            expected = {i: tuple(lexicon.advance(tokens, i)) for i in range(len(tokens))}
            assert bits.lexicon_table(lexicon) == {i: ends for i, ends in expected.items() if ends}, lexicon.name


def test_dense_features_are_stored_inverted(program) -> None:
    """The stored columns flip exactly the dense features; class masks (above) still hold the passing tokens."""
    table = program.table
    assert table.inverted, "the shipped rules have dense REGEX/shape features (e.g. 'not ending in -ed')"
    for token in tokenize("Officials, reportedly, SAID the U.S. plan's 3,500 jobs were 'stalling' -- Gen. Lee."):
        found, required, stored = table.entry(token)
        assert set(stored) == set(found) ^ table.inverted, token.norm
        assert table.features(token) == (found, required)
    for key, on_columns in zip(table.classes, table.column_classes):
        assert set(key[0]) ^ set(key[1]) == set(on_columns[0]) ^ set(on_columns[1])
        assert key[2] == on_columns[2]


def test_token_regex_answers_as_the_regex_module_does(book) -> None:
    """A REGEX token test run by ``re`` (shared syntax) passes exactly the words ``regex`` passes."""
    import re

    import regex

    from claimminer.patterns import token_regex

    sources = {test.value for rule in book.rules for element in rule.elements for test in element.tests
               if test.kind == "regex"}
    sources |= {r"[a-z]+(?:ed|s)?", r"(?!.*ly$)[A-Z].*", r"a\.b|[^\-]{2,}", r"(x)y*"}
    words = sorted({word for lexicon in book.lexicons.values() for word in lexicon.words})
    words += ["", "Ã©", "protegÃ", "Ä°stanbul", "café", "naïve", "ǅ", "K", "ß", "1,000%", "1999\n", "a\nb",
              "-", "'s", "Twenty-one", "state-run", "Mr.", "x" * 60]
    assert any(isinstance(token_regex(source), re.Pattern) for source in sources)
    for source in sources:
        fast, reference = token_regex(source), regex.compile(source)
        for word in words:
            assert (fast.fullmatch(word) is None) == (reference.fullmatch(word) is None), (source, word)


@pytest.mark.parametrize("source", [r"(?i)ab", r"\w+", r"\d+", r"(a)\1", r"(?V1)a", r"(?>a)", r"\p{Lu}.*",
                                    r"(?<=a)b", r"a{e<=1}", r"[[:alpha:]]", r"a(?i)b"])
def test_token_regex_keeps_the_regex_module_outside_the_shared_syntax(source) -> None:
    """Flags, Unicode classes, back references and ``regex``-only syntax stay with ``regex``."""
    import regex

    from claimminer.patterns import token_regex

    assert isinstance(token_regex(source), regex.Pattern)


def test_grouped_regex_tests_answer_as_each_test_alone() -> None:
    """REGEX tests asked in one combined pattern pass exactly the surfaces each passes alone
    (``fullmatch``); tests with groups or inline flags past the start are asked alone."""
    import re

    import regex

    from claimminer.tokenbits import _grouped_regexes

    sources = [r".*(?:ed|s)", r"(?!.*ed$).*", r"[a-z]+ing", r"(?i).*[^s]s", r"\d[\d.,]*%", r"[\w][\w\-]*|'s|'",
               r"(?i)(?:twenty|thirty)-(?:one|two)", r"(ab)+", r"x(?i)y", r"[A-Z][a-z]+s"]
    regexes = [("norm", re.compile(s) if "\\" not in s and "(?i" not in s else regex.compile(s), f)
               for f, s in enumerate(sources)]
    groups, single = _grouped_regexes(regexes)
    assert sorted(f for _, _, f in single) == [7, 8]       # "(ab)+" has a group; "x(?i)y" a flag inside
    words = ["said", "talks", "stalling", "ING", "Press", "4.5%", "Twenty-One", "abab", "xY", "Xy", "'s", "", "s",
             "passed", "Officials", "1,2%", "thirty-two", "we're"]
    for word in words:
        hits = {f for _, pattern, fs in groups for f, g in zip(fs, pattern.match(word).groups()) if g is not None}
        hits |= {f for _, pattern, f in single if pattern.fullmatch(word)}
        assert hits == {f for _, pattern, f in regexes if pattern.fullmatch(word)}, word


def test_shape_bits_follow_the_shape_names() -> None:
    from claimminer.patterns import SHAPE_BITS
    from claimminer.tokens import shape_bits

    def shapes(word: str) -> set[str]:
        return {name for name, bit in SHAPE_BITS.items() if shape_bits(word) & bit}

    assert shapes("Paris") == {"IS_TITLE", "IS_ALPHA", "IS_CAPITALISED"}
    assert shapes("NATO") == {"IS_UPPER", "IS_ALPHA", "IS_CAPITALISED"}
    assert shapes("I") == {"IS_TITLE", "IS_UPPER", "IS_ALPHA", "IS_CAPITALISED"}
    assert shapes("said") == {"IS_LOWER", "IS_ALPHA"}
    assert shapes("2016") == {"IS_DIGIT", "LIKE_NUM"}
    assert shapes('"') == {"IS_PUNCT", "IS_QUOTE"}
    assert shapes("--") == {"IS_PUNCT"}


def test_ascii_twins_read_ascii_strings_as_the_regex_module() -> None:
    """A source ``patterns.ascii_shared`` admits matches the same ASCII strings under ``re`` as under
    ``regex``, so the combined pattern's ``re`` twin (``tokenbits.AsciiTwin``) may answer for them;
    other strings still go to ``regex``. Checked on every REGEX test of the shipped rules and on
    sources written for the corners (case, word and digit classes, negated classes)."""
    import random
    import re

    import regex

    from claimminer.cli import load_resources
    from claimminer.match import compiled
    from claimminer.patterns import ascii_shared, token_regex
    from claimminer.tokenbits import AsciiTwin, _grouped_regexes

    program = compiled(load_resources(None).rulebook)
    assert program is not None
    sources = [pattern.pattern for _, pattern, _ in program.table.regexes]
    sources += [r"(?i)[^s]\w*K", r"\W\D[\w\-]+", r"(?i)[a-z_]+\d", r"[^\w]+", r"(?i)stra(?:ss|ß)e", r"\d+"]
    rnd = random.Random(17)
    alphabet = "aAsSkKzZ_09-.,%'\" \t\x1c\x7f" + "ſKßé١٢"
    strings = ["".join(rnd.choice(alphabet) for _ in range(rnd.randint(0, 6))) for _ in range(20000)]
    strings += ["said", "Twenty-One", "4.5%", "'s", "straße", "STRASSE", "K", "ſ"]
    shared = [s for s in sources if ascii_shared(token_regex(s))]
    assert len(shared) >= 8
    for source in shared:
        theirs, ours = regex.compile(source), re.compile(source)
        for string in strings:
            if string.isascii():
                assert (ours.fullmatch(string) is None) == (theirs.fullmatch(string) is None), (source, string)
    # The tests as the feature table groups them: every surface gets the hits of each test alone.
    groups, single = _grouped_regexes(program.table.regexes)
    assert any(isinstance(pattern, AsciiTwin) for _, pattern, _ in groups)
    for string in strings:
        hits = {f for _, pattern, fs in groups for f, g in zip(fs, pattern.match(string).groups()) if g is not None}
        hits |= {f for _, pattern, f in single if pattern.fullmatch(string)}
        assert hits == {f for _, pattern, f in program.table.regexes if pattern.fullmatch(string)}, string
