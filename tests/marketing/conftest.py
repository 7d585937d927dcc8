import pytest

from tests.marketing.helpers import start_marketing

pytestmark = pytest.mark.timeout(60)


@pytest.fixture
def marketing(tmp_path, make_db_url):
    node = start_marketing(tmp_path, make_db_url("marketing"))
    yield node
    node.stop()
