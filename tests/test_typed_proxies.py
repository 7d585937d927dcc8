"""mypy checks calls across an actor boundary (issue #15 item 1).

Small programs calling the till's actors through their typed proxies are
checked with mypy itself (``mypy.api.run``, the project's settings): a
misspelt actor method, a wrong argument or a wrong use of the answer is an
error naming the line; the same calls spelt right pass. One mypy run checks
every snippet (its cache is the one ``make lint`` keeps, so a warm run is a
few seconds).
"""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest
from mypy import api

ROOT = Path(__file__).resolve().parent.parent

HEADER = """\
from ukm_actors.nodes.till.devices.service import Devices
from ukm_actors.nodes.till.sale.proxies import Proxies
from ukm_actors.supervision import Names, defer

proxies = Proxies(Names())
devices = Devices(Names(), [])
"""

RIGHT = """\
view = proxies.sale().view().get(timeout=1.0)
quantity: int = proxies.sale().line_quantity(1).get(timeout=1.0)
current = proxies.shift().current().get(timeout=1.0)
proxies.payments().cancel_card().get(timeout=1.0)
grams: int = devices.scales.call(lambda s: s.read_weight(2.0), timeout=4.0)
devices.display.tell(lambda d: d.show("МОЛОКО", "89.90"))
defer(proxies.sale().note, "scan 123: unknown")
"""

WRONG = {
    "sale_misspelt": ("proxies.sale().veiw().get(timeout=1.0)", 'has no attribute "veiw"'),
    "shift_misspelt": (
        "proxies.shift().x_reprot(None).get(timeout=1.0)",
        'has no attribute "x_reprot"',
    ),
    "device_misspelt": (
        "devices.scales.call(lambda s: s.read_wieght(2.0), timeout=4.0)",
        'has no attribute "read_wieght"',
    ),
    "argument_type": (
        'proxies.sale().line_quantity("1").get(timeout=1.0)',
        'Argument 1 has incompatible type "str"; expected "int"',
    ),
    "answer_type": (
        "grams: str = devices.scales.call(lambda s: s.read_weight(2.0), timeout=4.0)",
        'expression has type "int", variable has type "str"',
    ),
    "device_argument": (
        "devices.display.tell(lambda d: d.show(42))",
        'Argument 1 has incompatible type "int"; expected "str"',
    ),
    "defer_argument": ("defer(proxies.sale().note, 42)", 'incompatible type "int"'),
}


def _write(folder: Path, name: str, body: str) -> Path:
    path = folder / f"snippet_{name}.py"
    path.write_text(HEADER + textwrap.dedent(body) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def checked(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[str]]:
    """Each snippet's mypy errors, by snippet name."""
    folder = tmp_path_factory.mktemp("snippets")
    paths = [_write(folder, "right", RIGHT)]
    paths += [_write(folder, name, line) for name, (line, _m) in WRONG.items()]
    out, err, _code = api.run(
        [
            "--config-file",
            str(ROOT / "pyproject.toml"),
            "--cache-dir",
            str(ROOT / ".mypy_cache"),
            "--no-error-summary",
            "--show-error-codes",
            *map(str, paths),
        ]
    )
    assert not err, err
    errors: dict[str, list[str]] = {p.stem.removeprefix("snippet_"): [] for p in paths}
    for line in out.splitlines():
        found = re.match(r"(.+?)\.py:\d+: error: (.*)", line)
        if found:
            errors[Path(found.group(1)).name.removeprefix("snippet_")].append(found.group(2))
    return errors


def test_the_right_calls_pass(checked: dict[str, list[str]]) -> None:
    assert checked["right"] == []


@pytest.mark.parametrize("name", sorted(WRONG))
def test_a_wrong_call_is_a_mypy_error(checked: dict[str, list[str]], name: str) -> None:
    _line, message = WRONG[name]
    assert len(checked[name]) == 1, checked[name]
    assert message in checked[name][0]
