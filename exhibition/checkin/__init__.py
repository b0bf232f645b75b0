"""Devices, checkpoints, scans, offline sync, live statistics."""

# The modules of pages, each with one blueprint `bp`, that create_app registers.
VIEWS = ("views", "admin_views", "live_views")
