"""Arrears: an open-source collections platform."""
