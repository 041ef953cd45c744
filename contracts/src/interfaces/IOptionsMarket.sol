// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Margin} from "../libraries/Margin.sol";
import {AggregatorV3Interface} from "./AggregatorV3Interface.sol";
import {IMarginEngine} from "./IMarginEngine.sol";

/// @title IOptionsMarket
/// @notice European options on one underlying, cash-settled in the quote unit, traded on a
/// central limit order book per series against collateral the market knows only as a ledger
/// (docs/architecture.md §6).
/// @dev Units: cash, prices, strikes, premiums, requirements and contract amounts are WADs (1e18
/// = 1.0; cash and premiums in quote units, USD locally); a position is signed lots (one lot =
/// the series' `lotSize` contracts), an order price is a tick (one tick = the series' `tickSize`
/// of premium per contract); fees are basis points of premium; times are unix seconds.
///
/// The ledger: `cash` is one signed quote balance per account, whichever collateral chain it
/// was deposited on; every other collateral token is a credit per (account, domain, token),
/// valued at the oracle spot less its haircut; `pool` mirrors what each domain's vault holds.
/// Collateral enters only through the internal `_credit` (the mailbox handler of the
/// cross-chain issue; a test harness here).
///
/// Open orders carry margin: a risk-increasing order is accepted only if
/// E ≥ IM(positions) + Σ open orders' standalone requirements (its own included), an upper bound
/// of IM with every open order filled. A fill never re-runs the maker's margin.
interface IOptionsMarketBase {
    /// @notice How an order meets the book.
    /// @param Limit Matches what it crosses, then rests the rest.
    /// @param PostOnly Rests only; reverts with `MarketPostOnlyWouldCross` if it would trade.
    /// @param ImmediateOrCancel Matches what it crosses; the rest is dropped.
    enum OrderKind {
        Limit,
        PostOnly,
        ImmediateOrCancel
    }

    /// @notice What a market is built on.
    /// @param owner Lists series and sets the risk parameters.
    /// @param engine The deployed risk engine that values accounts.
    /// @param spotFeed The underlying's spot, any Chainlink-style feed.
    /// @param volFeed Its implied vol.
    /// @param feeAccount The account fees are paid to.
    /// @param insuranceFund The insurance fund's account.
    /// @param mailbox This chain's mailbox: vaults' `CREDIT`s arrive through it, and the market
    /// sends `RELEASE`, `SEIZE` and `MARGIN_CALL` through it.
    struct Setup {
        address owner;
        IMarginEngine engine;
        AggregatorV3Interface spotFeed;
        AggregatorV3Interface volFeed;
        address feeAccount;
        address insuranceFund;
        address mailbox;
    }

    /// @notice How margin calls and liquidations run; owner-set with bounds.
    /// @param marginCallWindow Seconds a margin call gives the account's vaults to top it up.
    /// @param liquidationGrace Seconds liquidations wait after a feed recovers from staleness.
    /// @param discount The liquidator's bonus, WAD share of the maintenance margin it takes over.
    struct LiquidationParams {
        uint32 marginCallWindow;
        uint32 liquidationGrace;
        uint64 discount;
    }

    /// @notice An account's open margin call; all zero when none is open.
    /// @param id Unique per call.
    /// @param deficit IM − E when it opened, WAD quote units.
    /// @param deadline Until when a vault may top the account up (unix seconds).
    struct MarginCall {
        bytes32 id;
        uint128 deficit;
        uint64 deadline;
    }

    /// @notice Where a liquidator takes the collateral seized on `domain`.
    struct SeizeRecipient {
        uint32 domain;
        address recipient;
    }

    /// @notice One listed series.
    /// @param strike Strike, WAD quote units per contract.
    /// @param tickSize Premium per contract of one tick, WAD.
    /// @param lotSize Contracts per lot, WAD.
    /// @param maxTick The highest tick an order may use: the price cap.
    /// @param expiry Unix seconds; trading stops at expiry.
    /// @param isCall A call, else a put.
    /// @param settled Whether a settlement price is fixed.
    /// @param settlementPrice The spot at settlement, WAD; zero until settled.
    struct Series {
        uint128 strike;
        uint128 tickSize;
        uint128 lotSize;
        uint16 maxTick;
        uint64 expiry;
        bool isCall;
        bool settled;
        uint256 settlementPrice;
    }

