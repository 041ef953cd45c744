// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {StdCheats} from "forge-std/StdCheats.sol";
import {StdUtils} from "forge-std/StdUtils.sol";
import {Vm} from "forge-std/Vm.sol";

import {ICollateralVault} from "../../../src/interfaces/ICollateralVault.sol";
import {IMailbox} from "../../../src/interfaces/IMailbox.sol";
import {IOptionsMarket, IOptionsMarketBase} from "../../../src/interfaces/IOptionsMarket.sol";
import {AppMessage} from "../../../src/libraries/AppMessage.sol";
import {Margin} from "../../../src/libraries/Margin.sol";
import {Message} from "../../../src/libraries/Message.sol";
import {MarginEngine} from "../../../src/market/MarginEngine.sol";
import {Mailbox} from "../../../src/messaging/Mailbox.sol";
import {PriceFeed} from "../../../src/oracle/PriceFeed.sol";
import {IPriceFeed} from "../../../src/interfaces/IPriceFeed.sol";
import {FaucetToken} from "../../../src/tokens/FaucetToken.sol";
import {CollateralVault} from "../../../src/vault/CollateralVault.sol";
import {AppMessageHarness} from "../../helpers/AppMessageHarness.sol";
import {AttestationSigner} from "../../messaging/AttestationSigner.sol";

