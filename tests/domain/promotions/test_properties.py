"""Properties that hold for every campaign set and receipt."""

import random

from hypothesis import given, settings
from hypothesis import strategies as st

from ukm_actors.domain.promotions import CampaignSet, Engine
from ukm_actors.domain.promotions.actions import floor_amount
from ukm_actors.domain.promotions.codec import decode_set, encode_set
from ukm_actors.domain.receipt import apply_discounts

from .strategies import campaign_sets, contexts, receipts


@settings(max_examples=100, deadline=None)
@given(campaign_sets(), receipts(), contexts())
def test_floors_hold_and_every_discount_names_a_campaign_of_the_set(cs, r, ctx):
    p = Engine(cs).price(r, ctx)
    priced = apply_discounts(r, p.discounts)
    ids = {c.id for c in cs.campaigns}
    for line in priced.active_lines:
        assert line.total >= floor_amount(line, cs.floors) or line.discount == 0
        assert all(d.campaign_id in ids and d.amount > 0 for d in line.discounts)
    for line in priced.lines:
        if line.voided:
            assert line.discounts == ()
    assert p.total_discount == sum(a.discount for a in p.applied)


@settings(max_examples=60, deadline=None)
@given(campaign_sets(), receipts(), contexts(), st.randoms(use_true_random=False))
def test_the_order_campaigns_are_listed_in_does_not_matter(cs, r, ctx, rnd: random.Random):
    shuffled = list(cs.campaigns)
    rnd.shuffle(shuffled)
    other = CampaignSet(tuple(shuffled), cs.item_groups, cs.floors)
    assert Engine(cs).price(r, ctx) == Engine(other).price(r, ctx)


@settings(max_examples=100, deadline=None)
@given(campaign_sets(), receipts(), contexts())
def test_a_set_through_its_document_prices_identically(cs, r, ctx):
    again = decode_set(encode_set(cs))
    assert again.campaigns == cs.campaigns
    assert encode_set(again) == encode_set(cs)
    assert Engine(again).price(r, ctx) == Engine(cs).price(r, ctx)