    /// @notice The owner-set risk parameters: the margin engine's `Margin.Params`, the price
    /// feeds' freshness, and the order limits.
    /// @param margin Shocks, vol shock, z, short floor and rate, WAD.
    /// @param spotMaxAge The oldest spot answer accepted, seconds.
    /// @param volMaxAge The oldest implied-vol answer accepted, seconds.
    /// @param maxFills The most makers (or self-trade cancels) one taker order may touch.
    /// @param makerFeeBps Maker fee, basis points of premium.
    /// @param takerFeeBps Taker fee, basis points of premium.
    struct RiskParams {
        Margin.Params margin;
        uint32 spotMaxAge;
        uint32 volMaxAge;
        uint16 maxFills;
        uint16 makerFeeBps;
        uint16 takerFeeBps;
    }

    /// @notice An account's margin as a UI or keeper needs it.
    /// @param result Equity, MM, IM, the widened shocks and the health of its positions.
    /// @param openOrderMargin Σ standalone requirements reserved by its open orders, WAD.
    /// @param coversOrders Whether E ≥ IM + openOrderMargin: no one may cancel its orders.
    struct Health {
        Margin.Result result;
        uint256 openOrderMargin;
        bool coversOrders;
    }

    /// @notice One resting order.
    struct OpenOrder {
        uint64 id;
        uint32 seriesId;
        bool isBid;
        uint16 tick;
        uint64 lots;
        uint256 reservedMargin;
    }

    /// @notice The series `seriesId` was listed.
    event SeriesListed(uint32 indexed seriesId, Series series);

    /// @notice `amount` of `token` from `domain` was credited to `account` (`cash` for the quote
    /// token).
    event CollateralCredited(
        address indexed account, uint32 indexed domain, address indexed token, uint256 amount
    );

    /// @notice `owner` placed order `orderId` (`lots` at `tick`), reserving `reservedMargin`.
    event OrderPlaced(
        uint64 indexed orderId,
        address indexed owner,
        uint32 indexed seriesId,
        bool isBid,
        uint16 tick,
        uint64 lots,
        OrderKind kind,
        uint256 reservedMargin
    );

    /// @notice `lots` of the maker's order `makerOrderId` traded with `taker` at `tick`;
    /// `premium` moved from the buyer to the seller, less the fees.
    event Traded(
        uint32 indexed seriesId,
        uint64 indexed makerOrderId,
        address indexed taker,
        address maker,
        bool takerIsBid,
        uint16 tick,
        uint64 lots,
        uint256 premium,
        uint256 makerFee,
        uint256 takerFee
    );

    /// @notice The order `orderId` left the book with `lots` unfilled.
    event OrderCancelled(uint64 indexed orderId, address indexed owner, uint64 lots);

    /// @notice The series `seriesId` settles at `price` (WAD), spot round `roundId`.
    event SeriesSettled(uint32 indexed seriesId, uint256 price, uint80 roundId);

    /// @notice `account`'s position of `lots` in `seriesId` settled to `payout` of cash.
    event PositionSettled(
        address indexed account, uint32 indexed seriesId, int256 lots, int256 payout
    );

    /// @notice The risk parameters changed.
    event RiskParamsSet(RiskParams params);

    /// @notice τ of collateral held on `domain` is now `latency` seconds.
    event DomainLatencySet(uint32 indexed domain, uint32 latency);

    /// @notice `token` on `domain` (with `decimals`) is spot-tracking collateral with `haircut`
    /// (WAD) not counted, or (`listed` false) no longer accepted.
    event CollateralTokenSet(
        uint32 indexed domain, address indexed token, uint64 haircut, bool listed, uint8 decimals
    );

