"""Remittance statements and commission invoices as PDF (Jinja2 + WeasyPrint) and workbooks of
their lines (openpyxl)."""
