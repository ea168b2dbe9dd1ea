"""Framework libraries: security frameworks as checklists of requirements, in CISO Assistant's YAML format.

A library file holds one framework (ANSSI hygiene guide, NIST CSF 2.0, CaRE domains, NIS2 art. 21...): a
header (urn, locale, ref_id, name, description, copyright, version, provider, packager) and
``objects.framework`` with its maturity scale (``scores_definition``), optional implementation groups and a
flat list of ``requirement_nodes`` made into a tree by ``parent_urn``. Assessable nodes are the requirements
an establishment answers.

Our one extension is ``x_cyber360_controls`` on a node: the ids of the controls of ``data/controls.yaml``
that the requirement evidences. CISO Assistant's importer reads the keys it knows and ignores the others, so
our files stay importable there; this module keeps the unknown keys of foreign files so that an export gives
them back. The mapping lives only on the nodes (one source of truth); the catalogue lists the controls.

Everything here is pure: text in, validated objects out, text back. Hostile input (python tags, aliases,
duplicate keys, oversize, deep nesting, cycles) is refused with a ``LibraryError`` that names the field
path, gives the reason in French and an English code.
"""

from __future__ import annotations

import datetime
from collections.abc import Hashable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from importlib import resources
from importlib.resources.abc import Traversable
from typing import Annotated, Any, Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    JsonValue,
    PrivateAttr,
    StringConstraints,
    ValidationError,
    field_validator,
    model_validator,
)

MAX_LIBRARY_BYTES = 8 * 1024 * 1024
MAX_REQUIREMENT_NODES = 20_000
MAX_TEXT_LENGTH = 50_000
MAX_YAML_DEPTH = 64
CONTROLS_KEY = "x_cyber360_controls"

Urn = Annotated[str, StringConstraints(pattern=r"^urn:\S+$", max_length=512, to_lower=True)]
Text = Annotated[str, StringConstraints(max_length=MAX_TEXT_LENGTH)]
ShortText = Annotated[str, StringConstraints(min_length=1, max_length=200)]
ControlId = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{1,63}$")]
Locale = Annotated[str, StringConstraints(pattern=r"^[a-z]{2,3}([-_][A-Za-z0-9]{2,8})?$")]
Translations = dict[Locale, dict[str, JsonValue]]


@dataclass(frozen=True)
class LibraryIssue:
    """One reason a library is refused: an English code, the path of the field, a French message."""

    code: str
    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path or '<document>'} : {self.message} [{self.code}]"


class LibraryError(Exception):
    """The library (or control catalogue) is refused; ``issues`` lists every reason found.

    Not a ``ValueError`` on purpose: raised from inside pydantic validators, it must cross them unchanged.
    """

    def __init__(self, issues: Sequence[LibraryIssue]) -> None:
        self.issues = tuple(issues)
        super().__init__("; ".join(str(issue) for issue in self.issues))

    @property
    def code(self) -> str:
        return self.issues[0].code

    @property
    def path(self) -> str:
        return self.issues[0].path


def _fail(code: str, path: str, message: str) -> LibraryError:
    return LibraryError([LibraryIssue(code, path, message)])


# --- safe YAML -------------------------------------------------------------------------------------------

try:
    from yaml import CSafeLoader as _SafeLoader
except ImportError:  # PyYAML built without libyaml: same behaviour, slower
    from yaml import SafeLoader as _SafeLoader  # type: ignore[assignment]