    /// @notice Deposits of `token` on `domain` are now cash.
    event QuoteTokenSet(uint32 indexed domain, address indexed token, uint8 decimals);

    /// @notice `account` withdrew `amount` of `token` to `recipient` on `domain`: debited here,
    /// sent as `RELEASE` message `messageId`.
    event Withdrawn(
        address indexed account,
        uint32 indexed domain,
        address indexed token,
        uint256 amount,
        address recipient,
        bytes32 withdrawalId,
        bytes32 messageId
    );

    /// @notice A margin call `callId` opened for `account`, `deficit` short of IM until
    /// `deadline`, sent to `domains` collateral chains.
    event MarginCallOpened(
        address indexed account,
        bytes32 indexed callId,
        uint256 deficit,
        uint64 deadline,
        uint256 domains
    );

    /// @notice The margin call `callId` of `account` closed: E ≥ IM again, or (`liquidated`) the
    /// account was liquidated.
    event MarginCallClosed(address indexed account, bytes32 indexed callId, bool liquidated);

    /// @notice `liquidator` took over `fraction` (WAD) of `account`: positions worth
    /// `positionsValue` and credits worth `creditsValue` (signed WAD at mark), paying `price` =
    /// their sum less `bonus`.
    event Liquidated(
        address indexed account,
        address indexed liquidator,
        bytes32 indexed liquidationId,
        uint256 fraction,
        int256 positionsValue,
        uint256 creditsValue,
        uint256 bonus,
        int256 price
    );

    /// @notice `lots` of `account`'s position in `seriesId` moved to `liquidator`.
    event PositionLiquidated(
        address indexed account, address indexed liquidator, uint32 indexed seriesId, int256 lots
    );

    /// @notice `amount` of `account`'s credit of `token` on `domain` was removed and sent by
    /// `SEIZE` message `messageId` to `recipient` there.
    event CollateralSeized(
        address indexed account,
        uint32 indexed domain,
        address indexed token,
        uint256 amount,
        address recipient,
        bytes32 liquidationId,
        bytes32 messageId
    );

    /// @notice The insurance fund paid `amount` of an emptied `account`'s negative equity.
    event InsuranceFundUsed(address indexed account, uint256 amount);

    /// @notice `amount` of an emptied `account`'s negative equity nobody covers: bad debt, now
    /// `total` in all.
    event BadDebtRecorded(address indexed account, uint256 amount, uint256 total);

    /// @notice The liquidation parameters changed.
    event LiquidationParamsSet(LiquidationParams params);

    /// @notice `seriesId` is not a listed series.
    error MarketUnknownSeries(uint32 seriesId);

    /// @notice The series expired at `expiry`; the time is `timestamp`.
    error MarketSeriesExpired(uint32 seriesId, uint64 expiry, uint256 timestamp);

    /// @notice The series does not expire until `expiry`.
    error MarketSeriesNotExpired(uint32 seriesId, uint64 expiry);

    /// @notice The series is settled already.
    error MarketSeriesSettled(uint32 seriesId);

    /// @notice The series has no settlement price yet.
    error MarketSeriesNotSettled(uint32 seriesId);

    /// @notice A series with these terms is listed already as `seriesId`.
    error MarketDuplicateSeries(uint32 seriesId);

    /// @notice Listing terms outside what the market or the pricer accepts.
    error MarketInvalidSeries(uint256 strike, uint256 tickSize, uint256 lotSize, uint64 expiry);

    /// @notice `amount` contracts is zero or not a multiple of the lot of `lotSize`.
    error MarketInvalidSize(uint256 amount, uint256 lotSize);

    /// @notice `price` is zero, not a multiple of the tick of `tickSize`, or above `maxPrice`.
    error MarketInvalidPrice(uint256 price, uint256 tickSize, uint256 maxPrice);

    /// @notice `requested` fills asked for; at most `maxFills`.
    error MarketTooManyFills(uint256 requested, uint256 maxFills);