/// @notice Drives the market, the vault and both mailboxes as traders, keepers, liquidators and
/// an unreliable relayer would. Nothing crosses at once: every dispatched message waits in its
/// channel's queue until `deliver` carries a prefix of it, so messages arrive late, channels
/// overtake each other, a delivered message is offered again and a later one tried before its
/// turn (both must be refused with nothing moved), and a rate-limited payout fails and is
/// retried. The handler reads every event the contracts emit and keeps ghost totals of what is
/// in flight, what executed and how often, and counts each property it sees broken.
contract CrossChainHandler is StdCheats, StdUtils, AttestationSigner {
    /// @dev Where a queued message goes.
    uint256 private constant TO_MARKET = 0;
    uint256 private constant TO_VAULT = 1;

    uint256 private constant WAD = 1e18;
    uint256 private constant USD_UNIT = 1e12; // 6-decimal test USD to WAD
    int256 private constant MIN_SPOT = 1500e8;
    int256 private constant MAX_SPOT = 6000e8;
    int256 private constant MIN_VOL = 0.3e18;
    int256 private constant MAX_VOL = 1.5e18;
    uint256 private constant MAX_LOTS = 400;
    /// @dev Per account, the most WETH ever deposited and parked as reserve: a credit then stays
    /// under the vault's outflow capacity, so every payout of it passes once the bucket refills.
    uint256 private constant WETH_DEPOSIT_CAP = 6e18;
    uint256 private constant WETH_RESERVE_CAP = 2e18;

    /// @notice What the handler drives, built by the test's setUp.
    struct Deployment {
        IOptionsMarket market;
        CollateralVault vault;
        Mailbox marketBox;
        Mailbox collateralBox;
        uint256 validatorKey;
        PriceFeed spotFeed;
        PriceFeed volFeed;
        uint256[] oracleKeys;
        FaucetToken usd;
        FaucetToken weth;
        uint32 collateralDomain;
        address[] accounts; // traders; the last one is the liquidator
        address[] cashHolders; // every account with cash: accounts, fees, insurance, bystanders
        address seizeRecipient;
        uint32[] series;
        uint256 usdOutflowCapacity;
    }

    /// @dev One dispatched message as the handler decoded it.
    struct Flight {
        uint8 kind;
        uint8 route;
        bool known;
        uint64 deadline;
        address account;
        address token;
        uint256 amount;
        bytes32 appId;
    }

    IOptionsMarket public immutable market;
    CollateralVault public immutable vault;
    Mailbox public immutable marketBox;
    Mailbox public immutable collateralBox;
    FaucetToken public immutable usd;
    FaucetToken public immutable weth;
    uint32 public immutable collateralDomain;
    PriceFeed private immutable _spotFeed;
    PriceFeed private immutable _volFeed;
    uint256 private immutable _validatorKey;
    uint256 private immutable _usdOutflowCapacity;
    address private immutable _seizeRecipient;
    MarginEngine private immutable _engine;
    AppMessageHarness private immutable _codec;

    uint256[] private _oracleKeys;
    address[] private _accounts;
    address[] private _cashHolders;
    uint32[] private _series;

    /// @dev Per route, every message dispatched on it in channel order, and how many delivered.
    bytes[][2] private _queues;
    uint256[2] private _heads;
    /// @dev Per route, the channel's inbound nonce when the handler took over.
    uint256[2] private _firstNonces;
    /// @dev Delivered messages, offered again by `deliverTwice`.
    bytes[] private _delivered;
    /// @dev Messages whose handler failed, waiting for a `retry`.
    bytes[] private _failed;
    mapping(bytes32 id => Flight) private _flights;
    mapping(bytes32 id => bytes) private _messages;
    /// @dev Spot rounds posted, oldest first, to find a series' settlement round.
    uint80[] private _spotRounds;
    uint256[] private _spotTimes;

    mapping(address account => uint256) private _wethDeposited;
    mapping(address account => uint256) private _wethReserved;

    // Ghost totals (WAD of the token) of what is in flight.
    mapping(address token => uint256) public ghost_creditsInFlight;
    mapping(address token => uint256) public ghost_payoutsInFlight;
    /// @dev Quote WAD credited to cash by landed CREDITs less quote withdrawn.
    int256 public ghost_netQuoteFlow;

    // Executions, by message id and by the app's own ids.
    mapping(bytes32 id => uint256) public ghost_executions;
    mapping(uint8 kind => mapping(bytes32 id => uint256)) public ghost_appExecutions;
    uint256 public ghost_executedTwice;
    uint256 public ghost_unknownExecutions;

    // Liquidations: credit removed on the market, SEIZE sent, SEIZE paid on the vault.
    bytes32[] private _liquidationIds;
    mapping(bytes32 liquidationId => uint256) public ghost_creditRemoved;
    mapping(bytes32 liquidationId => uint256) public ghost_seizeSent;
    mapping(bytes32 liquidationId => uint256) public ghost_seizePaid;

    // Counted breaches of the properties; each invariant asserts its own is zero.
    uint256 public ghost_acceptedTwiceOrOutOfOrder;
    uint256 public ghost_stateMovedOnRefusal;
    uint256 public ghost_belowImAfterOwnAction;
    uint256 public ghost_zeroSumBreaks;
    uint256 public ghost_lateCallsThatMovedReserve;
    uint256 public ghost_seizedMoreThanRemoved;
    uint256 public ghost_unexpectedFailures;
    uint256 public ghost_unexpectedRefusals;
    bytes public lastUnexpected;

    // What the runs reached.
    uint256 public ghost_deposits;
    uint256 public ghost_reserves;
    uint256 public ghost_ordersPlaced;
    uint256 public ghost_ordersRefused;
    uint256 public ghost_fills;
    uint256 public ghost_cancels;
    uint256 public ghost_priceMoves;
    uint256 public ghost_marginCalls;
    uint256 public ghost_marginCallsClosed;
    uint256 public ghost_topUps;
    uint256 public ghost_lateCalls;
    uint256 public ghost_liquidations;
    uint256 public ghost_liquidationsPaused;
    uint256 public ghost_insuranceUsed;
    uint256 public ghost_badDebts;
    uint256 public ghost_withdrawals;
    uint256 public ghost_withdrawalsRefused;
    uint256 public ghost_releases;
    uint256 public ghost_seizes;
    uint256 public ghost_rateLimited;
    uint256 public ghost_retried;
    uint256 public ghost_retriesRefused;
    uint256 public ghost_deliveries;
    uint256 public ghost_duplicatesRefused;
    uint256 public ghost_outOfOrderRefused;
    uint256 public ghost_seriesSettled;
    uint256 public ghost_positionsSettled;

    constructor(Deployment memory d) {
        market = d.market;
        vault = d.vault;
        marketBox = d.marketBox;
        collateralBox = d.collateralBox;
        usd = d.usd;
        weth = d.weth;
        collateralDomain = d.collateralDomain;
        _spotFeed = d.spotFeed;
        _volFeed = d.volFeed;
        _validatorKey = d.validatorKey;
        _usdOutflowCapacity = d.usdOutflowCapacity;
        _seizeRecipient = d.seizeRecipient;
        _engine = new MarginEngine();
        _codec = new AppMessageHarness();
        _oracleKeys = d.oracleKeys;
        _accounts = d.accounts;
        _cashHolders = d.cashHolders;
        _series = d.series;
        // setUp funded everyone through the vault and carried every CREDIT.
        ghost_netQuoteFlow = int256(d.vault.committed(address(d.usd)) * USD_UNIT);
        _firstNonces[TO_MARKET] = d.marketBox.inboundNonce(d.collateralDomain);
        _firstNonces[TO_VAULT] = d.collateralBox.inboundNonce(d.vault.marketDomain());
        (uint80 round,,, uint256 updatedAt,) = d.spotFeed.latestRoundData();
        _spotRounds.push(round);
        _spotTimes.push(updatedAt);
        vm.recordLogs();
    }

    // ---------------------------------------------------------------- collateral chain: users

    /// @dev A deposit on the collateral chain; its CREDIT waits in the queue.
    function deposit(uint256 actorSeed, bool isWeth, uint256 amount) external {
        address actor = _actor(actorSeed);
        FaucetToken token = isWeth ? weth : usd;
        if (isWeth) {
            uint256 room = WETH_DEPOSIT_CAP - _wethDeposited[actor];
            if (room < 0.01e18) return;
            amount = _bound(amount, 0.01e18, room);
            _wethDeposited[actor] += amount;
        } else {
            amount = _bound(amount, 1e6, 20_000e6);
        }
        _fund(actor, token, amount);
        vm.prank(actor);
        vault.deposit(address(token), amount, actor);
        ++ghost_deposits;
        _collect();
    }

    /// @dev Parks reserve on the collateral chain and opts in to auto top-up (mostly).
    function depositReserve(uint256 actorSeed, bool isWeth, uint256 amount) external {
        address actor = _actor(actorSeed);
        FaucetToken token = isWeth ? weth : usd;
        if (isWeth) {
            uint256 room = WETH_RESERVE_CAP - _wethReserved[actor];
            if (room < 0.01e18) return;
            amount = _bound(amount, 0.01e18, room);
            _wethReserved[actor] += amount;
        } else {
            amount = _bound(amount, 1e6, 10_000e6);
        }
        _fund(actor, token, amount);
        vm.startPrank(actor);
        vault.depositReserve(address(token), amount);
        vault.setAutoTopUp(actorSeed % 4 != 0);
        vm.stopPrank();
        ++ghost_reserves;
        _collect();
    }

    /// @dev Takes reserve back on the collateral chain alone.
    function withdrawReserve(uint256 actorSeed, bool isWeth, uint256 amount) external {
        address actor = _actor(actorSeed);
        address token = isWeth ? address(weth) : address(usd);
        uint256 held = vault.reserve(actor, token);
        if (held == 0) return;
        amount = _bound(amount, 1, held);
        vm.prank(actor);
        vault.withdrawReserve(token, amount, actor);
        _collect();
    }

    // ---------------------------------------------------------------- market chain: trading

    /// @dev An order near the model price, at the full size or, refused for margin, a quarter.
    function place(
        uint256 actorSeed,
        uint256 seriesSeed,
        bool isBid,
        uint256 priceSeed,
        uint256 lotsSeed,
        uint256 kindSeed
    ) external {
        address actor = _actor(actorSeed);
        uint32 seriesId = _series[seriesSeed % _series.length];
        IOptionsMarketBase.Series memory s = market.series(seriesId);
        if (block.timestamp >= s.expiry) return;
        uint256 price = _priceNearModel(s, priceSeed);
        uint256 lots = _bound(lotsSeed, 1, MAX_LOTS);
        IOptionsMarketBase.OrderKind kind = kindSeed % 5 == 0
            ? IOptionsMarketBase.OrderKind.ImmediateOrCancel
            : kindSeed % 5 == 1
                ? IOptionsMarketBase.OrderKind.PostOnly
                : IOptionsMarketBase.OrderKind.Limit;
        _placeLargest(actor, seriesId, isBid, price, lots, kind);
    }

    /// @dev One account rests an order near the model price and another takes it at once: a
    /// fill every time both pass their margin checks.
    function trade(
        uint256 makerSeed,
        uint256 takerSeed,
        uint256 seriesSeed,
        bool makerIsBid,
        uint256 priceSeed,
        uint256 lotsSeed
    ) external {
        address maker = _actor(makerSeed);
        address taker = _actor(takerSeed);
        if (maker == taker) taker = _actor(makerSeed % _accounts.length + 1);
        uint32 seriesId = _series[seriesSeed % _series.length];
        IOptionsMarketBase.Series memory s = market.series(seriesId);
        if (block.timestamp >= s.expiry) return;
        uint256 price = _priceNearModel(s, priceSeed);
        uint256 lots = _bound(lotsSeed, 1, MAX_LOTS);
        IOptionsMarketBase.OrderKind limit = IOptionsMarketBase.OrderKind.Limit;
        lots = _placeLargest(maker, seriesId, makerIsBid, price, lots, limit);
        if (lots == 0) return;
        IOptionsMarketBase.OrderKind ioc = IOptionsMarketBase.OrderKind.ImmediateOrCancel;
        _placeLargest(taker, seriesId, !makerIsBid, price, lots, ioc);
    }

    /// @dev The account cancels one of its resting orders.
    function cancel(uint256 actorSeed, uint256 orderSeed) external {
        address actor = _actor(actorSeed);
        IOptionsMarketBase.OpenOrder[] memory open = market.ordersOf(actor);
        if (open.length == 0) return;
        vm.prank(actor);
        market.cancel(open[orderSeed % open.length].id);
        ++ghost_cancels;
        _collect();
    }

    /// @dev A keeper cancels the orders of an account that no longer covers them.
    function cancelOrdersOfUncovered(uint256 actorSeed) external {
        (address account, bool found) = _first(actorSeed, _uncovered);
        if (!found) return;
        market.cancelOrdersOf(account);
        ++ghost_cancels;
        _collect();
    }

    // ---------------------------------------------------------------- oracle and time

    /// @dev A new spot round within the feed's 20% per-round limit (rounded down, so 19.9%).
    function moveSpot(int256 bps) external {
        vm.warp(block.timestamp + 12);
        (, int256 spot,,,) = _spotFeed.latestRoundData();
        // Mostly moves of a few percent, which walk accounts through margin call; one in four
        // up to the limit, which jumps them past it.
        int256 move = _bound(bps, -1990, 1990);
        if (uint256(bps) % 4 != 0) move /= 5;
        int256 next = spot * (10_000 + move) / 10_000;
        next = next < MIN_SPOT ? MIN_SPOT : next > MAX_SPOT ? MAX_SPOT : next;
        _postSpot(next);
        ++ghost_priceMoves;
    }

    /// @dev A new implied vol within the vol feed's per-round limit.
    function refreshVol(int256 bps) external {
        vm.warp(block.timestamp + 12);
        (, int256 vol,,,) = _volFeed.latestRoundData();
        int256 next = vol * (10_000 + _bound(bps, -3000, 3000)) / 10_000;
        next = next < MIN_VOL ? MIN_VOL : next > MAX_VOL ? MAX_VOL : next;
        _post(_volFeed, next);
    }

    /// @dev Time passes (margin-call deadlines, expiries, bucket refills); the feeds stay fresh.
    function warp(uint256 seconds_) external {
        // Mostly inside a margin call's window; one in four long enough to miss it.
        uint256 most = seconds_ % 4 == 0 ? 3 hours : 8 minutes;
        vm.warp(block.timestamp + _bound(seconds_, 12, most));
        _refreshFeeds();
    }

    /// @dev The feeds go stale and a keeper sees it, then they recover: liquidations wait out
    /// the grace period.
    function staleFeedsThenRecover(uint256 seconds_) external {
        vm.warp(block.timestamp + _bound(seconds_, 1 hours + 1, 3 hours));
        market.pokeFeeds();
        _refreshFeeds();
        market.pokeFeeds();
    }

    function pokeFeeds() external {
        market.pokeFeeds();
    }

    // ---------------------------------------------------------------- margin calls, liquidation

    /// @dev Anyone opens a margin call on the first account (from the seed) in margin call.
    function marginCall(uint256 actorSeed) external {
        (address account, bool found) = _first(actorSeed, _marginCallable);
        if (!found) return;
        _collect();
        try market.marginCall(account) {
            _collect();
        } catch (bytes memory reason) {
            _unexpected(reason);
        }
    }

    /// @dev Anyone closes the margin call of the first account (from the seed) back at IM.
    function closeMarginCall(uint256 actorSeed) external {
        (address account, bool found) = _first(actorSeed, _closable);
        if (!found) return;
        _collect();
        try market.closeMarginCall(account) {
            _collect();
        } catch (bytes memory reason) {
            _unexpected(reason);
        }
    }

    /// @dev The liquidator (or a trader, when the liquidator is the one below MM) takes over a
    /// fraction of the first liquidatable account from the seed.
    function liquidate(uint256 actorSeed, uint256 fractionSeed) external {
        (address account, bool found) = _first(actorSeed, _liquidatable);
        if (!found) return;
        address liquidator = _accounts[_accounts.length - 1];
        if (account == liquidator) liquidator = _accounts[actorSeed % (_accounts.length - 1)];
        uint256 fraction = fractionSeed % 3 == 0 ? WAD : _bound(fractionSeed, 0.05e18, WAD);
        int256 cashBefore = _cashSum();
        uint256 badDebtBefore = market.badDebt();
        uint256 creditBefore = market.credit(account, collateralDomain, address(weth));
        _collect();
        vm.prank(liquidator);
        try market.liquidate(account, fraction, _recipients()) returns (bytes32 liquidationId) {
            _collect();
            _liquidationIds.push(liquidationId);
            if (_cashSum() - cashBefore != int256(market.badDebt() - badDebtBefore)) {
                ++ghost_zeroSumBreaks;
            }
            uint256 removed = creditBefore - market.credit(account, collateralDomain, address(weth));
            if (
                ghost_seizeSent[liquidationId] != removed
                    || ghost_creditRemoved[liquidationId] != removed
            ) ++ghost_seizedMoreThanRemoved;
            _checkCovered(liquidator);
        } catch (bytes memory reason) {
            _discard();
            bytes4 selector = bytes4(reason);
            if (selector == IOptionsMarketBase.MarketLiquidationsPaused.selector) {
                ++ghost_liquidationsPaused;
            } else if (selector != IOptionsMarketBase.MarketInsufficientMargin.selector) {
                _unexpected(reason);
            }
        }
    }

    // ---------------------------------------------------------------- withdrawals, settlement

    /// @dev The account withdraws cash (whole USD units) or WETH credit, halving the amount
    /// while it would leave the account below IM (at most three times); the RELEASE waits.
    function withdraw(uint256 actorSeed, bool isWeth, uint256 amount) external {
        address actor = _actor(actorSeed);
        address token = isWeth ? address(weth) : address(usd);
        uint256 unit = isWeth ? 1 : USD_UNIT;
        if (isWeth) {
            uint256 held = market.credit(actor, collateralDomain, token);
            if (held == 0) return;
            amount = _bound(amount, 1, held);
        } else {
            int256 cash = market.cash(actor);
            if (cash < int256(USD_UNIT)) return;
            uint256 most = uint256(cash) < _usdOutflowCapacity ? uint256(cash) : _usdOutflowCapacity;
            amount = _bound(amount, 1, most / USD_UNIT) * USD_UNIT;
        }
        for (uint256 i; i < 4 && amount != 0; ++i) {
            if (!_tryWithdraw(actor, token, amount)) return;
            amount = amount / 2 / unit * unit;
        }
    }

    /// @dev One withdrawal; whether to try a smaller one (it was refused for margin).
    function _tryWithdraw(address actor, address token, uint256 amount)
        private
        returns (bool tryLess)
    {
        _collect();
        vm.prank(actor);
        try market.withdraw(collateralDomain, token, amount, actor) {
            _collect();
            if (token == address(usd)) ghost_netQuoteFlow -= int256(amount);
            ++ghost_withdrawals;
            _checkCovered(actor);
        } catch (bytes memory reason) {
            _discard();
            bytes4 selector = bytes4(reason);
            tryLess = selector == IOptionsMarketBase.MarketInsufficientMargin.selector;
            if (tryLess || selector == IOptionsMarketBase.MarketPoolTooSmall.selector) {
                ++ghost_withdrawalsRefused;
            } else {
                _unexpected(reason);
            }
        }
    }

    /// @dev After a series expires: fixes its price at the first spot round at or after expiry
    /// and settles every account's position in the same call, so cash stays zero-sum.
    function settle(uint256 seriesSeed) external {
        uint32 seriesId = _series[seriesSeed % _series.length];
        IOptionsMarketBase.Series memory s = market.series(seriesId);
        if (block.timestamp < s.expiry || s.settled) return;
        uint80 round = _firstRoundAtOrAfter(s.expiry);
        if (round == 0) {
            _refreshFeeds();
            round = _spotRounds[_spotRounds.length - 1];
        }
        int256 cashBefore = _cashSum();
        market.settleSeries(seriesId, round);
        market.settlePositions(seriesId, _accounts);
        if (_cashSum() != cashBefore) ++ghost_zeroSumBreaks;
        _collect();
    }

    // ---------------------------------------------------------------- the relayer

    /// @dev Delivers up to `count` of the oldest undelivered messages of one channel.
    function deliver(uint256 routeSeed, uint256 count) external {
        uint256 route = routeSeed % 2;
        count = _bound(count, 1, 6);
        for (uint256 i; i < count && _heads[route] < _queues[route].length; ++i) {
            _deliverNext(route);
        }
    }

    /// @dev Offers an already delivered message again: the mailbox refuses, nothing moves.
    function deliverTwice(uint256 seed) external {
        if (_delivered.length == 0) return;
        bytes memory message = _delivered[seed % _delivered.length];
        _expectRefused(message, IMailbox.MailboxAlreadyDelivered.selector);
        ++ghost_duplicatesRefused;
    }

    /// @dev Offers a message before an earlier one of its channel: the mailbox refuses it.
    function deliverOutOfOrder(uint256 routeSeed, uint256 skip) external {
        uint256 route = routeSeed % 2;
        uint256 waiting = _queues[route].length - _heads[route];
        if (waiting < 2) return;
        skip = _bound(skip, 1, waiting - 1);
        _expectRefused(
            _queues[route][_heads[route] + skip], IMailbox.MailboxNonceOutOfOrder.selector
        );
        ++ghost_outOfOrderRefused;
    }

    /// @dev Anyone retries a failed handler (a rate-limited payout); it may fail again.
    function retry(uint256 seed) external {
        if (_failed.length == 0) return;
        bytes memory message = _failed[seed % _failed.length];
        _collect();
        try _destinationOf(message).retry(message) {
            _collect();
        } catch (bytes memory reason) {
            _discard();
            bytes4 selector = bytes4(reason);
            if (selector == ICollateralVault.VaultRateLimited.selector) ++ghost_retriesRefused;
            else _unexpected(reason);
        }
    }

    // ---------------------------------------------------------------- at rest

    /// @dev Carries every message, refilling the buckets and retrying failed ones, until nothing
    /// is in flight; returns whether it got there.
    function drain() external returns (bool) {
        for (uint256 round; round < 16 && inFlight() != 0; ++round) {
            // A delivered MARGIN_CALL queues its top-up's CREDIT on the other channel.
            for (uint256 route; route < 2; ++route) {
                while (_heads[route] < _queues[route].length) {
                    _deliverNext(route);
                }
            }
            if (_failed.length == 0) continue;
            vm.warp(block.timestamp + 2 hours);
            _refreshFeeds();
            for (uint256 i = _failed.length; i > 0; --i) {
                bytes memory message = _failed[i - 1];
                _collect();
                try _destinationOf(message).retry(message) {
                    _collect();
                } catch {
                    _discard();
                }
            }
        }
        return inFlight() == 0;
    }

    // ---------------------------------------------------------------- views for the invariants

    /// @notice Messages dispatched and not yet executed (queued or failed).
    function inFlight() public view returns (uint256) {
        return _queues[TO_MARKET].length - _heads[TO_MARKET] + _queues[TO_VAULT].length
            - _heads[TO_VAULT] + _failed.length;
    }

    /// @notice How many messages each channel delivered: what its inbound nonce must be.
    function deliveredOn(uint256 route) external view returns (uint256) {
        return _firstNonces[route] + _heads[route];
    }

    function accounts() external view returns (address[] memory) {
        return _accounts;
    }

    function cashHolders() external view returns (address[] memory) {
        return _cashHolders;
    }

    function liquidationIds() external view returns (bytes32[] memory) {
        return _liquidationIds;
    }

    // ---------------------------------------------------------------- internals: trading

    /// @dev Places `lots`, halving the size while the margin check refuses it (at most three
    /// times): accounts end up near their limit, where price moves matter. Returns the lots
    /// placed, zero if none.
    function _placeLargest(
        address actor,
        uint32 seriesId,
        bool isBid,
        uint256 price,
        uint256 lots,
        IOptionsMarketBase.OrderKind kind
    ) private returns (uint256) {
        uint256 lotSize = market.series(seriesId).lotSize;
        for (uint256 i; i < 4 && lots != 0; ++i) {
            (bool placed, bool marginShort) =
                _tryPlace(actor, seriesId, isBid, price, lots * lotSize, kind);
            if (placed) return lots;
            if (!marginShort) return 0;
            lots /= 2;
        }
        return 0;
    }

    function _tryPlace(
        address actor,
        uint32 seriesId,
        bool isBid,
        uint256 price,
        uint256 amount,
        IOptionsMarketBase.OrderKind kind
    ) private returns (bool placed, bool marginShort) {
        bool reduces = _reduces(actor, seriesId, isBid, amount / market.series(seriesId).lotSize);
        int256 cashBefore = _cashSum();
        _collect();
        vm.prank(actor);
        try market.place(seriesId, isBid, price, amount, kind, 20) {
            _collect();
            ++ghost_ordersPlaced;
            if (_cashSum() != cashBefore) ++ghost_zeroSumBreaks;
            if (!reduces) _checkCovered(actor);
            return (true, false);
        } catch (bytes memory reason) {
            _discard();
            bytes4 selector = bytes4(reason);
            marginShort = selector == IOptionsMarketBase.MarketInsufficientMargin.selector;
            if (
                marginShort || selector == IOptionsMarketBase.MarketPostOnlyWouldCross.selector
                    || selector == IOptionsMarketBase.MarketAccountFull.selector
            ) {
                ++ghost_ordersRefused;
            } else {
                _unexpected(reason);
            }
        }
    }

    /// @dev The market's own test for a risk-reducing order: it only shrinks the position,
    /// counting the account's other resting orders on the same side.
    function _reduces(address actor, uint32 seriesId, bool isBid, uint256 lots)
        private
        view
        returns (bool)
    {
        int256 held;
        (uint32[] memory ids, int256[] memory positions) = market.positionsOf(actor);
        for (uint256 i; i < ids.length; ++i) {
            if (ids[i] == seriesId) held = positions[i];
        }
        uint256 resting;
        IOptionsMarketBase.OpenOrder[] memory open = market.ordersOf(actor);
        for (uint256 i; i < open.length; ++i) {
            if (open[i].seriesId == seriesId && open[i].isBid == isBid) resting += open[i].lots;
        }
        if (isBid) return held < 0 && uint256(-held) >= resting + lots;
        return held > 0 && uint256(held) >= resting + lots;
    }

    /// @dev The model premium of one contract, moved by up to ±15%, on the tick grid.
    function _priceNearModel(IOptionsMarketBase.Series memory s, uint256 seed)
        private
        view
        returns (uint256)
    {
        Margin.Account memory one;
        one.positions = new Margin.Position[](1);
        one.positions[0] = Margin.Position({
            quantity: int256(WAD), strike: s.strike, expiry: s.expiry, isCall: s.isCall
        });
        (, int256 spot,,,) = _spotFeed.latestRoundData();
        (, int256 vol,,,) = _volFeed.latestRoundData();
        Margin.Market memory now_ = Margin.Market({
            spot: uint256(spot) * 1e10, vol: uint256(vol), timestamp: block.timestamp
        });
        int256 model = _engine.evaluate(one, now_, market.riskParams().margin).equity;
        uint256 price = uint256(model > 0 ? model : int256(0)) * _bound(seed, 8500, 11_500) / 10_000;
        uint256 ticks = price / s.tickSize;
        if (ticks == 0) ticks = 1;
        if (ticks > s.maxTick) ticks = s.maxTick;
        return ticks * s.tickSize;
    }

    /// @dev §7.4: an account's own accepted action leaves it at or above IM with its orders.
    function _checkCovered(address account) private {
        if (!market.health(account).coversOrders) ++ghost_belowImAfterOwnAction;
    }

    // ---------------------------------------------------------------- internals: health

    function _first(uint256 seed, function(address) view returns (bool) wanted)
        private
        view
        returns (address account, bool found)
    {
        for (uint256 i; i < _accounts.length; ++i) {
            account = _accounts[(seed % _accounts.length + i) % _accounts.length];
            if (wanted(account)) return (account, true);
        }
    }

    function _marginCallable(address account) private view returns (bool) {
        if (market.health(account).result.health != Margin.Health.MarginCall) return false;
        IOptionsMarketBase.MarginCall memory open = market.marginCallOf(account);
        return open.id == 0 || block.timestamp > open.deadline;
    }

    function _closable(address account) private view returns (bool) {
        if (market.marginCallOf(account).id == 0) return false;
        Margin.Result memory r = market.health(account).result;
        return r.equity >= int256(r.im);
    }

    function _liquidatable(address account) private view returns (bool) {
        Margin.Result memory r = market.health(account).result;
        return r.equity < int256(r.mm);
    }

    function _uncovered(address account) private view returns (bool) {
        return market.ordersOf(account).length != 0 && !market.health(account).coversOrders;
    }

    // ---------------------------------------------------------------- internals: messages

    /// @dev Delivers the oldest undelivered message of `route` with the validator's signature;
    /// an honest in-order delivery never reverts. Watches the reserve a MARGIN_CALL may move.
    function _deliverNext(uint256 route) private {
        bytes memory message = _queues[route][_heads[route]++];
        bytes32 id = keccak256(message);
        Flight memory flight = _flights[id];
        uint256[2] memory reserveBefore = _reservesOf(flight.account);
        _collect();
        _destinationOf(message).process(message, _signatures(message));
        _delivered.push(message);
        ++ghost_deliveries;
        _collect();
        if (flight.kind == AppMessage.MARGIN_CALL && block.timestamp > flight.deadline) {
            uint256[2] memory reserveAfter = _reservesOf(flight.account);
            if (reserveAfter[0] != reserveBefore[0] || reserveAfter[1] != reserveBefore[1]) {
                ++ghost_lateCallsThatMovedReserve;
            }
        }
    }

    /// @dev Offers `message` where the mailbox must refuse it with `selector`; checks nothing
    /// moved.
    function _expectRefused(bytes memory message, bytes4 selector) private {
        bytes32 before = _fingerprint();
        _collect();
        try _destinationOf(message).process(message, _signatures(message)) {
            ++ghost_acceptedTwiceOrOutOfOrder;
            _collect();
        } catch (bytes memory reason) {
            _discard();
            if (bytes4(reason) != selector) _unexpected(reason);
        }
        if (_fingerprint() != before) ++ghost_stateMovedOnRefusal;
    }

    /// @dev Everything a delivery could move: both channels, the vault's holdings and books, the
    /// market's pools.
    function _fingerprint() private view returns (bytes32) {
        return keccak256(
            abi.encode(
                marketBox.inboundNonce(collateralDomain),
                collateralBox.inboundNonce(vault.marketDomain()),
                weth.balanceOf(address(vault)),
                usd.balanceOf(address(vault)),
                vault.committed(address(weth)),
                vault.committed(address(usd)),
                market.pool(collateralDomain, address(weth)),
                market.pool(collateralDomain, address(usd)),
                _cashSum()
            )
        );
    }

    function _destinationOf(bytes memory message) private view returns (Mailbox) {
        return _flights[keccak256(message)].route == TO_MARKET ? marketBox : collateralBox;
    }

    function _signatures(bytes memory message) private view returns (bytes[] memory signatures) {
        signatures = new bytes[](1);
        signatures[0] =
            sign(_validatorKey, _destinationOf(message).attestationDigest(keccak256(message)));
    }

    /// @dev Reads every event recorded since the last call. Forge records the events of reverted
    /// calls too: those of a handler the mailbox then marked failed (between its `Process` and
    /// its `MessageFailed`) never happened and are skipped.
    function _collect() private {
        Vm.Log[] memory logs = vm.getRecordedLogs();
        bool[] memory undone = new bool[](logs.length);
        for (uint256 i; i < logs.length; ++i) {
            if (_isMailboxEvent(logs[i], IMailbox.MessageFailed.selector)) {
                bytes32 id = logs[i].topics[1];
                for (uint256 j = i; j > 0;) {
                    --j;
                    if (
                        _isMailboxEvent(logs[j], IMailbox.Process.selector)
                            && logs[j].topics[1] == id
                    ) break;
                    undone[j] = true;
                }
            }
        }
        for (uint256 i; i < logs.length; ++i) {
            if (!undone[i]) _read(logs, i);
        }
    }

    /// @dev Forgets the events of a call that reverted as a whole.
    function _discard() private {
        vm.getRecordedLogs();
    }

    function _read(Vm.Log[] memory logs, uint256 i) private {
        Vm.Log memory log = logs[i];
        if (log.topics.length == 0) return;
        bytes32 topic = log.topics[0];
        if (log.emitter == address(marketBox) || log.emitter == address(collateralBox)) {
            if (topic == IMailbox.Dispatch.selector) {
                _enqueue(log);
            } else if (topic == IMailbox.Process.selector && !_failsLater(logs, i)) {
                _executed(log.topics[1]);
            } else if (topic == IMailbox.MessageFailed.selector) {
                _recordFailure(log);
            } else if (topic == IMailbox.MessageRetried.selector) {
                _forgetFailure(log.topics[1]);
                _executed(log.topics[1]);
                ++ghost_retried;
            }
        } else if (log.emitter == address(vault)) {
            _readVault(log);
        } else if (log.emitter == address(market)) {
            _readMarket(log);
        }
    }

    function _readVault(Vm.Log memory log) private {
        bytes32 topic = log.topics[0];
        if (topic == ICollateralVault.CollateralReleased.selector) {
            ++ghost_releases;
            _appExecuted(AppMessage.RELEASE, log.topics[1]);
        } else if (topic == ICollateralVault.CollateralSeized.selector) {
            ++ghost_seizes;
            bytes32 liquidationId = log.topics[1];
            _appExecuted(AppMessage.SEIZE, liquidationId);
            (, uint256 amount) = abi.decode(log.data, (address, uint256));
            ghost_seizePaid[liquidationId] += amount
                * _unit(address(uint160(uint256(log.topics[3]))));
            if (ghost_seizePaid[liquidationId] > ghost_seizeSent[liquidationId]) {
                ++ghost_seizedMoreThanRemoved;
            }
        } else if (topic == ICollateralVault.MarginCallReceived.selector) {
            _appExecuted(AppMessage.MARGIN_CALL, log.topics[1]);
            (,, ICollateralVault.MarginCallStatus status, uint256 covered) =
                abi.decode(log.data, (uint256, uint64, ICollateralVault.MarginCallStatus, uint256));
            if (status == ICollateralVault.MarginCallStatus.Late) {
                ++ghost_lateCalls;
                if (covered != 0) ++ghost_lateCallsThatMovedReserve;
            } else if (status == ICollateralVault.MarginCallStatus.ToppedUp && covered != 0) {
                ++ghost_topUps;
            }
        }
    }

    function _readMarket(Vm.Log memory log) private {
        bytes32 topic = log.topics[0];
        if (topic == IOptionsMarketBase.Traded.selector) {
            ++ghost_fills;
        } else if (topic == IOptionsMarketBase.CollateralSeized.selector) {
            (uint256 amount,, bytes32 liquidationId,) =
                abi.decode(log.data, (uint256, address, bytes32, bytes32));
            ghost_creditRemoved[liquidationId] += amount;
        } else if (topic == IOptionsMarketBase.Liquidated.selector) {
            ++ghost_liquidations;
        } else if (topic == IOptionsMarketBase.InsuranceFundUsed.selector) {
            ++ghost_insuranceUsed;
        } else if (topic == IOptionsMarketBase.BadDebtRecorded.selector) {
            ++ghost_badDebts;
        } else if (topic == IOptionsMarketBase.MarginCallOpened.selector) {
            ++ghost_marginCalls;
        } else if (topic == IOptionsMarketBase.MarginCallClosed.selector) {
            if (!abi.decode(log.data, (bool))) ++ghost_marginCallsClosed;
        } else if (topic == IOptionsMarketBase.SeriesSettled.selector) {
            ++ghost_seriesSettled;
        } else if (topic == IOptionsMarketBase.PositionSettled.selector) {
            (int256 lots,) = abi.decode(log.data, (int256, int256));
            if (lots != 0) ++ghost_positionsSettled;
        }
    }

    /// @dev Queues a dispatched message on its channel and books what it carries as in flight.
    function _enqueue(Vm.Log memory log) private {
        (uint32 origin, uint64 nonce, address recipient, bytes memory body) =
            abi.decode(log.data, (uint32, uint64, address, bytes));
        uint32 destination = uint32(uint256(log.topics[2]));
        address sender = address(uint160(uint256(log.topics[3])));
        bytes memory message = Message.encode(nonce, origin, sender, destination, recipient, body);
        uint8 route = uint8(log.emitter == address(collateralBox) ? TO_MARKET : TO_VAULT);
        _queues[route].push(message);
        Flight memory flight = _decode(body);
        flight.route = route;
        flight.known = true;
        _flights[keccak256(message)] = flight;
        _messages[keccak256(message)] = message;
        if (flight.kind == AppMessage.CREDIT) {
            ghost_creditsInFlight[flight.token] += flight.amount;
        } else if (flight.kind == AppMessage.RELEASE || flight.kind == AppMessage.SEIZE) {
            ghost_payoutsInFlight[flight.token] += flight.amount;
            if (flight.kind == AppMessage.SEIZE) ghost_seizeSent[flight.appId] += flight.amount;
        }
    }

    function _decode(bytes memory body) private view returns (Flight memory flight) {
        flight.kind = _codec.kind(body);
        if (flight.kind == AppMessage.CREDIT) {
            AppMessage.Credit memory c = _codec.decodeCredit(body);
            (flight.account, flight.token, flight.amount, flight.appId) =
            (c.account, c.token, c.amount, c.depositId);
        } else if (flight.kind == AppMessage.MARGIN_CALL) {
            AppMessage.MarginCall memory m = _codec.decodeMarginCall(body);
            (flight.account, flight.amount, flight.deadline, flight.appId) =
            (m.account, m.deficit, m.deadline, m.callId);
        } else {
            AppMessage.Payout memory p = flight.kind == AppMessage.RELEASE
                ? _codec.decodeRelease(body)
                : _codec.decodeSeize(body);
            (flight.account, flight.token, flight.amount, flight.appId) =
            (p.account, p.token, p.amount, p.id);
        }
    }

    /// @dev A handler ran to completion: what the message carried is no longer in flight.
    function _executed(bytes32 id) private {
        Flight memory flight = _flights[id];
        if (!flight.known) {
            ++ghost_unknownExecutions;
            return;
        }
        if (++ghost_executions[id] > 1) ++ghost_executedTwice;
        if (flight.kind == AppMessage.CREDIT) {
            ghost_creditsInFlight[flight.token] -= flight.amount;
            if (flight.token == address(usd)) ghost_netQuoteFlow += int256(flight.amount);
        } else if (flight.kind == AppMessage.RELEASE || flight.kind == AppMessage.SEIZE) {
            ghost_payoutsInFlight[flight.token] -= flight.amount;
        }
    }

    function _appExecuted(uint8 kind, bytes32 appId) private {
        if (++ghost_appExecutions[kind][appId] > 1) ++ghost_executedTwice;
    }

    /// @dev A handler failed: only a payout over the outflow limit may, and it waits for a retry.
    function _recordFailure(Vm.Log memory log) private {
        bytes32 id = log.topics[1];
        bytes memory reason = abi.decode(log.data, (bytes));
        if (bytes4(reason) == ICollateralVault.VaultRateLimited.selector) ++ghost_rateLimited;
        else _unexpected(reason);
        _failed.push(_messages[id]);
    }

    function _forgetFailure(bytes32 id) private {
        for (uint256 i; i < _failed.length; ++i) {
            if (keccak256(_failed[i]) == id) {
                _failed[i] = _failed[_failed.length - 1];
                _failed.pop();
                return;
            }
        }
    }

    function _failsLater(Vm.Log[] memory logs, uint256 i) private view returns (bool) {
        for (uint256 j = i + 1; j < logs.length; ++j) {
            if (
                _isMailboxEvent(logs[j], IMailbox.MessageFailed.selector)
                    && logs[j].topics[1] == logs[i].topics[1]
            ) return true;
        }
        return false;
    }

    function _isMailboxEvent(Vm.Log memory log, bytes32 selector) private view returns (bool) {
        return (log.emitter == address(marketBox) || log.emitter == address(collateralBox))
            && log.topics.length != 0 && log.topics[0] == selector;
    }

    function _unexpected(bytes memory reason) private {
        ++ghost_unexpectedRefusals;
        lastUnexpected = reason;
    }

    // ---------------------------------------------------------------- internals: plumbing

    function _actor(uint256 seed) private view returns (address) {
        return _accounts[seed % _accounts.length];
    }

    function _recipients() private view returns (IOptionsMarketBase.SeizeRecipient[] memory list) {
        list = new IOptionsMarketBase.SeizeRecipient[](1);
        list[0] = IOptionsMarketBase.SeizeRecipient({
            domain: collateralDomain, recipient: _seizeRecipient
        });
    }

    function _cashSum() private view returns (int256 sum) {
        for (uint256 i; i < _cashHolders.length; ++i) {
            sum += market.cash(_cashHolders[i]);
        }
    }

    function _reservesOf(address account) private view returns (uint256[2] memory held) {
        if (account == address(0)) return held;
        held[0] = vault.reserve(account, address(usd));
        held[1] = vault.reserve(account, address(weth));
    }

    function _unit(address token) private view returns (uint256) {
        return token == address(usd) ? USD_UNIT : 1;
    }

    function _fund(address actor, FaucetToken token, uint256 amount) private {
        deal(address(token), actor, token.balanceOf(actor) + amount);
        vm.prank(actor);
        token.approve(address(vault), amount);
    }

    function _refreshFeeds() private {
        (, int256 spot,,,) = _spotFeed.latestRoundData();
        _postSpot(spot);
        (, int256 vol,,,) = _volFeed.latestRoundData();
        _post(_volFeed, vol);
    }

    function _postSpot(int256 answer) private {
        uint80 round = _post(_spotFeed, answer);
        _spotRounds.push(round);
        _spotTimes.push(block.timestamp);
    }

    /// @dev A new round of `target` answering `answer` now, signed by the oracle's quorum.
    function _post(PriceFeed target, int256 answer) private returns (uint80 round) {
        (uint80 latest,,,,) = target.latestRoundData();
        round = latest + 1;
        IPriceFeed.PriceReport memory report = IPriceFeed.PriceReport({
            feedId: target.feedId(), answer: answer, updatedAt: block.timestamp, roundId: round
        });
        bytes32 digest = target.reportDigest(report.feedId, answer, block.timestamp, round);
        bytes[] memory signatures = new bytes[](_oracleKeys.length);
        for (uint256 i; i < _oracleKeys.length; ++i) {
            signatures[i] = sign(_oracleKeys[i], digest);
        }
        target.submit(report, signatures);
    }

    /// @dev The first spot round posted at or after `expiry`; zero if none yet.
    function _firstRoundAtOrAfter(uint64 expiry) private view returns (uint80) {
        for (uint256 i; i < _spotTimes.length; ++i) {
            if (_spotTimes[i] >= expiry) return _spotRounds[i];
        }
        return 0;
    }
}
