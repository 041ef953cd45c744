"""The risk model in double precision: Black-Scholes, portfolio revaluation on
the latency-widened scenario grid, MM, IM and health, and the portfolio files
that describe one account.

Imports the bottom layer only; never messaging or oracle."""
