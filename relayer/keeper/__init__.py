"""The keeper of the options market (DESIGN §8): follows the market's events,
values every account on chain and with the Python risk model, liquidates the
largest shortfalls first within a gas budget, opens and closes margin calls,
cancels orders nobody covers and settles expired series; its state is one SQLite
file.

Imports market, risk, oracle, chains and the bottom layer; never deploy."""
