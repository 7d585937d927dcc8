"""Fixtures for the hardware layer: emulators on 127.0.0.1 that are always stopped."""

import socket

import pytest

from ukm_actors.hw.emulators.bank import BankTerminalEmulator
from ukm_actors.hw.emulators.devices import NetworkPrinterEmulator, ScannerEmulator
from ukm_actors.hw.emulators.scales import ScalesEmulator


@pytest.fixture
def closed_port():
    """A TCP port on 127.0.0.1 that nothing listens on."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


@pytest.fixture
def printer_emulator():
    with NetworkPrinterEmulator() as emulator:
        yield emulator


@pytest.fixture
def scanner_emulator():
    with ScannerEmulator() as emulator:
        yield emulator


@pytest.fixture
def scales_emulator():
    with ScalesEmulator() as emulator:
        yield emulator


@pytest.fixture
def bank_emulator():
    with BankTerminalEmulator() as emulator:
        yield emulator


@pytest.fixture
def fiscal_emulator(tmp_path):
    from ukm_actors.hw.emulators.fiscal import FiscalRegisterEmulator

    with FiscalRegisterEmulator(state_path=tmp_path / "register.json") as emulator:
        yield emulator