class _StrictLoader(_SafeLoader):
    """safe_load's loader (libyaml when present), refusing duplicate keys (YAML silently drops values)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Hashable, Any]:
        seen: set[Hashable] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=True)
            if isinstance(key, Hashable) and key in seen:
                line = key_node.start_mark.line + 1
                raise _fail("yaml_duplicate_key", f"ligne {line}", f"clé « {key} » en double")
            if isinstance(key, Hashable):
                seen.add(key)
        return super().construct_mapping(node, deep=deep)


def _check_events(text: str) -> None:
    """A flat pass over the parser's events, before anything is built: aliases (the billion-laughs
    expansion) and deep nesting (recursion in the composer) are refused here."""
    depth = 0
    for event in yaml.parse(text, Loader=_SafeLoader):
        where = f"ligne {event.start_mark.line + 1}" if event.start_mark else ""
        if isinstance(event, yaml.AliasEvent):
            raise _fail("yaml_alias_forbidden", where, "les ancres et alias YAML (&, *) sont refusés")
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > MAX_YAML_DEPTH:
                raise _fail("yaml_too_deep", where, "imbrication YAML trop profonde")
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1


def parse_yaml(source: str | bytes, *, max_bytes: int = MAX_LIBRARY_BYTES) -> object:
    """Parse untrusted YAML into plain data (dict, list, str, numbers, dates), or raise ``LibraryError``."""
    if len(source) > max_bytes or (isinstance(source, str) and len(source.encode("utf-8")) > max_bytes):
        raise _fail("too_large", "", f"fichier trop volumineux (limite : {max_bytes} octets)")
    if isinstance(source, bytes):
        try:
            source = source.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise _fail("encoding", "", f"le fichier n'est pas en UTF-8 (octet {exc.start})") from None
    loader = _StrictLoader(source)
    try:
        _check_events(source)
        return loader.get_single_data()
    except yaml.constructor.ConstructorError as exc:
        where = f"ligne {exc.problem_mark.line + 1}" if exc.problem_mark else ""
        raise _fail("yaml_forbidden_tag", where, f"construction YAML refusée ({exc.problem})") from None
    except yaml.MarkedYAMLError as exc:
        where = f"ligne {exc.problem_mark.line + 1}" if exc.problem_mark else ""
        raise _fail("yaml_syntax", where, f"YAML invalide ({exc.problem})") from None
    except yaml.YAMLError as exc:
        raise _fail("yaml_syntax", "", f"YAML invalide ({exc})") from None
    finally:
        loader.dispose()


_MESSAGES_FR = {  # pydantic error types, or their first word, in French
    "missing": "champ obligatoire manquant",
    "string_type": "doit être un texte",
    "int": "doit être un nombre entier",
    "bool": "doit valoir true ou false",
    "list_type": "doit être une liste",
    "dict_type": "doit être un dictionnaire (clé : valeur)",
    "model_type": "doit être un dictionnaire (clé : valeur)",
    "string_too_long": "texte trop long",
    "string_too_short": "ne doit pas être vide",
    "string_pattern_mismatch": "format invalide",
    "too_long": "liste trop longue",
    "too_short": "liste vide",
    "greater_than_equal": "valeur trop petite",
    "less_than_equal": "valeur trop grande",
    "extra_forbidden": "champ inconnu",
    "literal_error": "valeur non autorisée",
}


def _format_path(location: Iterable[int | str]) -> str:
    path = ""
    for part in location:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path


def _issues_from(exc: ValidationError) -> list[LibraryIssue]:
    issues = []
    for error in exc.errors(include_url=False):
        code = error["type"]
        message = _MESSAGES_FR.get(code) or _MESSAGES_FR.get(code.split("_")[0], error["msg"])
        if code == "string_pattern_mismatch" and error["loc"] and "urn" in str(error["loc"][-1]):
            code, message = "invalid_urn", "URN invalide (attendu : urn:… sans espace)"
        issues.append(LibraryIssue(code, _format_path(error["loc"]), message))
    return issues


# --- the library format ----------------------------------------------------------------------------------


class _Item(BaseModel):
    """Common base: unknown keys are kept (and exported back), numbers given as ids become text."""

    model_config = ConfigDict(extra="allow", frozen=True, coerce_numbers_to_str=True)

    def localized(self, field: str, locale: str) -> str | None:
        """The field in the given locale when a translation exists, else in the library's own locale."""
        translations: Translations = getattr(self, "translations", None) or {}
        translated = translations.get(locale, {}).get(field)
        if isinstance(translated, str):
            return translated
        value = getattr(self, field, None)
        return value if isinstance(value, str) else None


class ScoreDefinition(_Item):
    score: int
    name: ShortText
    description: Text | None = None
    translations: Translations | None = None


class ImplementationGroup(_Item):
    ref_id: ShortText
    name: ShortText
    description: Text | None = None
    translations: Translations | None = None
    default_selected: bool | None = None


