"""The kit every service stands on: settings, producing, projecting, HTTP."""
