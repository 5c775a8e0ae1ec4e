"""The report's rules, without I/O: periods, satisfaction, visits, the loop."""
