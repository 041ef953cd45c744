"""The shared oracle's off-chain half: signed price reports, the feeds crossflow
deploys, price sources (seeded GBM, CSV replay, constant) and the feeder that
posts one report to every chain.

Imports chains and the bottom layer; never messaging or risk."""
