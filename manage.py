#!/usr/bin/env python
"""Django's command-line utility for administrative tasks (same as the `arrears` command)."""

from arrears.interfaces.cli.entry import main

if __name__ == "__main__":
    main()