    /// @notice A post-only order at `tick` would trade.
    error MarketPostOnlyWouldCross(uint16 tick);

    /// @notice The account's equity `equity` would not cover `required` = IM + open-order
    /// margin with this order.
    error MarketInsufficientMargin(address account, int256 equity, uint256 required);

    /// @notice `account` already uses `max` series or open orders.
    error MarketAccountFull(address account, uint256 max);

    /// @notice The order `orderId` does not exist or is not `caller`'s.
    error MarketNotOrderOwner(uint64 orderId, address caller);

    /// @notice `account` covers its open orders, so only it may cancel them.
    error MarketOrdersCovered(address account);

    /// @notice Round `roundId` is not the spot's first round at or after expiry `expiry`.
    error MarketWrongSettlementRound(uint80 roundId, uint64 expiry);

    /// @notice A risk parameter outside its bounds; `field` names it.
    error MarketInvalidParam(string field, uint256 value);

    /// @notice `token` on `domain` is neither the quote token nor listed collateral.
    error MarketUnknownToken(uint32 domain, address token);

    /// @notice An amount of zero.
    error MarketZeroAmount();

    /// @notice A recipient or account of zero.
    error MarketZeroAddress();

    /// @notice The vault on `domain` holds `pool` of `token`, less than `amount`.
    error MarketPoolTooSmall(uint32 domain, address token, uint256 amount, uint256 pool);

    /// @notice `account` has `credit` of `token` on `domain`, less than `amount`.
    error MarketInsufficientCredit(
        address account, uint32 domain, address token, uint256 amount, uint256 credit
    );

    /// @notice `account` is not in a margin call: E = `equity`, MM = `mm`, IM = `im`.
    error MarketNotMarginCallable(address account, int256 equity, uint256 mm, uint256 im);

    /// @notice `account` has margin call `callId` open until `deadline`.
    error MarketMarginCallOpen(address account, bytes32 callId, uint64 deadline);

    /// @notice `account` has no margin call that E ≥ IM closes (none open, or E = `equity` <
    /// IM = `im`).
    error MarketMarginCallNotClosable(address account, int256 equity, uint256 im);

    /// @notice `account` is not liquidatable: E = `equity` ≥ MM = `mm`.
    error MarketNotLiquidatable(address account, int256 equity, uint256 mm);

    /// @notice Liquidations wait: a feed is stale or recovered less than the grace period ago.
    error MarketLiquidationsPaused();

    /// @notice A liquidation fraction of zero or above one (WAD).
    error MarketInvalidFraction(uint256 fraction);

    /// @notice No (nonzero) recipient given for the collateral seized on `domain`.
    error MarketMissingRecipient(uint32 domain);

    /// @notice An account may not liquidate itself.
    error MarketSelfLiquidation(address account);

    /// @notice `amount` (WAD) is not a whole number of `token`'s smallest unit `unit` (WAD).
    error MarketNotWholeUnits(uint32 domain, address token, uint256 amount, uint256 unit);

    /// @notice A message of type `kind`, which the market does not take.
    error MarketUnexpectedMessage(uint8 kind);

    /// @notice `account` already holds collateral on `max` domains.
    error MarketTooManyDomains(address account, uint256 max);
}

