"""B2B matchmaking: buyers and suppliers meet in slots at tables and booths."""

# The modules of pages, each with one blueprint `bp`, that create_app registers.
VIEWS = (
    "views",
    "admin_views",
    "schedule_views",
    "report_views",
    "agenda_views",
    "document_views",
    "outcome_views",
    "portal_views",
    "portal_invite_views",
    "station_views",
)
