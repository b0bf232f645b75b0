"""Badge codes, QR rendering, printable badges and certificates of attendance (PDF)."""

# The modules of pages, each with one blueprint `bp`, that create_app registers.
VIEWS = ("views", "print_views", "certificate_views", "certificate_admin_views")
