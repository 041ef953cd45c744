"""The options market's client: series, the book, orders, positions and health of
one `OptionsMarket` on the market chain, in quote units and contracts rather than
WADs, lots and ticks. Used by the CLI and, later, the keeper and the demo.

Imports chains and the bottom layer; never messaging, oracle or risk."""
