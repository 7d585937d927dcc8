import pytest

from tests.marketing.helpers import light_marketing, start_marketing

pytestmark = pytest.mark.timeout(60)


@pytest.fixture
def marketing(tmp_path, make_db_url):
    node = start_marketing(tmp_path, make_db_url("marketing"))
    yield node
    node.stop()


@pytest.fixture
def light(tmp_path, make_db_url):
    ctx = light_marketing(tmp_path, make_db_url("light"))
    yield ctx
    ctx.require_db().dispose()
