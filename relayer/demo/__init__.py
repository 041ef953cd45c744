"""`crossflow demo`: the whole cross-chain story played live on the devnet.

Collateral deposited on one chain secures options traded on another; a price
crash sends one trader's margin call across to be answered by an auto top-up and
another trader's liquidation across to seize his collateral; at expiry everything
settles and everyone is paid out. The agents (`crossflow relay`, `feed`, `keep`)
run as processes; what happened is read back from the chains into a narrated
timeline, a chart and a JSON report.
"""
