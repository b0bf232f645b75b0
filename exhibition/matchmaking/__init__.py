"""B2B matchmaking: buyers and suppliers meet in slots at tables and booths."""
