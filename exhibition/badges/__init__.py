"""Badge codes, QR rendering, printable badges (PDF)."""

# The modules of pages, each with one blueprint `bp`, that create_app registers.
VIEWS = ("views", "print_views")