/// @title IOptionsTrading
/// @notice The market's hot paths: placing and cancelling orders, settling positions. Served by
/// `OptionsMarket` itself.
interface IOptionsTrading is IOptionsMarketBase {
    /// @notice Places an order of `amount` contracts at `price` premium per contract.
    /// @dev Reverts with `MarketUnknownSeries`, `MarketSeriesExpired`, `MarketInvalidSize`,
    /// `MarketInvalidPrice`, `MarketTooManyFills` (`maxFills` above the market's), then for a
    /// risk-increasing order on a stale feed (`FeedConsumer` errors) or with
    /// `MarketInsufficientMargin`; a post-only order that would trade reverts with
    /// `MarketPostOnlyWouldCross`. An order that fails the margin check but only shrinks the
    /// account's position in the series (with its other open orders on that side) is
    /// risk-reducing: it is taken and reserves nothing, so an account below IM can always trade
    /// out of risk; while a feed is stale only risk-reducing orders are taken. Matches in price-time priority against at most `maxFills` makers; a resting
    /// order of the caller met on the way is cancelled instead (no self-trade). Emits
    /// `OrderPlaced`, a `Traded` per fill and `OrderCancelled` per order leaving the book.
    /// @param seriesId The series.
    /// @param isBid A buy, else a sell.
    /// @param price Premium per contract, WAD: a multiple of the tick size, at most the cap.
    /// @param amount Contracts, WAD: a multiple of the lot size.
    /// @param kind Limit, post-only or immediate-or-cancel.
    /// @param maxFills The most makers to match, at most the market's `maxFills`.
    /// @return orderId The resting order's id, zero when nothing rests.
    /// @return filledLots Lots traded.
    function place(
        uint32 seriesId,
        bool isBid,
        uint256 price,
        uint256 amount,
        OrderKind kind,
        uint256 maxFills
    ) external returns (uint64 orderId, uint64 filledLots);

    /// @notice Cancels one of the caller's resting orders and frees its reserved margin.
    /// @dev Reverts with `MarketNotOrderOwner`. Emits `OrderCancelled`.
    function cancel(uint64 orderId) external;

    /// @notice Cancels every resting order of `account`.
    /// @dev The account itself any time; anyone else only while it does not cover its open
    /// orders (E < IM + open-order margin), else `MarketOrdersCovered`. Emits `OrderCancelled`
    /// per order.
    function cancelOrdersOf(address account) external;

    /// @notice Settles `account`'s position in a settled series to cash and cancels its orders
    /// there.
    /// @dev Anyone. Longs receive and shorts pay lots · lotSize · payoff, so the series settles
    /// zero-sum. Emits `PositionSettled`.
    function settlePosition(address account, uint32 seriesId) external;

    /// @notice `settlePosition` for each of `accounts` in one transaction, as a keeper settles a
    /// series: the transaction's fixed cost is paid once.
    /// @dev Anyone. Reverts with `MarketSeriesNotSettled` unless the series is settled; an
    /// account with no position or orders there settles to nothing (an event with zero lots).
    function settlePositions(uint32 seriesId, address[] calldata accounts) external;
}

/// @title IOptionsViews
/// @notice What a UI or keeper reads. Served by the market's module, in the market's storage.
interface IOptionsViews is IOptionsMarketBase {
    /// @notice The series `seriesId`.
    function series(uint32 seriesId) external view returns (Series memory);

    /// @notice How many series were listed.
    function seriesCount() external view returns (uint32);

    /// @notice The risk parameters.
    function riskParams() external view returns (RiskParams memory);

    /// @notice Best bid and ask ticks of a series; `exists` false for an empty side.
    function bestPrices(uint32 seriesId)
        external
        view
        returns (uint16 bidTick, bool hasBid, uint16 askTick, bool hasAsk);

    /// @notice The top `levels` price levels of one side, best first.
    function depth(uint32 seriesId, bool isBid, uint256 levels)
        external
        view
        returns (uint16[] memory ticks, uint128[] memory lots);

    /// @notice `account`'s resting orders.
    function ordersOf(address account) external view returns (OpenOrder[] memory);

    /// @notice `account`'s series (with a position or open orders) and its positions in lots.
    function positionsOf(address account)
        external
        view
        returns (uint32[] memory seriesIds, int256[] memory lots);

    /// @notice `account`'s equity, requirements, health and open-order margin at the feeds'
    /// current prices.
    function health(address account) external view returns (Health memory);

    /// @notice `account`'s quote balance, signed WAD.
    function cash(address account) external view returns (int256);

    /// @notice `account`'s credit of `token` from `domain`, WAD.
    function credit(address account, uint32 domain, address token) external view returns (uint256);

    /// @notice What the vault on `domain` holds of `token` as the market knows it.
    function pool(uint32 domain, address token) external view returns (uint256);

