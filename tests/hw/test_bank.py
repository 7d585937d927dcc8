"""The card terminal driver against the scripted terminal emulator (real TCP)."""

import threading

import pytest

from ukm_actors.hw.bank import CardResult, LineProtocolTerminal
from ukm_actors.hw.emulators.bank import (
    Acquirer,
    Approve,
    BankTerminalEmulator,
    CustomerCancels,
    Decline,
    LedgerEntry,
    NoAnswer,
)
from ukm_actors.hw.errors import (
    CardCancelled,
    CardDeclined,
    DeviceError,
    DeviceTimeout,
    DeviceUnavailable,
)


@pytest.fixture
def terminal(bank_emulator):
    with LineProtocolTerminal(bank_emulator.url) as t:
        yield t


def test_an_approved_payment_is_in_the_ledger(terminal, bank_emulator):
    result = terminal.pay(12345, "S12-T3-15-42", timeout=2.0)
    assert result == CardResult(
        approved=True,
        rrn="000000000001",
        auth_code=result.auth_code,
        card_mask="220220******1234",
        message="approved",
    )
    assert len(result.auth_code) == 6
    assert bank_emulator.ledger() == [
        LedgerEntry(op="pay", amount=12345, rrn="000000000001", ref="S12-T3-15-42")
    ]


def test_a_decline_by_policy_leaves_no_ledger_entry(terminal, bank_emulator):
    with pytest.raises(CardDeclined) as err:
        terminal.pay(12399, "R-1", timeout=2.0)
    assert err.value.code == "card.declined"
    assert "insufficient funds" in err.value.reason
    assert "the payment of 123.99 for receipt R-1 was declined" in str(err.value)
    assert bank_emulator.ledger() == []


def test_a_scripted_decline_and_a_settable_policy(terminal, bank_emulator):
    bank_emulator.script(Decline("card expired"))
    with pytest.raises(CardDeclined, match="card expired"):
        terminal.pay(1000, "R-2", timeout=2.0)
    bank_emulator.set_policy(lambda request: Decline("terminal blocked"))
    with pytest.raises(CardDeclined, match="terminal blocked"):
        terminal.pay(1000, "R-2", timeout=2.0)
    assert bank_emulator.charged() == 0


def test_no_answer_times_out_and_cancels_on_the_terminal(terminal, bank_emulator):
    bank_emulator.script(NoAnswer())
    with pytest.raises(DeviceTimeout) as err:
        terminal.pay(5000, "R-3", timeout=0.2)
    assert "gave no answer to the payment of 50.00 for receipt R-3 within 0.2 s" in str(err.value)
    assert bank_emulator.wait_requests(2)
    assert bank_emulator.requests()[1]["op"] == "cancel"
    assert bank_emulator.ledger() == []
    # the late "cancelled" answer to the old request is not taken for the next one
    assert terminal.pay(5000, "R-3", timeout=2.0).approved
    assert bank_emulator.charged("R-3") == 5000


def test_the_customer_cancels_on_the_terminal(terminal, bank_emulator):
    bank_emulator.script(CustomerCancels(delay=0.05))
    with pytest.raises(CardCancelled) as err:
        terminal.pay(5000, "R-4", timeout=2.0)
    assert err.value.code == "card.cancelled"
    assert isinstance(err.value, CardDeclined)
    assert "cancelled by the customer" in str(err.value)
    assert bank_emulator.ledger() == []


def test_the_till_cancels_a_pending_payment(terminal, bank_emulator):
    bank_emulator.script(NoAnswer())
    outcome = {}

    def pay():
        try:
            outcome["result"] = terminal.pay(7000, "R-5", timeout=5.0)
        except DeviceError as exc:
            outcome["error"] = exc

    payer = threading.Thread(target=pay)
    payer.start()
    assert bank_emulator.wait_pending("R-5")
    terminal.cancel("R-5")
    payer.join(timeout=5.0)
    assert isinstance(outcome["error"], CardCancelled)
    assert "cancelled by the till" in str(outcome["error"])
    assert bank_emulator.ledger() == []


def test_cancel_with_nothing_pending_is_answered(terminal, bank_emulator):
    terminal.cancel("R-none", timeout=2.0)
    assert bank_emulator.requests()[-1]["op"] == "cancel"