class RequirementNode(_Item):
    """A node of the framework tree: a section (not assessable) or a requirement (assessable)."""

    urn: Urn
    parent_urn: Urn | None = None
    assessable: bool = False
    depth: int | None = Field(default=None, ge=1, le=50)
    ref_id: ShortText | None = None
    name: Text | None = None
    description: Text | None = None
    annotation: Text | None = None
    typical_evidence: Text | None = None
    implementation_groups: list[ShortText] | None = None
    controls: list[ControlId] | None = Field(default=None, alias=CONTROLS_KEY)
    translations: Translations | None = None

    @field_validator("implementation_groups", mode="before")
    @classmethod
    def _split_groups(cls, value: object) -> object:
        return (
            [part.strip() for part in value.split(",") if part.strip()] if isinstance(value, str) else value
        )


class Framework(_Item):
    """The framework object; once validated its nodes form a checked tree (no duplicate, orphan or cycle)."""

    urn: Urn
    ref_id: ShortText
    name: Text
    description: Text | None = None
    translations: Translations | None = None
    min_score: int | None = None
    max_score: int | None = None
    scores_definition: list[ScoreDefinition] | None = None
    implementation_groups_definition: list[ImplementationGroup] | None = None
    requirement_nodes: list[RequirementNode] = Field(min_length=1, max_length=MAX_REQUIREMENT_NODES)

    _nodes: dict[str, RequirementNode] = PrivateAttr(default_factory=dict)
    _children: dict[str | None, list[RequirementNode]] = PrivateAttr(default_factory=dict)

    @model_validator(mode="after")
    def _build_tree(self) -> Framework:
        where = "objects.framework"
        issues: list[LibraryIssue] = []
        scores = [definition.score for definition in self.scores_definition or []]
        if len(set(scores)) != len(scores):
            issues.append(
                LibraryIssue("duplicate_score", f"{where}.scores_definition", "niveau de score en double")
            )
        low, high = self.score_range()
        if low > high or any(not low <= score <= high for score in scores):
            issues.append(LibraryIssue("score_range", f"{where}.scores_definition", "scores hors de min/max"))
        groups = {group.ref_id for group in self.implementation_groups_definition or []}
        nodes: dict[str, RequirementNode] = {}
        for index, node in enumerate(self.requirement_nodes):
            path = f"{where}.requirement_nodes[{index}]"
            if node.urn in nodes:
                issues.append(LibraryIssue("duplicate_urn", f"{path}.urn", f"URN « {node.urn} » en double"))
            nodes.setdefault(node.urn, node)
            for group in node.implementation_groups or []:
                if group not in groups:
                    message = (
                        f"groupe de mise en œuvre « {group} » non défini (implementation_groups_definition)"
                    )
                    issues.append(
                        LibraryIssue("unknown_implementation_group", f"{path}.implementation_groups", message)
                    )
        for index, node in enumerate(self.requirement_nodes):
            if node.parent_urn is not None and node.parent_urn not in nodes:
                message = f"parent « {node.parent_urn} » introuvable"
                issues.append(
                    LibraryIssue("unknown_parent", f"{where}.requirement_nodes[{index}].parent_urn", message)
                )
        issues += _find_cycles(self.requirement_nodes, nodes, where)
        if issues:
            raise LibraryError(issues)
        self._nodes = nodes
        self._children = {}
        for node in self.requirement_nodes:
            self._children.setdefault(node.parent_urn, []).append(node)
        return self

    def score_range(self) -> tuple[int, int]:
        """Lowest and highest answer score: explicit min/max, else the scale, else 0-100 (CISO Assistant)."""
        scores = [definition.score for definition in self.scores_definition or []]
        low = self.min_score if self.min_score is not None else min(scores, default=0)
        high = self.max_score if self.max_score is not None else max(scores, default=100)
        return low, high

    def node(self, urn: str) -> RequirementNode:
        return self._nodes[urn.lower()]

    def children(self, urn: str | None = None) -> tuple[RequirementNode, ...]:
        """Direct children in document order; ``None`` gives the roots."""
        return tuple(self._children.get(urn.lower() if urn else None, ()))

    def ancestors(self, urn: str) -> list[RequirementNode]:
        """Parents of a node, nearest first."""
        chain, parent = [], self.node(urn).parent_urn
        while parent is not None:
            chain.append(self._nodes[parent])
            parent = self._nodes[parent].parent_urn
        return chain

    def walk(self) -> Iterator[tuple[RequirementNode, int]]:
        """Every node depth-first in document order, with its level (1 for roots)."""
        stack = [(node, 1) for node in reversed(self.children())]
        while stack:
            node, level = stack.pop()
            yield node, level
            stack.extend((child, level + 1) for child in reversed(self.children(node.urn)))

    def implementation_group_ids(self) -> list[str]:
        return [group.ref_id for group in self.implementation_groups_definition or []]

    def default_implementation_groups(self) -> list[str]:
        """The groups selected by default when an assessment starts: those flagged, else all of them."""
        flagged = [
            group.ref_id for group in self.implementation_groups_definition or [] if group.default_selected
        ]
        return flagged or self.implementation_group_ids()

    def assessable_requirements(
        self, implementation_groups: Iterable[str] | None = None
    ) -> list[RequirementNode]:
        """Requirements to answer, in tree order. With groups selected, a requirement is kept when it
        belongs to one of them; one tagged with no group applies to every selection (never silently dropped).
        """
        selected = None if implementation_groups is None else set(implementation_groups)
        if selected is not None and (unknown := selected - set(self.implementation_group_ids())):
            names = ", ".join(sorted(unknown))
            raise _fail(
                "unknown_implementation_group", "implementation_groups", f"groupes inconnus : {names}"
            )
        return [
            node
            for node, _ in self.walk()
            if node.assessable
            and (
                selected is None
                or not node.implementation_groups
                or selected & set(node.implementation_groups)
            )
        ]