    /// @notice The quote token on `domain`: deposits of it are cash.
    function quoteToken(uint32 domain) external view returns (address);

    /// @notice The account fees are paid to.
    function feeAccount() external view returns (address);

    /// @notice The insurance fund's account.
    function insuranceFund() external view returns (address);

    /// @notice Whether `token` on `domain` is listed collateral, and its haircut (WAD).
    function collateralToken(uint32 domain, address token)
        external
        view
        returns (bool listed, uint64 haircut);

    /// @notice One smallest unit of `token` on `domain` in WAD, 10^(18 - decimals); zero for a
    /// token the market does not know. Withdrawals and seizures are whole units.
    function tokenUnit(uint32 domain, address token) external view returns (uint256);

    /// @notice τ of collateral held on `domain`, seconds.
    function domainLatency(uint32 domain) external view returns (uint32);

    /// @notice `account`'s open margin call; all zero when none is open.
    function marginCallOf(address account) external view returns (MarginCall memory);

    /// @notice The domains `account` deposited collateral on.
    function domainsOf(address account) external view returns (uint32[] memory);

    /// @notice Negative equity nobody covered, WAD quote units.
    function badDebt() external view returns (uint256);

    /// @notice The liquidation parameters.
    function liquidationParams() external view returns (LiquidationParams memory);
}

/// @title IOptionsCollateral
/// @notice The market's cross-chain side: withdrawals, margin calls and liquidations, each of
/// which sends a message to a vault. Served by the `MarketCollateral` module, in the market's
/// storage. Collateral comes in only as a vault's `CREDIT` through the mailbox (`handle`).
interface IOptionsCollateral is IOptionsMarketBase {
    /// @notice Withdraws `amount` (WAD) of `token` to `recipient` on `domain`: cash for the
    /// domain's quote token, else the caller's credit there.
    /// @dev Debits at once, then sends `RELEASE`; the caller must stay at or above IM with its
    /// open orders (E ≥ IM + open-order margin) at fresh prices, and the domain's pool must hold
    /// it. Reverts with `MarketZeroAmount`, `MarketZeroAddress`, `MarketUnknownToken`,
    /// `MarketPoolTooSmall`, `MarketInsufficientCredit`, `MarketInsufficientMargin`, the feeds'
    /// staleness errors. Emits `Withdrawn`.
    /// @return withdrawalId The id the vault executes once.
    function withdraw(uint32 domain, address token, uint256 amount, address recipient)
        external
        returns (bytes32 withdrawalId);

    /// @notice Opens a margin call on `account`, which is in margin call (MM ≤ E < IM): one
    /// `MARGIN_CALL` of deficit IM − E to each collateral chain it deposited on.
    /// @dev Anyone. Reverts with `MarketNotMarginCallable`, or `MarketMarginCallOpen` while an
    /// earlier call's deadline has not passed. Emits `MarginCallOpened`.
    /// @return callId The call's id.
    function marginCall(address account) external returns (bytes32 callId);

    /// @notice Closes `account`'s margin call once E ≥ IM again.
    /// @dev Anyone. Reverts with `MarketMarginCallNotClosable`. Emits `MarginCallClosed`.
    function closeMarginCall(address account) external;

    /// @notice Takes over `fraction` (WAD, at most 1e18) of `account`, whose E < MM: its orders
    /// are cancelled; that fraction of each position moves to the caller and that fraction of
    /// each credit is removed and sent by `SEIZE` to the caller's recipient on its domain; the
    /// caller pays their mark value less a bonus of `discount` · fraction · MM in cash.
    /// @dev Anyone but the account, while both feeds are fresh and past the grace period after a
    /// recovery (`pokeFeeds`). The caller must then cover IM with its open orders. An account
    /// left with neither positions nor credits and negative cash is made whole by the insurance
    /// fund; what the fund cannot cover is bad debt. Reverts with `MarketInvalidFraction`,
    /// `MarketSelfLiquidation`, `MarketLiquidationsPaused`, `MarketNotLiquidatable`,
    /// `MarketMissingRecipient`, `MarketInsufficientMargin`. Emits `Liquidated`,
    /// `PositionLiquidated`, `CollateralSeized`, `OrderCancelled`, `MarginCallClosed`,
    /// `InsuranceFundUsed`, `BadDebtRecorded` as they happen.
    /// @return liquidationId The id each `SEIZE` carries.
    function liquidate(address account, uint256 fraction, SeizeRecipient[] calldata recipients)
        external
        returns (bytes32 liquidationId);

