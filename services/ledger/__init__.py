"""Ledger: takes departments' facts onto the log and keeps the visit ledger."""
