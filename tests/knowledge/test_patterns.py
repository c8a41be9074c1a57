"""Knowledge patterns: what a call's attribute name alone says about the names it can match."""

from __future__ import annotations

from sigcheck.knowledge import Entry, PatternSet, builtin_knowledge


def test_an_attribute_may_name_only_what_some_pattern_ends_with():
    patterns = PatternSet([Entry("child", ("subprocess.run", "os.system"), ""), Entry("child", ("*.Process",), "")])
    assert patterns.may_name("run") and patterns.may_name("system") and patterns.may_name("Process")
    assert not patterns.may_name("forward") and not patterns.may_name("runs")


def test_a_wildcard_ending_may_name_any_attribute_it_matches():
    patterns = PatternSet([Entry("write", ("*.write_*", "torch.save"), "")])
    assert patterns.may_name("write_text") and patterns.may_name("save")
    assert not patterns.may_name("read_text")


def test_every_write_and_child_api_of_the_builtin_knowledge_passes_its_own_ending():
    knowledge = builtin_knowledge()
    for patterns in (knowledge.writes, knowledge.children, knowledge.driver_loaders):
        for entry in patterns:
            for pattern in entry.patterns:
                ending = pattern.rsplit(".", 1)[-1]
                assert patterns.may_name(ending), pattern


def test_a_launcher_that_keeps_the_signal_must_say_how_and_what_instead():
    """DKR007 words its finding with them (deepspeed on one node)."""
    import pytest

    from sigcheck.knowledge import KnowledgeError, _entry

    raw = {"match": ["deepspeed"], "reason": "r", "kind": "launcher", "forwards": False}
    with pytest.raises(KnowledgeError, match="keeps"):
        _entry("container", raw, {"kind": str, "forwards": bool, "keeps": str, "instead": str}, "containers.toml #1")
    entry = _entry("container", {**raw, "keeps": "k", "instead": "i"},
                   {"kind": str, "forwards": bool, "keeps": str, "instead": str}, "containers.toml #1")
    assert entry.option("keeps") == "k"
    launcher = builtin_knowledge().containers["launcher"].find("deepspeed")[0]
    assert launcher.option("forwards") is False and launcher.option("instead")


def test_extending_from_configuration_keeps_every_category():
    """A copy with the user's save-functions has every built-in entry of every category besides:
    one left out (activation checkpointing's) would change the analysis of a configured project."""
    from sigcheck.knowledge import builtin_knowledge

    built_in = builtin_knowledge()
    extended = built_in.extended(["mylib.persist"], ["mylib.wait"])
    kept = {name: len(value.entries) for name, value in vars(extended).items() if hasattr(value, "entries")}
    assert kept == {name: len(value.entries) + (name in ("saves", "blocking"))
                    for name, value in vars(built_in).items() if hasattr(value, "entries")}
    assert extended.recomputes.find("torch.utils.checkpoint.checkpoint") and extended.saves.find("mylib.persist")