    /// @notice Records whether the feeds are fresh now, starting or ending a stale period: the
    /// grace period after a recovery is measured from these observations.
    /// @dev Anyone; a keeper calls it every poll. Never reverts on a broken feed.
    function pokeFeeds() external;
}

/// @title IOptionsAdmin
/// @notice Listing, settlement and the risk parameters: the market's cold paths, served by its
/// `MarketAdmin` module through `OptionsMarket`'s fallback (delegatecall), at the market's address.
interface IOptionsAdmin is IOptionsMarketBase {
    /// @notice Lists a series of the market's underlying.
    /// @dev Owner only. Reverts with `MarketInvalidSeries` for an expiry not in the future, a
    /// strike outside the pricer's range, a zero tick or lot size, or a zero `maxTick`; with
    /// `MarketDuplicateSeries` for terms already listed. Emits `SeriesListed`.
    /// @return seriesId The new series' id, counting from 1.
    function listSeries(
        uint128 strike,
        uint64 expiry,
        bool isCall,
        uint128 tickSize,
        uint128 lotSize,
        uint16 maxTick
    ) external returns (uint32 seriesId);

    /// @notice Fixes the settlement price of an expired series.
    /// @dev Anyone, after expiry. `roundId` must be the spot feed's first round at or after
    /// expiry: its `updatedAt` is at or after expiry and the nearest earlier round that exists
    /// (a bounded walk over missing ids) is before it, else `MarketWrongSettlementRound`.
    /// Reverts with `MarketSeriesNotExpired` and `MarketSeriesSettled`. Emits `SeriesSettled`.
    function settleSeries(uint32 seriesId, uint80 roundId) external;

    /// @notice Sets the risk parameters.
    /// @dev Owner only; each within its bounds, else `MarketInvalidParam`. Emits
    /// `RiskParamsSet`.
    function setRiskParams(RiskParams calldata params) external;

    /// @notice Sets τ for collateral held on `domain`.
    /// @dev Owner only; at most a day. Emits `DomainLatencySet`.
    function setDomainLatency(uint32 domain, uint32 latency) external;

    /// @notice Lists `token` (with `decimals`, as its vault counts it) on `domain` as
    /// spot-tracking collateral with `haircut`, or delists it (credits already held stay and keep
    /// counting).
    /// @dev Owner only; the haircut below 100% and at most 18 decimals, else
    /// `MarketInvalidParam`. Emits `CollateralTokenSet`.
    function setCollateralToken(
        uint32 domain,
        address token,
        uint64 haircut,
        bool listed,
        uint8 decimals
    ) external;

    /// @notice Makes `token` (with `decimals`) the quote token on `domain`: its deposits are
    /// cash.
    /// @dev Owner only; at most 18 decimals, else `MarketInvalidParam`. Emits `QuoteTokenSet`.
    function setQuoteToken(uint32 domain, address token, uint8 decimals) external;

    /// @notice Sets how margin calls and liquidations run.
    /// @dev Owner only. Bounds: a window of 1 minute to 1 day, a grace of at most 1 day, a
    /// discount of at most 0.5e18; else `MarketInvalidParam`. Emits `LiquidationParamsSet`.
    function setLiquidationParams(LiquidationParams calldata params) external;
}

/// @title IOptionsMarket
/// @notice Everything one `OptionsMarket` address answers to.
interface IOptionsMarket is IOptionsTrading, IOptionsViews, IOptionsCollateral, IOptionsAdmin {}
