"""The till's hardware: plain drivers behind small interfaces (not actors).

Every driver opens and closes explicitly, bounds every wait with a timeout,
and raises only ``DeviceError`` subclasses (``hw.errors``):

- ``hw.printer``  ``ReceiptPrinter`` (python-escpos) and the cash drawer kick;
  ``hw.receipt``  the ``PrintableReceipt`` and its pure layout;
- ``hw.scanner``  ``BarcodeScanner``;
- ``hw.scales``   ``Scales`` (Mettler Toledo 8217);
- ``hw.display``  ``CustomerDisplay`` (2×20, ESC/POS display commands);
- ``hw.bank``     ``BankTerminal`` and ``LineProtocolTerminal`` (JSON lines);
- ``hw.fiscal``   ``FiscalRegister`` and its values; ``hw.atol`` the ATOL web-server driver;
- ``hw.factory``  ``open_device(kind, settings)``;
- ``hw.emulators`` the devices on 127.0.0.1 TCP ports, for tests and the demo.

Protocols and settings are documented in ``docs/devices.md``.
"""
