"""The only reader of ``rules/``: rule files, lexicons and text-layer config.

``load_rulebook(dir)`` parses every file, checks it against the schema and
returns an immutable ``Rulebook`` plus the list of every problem found, each
located as ``file:line:col: rule-id: message`` (sqlfluff style: one pass,
all problems).
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import regex
import yaml

from claimminer.patterns import Element, Lexicon, Problem, compile_element, did_you_mean, make_lexicon
from claimminer.yamlloc import DuplicateKey, Loc, load_located, loc_of

SCHEMA_VERSION = 1
CONFIG_FILES = ("layout.yaml", "segmentation.yaml")
KINDS = ("attribution", "commitment", "layer")
ROLES = {
    "attribution": ("source", "cue", "content"),
    "commitment": ("agent", "trigger", "action", "condition", "time"),
    "layer": ("span",),
}
ATTRIBUTES = {
    # clause: relative marks an attribution made inside a relative clause that
    # describes another claim's source ("X, who had said ..., criticized Y").
    # turn: paragraph marks a speaker's turn ("CLINTON: ..."), whose content runs to
    # the end of its paragraph.
    # introduces: next-paragraph marks "SOURCE CUE:" ending a paragraph; its content is
    # the quotation that opens the next paragraph.
    "attribution": {"quote": ("direct", "indirect", "mixed", "auto"), "clause": ("main", "relative"),
                    "turn": ("sentence", "paragraph"), "introduces": ("next-paragraph",)},
    "commitment": {"status": ("made", "intended", "required", "pending", "refused")},
    "layer": {},
}
STATUSES = ("experimental", "stable", "deprecated")
FILE_KEYS = ("schema_version", "ruleset", "version", "description", "rules")
RULE_KEYS = ("id", "version", "status", "description", "kind", "layer", "stage", "priority",
             "pattern", "regex", "roles", "attributes", "examples", "counterexamples", "todo")
EXAMPLE_KEYS = ("text", "expect", "note")
_ID = regex.compile(r"[a-z][a-z0-9]*(?:[./][a-z0-9][a-z0-9-]*)+")
_LEX_REF = regex.compile(r"\{lex:([a-z0-9_]+)\}")
REGEX_TIMEOUT = 0.05  # seconds per sentence and rule; a rule that exceeds it is reported


@dataclass(frozen=True)
class Example:
    text: str
    expect: dict | None
    loc: Loc | None


@dataclass(frozen=True)
class Rule:
    id: str
    version: int
    status: str
    description: str
    kind: str
    stage: int
    priority: int
    order: int                      # file order, the last tie-break
    loc: Loc | None
    layer: str | None = None        # for kind == "layer": the layer it produces
    elements: tuple[Element, ...] = ()
    regex: Any = None               # compiled `regex` pattern, for regex rules
    roles: tuple[tuple[str, str], ...] = ()      # capture -> role
    attributes: tuple[tuple[str, str], ...] = ()
    lexicons_used: tuple[str, ...] = ()
    examples: tuple[Example, ...] = ()
    counterexamples: tuple[Example, ...] = ()
    todo: tuple[Example, ...] = ()
    required_sets: tuple[frozenset[str], ...] = ()  # each must meet the sentence's words (layers included)
    first: tuple[Element, ...] | None = None        # elements a match can start with (None: any token)
    anchor_run: tuple[Element, ...] = ()            # consecutive one-token elements every match contains

    @property
    def ref(self) -> str:
        return f"{self.id}@{self.version}"


@dataclass(frozen=True)
class Rulebook:
    rules: tuple[Rule, ...]
    lexicons: dict[str, Lexicon] = field(hash=False)
    word_masks: dict[str, int] = field(hash=False)
    config: dict[str, Any] = field(hash=False)       # layout.yaml / segmentation.yaml contents
    files: tuple[Path, ...] = ()
    rules_dir: Path | None = None

    def by_stage(self) -> list[tuple[int, tuple[Rule, ...]]]:
        return self._by_stage

    def producers(self) -> dict[str, tuple[Rule, ...]]:
        """Layer name -> the layer rules that produce it, in stage and file order."""
        return self._producers

    def __post_init__(self) -> None:
        stages = sorted({r.stage for r in self.rules})
        object.__setattr__(self, "_by_stage", [(s, tuple(r for r in self.rules if r.stage == s)) for s in stages])
        producers: dict[str, list[Rule]] = {}
        for _, rules in self._by_stage:
            for rule in rules:
                if rule.kind == "layer":
                    producers.setdefault(rule.layer, []).append(rule)
        object.__setattr__(self, "_producers", {k: tuple(v) for k, v in producers.items()})

    def fingerprint(self) -> str:
        digest = hashlib.sha256()
        for path in self.files:
            digest.update(path.name.encode() + b"\0" + path.read_bytes())
        return digest.hexdigest()


def load_lexicons(lexicon_dir: Path) -> dict[str, Lexicon]:
    """``rules/lexicons/NAME.txt``: one entry a line, ``#`` starts a comment.

    A line ``@include OTHER`` adds every entry of ``OTHER.txt`` and ``@exclude OTHER``
    removes them, so that a stop list is composed from other lists instead of
    repeating them.
    """
    raw: dict[str, list[str]] = {}
    for path in sorted(lexicon_dir.glob("*.txt")):
        raw[path.stem] = [e for e in (line.split("#", 1)[0].strip()
                                      for line in path.read_text(encoding="utf-8").splitlines()) if e]

    def entries(name: str, seen: tuple[str, ...]) -> list[str]:
        out: list[str] = []
        excluded: set[str] = set()
        for entry in raw.get(name, []):
            if entry.startswith(("@include ", "@exclude ")):
                other = entry.split(None, 1)[1]
                if other not in seen:
                    (out.extend if entry.startswith("@include") else excluded.update)(entries(other, seen + (other,)))
            else:
                out.append(entry)
        return [e for e in out if e not in excluded]

    return {name: make_lexicon(name, entries(name, (name,)), str(lexicon_dir / f"{name}.txt"), 1 << index)
            for index, name in enumerate(sorted(raw))}


def word_masks(lexicons: dict[str, Lexicon]) -> dict[str, int]:
    """Lower-cased word -> bit set of the lexicons that hold it (single-word entries)."""
    masks: dict[str, int] = {}
    for lexicon in lexicons.values():
        for word in lexicon.words:
            masks[word] = masks.get(word, 0) | lexicon.bit
    return masks


def load_rulebook(rules_dir: Path, extra_files: tuple[Path, ...] = ()) -> tuple[Rulebook, list[Problem]]:
    """Load and check every rule file; never raises on a bad rule, returns the problems."""
    rules_dir = Path(rules_dir)
    problems: list[Problem] = []
    lexicons = load_lexicons(rules_dir / "lexicons")
    config: dict[str, Any] = {}
    files = sorted(rules_dir.glob("lexicons/*.txt"))
    raw_files = []
    for path in sorted(rules_dir.glob("*.yaml")) + list(extra_files):
        files.append(path)
        data = _parse(path, problems)
        if path.name in CONFIG_FILES:
            config[path.stem] = data or {}
        elif data is not None:
            raw_files.append((path, data))
    layers = {"QUOTE"} | {r.get("layer") for _, d in raw_files for r in _rule_list(d)
                          if isinstance(r, dict) and r.get("kind") == "layer" and isinstance(r.get("layer"), str)}
    _check_duplicate_ids(raw_files, problems)
    rules: list[Rule] = []
    seen: set[str] = set()
    for path, data in raw_files:
        for rule in _check_file(path, data, lexicons, layers, problems, len(rules)):
            if rule.id not in seen:  # a duplicate was reported above, valid or not
                seen.add(rule.id)
                rules.append(rule)
    rules = _with_prefilters(rules)
    book = Rulebook(tuple(rules), lexicons, word_masks(lexicons), config, tuple(files), rules_dir)
    return book, problems


def _check_duplicate_ids(raw_files, problems: list[Problem]) -> None:
    """Every id written twice, whether or not either rule is otherwise valid."""
    first: dict[str, Loc | None] = {}
    for _, data in raw_files:
        specs = _rule_list(data)
        for index, spec in enumerate(specs):
            if not isinstance(spec, dict) or not isinstance(spec.get("id"), str):
                continue
            where = loc_of(spec, "id") or loc_of(specs, index)
            if spec["id"] in first:
                problems.append(Problem(where, spec["id"], f"duplicate rule id (first defined at {first[spec['id']]})"))
            else:
                first[spec["id"]] = where


def _with_prefilters(rules: list[Rule]) -> list[Rule]:
    """Work out, once, which words a sentence needs for each rule and where a match can start.

    A layer needs one of its rules' words when every one of its rules needs some;
    a rule needs the words of each mandatory token element and mandatory layer.
    """
    layer_words: dict[str, frozenset[str] | None] = {}
    for stage in sorted({r.stage for r in rules}):
        # Within a stage a layer may refer to itself; only earlier stages' layers are settled.
        settled = dict(layer_words)
        for rule in rules:
            if rule.kind != "layer" or rule.stage != stage:
                continue
            own = _element_sets(rule.elements, settled)
            if not own:
                layer_words[rule.layer] = None
            elif layer_words.get(rule.layer, frozenset()) is not None:
                layer_words[rule.layer] = layer_words.get(rule.layer, frozenset()) | min(own, key=len)
    out = []
    for rule in rules:
        sets = tuple(s for s in _element_sets(rule.elements, layer_words) if s)
        out.append(replace(rule, required_sets=sets, first=_first_elements(rule.elements),
                           anchor_run=_anchor_run(rule.elements)))
    return out


def _element_sets(elements, layer_words) -> list[frozenset[str]]:
    sets = []
    for element in elements:
        if not (element.op in ("", "+", "=") or element.min_repeat > 0):
            continue
        if element.words is not None:
            sets.append(element.words)
        elif element.layer is not None and layer_words.get(element.layer):
            sets.append(layer_words[element.layer])
    return sets


def _anchor_run(elements) -> tuple[Element, ...]:
    """The longest run of consecutive mandatory elements of one token or one lexicon phrase.

    A sentence without that sequence cannot match, and checking it is cheap, so it is done
    before any layer is computed. Runs of one plain token are left to the word filter.
    """
    best: list[Element] = []
    run: list[Element] = []
    for element in elements:
        fixed = (element.op == "" and element.layer is None and element.rest is None
                 and element.anchor is None)
        if fixed:
            run.append(element)
            if len(run) > len(best):
                best = list(run)
        else:
            run = []
    useful = len(best) >= 2 or (len(best) == 1 and best[0].lexicon is not None)
    return tuple(best) if useful else ()


def _first_elements(elements) -> tuple[Element, ...] | None:
    """The elements a match may begin with; None when it may begin anywhere."""
    out = []
    for element in elements:
        if element.op in ("!", "=") or element.rest is not None or element.anchor == "END":
            return None
        out.append(element)
        if element.op not in ("?", "*") or element.min_repeat > 0:
            return tuple(out)
    return None


def display_path(path: Path) -> str:
    """A path as users see it: relative to the working folder when it lies below it."""
    try:
        return Path(path).resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return Path(path).as_posix()


def _parse(path: Path, problems: list[Problem]):
    try:
        return load_located(path.read_text(encoding="utf-8"), display_path(path))
    except DuplicateKey as err:
        problems.append(Problem(err.loc, "", str(err)))
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        loc = Loc(display_path(path), (mark.line + 1) if mark else 1, (mark.column + 1) if mark else 1)
        problems.append(Problem(loc, "", f"YAML syntax error: {err.problem or err}"))
    except (OSError, UnicodeDecodeError) as err:
        problems.append(Problem(Loc(display_path(path), 1, 1), "", f"cannot read: {err}"))
    return None


def _rule_list(data) -> list:
    return data.get("rules", []) if isinstance(data, dict) and isinstance(data.get("rules"), list) else []


def _check_file(path: Path, data, lexicons, layers, problems: list[Problem], order0: int) -> list[Rule]:
    here = Loc(display_path(path), 1, 1)
    if not isinstance(data, dict):
        problems.append(Problem(here, "", "a rule file must be a mapping with schema_version, ruleset, rules"))
        return []
    for key in data:
        if key not in FILE_KEYS:
            problems.append(Problem(loc_of(data, key), "", f"unknown key {key!r}{did_you_mean(key, FILE_KEYS)}"))
    if data.get("schema_version") != SCHEMA_VERSION:
        problems.append(Problem(loc_of(data, "schema_version", here), "",
                                f"schema_version must be {SCHEMA_VERSION}, not {data.get('schema_version')!r}"))
    if not isinstance(data.get("ruleset"), str):
        problems.append(Problem(loc_of(data, "ruleset", here), "", "ruleset must be a name"))
    if not isinstance(data.get("rules"), list):
        problems.append(Problem(loc_of(data, "rules", here), "", "rules must be a list"))
        return []
    out = []
    for index, spec in enumerate(data["rules"]):
        rule = _check_rule(spec, lexicons, layers, problems, order0 + index, loc_of(data["rules"], index))
        if rule is not None:
            out.append(rule)
    return out


def _check_rule(spec, lexicons, layers, problems: list[Problem], order: int, where) -> Rule | None:
    if not isinstance(spec, dict):
        problems.append(Problem(where, "", "a rule must be a mapping"))
        return None
    rule_id = spec.get("id") if isinstance(spec.get("id"), str) else ""
    before = len(problems)

    def add(message: str, key=None, obj=spec) -> None:
        problems.append(Problem(loc_of(obj, key, where), rule_id, message))

    for key in spec:
        if key not in RULE_KEYS:
            add(f"unknown key {key!r}{did_you_mean(key, RULE_KEYS)}", key)
    if not rule_id or not _ID.fullmatch(rule_id):
        add("id must be a namespaced lower-case name such as 'attr.said-that'", "id")
    kind = spec.get("kind")
    if kind not in KINDS:
        add(f"kind must be one of {', '.join(KINDS)}, not {kind!r}{did_you_mean(kind, KINDS)}", "kind")
        kind = "attribution"
    for key, typ in (("version", int), ("stage", int), ("priority", int), ("description", str)):
        if not isinstance(spec.get(key), typ) or isinstance(spec.get(key), bool):
            add(f"{key} must be {'an integer' if typ is int else 'a string'}, not {spec.get(key)!r}", key)
    if spec.get("status") not in STATUSES:
        add(f"status must be one of {', '.join(STATUSES)}{did_you_mean(spec.get('status'), STATUSES)}", "status")
    if kind == "layer" and not isinstance(spec.get("layer"), str):
        add("a layer rule names the layer it produces in 'layer'", "layer")
    elements, compiled_regex, captures = _check_pattern(spec, kind, lexicons, layers, rule_id, problems, add)
    roles = _check_roles(spec, kind, captures, add)
    attributes = _check_attributes(spec, kind, add)
    examples = _check_examples(spec, "examples", roles, add, problems, rule_id)
    counter = _check_examples(spec, "counterexamples", roles, add, problems, rule_id)
    todo = _check_examples(spec, "todo", roles, add, problems, rule_id)
    if len(problems) > before:
        return None
    used = sorted({v for e in spec.get("pattern") or [] if isinstance(e, dict)
                   for k, v in e.items() if k in ("IN", "NOT_IN") and isinstance(v, str)}
                  | set(_LEX_REF.findall(spec.get("regex") or "")))
    return Rule(rule_id, spec["version"], spec["status"], spec["description"], kind, spec["stage"],
                spec["priority"], order, where, spec.get("layer"), tuple(elements), compiled_regex,
                tuple(roles.items()), tuple(sorted(attributes.items())), tuple(used),
                examples, counter, todo)


def _check_pattern(spec, kind, lexicons, layers, rule_id, problems, add):
    has_pattern, has_regex = "pattern" in spec, "regex" in spec
    if has_pattern == has_regex:
        add("a rule has exactly one of 'pattern' (token elements) or 'regex'")
        return [], None, set()
    if has_regex:
        source = spec["regex"]
        if not isinstance(source, str):
            add("regex must be a string", "regex")
            return [], None, set()
        missing = [n for n in _LEX_REF.findall(source) if n not in lexicons]
        for name in missing:
            add(f"undefined lexicon {name!r}{did_you_mean(name, sorted(lexicons))}", "regex")
        if missing:
            return [], None, set()
        expanded = _LEX_REF.sub(lambda m: _lexicon_alternation(lexicons[m.group(1)]), source)
        try:
            compiled = regex.compile(expanded, regex.IGNORECASE)
        except regex.error as err:
            add(f"regex does not compile: {err}", "regex")
            return [], None, set()
        return [], compiled, set(compiled.groupindex)
    pattern = spec["pattern"]
    if not isinstance(pattern, list) or not pattern:
        add("pattern must be a non-empty list of elements", "pattern")
        return [], None, set()
    elements = [compile_element(e, lexicons, layers, rule_id, problems) for e in pattern]
    if kind == "layer":
        for element in elements:
            if element is not None and element.capture is None:
                element.capture = "span"
    return [e for e in elements if e is not None], None, {e.capture for e in elements if e and e.capture}


def _lexicon_alternation(lexicon: Lexicon) -> str:
    entries = sorted(lexicon.words | {" ".join(p) for ps in lexicon.phrases.values() for p in ps},
                     key=lambda s: (-len(s), s))
    return r"\b(?:" + "|".join(regex.escape(e).replace(r"\ ", r"\s+") for e in entries) + r")\b"


def _check_roles(spec, kind, captures: set, add) -> dict[str, str]:
    allowed = ROLES[kind]
    mapping = spec.get("roles")
    if mapping is None:
        mapping = {c: c for c in sorted(captures)}
    if not isinstance(mapping, dict):
        add("roles must map capture names to roles", "roles")
        return {}
    for capture, role in mapping.items():
        if role not in allowed:
            add(f"capture {capture!r} mapped to unknown role {role!r}{did_you_mean(role, allowed)}",
                capture, mapping if hasattr(mapping, "key_locs") else spec)
        if capture not in captures:
            add(f"roles name capture {capture!r}, which the pattern does not produce"
                f"{did_you_mean(capture, sorted(captures))}", capture, mapping if hasattr(mapping, "key_locs") else spec)
    return {c: r for c, r in mapping.items() if r in allowed}


def _check_attributes(spec, kind, add) -> dict[str, str]:
    attributes = spec.get("attributes") or {}
    allowed = ATTRIBUTES[kind]
    if not isinstance(attributes, dict):
        add("attributes must be a mapping", "attributes")
        return {}
    for key, value in attributes.items():
        if key not in allowed:
            add(f"unknown attribute {key!r}{did_you_mean(key, list(allowed))}", key, attributes)
        elif value not in allowed[key]:
            add(f"{key} must be one of {', '.join(allowed[key])}, not {value!r}", key, attributes)
    return {k: v for k, v in attributes.items() if k in allowed}


def _check_examples(spec, key, roles: dict, add, problems, rule_id) -> tuple[Example, ...]:
    items = spec.get(key) or []
    if not isinstance(items, list):
        add(f"{key} must be a list", key)
        return ()
    out = []
    produced = set(roles.values())
    for index, item in enumerate(items):
        where = loc_of(items, index)
        if isinstance(item, str):
            out.append(Example(item, None, where))
            continue
        if not isinstance(item, dict) or not isinstance(item.get("text"), str):
            problems.append(Problem(where, rule_id, f"each of {key} is a string or a mapping with 'text'"))
            continue
        for k in item:
            if k not in EXAMPLE_KEYS:
                problems.append(Problem(loc_of(item, k), rule_id, f"unknown key {k!r}{did_you_mean(k, EXAMPLE_KEYS)}"))
        expect = item.get("expect")
        if expect is not None:
            if not isinstance(expect, dict):
                problems.append(Problem(loc_of(item, "expect"), rule_id, "expect must map roles to texts"))
                continue
            for role in expect:
                if role not in produced:
                    problems.append(Problem(loc_of(expect, role), rule_id,
                                            f"expected capture {role!r} is not produced by this rule"
                                            f"{did_you_mean(role, sorted(produced))}"))
        out.append(Example(item["text"], dict(expect) if expect else None, where))
    return tuple(out)
