"""Which file names the integration module takes, and how queued files are named."""

import pytest

from ukm_actors.nodes.integration.distribution.names import (
    is_candidate,
    queued_name,
    temp_name,
    unsafe_reason,
)


@pytest.mark.parametrize(
    "name",
    [
        "updateItems.xml",
        "storeCashiers_[2013]_[45296]_[F].xml",
        "prices-17.xml",
        "Цены.xml",
    ],
)
def test_plain_names_are_accepted(name):
    assert unsafe_reason(name) is None


@pytest.mark.parametrize(
    ("name", "why"),
    [
        ("", "empty"),
        ("..", "directory reference"),
        ("../etc/passwd", "'..'"),
        ("a..b.xml", "'..'"),
        ("/etc/passwd", "separator"),
        ("sub/file.xml", "separator"),
        ("..\\..\\boot.ini", "'..'"),
        ("dir\\file.xml", "separator"),
        ("C:file.xml", "':'"),
        ("file.xml:stream", "':'"),
        ("bad\x00name", "NUL"),
        ("tab\tname", "control"),
        ("trailing.", "dot or a space"),
        ("trailing ", "dot or a space"),
        ("CON", "device"),
        ("nul.xml", "device"),
        ("com1.txt", "device"),
    ],
)
def test_unsafe_names_are_refused_with_the_reason(name, why):
    reason = unsafe_reason(name)
    assert reason is not None and why in reason


def test_hidden_and_temporary_files_are_not_candidates():
    assert is_candidate("a.xml")
    for name in (".a.xml", "a.tmp", "a.XML.part", "~lock.xml", temp_name("000001_a.xml")):
        assert not is_candidate(name), name


def test_queued_names_are_numbered_with_the_width():
    assert queued_name(1, "updateItems.xml", 6) == "000001_updateItems.xml"
    assert queued_name(1234567, "a.xml", 6) == "1234567_a.xml"
    assert temp_name("000001_a.xml") == ".000001_a.xml.ukm-part"
