// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IOptionsMarketBase} from "../interfaces/IOptionsMarket.sol";

/// @title MarketLedger
/// @notice The market's books of collateral it only knows as a ledger: one signed `cash` balance
/// per account in the quote unit, a credit per (account, domain, token) for every other token, and
/// a pool per (domain, token) mirroring what each domain's vault holds.
/// @dev Collateral enters only through `_credit`, which the cross-chain entry point (the mailbox
/// handler) calls once a deposit's `CREDIT` message lands. All amounts are WADs.
abstract contract MarketLedger is IOptionsMarketBase {
    /// @notice Per account, at most this many (domain, token) credits are tracked, so valuing an
    /// account stays bounded.
    uint256 public constant MAX_COLLATERAL_KINDS = 8;
    /// @notice Per account, at most this many domains deposited on, so a margin call sends a
    /// bounded number of messages.
    uint256 public constant MAX_DOMAINS_PER_ACCOUNT = 8;

    /// @dev A listed collateral token on one domain.
    struct TokenConfig {
        bool listed;
        uint64 haircut;
        uint64 unit; // WAD of one smallest unit of the token: 10^(18 - decimals)
    }

    /// @dev One (domain, token) an account holds a credit of.
    struct CollateralKey {
        uint32 domain;
        address token;
    }

    mapping(address account => int256) internal _cash;
    mapping(address account => mapping(uint32 domain => mapping(address token => uint256))) internal
        _credits;
    mapping(uint32 domain => mapping(address token => uint256)) internal _pools;
    mapping(uint32 domain => address) internal _quoteTokens;
    mapping(uint32 domain => uint64 unit) internal _quoteUnits;
    mapping(uint32 domain => mapping(address token => TokenConfig)) internal _tokens;
    mapping(address account => CollateralKey[]) internal _collateralOf;
    mapping(uint32 domain => uint32 latency) internal _latencies;
    mapping(address account => uint32[]) internal _domainsOf;

    address internal immutable _feeAccount;
    address internal immutable _insuranceFund;

    constructor(address feeAccount_, address insuranceFund_) {
        _feeAccount = feeAccount_;
        _insuranceFund = insuranceFund_;
    }

    /// @dev Books a deposit of `amount` of `token` on `domain` for `account`: the quote token as
    /// cash, a listed token as a credit. Reverts with `MarketUnknownToken` for any other token and
    /// `MarketAccountFull` when the account already holds `MAX_COLLATERAL_KINDS` other credits.
    function _credit(address account, uint32 domain, address token, uint256 amount) internal {
        _trackDomain(account, domain);
        _pools[domain][token] += amount;
        if (token == _quoteTokens[domain] && token != address(0)) {
            _cash[account] += int256(amount);
        } else {
            if (!_tokens[domain][token].listed) revert MarketUnknownToken(domain, token);
            mapping(address => uint256) storage held = _credits[account][domain];
            if (held[token] == 0) _trackCollateral(account, domain, token);
            held[token] += amount;
        }
        emit CollateralCredited(account, domain, token, amount);
    }

    /// @dev Takes `amount` of the credit of `token` on `domain` off `account` and its pool, as
    /// a withdrawal or a seizure that a message then pays out; forgets a credit that reaches
    /// zero, so it stops costing margin gas.
    function _debitCredit(address account, uint32 domain, address token, uint256 amount) internal {
        mapping(address => uint256) storage held = _credits[account][domain];
        uint256 credit_ = held[token];
        if (credit_ < amount) {
            revert MarketInsufficientCredit(account, domain, token, amount, credit_);
        }
        held[token] = credit_ - amount;
        _debitPool(domain, token, amount);
        if (credit_ == amount) _untrackCollateral(account, domain, token);
    }

    /// @dev Takes `amount` of `token` off the pool of `domain`: what its vault will pay out.
    function _debitPool(uint32 domain, address token, uint256 amount) internal {
        uint256 pool_ = _pools[domain][token];
        if (pool_ < amount) revert MarketPoolTooSmall(domain, token, amount, pool_);
        _pools[domain][token] = pool_ - amount;
    }

    function _setQuoteToken(uint32 domain, address token, uint8 decimals) internal {
        _quoteTokens[domain] = token;
        _quoteUnits[domain] = _unit(decimals);
        emit QuoteTokenSet(domain, token, decimals);
    }

    function _setCollateralToken(
        uint32 domain,
        address token,
        uint64 haircut,
        bool listed,
        uint8 decimals
    ) internal {
        if (haircut >= 1e18) revert MarketInvalidParam("haircut", haircut);
        _tokens[domain][token] =
            TokenConfig({listed: listed, haircut: haircut, unit: _unit(decimals)});
        emit CollateralTokenSet(domain, token, haircut, listed, decimals);
    }

    /// @dev What one smallest unit of `token` on `domain` is in WAD: a vault pays whole
    /// units only, so every amount the market sends out is a multiple of it.
    function _unitOf(uint32 domain, address token) internal view returns (uint256) {
        if (token != address(0) && token == _quoteTokens[domain]) return _quoteUnits[domain];
        return _tokens[domain][token].unit;
    }

    function _unit(uint8 decimals) private pure returns (uint64) {
        if (decimals > 18) revert MarketInvalidParam("decimals", decimals);
        return uint64(10 ** (18 - decimals));
    }

    function _setDomainLatency(uint32 domain, uint32 latency) internal {
        if (latency > 1 days) revert MarketInvalidParam("latency", latency);
        _latencies[domain] = latency;
        emit DomainLatencySet(domain, latency);
    }

    /// @dev τ of an account: the slowest domain it holds a credit on. Cash needs no cross-chain
    /// seizure, so a cash-only account has none.
    function _latencyOf(address account) internal view returns (uint256 latency) {
        CollateralKey[] storage keys = _collateralOf[account];
        for (uint256 i; i < keys.length; ++i) {
            uint256 domainLatency = _latencies[keys[i].domain];
            if (domainLatency > latency) latency = domainLatency;
        }
    }

    function _untrackCollateral(address account, uint32 domain, address token) private {
        CollateralKey[] storage keys = _collateralOf[account];
        for (uint256 i; i < keys.length; ++i) {
            if (keys[i].domain == domain && keys[i].token == token) {
                keys[i] = keys[keys.length - 1];
                keys.pop();
                return;
            }
        }
    }

    /// @dev Remembers that `account` deposited on `domain`, where its margin calls go; bounded.
    function _trackDomain(address account, uint32 domain) private {
        uint32[] storage domains = _domainsOf[account];
        for (uint256 i; i < domains.length; ++i) {
            if (domains[i] == domain) return;
        }
        if (domains.length == MAX_DOMAINS_PER_ACCOUNT) {
            revert MarketTooManyDomains(account, MAX_DOMAINS_PER_ACCOUNT);
        }
        domains.push(domain);
    }

    function _trackCollateral(address account, uint32 domain, address token) private {
        CollateralKey[] storage keys = _collateralOf[account];
        for (uint256 i; i < keys.length; ++i) {
            if (keys[i].domain == domain && keys[i].token == token) return;
        }
        if (keys.length == MAX_COLLATERAL_KINDS) {
            revert MarketAccountFull(account, MAX_COLLATERAL_KINDS);
        }
        keys.push(CollateralKey({domain: domain, token: token}));
    }
}
