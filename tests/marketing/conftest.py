import pytest

from tests.marketing.helpers import light_marketing, start_marketing
from tests.nodes.helpers import http

pytestmark = pytest.mark.timeout(60)


@pytest.fixture
def marketing(tmp_path, make_db_url):
    node = start_marketing(tmp_path, make_db_url("marketing"))
    yield node
    http.clear()  # kept-alive connections would hold the node's HTTP server's stop for 2 s
    node.stop()


@pytest.fixture
def light(tmp_path, make_db_url):
    ctx = light_marketing(tmp_path, make_db_url("light"))
    yield ctx
    ctx.require_db().dispose()
