"""Survey: questionnaires, visit records and failed attempts; raises complaints."""
