"""Booth fees: payment requests with their transfer reference and VietQR code, the bank
transactions received (statements, the bank-notification webhook) and their matching, and the
data the organiser's accounting needs to issue e-invoices."""

# The modules of pages, each with one blueprint `bp`, that create_app registers.
VIEWS = ("admin_views", "document_views", "portal_views", "einvoice_views", "statement_views")
