// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";

import {BlackScholes} from "./BlackScholes.sol";

/// @title Margin
/// @notice Portfolio margin with the cross-chain latency buffer (DESIGN.md §6): an account is
/// revalued in 7 spot × 3 vol scenarios and must hold the worst loss, with a spot shock widened
/// by the time a liquidation needs to cross chains.
/// @dev Units: every amount, price, vol and shock is a WAD (1e18 = 1.0); quantities are signed
/// WAD contracts (negative = short); times are unix seconds, latency in seconds.
///
///   V(S, σ)        = cash + Σ_j c_j·P_j(S)·(1 − h_j) + Σ_i q_i·BS(S, K_i, T_i, σ)
///   requirement(u) = V(S, σ) − min_{x, y} V(S·(1+x), σ+y) + floor·S·Σ short contracts
///   x ∈ {−u, −2u/3, −u/3, 0, u/3, 2u/3, u},  y ∈ {−v, 0, +v}  (σ+y at least the vol floor)
///   u              = sqrt(u_base² + (z·σ)²·τ / year)
///
/// Collateral that tracks spot is priced at S·(1+x) inside each scenario; other collateral at its
/// own quote price. MM = requirement(u from `uBaseMm`), IM = requirement(u from `uBaseIm`).
/// Rounding: each option and collateral value rounds down and the shock and floor round up, so
/// a requirement is at most a few wei per position above exact, never meaningfully below; the
/// Python reference (`relayer/risk.py`) agrees within the tolerance the tests state.
library Margin {
    /// @notice The widened shock `u` is 100% or more, so a scenario spot would not be positive.
    error MarginShockTooLarge(uint256 u);

    /// @notice One option position.
    /// @param quantity Contracts, signed WAD: negative is short.
    /// @param strike Strike price, WAD.
    /// @param expiry Expiry, unix seconds; at or after it the option is worth its intrinsic value.
    /// @param isCall True for a call, false for a put.
    struct Position {
        int256 quantity;
        uint256 strike;
        uint64 expiry;
        bool isCall;
    }

    /// @notice One collateral holding.
    /// @param amount Token amount, WAD.
    /// @param haircut The share of its value not counted, WAD (0.1e18 = 10%).
    /// @param tracksSpot True for the underlying itself, priced at the scenario spot.
    /// @param price Quote price of a token that does not track spot, WAD.
    struct Collateral {
        uint256 amount;
        uint256 haircut;
        bool tracksSpot;
        uint256 price;
    }

    /// @notice An account as the margin engine sees it.
    /// @param cash Quote units, signed WAD.
    /// @param latency τ in seconds: relay latency, finality and grace of its slowest route.
    struct Account {
        int256 cash;
        uint256 latency;
        Position[] positions;
        Collateral[] collateral;
    }

    /// @notice Risk parameters, all WAD.
    /// @param uBaseMm Maintenance spot shock before the latency buffer.
    /// @param uBaseIm Initial spot shock before the latency buffer, at least `uBaseMm`.
    /// @param volShock v: vol points down and up.
    /// @param z The quantile of the move a liquidation in flight must survive (2.33e18 ≈ 99%).
    /// @param shortFloor Per short contract, a share of spot added to both requirements.
    /// @param rate The yearly continuously compounded rate options are priced at.
    struct Params {
        uint256 uBaseMm;
        uint256 uBaseIm;
        uint256 volShock;
        uint256 z;
        uint256 shortFloor;
        uint256 rate;
    }

    /// @notice Where the market is: spot and implied vol (WAD) at `timestamp`.
    struct Market {
        uint256 spot;
        uint256 vol;
        uint256 timestamp;
    }

    /// @notice E ≥ IM, MM ≤ E < IM, 0 ≤ E < MM, E < 0.
    enum Health {
        Healthy,
        MarginCall,
        Liquidatable,
        Insolvent
    }

    /// @notice An account's margin.
    /// @param equity E = V(S, σ), signed WAD.
    /// @param mm Maintenance requirement, WAD.
    /// @param im Initial requirement, WAD.
    /// @param uMm The widened maintenance shock, WAD.
    /// @param uIm The widened initial shock, WAD.
    /// @param health Where E stands against MM and IM.
    struct Result {
        int256 equity;
        uint256 mm;
        uint256 im;
        uint256 uMm;
        uint256 uIm;
        Health health;
    }

    uint256 internal constant WAD = 1e18;
    /// @notice Spot points per side of the grid: x = ±u/3, ±2u/3, ±u.
    uint256 internal constant SPOT_STEPS = 3;
    /// @dev 7 spot × 3 vol.
    uint256 private constant SCENARIOS = 21;

    /// @notice Equity, MM, IM and health of `account`.
    /// @dev One pass prices every position in the 39 distinct scenarios of both grids (they
    /// share the unshocked spot column).
    function evaluate(Account memory account, Market memory market, Params memory params)
        internal
        pure
        returns (Result memory result)
    {
        result.uMm = widenedShock(params.uBaseMm, market.vol, account.latency, params.z);
        result.uIm = widenedShock(params.uBaseIm, market.vol, account.latency, params.z);
        (int256[SCENARIOS] memory mmValues, int256[SCENARIOS] memory imValues) =
            _scenarioValues(account, market, params, result.uMm, result.uIm);
        // The unshocked scenario: x = 0 (the middle spot row), y = 0 (the middle vol column).
        result.equity = mmValues[SPOT_STEPS * 3 + 1];
        uint256 floor = shortFloor(account, market.spot, params.shortFloor);
        result.mm = _requirement(result.equity, mmValues, floor);
        result.im = _requirement(result.equity, imValues, floor);
        result.health = health(result.equity, result.mm, result.im);
    }

    /// @notice u = sqrt(u_base² + (z·σ)²·τ / year), rounded up; `latency` 0 gives `uBase`.
    /// @param uBase The shock before latency, WAD.
    /// @param vol The implied vol, WAD.
    /// @param latency τ, seconds.
    /// @param z The quantile, WAD.
    /// @return u The widened shock, WAD.
    function widenedShock(uint256 uBase, uint256 vol, uint256 latency, uint256 z)
        internal
        pure
        returns (uint256 u)
    {
        if (latency == 0) return uBase;
        uint256 zVol = Math.mulDiv(z, vol, WAD, Math.Rounding.Ceil);
        uint256 tail = Math.mulDiv(
            Math.mulDiv(zVol, zVol, WAD, Math.Rounding.Ceil),
            latency,
            BlackScholes.SECONDS_PER_YEAR,
            Math.Rounding.Ceil
        );
        uint256 squared = Math.mulDiv(uBase, uBase, WAD, Math.Rounding.Ceil) + tail;
        // sqrt of a WAD is sqrt(x · 1e18); one wei up covers its rounding down.
        u = Math.sqrt(squared * WAD) + 1;
    }

    /// @notice The per-short floor: `floorShare` · spot · Σ short contracts, rounded up.
    function shortFloor(Account memory account, uint256 spot, uint256 floorShare)
        internal
        pure
        returns (uint256)
    {
        uint256 shortContracts;
        Position[] memory positions = account.positions;
        for (uint256 i; i < positions.length; ++i) {
            int256 quantity = positions[i].quantity;
            if (quantity < 0) shortContracts += uint256(-quantity);
        }
        return Math.mulDiv(
            Math.mulDiv(floorShare, spot, WAD, Math.Rounding.Ceil),
            shortContracts,
            WAD,
            Math.Rounding.Ceil
        );
    }

    /// @notice Where `equity` stands against `mm` and `im`.
    function health(int256 equity, uint256 mm, uint256 im) internal pure returns (Health) {
        if (equity < 0) return Health.Insolvent;
        if (uint256(equity) < mm) return Health.Liquidatable;
        if (uint256(equity) < im) return Health.MarginCall;
        return Health.Healthy;
    }

    /// @dev V in every scenario of both grids, spot-major (row = spot step from −u to +u, column
    /// = vol −v, 0, +v). Scenario spots and vols are computed once and shared by all positions.
    function _scenarioValues(
        Account memory account,
        Market memory market,
        Params memory params,
        uint256 uMm,
        uint256 uIm
    ) private pure returns (int256[SCENARIOS] memory mmValues, int256[SCENARIOS] memory imValues) {
        if (uIm >= WAD) revert MarginShockTooLarge(uIm);
        if (uMm >= WAD) revert MarginShockTooLarge(uMm);
        uint256[7] memory mmSpots = _spots(market.spot, uMm);
        uint256[7] memory imSpots = _spots(market.spot, uIm);
        uint256[3] memory vols = _vols(market.vol, params.volShock);
        _addCollateral(account, mmSpots, imSpots, mmValues, imValues);
        Position[] memory positions = account.positions;
        for (uint256 i; i < positions.length; ++i) {
            Position memory position = positions[i];
            if (position.quantity == 0) continue;
            uint256 secondsLeft =
                position.expiry > market.timestamp ? position.expiry - market.timestamp : 0;
            _addPosition(
                position, secondsLeft, params.rate, [mmSpots, imSpots], vols, mmValues, imValues
            );
        }
        for (uint256 index; index < SCENARIOS; ++index) {
            mmValues[index] += account.cash;
            imValues[index] += account.cash;
        }
    }

    /// @dev Adds one position's value in every scenario of both grids; `spots` holds the
    /// maintenance grid's scenario spots, then the initial grid's.
    function _addPosition(
        Position memory position,
        uint256 secondsLeft,
        uint256 rate,
        uint256[7][2] memory spots,
        uint256[3] memory vols,
        int256[SCENARIOS] memory mmValues,
        int256[SCENARIOS] memory imValues
    ) private pure {
        for (uint256 row; row < 7; ++row) {
            for (uint256 col; col < 3; ++col) {
                int256 mmValue = _optionValue(position, spots[0][row], vols[col], secondsLeft, rate);
                mmValues[row * 3 + col] += mmValue;
                // The unshocked row is the same in both grids: price it once.
                imValues[
                    row
                    * 3
                    + col
                ] += row == SPOT_STEPS
                    ? mmValue
                    : _optionValue(position, spots[1][row], vols[col], secondsLeft, rate);
            }
        }
    }

    /// @dev q · BS(...), rounded down (toward the account's disadvantage).
    function _optionValue(
        Position memory position,
        uint256 spot,
        uint256 vol,
        uint256 secondsLeft,
        uint256 rate
    ) private pure returns (int256) {
        uint256 unitPrice = BlackScholes.price(
            spot, position.strike, vol, secondsLeft, rate, position.isCall
        );
        int256 quantity = position.quantity;
        if (quantity >= 0) return int256(Math.mulDiv(uint256(quantity), unitPrice, WAD));
        return -int256(Math.mulDiv(uint256(-quantity), unitPrice, WAD, Math.Rounding.Ceil));
    }

    /// @dev Adds each holding's haircut value in every scenario, rounded down.
    function _addCollateral(
        Account memory account,
        uint256[7] memory mmSpots,
        uint256[7] memory imSpots,
        int256[SCENARIOS] memory mmValues,
        int256[SCENARIOS] memory imValues
    ) private pure {
        Collateral[] memory holdings = account.collateral;
        for (uint256 j; j < holdings.length; ++j) {
            Collateral memory holding = holdings[j];
            uint256 counted = Math.mulDiv(holding.amount, WAD - holding.haircut, WAD);
            for (uint256 row; row < 7; ++row) {
                int256 mmValue = int256(
                    Math.mulDiv(counted, holding.tracksSpot ? mmSpots[row] : holding.price, WAD)
                );
                int256 imValue = int256(
                    Math.mulDiv(counted, holding.tracksSpot ? imSpots[row] : holding.price, WAD)
                );
                for (uint256 col; col < 3; ++col) {
                    mmValues[row * 3 + col] += mmValue;
                    imValues[row * 3 + col] += imValue;
                }
            }
        }
    }

    /// @dev S·(1 + k·u/3) for k = −3..3.
    function _spots(uint256 spot, uint256 u) private pure returns (uint256[7] memory spots) {
        for (uint256 row; row < 7; ++row) {
            uint256 factor = row < SPOT_STEPS
                ? WAD - Math.mulDiv(u, SPOT_STEPS - row, SPOT_STEPS)
                : WAD + Math.mulDiv(u, row - SPOT_STEPS, SPOT_STEPS);
            spots[row] = Math.mulDiv(spot, factor, WAD);
        }
    }

    /// @dev σ − v (at least the vol floor), σ, σ + v.
    function _vols(uint256 vol, uint256 shock) private pure returns (uint256[3] memory vols) {
        vols[0] = vol > shock + BlackScholes.VOL_FLOOR ? vol - shock : BlackScholes.VOL_FLOOR;
        vols[1] = vol;
        vols[2] = vol + shock;
    }

    /// @dev E − min V + floor; never negative, since the unshocked scenario is in the grid.
    function _requirement(int256 equity, int256[SCENARIOS] memory values, uint256 floor)
        private
        pure
        returns (uint256)
    {
        int256 worst = values[0];
        for (uint256 index = 1; index < SCENARIOS; ++index) {
            if (values[index] < worst) worst = values[index];
        }
        return uint256(equity - worst) + floor;
    }
}
