"""The ledger's rules, pure: which facts it accepts and how they make its rows.

`facts`: what a department may post (every item a valid ledger fact, all or
nothing). `lines`: the ledger row of a product line from its facts in any
order, the amount shown once per contract, the record numbers written back.
"""
