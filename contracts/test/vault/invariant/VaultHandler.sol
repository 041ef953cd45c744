// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {StdCheats} from "forge-std/StdCheats.sol";
import {StdUtils} from "forge-std/StdUtils.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";

import {ICollateralVault} from "../../../src/interfaces/ICollateralVault.sol";
import {AppMessage} from "../../../src/libraries/AppMessage.sol";
import {Mailbox} from "../../../src/messaging/Mailbox.sol";
import {CollateralVault} from "../../../src/vault/CollateralVault.sol";
import {MockFeed} from "../../helpers/MockFeed.sol";
import {FakeMarket} from "../FakeMarket.sol";
import {MessageCarrier} from "../MessageCarrier.sol";

/// @notice Drives the vault as users, the market and keepers would: deposits, reserve in and
/// out, opt-ins, releases and seizes (some over the rate limit, retried later), margin calls on
/// time and late, price moves and time passing. Every message is carried across at once, so the
/// books are at rest between calls. Keeps ghost totals of what left and what happened.
contract VaultHandler is StdCheats, StdUtils, MessageCarrier {
    uint32 public constant COLLATERAL = 31_337;

    CollateralVault public immutable vault;
    FakeMarket public immutable market;
    Mailbox private immutable _collateralMailbox;
    Mailbox private immutable _marketMailbox;
    MockFeed private immutable _feed;
    uint256 private immutable _validatorKey;

    address[] private _actors;
    address[] private _tokens;

    /// @dev Failed payouts waiting for a retry.
    bytes[] private _pending;
    address[] private _pendingTokens;
    uint256[] private _pendingAmounts;
    uint256 private _nextId;

    mapping(address token => uint256 amountWad) public ghost_paidWad;
    uint256 public ghost_payouts;
    uint256 public ghost_rateLimited;
    uint256 public ghost_retried;
    uint256 public ghost_topUps;
    uint256 public ghost_lateCalls;
    uint256 public ghost_lateCallsThatMovedReserve;

    constructor(
        CollateralVault vault_,
        FakeMarket market_,
        Mailbox collateralMailbox_,
        Mailbox marketMailbox_,
        MockFeed feed_,
        uint256 validatorKey_,
        address[] memory actors_,
        address[] memory tokens_
    ) {
        vault = vault_;
        market = market_;
        _collateralMailbox = collateralMailbox_;
        _marketMailbox = marketMailbox_;
        _feed = feed_;
        _validatorKey = validatorKey_;
        _actors = actors_;
        _tokens = tokens_;
        vm.recordLogs();
    }

    function deposit(uint256 actorSeed, uint256 tokenSeed, uint256 amount) external {
        (address actor, address token) = _pick(actorSeed, tokenSeed);
        amount = bound(amount, 1, 1e24);
        _fund(actor, token, amount);
        vm.prank(actor);
        vault.deposit(token, amount, actor);
        _carry();
    }

    function depositReserve(uint256 actorSeed, uint256 tokenSeed, uint256 amount) external {
        (address actor, address token) = _pick(actorSeed, tokenSeed);
        amount = bound(amount, 1, 1e24);
        _fund(actor, token, amount);
        vm.prank(actor);
        vault.depositReserve(token, amount);
    }

    function withdrawReserve(uint256 actorSeed, uint256 tokenSeed, uint256 amount) external {
        (address actor, address token) = _pick(actorSeed, tokenSeed);
        uint256 held = vault.reserve(actor, token);
        if (held == 0) return;
        amount = bound(amount, 1, held);
        vm.prank(actor);
        vault.withdrawReserve(token, amount, actor);
    }

    function setAutoTopUp(uint256 actorSeed, bool enabled) external {
        (address actor,) = _pick(actorSeed, 0);
        vm.prank(actor);
        vault.setAutoTopUp(enabled);
    }

    /// @dev Pays out up to what is committed, as a RELEASE or a SEIZE.
    function payOut(uint256 actorSeed, uint256 tokenSeed, uint256 amount, bool seize) external {
        (address actor, address token) = _pick(actorSeed, tokenSeed);
        uint256 held = vault.committed(token);
        if (held == 0) return;
        (,, ICollateralVault.TokenConfig memory config) = vault.tokenConfig(token);
        uint256 unit = _unit(token);
        amount = bound(amount, 1, held) * unit;
        amount = amount > config.outflowCapacity * 2 ? config.outflowCapacity * 2 : amount;
        amount -= amount % unit;
        if (amount == 0) return;
        bytes32 id = bytes32(++_nextId);
        AppMessage.Payout memory payout = AppMessage.Payout({
            account: actor, token: token, amount: amount, recipient: actor, id: id
        });
        if (seize) market.seize(COLLATERAL, payout);
        else market.release(COLLATERAL, payout);
        bytes memory message = _carry()[0];
        if (vault.executed(seize ? AppMessage.SEIZE : AppMessage.RELEASE, id)) {
            ghost_paidWad[token] += amount;
            ++ghost_payouts;
        } else {
            ++ghost_rateLimited;
            _pending.push(message);
            _pendingTokens.push(token);
            _pendingAmounts.push(amount);
        }
    }

    /// @dev A keeper retries the newest failed payout; it may still fail.
    function retry() external {
        uint256 count = _pending.length;
        if (count == 0) return;
        try _collateralMailbox.retry(_pending[count - 1]) {
            ghost_paidWad[_pendingTokens[count - 1]] += _pendingAmounts[count - 1];
            ++ghost_retried;
            _pending.pop();
            _pendingTokens.pop();
            _pendingAmounts.pop();
        } catch {}
    }

    function marginCall(uint256 actorSeed, uint256 deficit, bool late) external {
        (address actor,) = _pick(actorSeed, 0);
        deficit = bound(deficit, 0, 1e24);
        uint64 deadline = uint64(late ? block.timestamp - 1 : block.timestamp + 1 hours);
        uint256[] memory before = _reservesOf(actor);
        bytes32 callId = bytes32(++_nextId);
        market.marginCall(
            COLLATERAL,
            AppMessage.MarginCall({
                account: actor, deficit: deficit, deadline: deadline, callId: callId
            })
        );
        _carry();
        _carry();
        if (late) {
            ++ghost_lateCalls;
            uint256[] memory afterwards = _reservesOf(actor);
            for (uint256 i; i < before.length; ++i) {
                if (afterwards[i] != before[i]) ++ghost_lateCallsThatMovedReserve;
            }
        } else if (vault.marginCallStatus(callId) == ICollateralVault.MarginCallStatus.ToppedUp) {
            ++ghost_topUps;
        }
    }

    function movePrice(uint256 price) external {
        _feed.setAnswer(int256(bound(price, 1000e8, 5000e8)));
    }

    function warp(uint256 seconds_) external {
        vm.warp(block.timestamp + bound(seconds_, 0, 1 days));
    }

    function actors() external view returns (address[] memory) {
        return _actors;
    }

    function tokens() external view returns (address[] memory) {
        return _tokens;
    }

    function _carry() private returns (bytes[] memory) {
        return carry(_collateralMailbox, _marketMailbox, _validatorKey);
    }

    function _pick(uint256 actorSeed, uint256 tokenSeed)
        private
        view
        returns (address actor, address token)
    {
        actor = _actors[actorSeed % _actors.length];
        token = _tokens[tokenSeed % _tokens.length];
    }

    function _fund(address actor, address token, uint256 amount) private {
        deal(token, actor, IERC20(token).balanceOf(actor) + amount);
        vm.prank(actor);
        IERC20(token).approve(address(vault), amount);
    }

    function _reservesOf(address actor) private view returns (uint256[] memory held) {
        held = new uint256[](_tokens.length);
        for (uint256 i; i < _tokens.length; ++i) {
            held[i] = vault.reserve(actor, _tokens[i]);
        }
    }

    function _unit(address token) private view returns (uint256) {
        (, uint8 decimals,) = vault.tokenConfig(token);
        return 10 ** (18 - decimals);
    }
}
