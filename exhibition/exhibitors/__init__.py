"""Companies, applications, their staff and the exhibitor portal."""

# The modules of pages, each with one blueprint `bp`, that create_app registers.
VIEWS = (
    "views",
    "admin_views",
    "portal_views",
    "portal_lead_views",
    "lead_admin_views",
    "portal_scanner_views",
    "booth_views",
)
