"""Pure retail logic: money, quantities, receipts, pricing, restrictions.

Nothing here does I/O; everything is tested without actors, databases or
sockets. Money is integer kopecks, quantity integer thousandths, never float.
"""
