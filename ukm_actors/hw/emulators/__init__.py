"""Device emulators on 127.0.0.1 TCP ports, for tests and the demo.

Each one serves a device's wire protocol on ``socket://127.0.0.1:PORT``
(``.url``), so the real drivers talk to it through pyserial exactly as they
would to a serial port: ``NetworkPrinterEmulator``, ``ScannerEmulator``,
``ScalesEmulator``, ``BankTerminalEmulator``; ``FiscalRegisterEmulator`` serves
HTTP (``http://127.0.0.1:PORT``, the ATOL driver's web server). Start with ``.start()`` or a
``with`` block; ``.stop()`` closes every socket.
"""

from ukm_actors.hw.emulators.bank import (
    Acquirer,
    Approve,
    BankTerminalEmulator,
    CustomerCancels,
    Decline,
    LedgerEntry,
    NoAnswer,
    Scripted,
    default_policy,
)
from ukm_actors.hw.emulators.devices import NetworkPrinterEmulator, ScannerEmulator
from ukm_actors.hw.emulators.fiscal import FiscalRegisterEmulator
from ukm_actors.hw.emulators.scales import ScalesEmulator

__all__ = [
    "Acquirer",
    "Approve",
    "BankTerminalEmulator",
    "CustomerCancels",
    "Decline",
    "FiscalRegisterEmulator",
    "LedgerEntry",
    "NetworkPrinterEmulator",
    "NoAnswer",
    "ScalesEmulator",
    "ScannerEmulator",
    "Scripted",
    "default_policy",
]
