// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {SignedMath} from "@openzeppelin/contracts/utils/math/SignedMath.sol";

import {BlackScholes} from "./BlackScholes.sol";

/// @title Margin
/// @notice Portfolio margin with the cross-chain latency buffer (docs/architecture.md §6): an
/// account is revalued in 7 spot × 3 vol scenarios and must hold the worst loss, with a spot
/// shock widened by the time a liquidation needs to cross chains.
/// @dev Units: every amount, price, vol and shock is a WAD (1e18 = 1.0); quantities are signed
/// WAD contracts (negative = short); times are unix seconds, latency in seconds.
///
///   V(S, σ)        = cash + Σ_j c_j·P_j(S)·(1 − h_j) + Σ_i q_i·BS(S, K_i, T_i, σ)
///   requirement(u) = V(S, σ) − min_{x, y} V(S·(1+x), σ+y) + floor·S·Σ short contracts
///   x ∈ {−u, −2u/3, −u/3, 0, u/3, 2u/3, u},  y ∈ {−v, 0, +v}  (σ+y at least the vol floor)
///   u              = sqrt(u_base² + (z·σ)²·τ / year)
///
/// Collateral that tracks spot is priced at S·(1+x) inside each scenario; other collateral at its
/// own quote price. MM = requirement(u from `uBaseMm`), IM = requirement(u from `uBaseIm`),
/// raised to MM where the maintenance grid finds a worse scenario, so IM ≥ MM for every book.
/// Rounding: each option and collateral value rounds down and the shock and floor round up, so
/// a requirement is at most a few wei per position above exact, never meaningfully below; the
/// Python reference (`relayer/risk/model.py`) agrees within the tolerance the tests state.
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
    // ROWS, SPOTS and GRID follow from SPOT_STEPS and VOLS but are written as literals: as
    // constant expressions (2 * SPOT_STEPS + 1, ...) they cost `evaluate` 13k more gas with this
    // compiler pipeline (measured on the 16-position test book).
    /// @dev Spot rows of one grid: −u to +u, 2 · SPOT_STEPS + 1.
    uint256 private constant ROWS = 7;
    /// @dev Vol columns of one grid: σ − v, σ, σ + v.
    uint256 private constant VOLS = 3;
    /// @dev The distinct scenario spots of both grids, ROWS + 2 · SPOT_STEPS: the maintenance
    /// grid's 7 rows, then the initial grid's 6 shocked ones (the unshocked row is shared).
    uint256 private constant SPOTS = 13;
    /// @dev V in every distinct scenario: SPOTS rows × VOLS columns, spot-major.
    uint256 private constant GRID = 39;
    /// @dev The unshocked row, in either grid.
    uint256 private constant MIDDLE_ROW = SPOT_STEPS;

    /// @notice Equity, MM, IM and health of `account`.
    /// @dev One pass prices every position in the 39 distinct scenarios of both grids (they
    /// share the unshocked spot row). Reverts with `BlackScholesSpotOutOfRange` for a spot
    /// outside [`BlackScholes.MIN_PRICE`, `BlackScholes.MAX_PRICE`] and `BlackScholesVolTooHigh`
    /// when the highest scenario vol, vol + `volShock`, is above `BlackScholes.MAX_VOL`, whatever
    /// the account holds; with `MarginShockTooLarge` if a widened shock is 100% or more; and
    /// with `BlackScholes`' errors for a strike, scenario spot, time to expiry or rate outside
    /// its range and for 2^127 or more contracts either way.
    function evaluate(Account memory account, Market memory market, Params memory params)
        internal
        pure
        returns (Result memory result)
    {
        // An account without options prices nothing, so nothing else would check the market:
        // a verdict at a price no option could have is not one.
        if (market.spot < BlackScholes.MIN_PRICE || market.spot > BlackScholes.MAX_PRICE) {
            revert BlackScholes.BlackScholesSpotOutOfRange(market.spot);
        }
        if (market.vol + params.volShock > BlackScholes.MAX_VOL) {
            revert BlackScholes.BlackScholesVolTooHigh(market.vol + params.volShock);
        }
        result.uMm = widenedShock(params.uBaseMm, market.vol, account.latency, params.z);
        result.uIm = widenedShock(params.uBaseIm, market.vol, account.latency, params.z);
        int256[] memory values = _scenarioValues(account, market, params, result.uMm, result.uIm);
        // The unshocked scenario: x = 0 (the middle spot row), y = 0 (the middle vol column).
        result.equity = values[MIDDLE_ROW * VOLS + 1];
        uint256 floor = shortFloor(account, market.spot, params.shortFloor);
        int256 worstMm = _worst(values, 0, ROWS);
        result.mm = _requirement(result.equity, worstMm, floor);
        // IM takes the worst of both grids: a book whose loss peaks between the initial grid's
        // spots (a long butterfly, say) could otherwise need less initial than maintenance.
        result.im = _requirement(
            result.equity, SignedMath.min(worstMm, _worst(values, ROWS, SPOTS)), floor
        );
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
            if (quantity < 0) shortContracts += SafeCast.toUint256(-quantity);
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
        uint256 counted = SafeCast.toUint256(equity);
        if (counted < mm) return Health.Liquidatable;
        if (counted < im) return Health.MarginCall;
        return Health.Healthy;
    }

    /// @dev V in every distinct scenario (see `GRID`, `_spots`). Options are added first, with
    /// unchecked sums that cannot overflow (see `BlackScholes.addValues`), then collateral and
    /// cash, checked.
    function _scenarioValues(
        Account memory account,
        Market memory market,
        Params memory params,
        uint256 uMm,
        uint256 uIm
    ) private pure returns (int256[] memory values) {
        if (uMm >= WAD) revert MarginShockTooLarge(uMm);
        if (uIm >= WAD) revert MarginShockTooLarge(uIm);
        values = new int256[](GRID);
        uint256[] memory spots = _spots(market.spot, uMm, uIm);
        Position[] memory positions = account.positions;
        if (positions.length != 0) {
            BlackScholes.Grid memory scenarios =
                BlackScholes.scenarioGrid(spots, _vols(market.vol, params.volShock));
            for (uint256 i; i < positions.length; ++i) {
                Position memory position = positions[i];
                if (position.quantity == 0) continue;
                BlackScholes.addValues(
                    scenarios,
                    position.strike,
                    position.expiry > market.timestamp ? position.expiry - market.timestamp : 0,
                    params.rate,
                    position.isCall,
                    position.quantity,
                    values
                );
            }
        }
        _addCashAndCollateral(account.cash, account.collateral, spots, values);
    }

    /// @dev Adds cash and each holding's haircut value, rounded down, in every scenario: a
    /// holding that tracks spot at each scenario spot, any other at its quote price.
    function _addCashAndCollateral(
        int256 cash,
        Collateral[] memory holdings,
        uint256[] memory spots,
        int256[] memory values
    ) private pure {
        int256[SPOTS] memory rowValues;
        for (uint256 j; j < holdings.length; ++j) {
            Collateral memory holding = holdings[j];
            uint256 counted = Math.mulDiv(holding.amount, WAD - holding.haircut, WAD);
            if (!holding.tracksSpot) {
                cash += SafeCast.toInt256(Math.mulDiv(counted, holding.price, WAD));
                continue;
            }
            for (uint256 row; row < SPOTS; ++row) {
                rowValues[row] += SafeCast.toInt256(Math.mulDiv(counted, spots[row], WAD));
            }
        }
        for (uint256 row; row < SPOTS; ++row) {
            int256 rowValue = rowValues[row] + cash;
            uint256 index = row * VOLS;
            values[index] += rowValue;
            values[index + 1] += rowValue;
            values[index + 2] += rowValue;
        }
    }

    /// @dev The distinct scenario spots: S·(1 + k·u_MM/3) for k = −3..3, then S·(1 + k·u_IM/3)
    /// for k = −3..−1, 1..3.
    function _spots(uint256 spot, uint256 uMm, uint256 uIm)
        private
        pure
        returns (uint256[] memory spots)
    {
        spots = new uint256[](SPOTS);
        for (uint256 row; row < ROWS; ++row) {
            spots[row] = _scenarioSpot(spot, uMm, row);
            if (row < MIDDLE_ROW) spots[ROWS + row] = _scenarioSpot(spot, uIm, row);
            if (row > MIDDLE_ROW) spots[ROWS + row - 1] = _scenarioSpot(spot, uIm, row);
        }
    }

    /// @dev S·(1 + k·u/3) for k = row − 3, each factor rounded down.
    function _scenarioSpot(uint256 spot, uint256 u, uint256 row) private pure returns (uint256) {
        // u < 1e18 (checked by the caller), so u times a step of at most 3 cannot overflow.
        uint256 factor = row < SPOT_STEPS
            ? WAD - u * (SPOT_STEPS - row) / SPOT_STEPS
            : WAD + u * (row - SPOT_STEPS) / SPOT_STEPS;
        return Math.mulDiv(spot, factor, WAD);
    }

    /// @dev σ − v (at least the vol floor), σ, σ + v.
    function _vols(uint256 vol, uint256 shock) private pure returns (uint256[] memory vols) {
        vols = new uint256[](VOLS);
        vols[0] = vol > shock + BlackScholes.VOL_FLOOR ? vol - shock : BlackScholes.VOL_FLOOR;
        vols[1] = vol;
        vols[2] = vol + shock;
    }

    /// @dev The least V in rows [`fromRow`, `toRow`) of every vol column.
    function _worst(int256[] memory values, uint256 fromRow, uint256 toRow)
        private
        pure
        returns (int256 worst)
    {
        worst = type(int256).max;
        uint256 end = toRow * VOLS;
        for (uint256 index = fromRow * VOLS; index < end; ++index) {
            int256 value = values[index];
            if (value < worst) worst = value;
        }
    }

    /// @dev E − min V + floor; never negative, since the unshocked scenario is in each grid.
    function _requirement(int256 equity, int256 worst, uint256 floor)
        private
        pure
        returns (uint256)
    {
        return SafeCast.toUint256(equity - worst) + floor;
    }
}
