from tests.till.helpers import MILK


def test_sell_one(till):
    till.post("/shift/open")
    out = till.scan(MILK)
    assert out["line"]["price"] == 8990
    paid = till.pay("cash", 10000)
    assert paid["closed"]["state"] == "completed"
    assert paid["closed"]["change"] == 1010
