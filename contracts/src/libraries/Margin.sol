// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {Panic} from "@openzeppelin/contracts/utils/Panic.sol";
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
        uint256[] memory spots = _shocks(result, account.latency, market, params);
        int256[] memory values = new int256[](GRID);
        Position[] memory positions = account.positions;
        if (positions.length != 0) {
            BlackScholes.Grid memory scenarios =
                BlackScholes.scenarioGrid(spots, _vols(market.vol, params.volShock));
            for (uint256 i; i < positions.length; ++i) {
                _addPosition(scenarios, positions[i], positions[i].quantity, market, params, values);
            }
        }
        _addCashAndCollateral(account.cash, account.collateral, spots, values);
        _conclude(result, values, shortFloor(account, market.spot, params.shortFloor));
    }

    /// @notice `evaluate` of `account`, and of `order` held alone (no cash, no collateral, the
    /// account's latency), in one pass: the grid is built once, and when the account holds the
    /// order's option its prices are computed once for both. The results are exactly those of
    /// two `evaluate` calls, as both round q · P / 1e18 down from the same per-contract P.
    /// @dev Reverts as `evaluate` does, for the account's positions and for `order`.
    function evaluateWithOrder(
        Account memory account,
        Position memory order,
        Market memory market,
        Params memory params
    ) internal pure returns (Result memory result, Result memory alone) {
        uint256[] memory spots = _shocks(result, account.latency, market, params);
        (alone.uMm, alone.uIm) = (result.uMm, result.uIm);
        int256[] memory values = new int256[](GRID);
        int256[] memory orderValues =
            _addOptionsAndOrder(account.positions, order, spots, market, params, values);
        _addCashAndCollateral(account.cash, account.collateral, spots, values);
        _conclude(result, values, shortFloor(account, market.spot, params.shortFloor));
        uint256 orderShorts = order.quantity < 0 ? SafeCast.toUint256(-order.quantity) : 0;
        _conclude(alone, orderValues, _floor(orderShorts, market.spot, params.shortFloor));
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
        return _floor(shortContracts, spot, floorShare);
    }

    /// @dev `floorShare` · spot · `shortContracts`, rounded up.
    function _floor(uint256 shortContracts, uint256 spot, uint256 floorShare)
        private
        pure
        returns (uint256)
    {
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

    /// @dev Checks the market, sets the widened shocks of `result` and returns the distinct
    /// scenario spots (see `GRID`, `_spots`).
    function _shocks(
        Result memory result,
        uint256 latency,
        Market memory market,
        Params memory params
    ) private pure returns (uint256[] memory spots) {
        // An account without options prices nothing, so nothing else would check the market:
        // a verdict at a price no option could have is not one.
        if (market.spot < BlackScholes.MIN_PRICE || market.spot > BlackScholes.MAX_PRICE) {
            revert BlackScholes.BlackScholesSpotOutOfRange(market.spot);
        }
        if (market.vol + params.volShock > BlackScholes.MAX_VOL) {
            revert BlackScholes.BlackScholesVolTooHigh(market.vol + params.volShock);
        }
        result.uMm = widenedShock(params.uBaseMm, market.vol, latency, params.z);
        result.uIm = widenedShock(params.uBaseIm, market.vol, latency, params.z);
        if (result.uMm >= WAD) revert MarginShockTooLarge(result.uMm);
        if (result.uIm >= WAD) revert MarginShockTooLarge(result.uIm);
        spots = _spots(market.spot, result.uMm, result.uIm);
    }

    /// @dev Equity, MM, IM and health from V in every scenario. Options are added to `values`
    /// with unchecked sums that cannot overflow (see `BlackScholes.addValues`), collateral and
    /// cash checked.
    function _conclude(Result memory result, int256[] memory values, uint256 floor) private pure {
        // The unshocked scenario: x = 0 (the middle spot row), y = 0 (the middle vol column).
        result.equity = values[MIDDLE_ROW * VOLS + 1];
        int256 worstMm = _worst(values, 0, ROWS);
        result.mm = _requirement(result.equity, worstMm, floor);
        // IM takes the worst of both grids: a book whose loss peaks between the initial grid's
        // spots (a long butterfly, say) could otherwise need less initial than maintenance.
        result.im = _requirement(
            result.equity, SignedMath.min(worstMm, _worst(values, ROWS, SPOTS)), floor
        );
        result.health = health(result.equity, result.mm, result.im);
    }

    /// @dev Adds every position to `values` and returns the order's own values, pricing the
    /// order's option once for both when a position holds it.
    function _addOptionsAndOrder(
        Position[] memory positions,
        Position memory order,
        uint256[] memory spots,
        Market memory market,
        Params memory params,
        int256[] memory values
    ) private pure returns (int256[] memory orderValues) {
        orderValues = new int256[](GRID);
        BlackScholes.Grid memory scenarios =
            BlackScholes.scenarioGrid(spots, _vols(market.vol, params.volShock));
        bool orderPriced;
        for (uint256 i; i < positions.length; ++i) {
            Position memory position = positions[i];
            if (orderPriced || position.quantity == 0 || !_sameOption(position, order)) {
                _addPosition(scenarios, position, position.quantity, market, params, values);
                continue;
            }
            int256[] memory perContract = new int256[](GRID);
            _addPosition(scenarios, position, int256(WAD), market, params, perContract);
            _addScaled(perContract, position.quantity, values);
            _addScaled(perContract, order.quantity, orderValues);
            orderPriced = true;
        }
        if (!orderPriced) {
            _addPosition(scenarios, order, order.quantity, market, params, orderValues);
        }
    }

    /// @dev Adds `quantity` contracts of `position`'s option in every scenario to `values`.
    function _addPosition(
        BlackScholes.Grid memory scenarios,
        Position memory position,
        int256 quantity,
        Market memory market,
        Params memory params,
        int256[] memory values
    ) private pure {
        if (quantity == 0) return;
        BlackScholes.addValues(
            scenarios,
            position.strike,
            position.expiry > market.timestamp ? position.expiry - market.timestamp : 0,
            params.rate,
            position.isCall,
            quantity,
            values
        );
    }

    /// @dev Adds q · P / 1e18, rounded down as `BlackScholes.addValues` rounds it, for each
    /// per-contract value P of `perContract` (one contract's values: P itself, never negative).
    function _addScaled(int256[] memory perContract, int256 quantity, int256[] memory values)
        private
        pure
    {
        // Unchecked (assembly): both arrays hold GRID words; |q| < 2^127 and P < 2^121 as
        // `addValues` checked, so q · P fits and the sums stay within its bound.
        assembly ("memory-safe") {
            let from := add(perContract, 0x20)
            let end := add(from, shl(5, GRID))
            let out := add(values, 0x20)
            for {} lt(from, end) { from := add(from, 0x20) } {
                let value :=
                    sdiv(
                        sub(
                            mul(quantity, mload(from)),
                            and(sar(255, quantity), 999999999999999999)
                        ),
                        WAD
                    )
                mstore(out, add(mload(out), value))
                out := add(out, 0x20)
            }
        }
    }

    /// @dev Whether two positions are the same option.
    function _sameOption(Position memory a, Position memory b) private pure returns (bool) {
        return a.strike == b.strike && a.expiry == b.expiry && a.isCall == b.isCall;
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
        bool overflow;
        // Unchecked (assembly), then checked at once: `values` holds VOLS words per row (GRID
        // in all, made by the caller), and a signed sum overflowed exactly when both terms have
        // the sign the sum lacks.
        assembly ("memory-safe") {
            let out := add(values, 0x20)
            for { let row := 0 } lt(row, SPOTS) { row := add(row, 1) } {
                let term := mload(add(rowValues, shl(5, row)))
                let rowValue := add(term, cash)
                overflow := or(overflow, slt(and(xor(term, rowValue), xor(cash, rowValue)), 0))
                for { let end := add(out, 0x60) } lt(out, end) { out := add(out, 0x20) } {
                    let value := mload(out)
                    let sum := add(value, rowValue)
                    overflow := or(overflow, slt(and(xor(value, sum), xor(rowValue, sum)), 0))
                    mstore(out, sum)
                }
            }
        }
        if (overflow) Panic.panic(Panic.UNDER_OVERFLOW);
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
        // Unchecked: u < 1e18 (checked by the caller), so a factor is below 2e18, and spot is
        // at most BlackScholes.MAX_PRICE (checked by `evaluate`): the product stays below 2^181.
        unchecked {
            uint256 factor = row < SPOT_STEPS
                ? WAD - u * (SPOT_STEPS - row) / SPOT_STEPS
                : WAD + u * (row - SPOT_STEPS) / SPOT_STEPS;
            return spot * factor / WAD;
        }
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
        // Unchecked (assembly): rows within `values` (GRID words, made by the caller).
        assembly ("memory-safe") {
            let end := add(values, shl(5, add(mul(toRow, VOLS), 1)))
            for { let at := add(values, shl(5, add(mul(fromRow, VOLS), 1))) } lt(at, end) {
                at := add(at, 0x20)
            } {
                let value := mload(at)
                if slt(value, worst) { worst := value }
            }
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