def _find_cycles(
    ordered: list[RequirementNode], nodes: dict[str, RequirementNode], where: str
) -> list[LibraryIssue]:
    """Nodes whose chain of parents loops; each loop is reported once, on the node where it closes."""
    reaches_root: set[str] = set()
    reported: set[str] = set()
    position = {node.urn: index for index, node in reversed(list(enumerate(ordered)))}
    issues = []
    for node in ordered:
        chain: list[str] = []
        on_chain: set[str] = set()
        current: str | None = node.urn
        while current is not None and current in nodes and current not in reaches_root:
            if current in on_chain:
                loop = chain[chain.index(current) :]
                if not reported & set(loop):
                    message = "cycle dans l'arborescence : " + " -> ".join([*loop, current])
                    path = f"{where}.requirement_nodes[{position[loop[0]]}].parent_urn"
                    issues.append(LibraryIssue("cycle", path, message))
                reported.update(loop)
                break
            chain.append(current)
            on_chain.add(current)
            current = nodes[current].parent_urn
        else:
            reaches_root.update(chain)
    return issues


class LibraryObjects(_Item):
    framework: Framework


class Library(_Item):
    """A library file: header and objects. Other object kinds (reference_controls, threats...) are kept."""

    urn: Urn
    locale: Locale
    ref_id: ShortText
    name: Text
    description: Text | None = None
    copyright: Text | None = None
    version: int = Field(ge=1)
    publication_date: str | None = None
    provider: Text | None = None
    packager: Text | None = None
    dependencies: list[Urn] | None = None
    translations: Translations | None = None
    objects: LibraryObjects

    @field_validator("publication_date", mode="before")
    @classmethod
    def _date_as_text(cls, value: object) -> object:
        return value.isoformat() if isinstance(value, datetime.date) else value

    @property
    def framework(self) -> Framework:
        return self.objects.framework


def load_library(
    source: str | bytes, *, max_bytes: int = MAX_LIBRARY_BYTES, controls: ControlCatalogue | None = None
) -> Library:
    """Parse and validate a library file; given a control catalogue, also check every control id it names."""
    data = parse_yaml(source, max_bytes=max_bytes)
    if not isinstance(data, dict):
        raise _fail("not_a_mapping", "", "le document doit être un dictionnaire (urn, locale, objects…)")
    if not isinstance(data.get("objects"), dict) or "framework" not in data["objects"]:
        raise _fail(
            "framework_missing", "objects.framework", "la bibliothèque ne contient pas de référentiel"
        )
    try:
        library = Library.model_validate(data)
    except ValidationError as exc:
        raise LibraryError(_issues_from(exc)) from None
    if controls is not None and (issues := check_control_references(library, controls)):
        raise LibraryError(issues)
    return library


class _ExportDumper(yaml.SafeDumper):
    def ignore_aliases(self, data: object) -> bool:
        return True


