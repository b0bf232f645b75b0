"""Rooms, speakers, conference sessions, agenda, seats and invitations."""

# The modules of pages, each with one blueprint `bp`, that create_app registers.
VIEWS = ("views", "admin_views", "schedule_views", "invitation_views", "invitation_admin_views")
