"""Framework libraries: CISO Assistant format loads, round-trips, is assessable, refuses hostile files."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from cyber360.assess.library import (
    MAX_LIBRARY_BYTES,
    Library,
    LibraryError,
    check_control_references,
    control_mapping,
    controls_for_requirement,
    export_library,
    load_controls,
    load_library,
    load_packaged_controls,
    load_packaged_library,
    packaged_library_names,
    requirements_for_control,
    unmapped_controls,
)

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "frameworks"
MINI = "urn:test:risk:req_node:mini"


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


@pytest.fixture(scope="module")
def catalogue():
    return load_packaged_controls()


@pytest.fixture(scope="module")
def mini() -> Library:
    return load_library(fixture("mini-framework.yaml"))


@pytest.fixture(scope="module")
def shipped(catalogue) -> dict[str, Library]:
    return {name: load_packaged_library(name, controls=catalogue) for name in packaged_library_names()}


def refused(source: str | bytes, **kwargs) -> LibraryError:
    with pytest.raises(LibraryError) as caught:
        load_library(source, **kwargs)
    return caught.value


# --- the hand-written fixture ----------------------------------------------------------------------------


def test_fixture_loads_with_header_tree_and_scale(mini):
    assert (
        mini.urn == "urn:test:risk:library:mini-hospital"
    )  # URNs are compared lower-case, as CISO Assistant does
    assert (mini.locale, mini.version, mini.publication_date) == ("fr", 3, "2024-05-02")
    framework = mini.framework
    assert [node.ref_id for node in framework.children()] == ["P", "R"]
    assert [node.ref_id for node in framework.children(f"{MINI}:protect")] == ["P.1", "P.2"]
    assert [node.ref_id for node in framework.ancestors(f"{MINI}:p.2.a")] == ["P.2", "P"]
    assert [(node.ref_id, level) for node, level in framework.walk()][:4] == [
        ("P", 1),
        ("P.1", 2),
        ("P.2", 2),
        ("P.2.a", 3),
    ]
    assert framework.score_range() == (0, 5)
    assert framework.node(f"{MINI}:P.1").localized("name", "en") == "Offline backups"
    assert framework.node(f"{MINI}:p.2").localized("name", "en") == "Authentification multifacteur"


def test_fixture_round_trips_through_export(mini):
    text = export_library(mini)
    again = load_library(text)
    assert again == mini
    assert export_library(again) == text
    # Keys CISO Assistant knows and we do not model survive the trip, and so does our extension.
    node = again.framework.node(f"{MINI}:p.1")
    assert node.model_extra == {
        "reference_controls": ["urn:test:risk:function:mini:backup"],
        "weight": 2,
        "importance": "mandatory",
    }
    assert again.objects.model_extra is not None and "reference_controls" in again.objects.model_extra
    assert "x_cyber360_controls:\n      - backups_offline_tested" in text
    assert "publication_date: '2024-05-02'" in text


def test_fixture_is_assessable_by_implementation_group(mini):
    framework = mini.framework
    refs = lambda nodes: [node.ref_id for node in nodes]  # noqa: E731
    assert refs(framework.assessable_requirements()) == ["P.1", "P.2", "P.2.a", "R.1"]
    # R.1 has no group: it applies to every selection; the reading note is never assessable.
    assert refs(framework.assessable_requirements(["base"])) == ["P.1", "R.1"]
    assert refs(framework.assessable_requirements(["avance"])) == ["P.1", "P.2", "P.2.a", "R.1"]
    assert framework.default_implementation_groups() == ["base"]
    with pytest.raises(LibraryError) as caught:
        framework.assessable_requirements(["expert"])
    assert caught.value.code == "unknown_implementation_group"


def test_fixture_control_mapping(mini, catalogue):
    assert controls_for_requirement(mini, f"{MINI}:p.2") == ("mfa", "remote_access_security")
    mapping = control_mapping(mini)
    assert [node.ref_id for node in mapping["remote_access_security"]] == ["P.2", "P.2.a"]
    assert check_control_references(mini, catalogue) == []
    assert load_library(fixture("mini-framework.yaml"), controls=catalogue) == mini


def test_a_foreign_controls_key_is_kept_but_never_read_as_our_mapping(mini):
    text = (
        fixture("mini-framework.yaml")
        .decode()
        .replace("      weight: 2\n", "      weight: 2\n      controls: [x]\n")
    )
    node = load_library(text).framework.node(f"{MINI}:p.1")
    assert node.controls == ["backups_offline_tested"]
    assert node.model_extra is not None and node.model_extra["controls"] == ["x"]


def test_unknown_control_is_refused_when_a_catalogue_is_given(catalogue):
    text = fixture("mini-framework.yaml").decode().replace("[crisis_plan]", "[crisis_plan, teleportation]")
    load_library(text)  # the format itself allows any id
    error = refused(text, controls=catalogue)
    assert error.code == "unknown_control"
    assert error.path == "objects.framework.requirement_nodes[5].x_cyber360_controls"
    assert "teleportation" in error.issues[0].message


# --- hostile and broken input ----------------------------------------------------------------------------


def test_python_tag_is_refused_and_nothing_runs(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    error = refused(fixture("hostile-python-tag.yaml"))
    assert error.code == "yaml_forbidden_tag"
    assert error.path == "ligne 4"
    assert not (tmp_path / "cyber360-pwned").exists()


def test_billion_laughs_aliases_are_refused_fast():
    started = time.perf_counter()
    error = refused(fixture("hostile-billion-laughs.yaml"))
    assert error.code == "yaml_alias_forbidden"
    assert "alias" in error.issues[0].message
    assert time.perf_counter() - started < 1.0


def test_unknown_parent_is_refused_with_its_path():
    error = refused(fixture("hostile-unknown-parent.yaml"))
    assert (error.code, error.path) == ("unknown_parent", "objects.framework.requirement_nodes[1].parent_urn")
    assert "introuvable" in error.issues[0].message


def test_cycle_is_refused_once():
    error = refused(fixture("hostile-cycle.yaml"))
    assert [issue.code for issue in error.issues] == ["cycle"]
    assert "cycle dans l'arborescence" in str(error)


def test_self_parent_is_a_cycle():
    text = (
        fixture("hostile-cycle.yaml")
        .decode()
        .replace(
            "cycle:c\n      assessable: true\n      ref_id: A",
            "cycle:a\n      assessable: true\n      ref_id: A",
        )
    )
    assert refused(text).code == "cycle"


@pytest.mark.parametrize("as_text", [False, True])
def test_oversize_is_refused_before_parsing(as_text):
    padding = "#" * (MAX_LIBRARY_BYTES + 1)
    error = refused(padding if as_text else padding.encode())
    assert error.code == "too_large"
    assert refused(fixture("mini-framework.yaml"), max_bytes=1024).code == "too_large"


def test_multibyte_text_is_measured_in_bytes():
    assert refused("é" * 600, max_bytes=1000).code == "too_large"


@pytest.mark.parametrize(
    ("source", "code"),
    [
        ("a: 1\na: 2\n", "yaml_duplicate_key"),
        ("[" * 100 + "]" * 100, "yaml_too_deep"),
        ("a:\n" + "".join(" " * i + "- \n" for i in range(1, 80)), "yaml_too_deep"),
        ("[" * 100_000 + "]" * 100_000, "yaml_syntax"),  # libyaml's own nesting limit
        ("urn: [unclosed\n", "yaml_syntax"),
        (b"\xff\xfe\x00garbage", "encoding"),
        ("- just\n- a list\n", "not_a_mapping"),
        ("urn: urn:x:y\nobjects:\n  reference_controls: []\n", "framework_missing"),
    ],
)
def test_broken_documents_are_refused(source, code):
    assert refused(source).code == code


def test_field_errors_name_the_path_in_french():
    text = (
        fixture("mini-framework.yaml")
        .decode()
        .replace("version: 3", "version: trois")
        .replace("    - urn: urn:test:risk:req_node:mini:p.2\n", "    - urn: pas une urn\n")
        .replace("      assessable: true\n      depth: 3", "      assessable: peut-être\n      depth: 3")
    )
    error = refused(text)
    found = {(issue.code, issue.path, issue.message) for issue in error.issues}
    assert ("int_parsing", "version", "doit être un nombre entier") in found
    urn_issue = (
        "invalid_urn",
        "objects.framework.requirement_nodes[2].urn",
        "URN invalide (attendu : urn:… sans espace)",
    )
    assert urn_issue in found
    assert (
        "bool_parsing",
        "objects.framework.requirement_nodes[3].assessable",
        "doit valoir true ou false",
    ) in found


def test_duplicate_urn_and_undefined_group_are_refused():
    text = (
        fixture("mini-framework.yaml")
        .decode()
        .replace("mini:r.note", "mini:r.1")
        .replace("implementation_groups: [avance]", "implementation_groups: [expert]")
    )
    codes = {(issue.code, issue.path) for issue in refused(text).issues}
    assert ("duplicate_urn", "objects.framework.requirement_nodes[6].urn") in codes
    assert (
        "unknown_implementation_group",
        "objects.framework.requirement_nodes[3].implementation_groups",
    ) in codes


def test_a_long_chain_of_nodes_is_checked_in_linear_time():
    lines = [
        "urn: urn:t:risk:library:chain\nlocale: fr\nref_id: C\nname: C\nversion: 1\nobjects:\n  framework:",
        "    urn: urn:t:risk:framework:chain\n    ref_id: C\n    name: C\n    requirement_nodes:",
        "    - {urn: 'urn:t:n:0', ref_id: '0'}",
    ]
    lines += [
        f"    - {{urn: 'urn:t:n:{i}', parent_urn: 'urn:t:n:{i - 1}', assessable: true}}"
        for i in range(1, 3000)
    ]
    started = time.perf_counter()
    library = load_library("\n".join(lines))
    assert len(library.framework.assessable_requirements()) == 2999
    assert time.perf_counter() - started < 5.0


def test_control_catalogue_errors(catalogue):
    assert refused_controls("version: 1\ncontrols:\n- {id: mfa}\n").path == "controls[0].name_fr"
    text = (
        "version: 1\ncontrols:\n"
        "- {id: mfa, name_fr: a, name_en: a, description_fr: a, category: technical, csf_function: protect}\n"
        "- {id: mfa, name_fr: b, name_en: b, description_fr: b, category: technical, csf_function: protect}\n"
    )
    assert refused_controls(text).code == "duplicate_control"
    assert refused_controls(
        text.replace("csf_function: protect}", "csf_function: protect, colour: red}")
    ).code == ("extra_forbidden")


def refused_controls(source: str) -> LibraryError:
    with pytest.raises(LibraryError) as caught:
        load_controls(source)
    return caught.value


# --- the libraries we ship -------------------------------------------------------------------------------


def test_shipped_libraries_are_the_four_frameworks(shipped):
    assert sorted(shipped) == [
        "anssi-hygiene.yaml",
        "care-domains.yaml",
        "nis2-art21.yaml",
        "nist-csf-2.0.yaml",
    ]


def test_every_shipped_library_is_complete_and_round_trips(shipped):
    for name, library in shipped.items():
        for field in ("description", "copyright", "provider", "packager"):
            assert getattr(library, field), f"{name}: {field}"
        assert library.locale == "fr" and library.urn.startswith("urn:cyber360:risk:library:")
        framework = library.framework
        assert framework.score_range() == (0, 5)
        assert [score.score for score in framework.scores_definition or []] == [0, 1, 2, 3, 4, 5]
        for node, level in framework.walk():
            assert node.depth == level, f"{name}: {node.ref_id}"
            assert node.localized("name", "en") != node.name or node.name.isascii(), f"{name}: {node.ref_id}"
            if node.assessable:
                assert node.controls, f"{name}: {node.ref_id} maps no control"
        assert load_library(export_library(library)) == library


def test_anssi_has_42_measures_numbered_in_10_sections(shipped):
    framework = shipped["anssi-hygiene.yaml"].framework
    assert len(framework.children()) == 10
    assert [node.ref_id for node in framework.assessable_requirements()] == [str(n) for n in range(1, 43)]
    assert len(framework.assessable_requirements(["essentiel"])) == 15


def test_nist_csf_has_6_functions_22_categories_106_subcategories(shipped):
    framework = shipped["nist-csf-2.0.yaml"].framework
    levels = [level for _, level in framework.walk()]
    assert (levels.count(1), levels.count(2), levels.count(3)) == (6, 22, 106)
    assert [node.ref_id for node in framework.children()] == ["GV", "ID", "PR", "DE", "RS", "RC"]
    assert framework.node("urn:cyber360:risk:req_node:nist-csf-2.0:pr.ds-11").controls == [
        "backups_offline_tested"
    ]


def test_nis2_has_measures_a_to_j(shipped):
    framework = shipped["nis2-art21.yaml"].framework
    assert [node.ref_id for node in framework.assessable_requirements()] == [
        f"21.2.{x}" for x in "abcdefghij"
    ]


def test_care_domains_1_and_2_are_selected_by_default(shipped):
    framework = shipped["care-domains.yaml"].framework
    assert [node.ref_id for node in framework.children()][:2] == ["D1", "D2"]
    selected = framework.assessable_requirements(framework.default_implementation_groups())
    assert {node.ref_id.split(".")[0] for node in selected} == {"D1", "D2", "TR"}


def test_every_control_exists_and_is_mapped(shipped, catalogue):
    for library in shipped.values():
        assert check_control_references(library, catalogue) == []
    assert unmapped_controls(shipped.values(), catalogue) == []
    frameworks = {
        library.ref_id for library, _ in requirements_for_control(shipped.values(), "backups_offline_tested")
    }
    assert frameworks == {"ANSSI-HYGIENE-v2", "NIST-CSF-2.0", "ANS-CARE", "NIS2-ART21"}
    assert all(control.effects for control in catalogue.controls)  # filled by the risk engine (issue 5)
