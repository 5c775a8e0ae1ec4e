"""Scheduler: plans every visit the regulation asks for and announces them."""