def test_a_second_operation_while_one_is_pending_is_refused(terminal, bank_emulator):
    bank_emulator.script(Approve(delay=0.3))
    payer = threading.Thread(target=terminal.pay, args=(100, "R-6", 2.0))
    payer.start()
    assert bank_emulator.wait_pending("R-6")
    with pytest.raises(DeviceError) as err:
        terminal.pay(100, "R-7", timeout=0.05)
    assert err.value.code == "device.busy"
    payer.join(timeout=5.0)
    assert [e.ref for e in bank_emulator.ledger()] == ["R-6"]


def test_refund_by_rrn(terminal, bank_emulator):
    paid = terminal.pay(10000, "S-1", timeout=2.0)
    refund = terminal.refund(4000, paid.rrn, "RET-1", timeout=2.0)
    assert refund.approved and refund.rrn != paid.rrn
    assert bank_emulator.ledger()[-1] == LedgerEntry(
        op="refund", amount=4000, rrn=refund.rrn, ref="RET-1", refund_of=paid.rrn
    )
    with pytest.raises(CardDeclined, match="refund exceeds what is left"):
        terminal.refund(6001, paid.rrn, "RET-2", timeout=2.0)
    with pytest.raises(CardDeclined, match="no payment with rrn 999"):
        terminal.refund(100, "999", "RET-3", timeout=2.0)
    assert bank_emulator.charged() == 6000


def test_terminals_of_one_acquirer_refund_each_others_payments():
    """Two tills' terminals at one bank (``ukm up``'s emulators): rrns unique among them, a
    payment taken at one refunded at the other, never beyond what it has left."""
    bank = Acquirer()
    with (
        BankTerminalEmulator(acquirer=bank) as one,
        BankTerminalEmulator(acquirer=bank) as two,
        LineProtocolTerminal(one.url) as at_one,
        LineProtocolTerminal(two.url) as at_two,
    ):
        paid_one = at_one.pay(37214, "17-1-1-2", timeout=2.0)
        paid_two = at_two.pay(9594, "17-2-1-1", timeout=2.0)
        assert paid_one.rrn != paid_two.rrn
        refund = at_two.refund(10999, paid_one.rrn, "17-2-1-2", timeout=2.0)
        assert refund.approved and refund.rrn not in (paid_one.rrn, paid_two.rrn)
        with pytest.raises(CardDeclined, match="refund exceeds what is left"):
            at_one.refund(37214, paid_one.rrn, "17-1-1-4", timeout=2.0)
        assert [e.op for e in one.ledger()] == ["pay"]  # each its own operations
        assert [e.op for e in two.ledger()] == ["pay", "refund"]


def test_bad_amounts_are_refused_before_sending(terminal, bank_emulator):
    for amount in (0, -5, True, 10.5):
        with pytest.raises(ValueError, match="positive number of kopecks"):
            terminal.pay(amount, "R-8", timeout=1.0)
    with pytest.raises(ValueError, match="needs the rrn"):
        terminal.refund(100, "", "R-8", timeout=1.0)
    assert bank_emulator.requests() == []


def test_ping_and_status(terminal):
    assert terminal.is_online(timeout=1.0)
    status = terminal.status()
    assert status["open"] is True and status["busy"] is False


def test_an_unreachable_terminal_is_unavailable(closed_port):
    terminal = LineProtocolTerminal(f"socket://127.0.0.1:{closed_port}")
    with pytest.raises(DeviceUnavailable) as err:
        terminal.open()
    assert f"bank terminal on socket://127.0.0.1:{closed_port} cannot be opened" in str(err.value)
    with pytest.raises(DeviceUnavailable, match="is not open"):
        terminal.pay(100, "R-9", timeout=1.0)
    assert not terminal.is_online()


def test_a_terminal_that_goes_away_during_a_payment_is_unavailable(terminal, bank_emulator):
    bank_emulator.script(NoAnswer())
    outcome = {}

    def pay():
        try:
            terminal.pay(100, "R-10", timeout=5.0)
        except DeviceError as exc:
            outcome["error"] = exc

    payer = threading.Thread(target=pay)
    payer.start()
    assert bank_emulator.wait_pending("R-10")
    bank_emulator.stop()
    payer.join(timeout=5.0)
    assert isinstance(outcome["error"], DeviceUnavailable)
