"""Each feature module declares ``FEATURE``; a node refuses a wrong list at start, saying why."""

import dataclasses

import pytest

from ukm_actors.config import ROLES, load_config
from ukm_actors.nodes.base import Node
from ukm_actors.nodes.feature import Feature, check_order, load_feature, load_features
from ukm_actors.nodes.role import RoleSpecError, role_spec
from ukm_actors.nodes.services import (
    ServiceMissing,
    Services,
    Slot,
    check_provided,
    check_slots,
)

TILL = role_spec("till")


@pytest.mark.parametrize("role", ROLES)
def test_every_role_declares_its_features_in_an_order_that_holds(role):
    spec = role_spec(role)
    features = load_features(spec)
    assert [f.name for f in features] == list(spec.features)
    providers = check_order(spec, features)
    assert providers["bridge"] == f"ukm_actors.nodes.{role}.transport"


def test_a_module_without_feature_is_refused_with_what_to_add():
    with pytest.raises(RoleSpecError) as err:
        load_feature(TILL, "ukm_actors.isotime")
    message = str(err.value)
    assert "ukm_actors.isotime is listed in the till role's features but declares no FEATURE" in (
        message
    )
    assert "FEATURE = Feature(__name__, setup=..., children=..., routes=...)" in message


def test_a_listed_module_that_does_not_exist_is_refused():
    with pytest.raises(RoleSpecError, match=r"ukm_actors\.nodes\.till\.nothing .* does not exist"):
        load_feature(TILL, "ukm_actors.nodes.till.nothing")


def test_a_feature_listed_before_what_it_needs_is_refused_with_the_order_to_use():
    first = ("ukm_actors.nodes.till.transport", "ukm_actors.nodes.till.sale")
    rest = tuple(f for f in TILL.features if f not in first)
    spec = dataclasses.replace(TILL, features=first + rest)
    with pytest.raises(RoleSpecError) as err:
        check_order(spec, load_features(spec))
    assert str(err.value) == (
        "feature ukm_actors.nodes.till.sale needs 'catalog', which no earlier feature provides: "
        "list ukm_actors.nodes.till.catalog before ukm_actors.nodes.till.sale "
        "in ukm_actors/nodes/till/tree.py"
    )


def test_a_need_nobody_provides_and_a_service_provided_twice_are_refused():
    spec = dataclasses.replace(TILL, features=())
    lone = Feature("tests.lone", setup=lambda ctx: None, uses=("catalog",))
    with pytest.raises(
        RoleSpecError,
        match="feature tests.lone uses 'catalog', which no feature "
        "of the till role provides: add the feature that provides it",
    ):
        check_order(spec, [lone])
    one = Feature("tests.one", setup=lambda ctx: None, provides=("catalog",))
    two = Feature("tests.two", setup=lambda ctx: None, provides=("catalog",))
    with pytest.raises(RoleSpecError, match="features tests.one and tests.two both provide"):
        check_order(spec, [one, two])


def test_a_node_in_the_wrong_order_does_not_start(tmp_path):
    config = load_config(
        None,
        role="till",
        overrides={"node": {"data_dir": str(tmp_path)}, "http": {"port": 0}},
    )
    node = Node(config)
    node.spec = dataclasses.replace(
        TILL, features=tuple(f for f in TILL.features if f != "ukm_actors.nodes.till.catalog")
    )
    with pytest.raises(RoleSpecError, match="needs 'catalog', which no feature of the till role"):
        node.start()
    assert node.root is None


class ShopServices(Services):
    catalog: Slot[dict[str, int]] = Slot()


def test_a_service_read_before_its_feature_set_it_names_that_feature():
    services = ShopServices()
    services.known_providers("till", {"catalog": "ukm_actors.nodes.till.catalog"})
    with pytest.raises(ServiceMissing) as err:
        services.catalog  # noqa: B018
    assert str(err.value) == (
        "ctx.services.catalog is not set up yet: feature ukm_actors.nodes.till.catalog provides "
        "it; a feature that reads it while it is set up declares needs=('catalog',) and is "
        "listed after ukm_actors.nodes.till.catalog in ukm_actors/nodes/till/tree.py"
    )
    services.catalog = {"100": 8990}
    assert services.catalog == {"100": 8990}
    services = ShopServices()
    services.known_providers("till", {})
    with pytest.raises(ServiceMissing, match="no feature of the till role provides it"):
        services.catalog  # noqa: B018


def test_a_provided_service_the_class_lacks_or_a_setup_that_skips_it_is_refused():
    spec = dataclasses.replace(TILL, features=())
    with pytest.raises(RoleSpecError, match="provides 'prices', which ShopServices does not"):
        check_slots(spec, ShopServices, {"prices": "tests.prices"})
    lazy = Feature("tests.lazy", setup=lambda ctx: None, provides=("catalog",))
    with pytest.raises(
        RoleSpecError,
        match=r"tests.lazy declares provides=\('catalog', ...\) "
        "but its setup did not set ctx.services.catalog",
    ):
        check_provided(lazy, ShopServices())
