// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";

import {IOptionsCollateral} from "../interfaces/IOptionsMarket.sol";
import {AppMessage} from "../libraries/AppMessage.sol";
import {FeedConsumer} from "../libraries/FeedConsumer.sol";
import {Margin} from "../libraries/Margin.sol";
import {MarketState} from "./MarketState.sol";

/// @title MarketCollateral
/// @notice The options market's cross-chain side: withdrawals (`RELEASE`), margin calls
/// (`MARGIN_CALL`) and liquidations (`SEIZE`). Runs only in the market's storage, through its
/// fallback's delegatecall; called directly it changes nothing but its own unused storage.
/// @dev Every outbound message follows its effects: the ledger is debited (a credit removed, a
/// call recorded) before the message leaves, so what is in flight can never be used twice.
contract MarketCollateral is MarketState, IOptionsCollateral {
    using SafeCast for uint256;
    using SafeCast for int256;

    /// @param setup The market's own `Setup`; the market checks `setupHash`.
    constructor(Setup memory setup) MarketState(setup) {}

    /// @inheritdoc IOptionsCollateral
    function withdraw(uint32 domain, address token, uint256 amount, address recipient)
        external
        returns (bytes32 withdrawalId)
    {
        // Checks and effects: debit first; the margin check below sees the account without it.
        if (amount == 0) revert MarketZeroAmount();
        if (recipient == address(0)) revert MarketZeroAddress();
        // A vault pays whole units only: anything else would be debited and never paid.
        uint256 unit = _unitOf(domain, token);
        if (unit != 0 && amount % unit != 0) {
            revert MarketNotWholeUnits(domain, token, amount, unit);
        }
        if (token != address(0) && token == _quoteTokens[domain]) {
            _cash[msg.sender] -= amount.toInt256();
            _debitPool(domain, token, amount);
        } else {
            if (!_tokens[domain][token].listed && _credits[msg.sender][domain][token] == 0) {
                revert MarketUnknownToken(domain, token);
            }
            _debitCredit(msg.sender, domain, token, amount);
        }
        _requireCovered(msg.sender);
        withdrawalId = _nextId();

        // Interactions
        bytes32 messageId = _dispatch(
            domain,
            AppMessage.encodeRelease(
                AppMessage.Payout({
                    account: msg.sender,
                    token: token,
                    amount: amount,
                    recipient: recipient,
                    id: withdrawalId
                })
            )
        );
        emit Withdrawn(msg.sender, domain, token, amount, recipient, withdrawalId, messageId);
    }

    /// @inheritdoc IOptionsCollateral
    function marginCall(address account) external returns (bytes32 callId) {
        Margin.Result memory r =
            _engine.evaluate(_marginAccount(account), _freshMarket(), _marginParams());
        if (r.health != Margin.Health.MarginCall) {
            revert MarketNotMarginCallable(account, r.equity, r.mm, r.im);
        }
        MarginCall storage open = _marginCalls[account];
        // A call past its deadline that left the account short may be called again.
        if (open.id != 0 && block.timestamp <= open.deadline) {
            revert MarketMarginCallOpen(account, open.id, open.deadline);
        }
        callId = _nextId();
        uint256 deficit = r.im - uint256(r.equity);
        uint64 deadline = uint64(block.timestamp + _liquidationParams.marginCallWindow);
        _marginCalls[account] =
            MarginCall({id: callId, deficit: deficit.toUint128(), deadline: deadline});

        bytes memory body = AppMessage.encodeMarginCall(
            AppMessage.MarginCall({
                account: account, deficit: deficit, deadline: deadline, callId: callId
            })
        );
        uint32[] memory domains = _domainsOf[account];
        uint256 sent;
        for (uint256 i; i < domains.length; ++i) {
            // A domain unwired since the deposit is skipped: one must not block the others.
            if (_trustedRemote(domains[i]) == address(0)) continue;
            _dispatch(domains[i], body);
            ++sent;
        }
        emit MarginCallOpened(account, callId, deficit, deadline, sent);
    }

    /// @inheritdoc IOptionsCollateral
    function closeMarginCall(address account) external {
        Margin.Result memory r =
            _engine.evaluate(_marginAccount(account), _freshMarket(), _marginParams());
        bytes32 callId = _marginCalls[account].id;
        if (callId == 0 || r.equity < r.im.toInt256()) {
            revert MarketMarginCallNotClosable(account, r.equity, r.im);
        }
        delete _marginCalls[account];
        emit MarginCallClosed(account, callId, false);
    }

    /// @inheritdoc IOptionsCollateral
    function liquidate(address account, uint256 fraction, SeizeRecipient[] calldata recipients)
        external
        returns (bytes32 liquidationId)
    {
        // Checks
        if (fraction == 0 || fraction > WAD) revert MarketInvalidFraction(fraction);
        if (account == msg.sender) revert MarketSelfLiquidation(account);
        if (!_liquidationsAllowed()) revert MarketLiquidationsPaused();
        Margin.Market memory market = _freshMarket();
        Margin.Params memory params = _marginParams();
        Margin.Result memory r = _engine.evaluate(_marginAccount(account), market, params);
        if (r.equity >= r.mm.toInt256()) revert MarketNotLiquidatable(account, r.equity, r.mm);

        // Effects, and the SEIZE messages each right after the credit it pays left the ledger.
        _cancelAll(account);
        liquidationId = _nextId();
        int256 positionsValue = _takePositions(account, fraction, market, params);
        uint256 creditsValue =
            _seizeCredits(account, fraction, recipients, liquidationId, market.spot);
        uint256 bonus =
            Math.mulDiv(Math.mulDiv(_liquidationParams.discount, fraction, WAD), r.mm, WAD);
        int256 price = positionsValue + creditsValue.toInt256() - bonus.toInt256();
        _cash[account] += price;
        _cash[msg.sender] -= price;
        emit Liquidated(
            account, msg.sender, liquidationId, fraction, positionsValue, creditsValue, bonus, price
        );
        bytes32 callId = _marginCalls[account].id;
        if (callId != 0) {
            delete _marginCalls[account];
            emit MarginCallClosed(account, callId, true);
        }
        _coverIfEmptied(account);
        _requireCovered(msg.sender);
    }

    /// @inheritdoc IOptionsCollateral
    function pokeFeeds() external {
        FeedConsumer.observe(_spotRecovery, FeedConsumer.isFresh(_spotFeed, _params.spotMaxAge));
        FeedConsumer.observe(_volRecovery, FeedConsumer.isFresh(_volFeed, _params.volMaxAge));
    }

    /// @dev Moves `fraction` of each live position of `account` to the caller; settles the
    /// positions of settled series to cash first. Returns the moved positions' mark value.
    function _takePositions(
        address account,
        uint256 fraction,
        Margin.Market memory market,
        Margin.Params memory params
    ) private returns (int256 value) {
        // A copy: settling and untracking reorder the account's list.
        uint32[] memory ids = _seriesOf[account];
        Margin.Account memory moved; // its equity is the moved positions' mark value
        moved.positions = new Margin.Position[](ids.length);
        uint256 count;
        for (uint256 i; i < ids.length; ++i) {
            Series storage s = _series[ids[i]];
            if (s.settled) {
                _settlePosition(account, ids[i], s);
                continue;
            }
            Holding storage from = _holdings[account][ids[i]];
            // Rounded towards zero: the account never gives more lots than its fraction.
            int64 lots = int64(int256(from.lots) * fraction.toInt256() / int256(WAD));
            if (lots == 0) continue;
            from.lots -= lots;
            Holding storage to = _holdings[msg.sender][ids[i]];
            _track(msg.sender, ids[i], to);
            to.lots += lots;
            _untrackIfIdle(account, from);
            _untrackIfIdle(msg.sender, to);
            moved.positions[count++] = _position(s, lots);
            emit PositionLiquidated(account, msg.sender, ids[i], lots);
        }
        if (count == 0) return 0;
        Margin.Position[] memory positions = moved.positions;
        assembly ("memory-safe") {
            mstore(positions, count) // shrink to the positions moved
        }
        value = _engine.evaluate(moved, market, params).equity;
    }

    /// @dev Removes `fraction` of each credit of `account` and sends it by `SEIZE` to the
    /// caller's recipient on its domain. Returns the seized credits' value at spot.
    function _seizeCredits(
        address account,
        uint256 fraction,
        SeizeRecipient[] calldata recipients,
        bytes32 liquidationId,
        uint256 spot
    ) private returns (uint256 value) {
        // A copy: a credit seized whole leaves the account's list.
        CollateralKey[] memory keys = _collateralOf[account];
        for (uint256 i; i < keys.length; ++i) {
            CollateralKey memory key = keys[i];
            uint256 amount = Math.mulDiv(_credits[account][key.domain][key.token], fraction, WAD);
            // Whole units of the vault's token, rounded down: the rest stays a credit.
            uint256 unit = _unitOf(key.domain, key.token);
            if (unit > 1) amount -= amount % unit;
            if (amount == 0) continue;
            _seize(account, key, amount, _recipientOn(recipients, key.domain), liquidationId);
            value += Math.mulDiv(amount, spot, WAD);
        }
    }

    /// @dev Removes `amount` of one credit of `account` and sends it to `recipient`.
    function _seize(
        address account,
        CollateralKey memory key,
        uint256 amount,
        address recipient,
        bytes32 liquidationId
    ) private {
        _debitCredit(account, key.domain, key.token, amount);
        bytes32 messageId = _dispatch(
            key.domain,
            AppMessage.encodeSeize(
                AppMessage.Payout({
                    account: account,
                    token: key.token,
                    amount: amount,
                    recipient: recipient,
                    id: liquidationId
                })
            )
        );
        emit CollateralSeized(
            account, key.domain, key.token, amount, recipient, liquidationId, messageId
        );
    }

    /// @dev An account left with neither positions nor credits owes its negative cash to no
    /// one: the insurance fund pays what it holds, the rest is bad debt, and the account is
    /// square.
    function _coverIfEmptied(address account) private {
        int256 cash_ = _cash[account];
        if (cash_ >= 0 || _seriesOf[account].length != 0 || _collateralOf[account].length != 0) {
            return;
        }
        uint256 shortfall = uint256(-cash_);
        int256 fund = _cash[_insuranceFund];
        uint256 covered = fund > 0 ? Math.min(shortfall, uint256(fund)) : 0;
        if (covered != 0) {
            _cash[_insuranceFund] = fund - covered.toInt256();
            emit InsuranceFundUsed(account, covered);
        }
        _cash[account] = 0;
        if (covered < shortfall) {
            _badDebt += shortfall - covered;
            emit BadDebtRecorded(account, shortfall - covered, _badDebt);
        }
    }

    /// @dev Reverts unless `account` covers IM with its open orders at fresh prices.
    function _requireCovered(address account) private view {
        Health memory h = _health(account);
        if (!h.coversOrders) {
            revert MarketInsufficientMargin(
                account, h.result.equity, h.result.im + h.openOrderMargin
            );
        }
    }

    /// @dev Whether both feeds are fresh and past the grace period after their last recovery
    /// that `pokeFeeds` observed.
    function _liquidationsAllowed() private view returns (bool) {
        uint256 grace = _liquidationParams.liquidationGrace;
        return FeedConsumer.liquidationsAllowed(
            _spotRecovery, FeedConsumer.isFresh(_spotFeed, _params.spotMaxAge), grace
        )
            && FeedConsumer.liquidationsAllowed(
            _volRecovery, FeedConsumer.isFresh(_volFeed, _params.volMaxAge), grace
        );
    }

    function _recipientOn(SeizeRecipient[] calldata recipients, uint32 domain)
        private
        pure
        returns (address)
    {
        for (uint256 i; i < recipients.length; ++i) {
            if (recipients[i].domain == domain && recipients[i].recipient != address(0)) {
                return recipients[i].recipient;
            }
        }
        revert MarketMissingRecipient(domain);
    }
}
