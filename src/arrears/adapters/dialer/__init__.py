"""Dialers behind ``arrears.core.ports.Dialer``: an offline fake for development, the demo and
the tests (``ARREARS_DIALER``); a vendor's adapter goes beside it."""