def _represent_text(dumper: yaml.SafeDumper, text: str) -> yaml.ScalarNode:
    style = "|" if "\n" in text else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", text, style=style)


_ExportDumper.add_representer(str, _represent_text)


def export_library(library: Library) -> str:
    """The library as YAML in the same format; ``load_library(export_library(x)) == x``."""
    data = library.model_dump(mode="python", by_alias=True, exclude_unset=True)
    return yaml.dump(data, Dumper=_ExportDumper, sort_keys=False, allow_unicode=True, width=110)


# --- control catalogue and mapping -----------------------------------------------------------------------


class Control(BaseModel):
    """A security control of our catalogue; requirements of every framework point to it, so it is the pivot of
    the cross-framework mapping and, later, of the loss model (``effects``, added with the risk engine)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: ControlId
    name_fr: ShortText
    name_en: ShortText
    description_fr: Text
    description_en: Text | None = None
    category: Literal["policy", "process", "technical", "physical", "procedure"]
    csf_function: Literal["govern", "identify", "protect", "detect", "respond", "recover"]
    effects: dict[str, JsonValue] | None = None


class ControlCatalogue(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    version: int = Field(ge=1)
    description: Text | None = None
    controls: list[Control] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique_ids(self) -> ControlCatalogue:
        seen: set[str] = set()
        for index, control in enumerate(self.controls):
            if control.id in seen:
                raise _fail(
                    "duplicate_control", f"controls[{index}].id", f"contrôle « {control.id} » en double"
                )
            seen.add(control.id)
        return self

    def ids(self) -> list[str]:
        return [control.id for control in self.controls]

    def get(self, control_id: str) -> Control:
        return {control.id: control for control in self.controls}[control_id]


def load_controls(source: str | bytes) -> ControlCatalogue:
    data = parse_yaml(source)
    try:
        return ControlCatalogue.model_validate(data)
    except ValidationError as exc:
        raise LibraryError(_issues_from(exc)) from None


def check_control_references(library: Library, catalogue: ControlCatalogue) -> list[LibraryIssue]:
    """Issues for every node that names a control absent from the catalogue."""
    known = set(catalogue.ids())
    issues = []
    for index, node in enumerate(library.framework.requirement_nodes):
        path = f"objects.framework.requirement_nodes[{index}].{CONTROLS_KEY}"
        for control_id in node.controls or []:
            if control_id not in known:
                issues.append(
                    LibraryIssue("unknown_control", path, f"contrôle « {control_id} » absent du catalogue")
                )
    return issues


def controls_for_requirement(library: Library, urn: str) -> tuple[str, ...]:
    return tuple(library.framework.node(urn).controls or ())


def control_mapping(library: Library) -> dict[str, list[RequirementNode]]:
    """Control id -> the requirements of this framework that evidence it, in tree order."""
    mapping: dict[str, list[RequirementNode]] = {}
    for node, _ in library.framework.walk():
        for control_id in node.controls or []:
            mapping.setdefault(control_id, []).append(node)
    return mapping


def requirements_for_control(
    libraries: Iterable[Library], control_id: str
) -> list[tuple[Library, RequirementNode]]:
    """The cross-framework view of a control: every (library, requirement) mapped to it."""
    return [(library, node) for library in libraries for node in control_mapping(library).get(control_id, [])]


def unmapped_controls(libraries: Iterable[Library], catalogue: ControlCatalogue) -> list[str]:
    mapped = {control_id for library in libraries for control_id in control_mapping(library)}
    return [control_id for control_id in catalogue.ids() if control_id not in mapped]


# --- the libraries shipped with the application ----------------------------------------------------------


def _data_dir() -> Traversable:
    return resources.files("cyber360").joinpath("data")


def packaged_library_names() -> list[str]:
    """File names of the framework libraries shipped in ``data/frameworks``."""
    folder = _data_dir().joinpath("frameworks")
    return sorted(entry.name for entry in folder.iterdir() if entry.name.endswith(".yaml"))


def load_packaged_controls() -> ControlCatalogue:
    return load_controls(_data_dir().joinpath("controls.yaml").read_bytes())


def load_packaged_library(name: str, *, controls: ControlCatalogue | None = None) -> Library:
    if name not in packaged_library_names():
        raise KeyError(name)
    return load_library(_data_dir().joinpath("frameworks", name).read_bytes(), controls=controls)
