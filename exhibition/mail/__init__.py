"""Outbox, sender and delivery worker (infrastructure: imports no domain), and its pages."""

# The modules of pages, each with one blueprint `bp`, that create_app registers.
VIEWS = ("admin_views",)
