"""The example files in docs/examples are valid: import ones parse, export ones are canonical."""

from pathlib import Path

import pytest

from ukm_actors.codecs.ukm_export import (
    ExportShiftClose,
    export_file_name,
    parse_export_file,
    render_export,
    shift_totals,
)
from ukm_actors.codecs.ukm_import import (
    IMPORT_TYPES,
    compare_name,
    open_import,
    parse_import_name,
    plan_imports,
)

EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "examples"
IMPORTS = sorted((EXAMPLES / "import").glob("*.xml"))
EXPORTS = sorted((EXAMPLES / "export").glob("*.xml"))


def test_there_is_an_example_per_supported_type_and_document():
    types = {parse_import_name(p.name).type for p in IMPORTS}
    assert types == {name for name, spec in IMPORT_TYPES.items() if spec.supported}
    prefixes = {p.name.split("_")[0] for p in EXPORTS}
    assert prefixes == {"receipt", "shiftOpen", "cashbox", "shift"}


@pytest.mark.parametrize("path", IMPORTS, ids=lambda p: p.name)
def test_import_example_parses(path):
    name = parse_import_name(path.name)
    with open_import(path, max_bytes=1_000_000) as f:
        records = list(f.records())
        assert f.warnings == []
        assert compare_name(name, f.info) == []
    assert records


def test_import_examples_form_a_plan_that_loads_them_all():
    plan = plan_imports(parse_import_name(p.name) for p in IMPORTS)
    assert plan.skipped == () and plan.unknown == ()
    assert len(plan.load) == len(IMPORTS)


@pytest.mark.parametrize("path", EXPORTS, ids=lambda p: p.name)
def test_export_example_is_exactly_what_we_write(path):
    doc = parse_export_file(path)
    assert export_file_name(doc) == path.name
    assert render_export(doc) == path.read_bytes()
    if isinstance(doc, ExportShiftClose):
        totals = shift_totals(doc.receipts)
        assert (doc.sale_amount, doc.return_amount) == (totals.sale_amount, totals.return_amount)
        assert doc.payment_totals == totals.payment_totals
