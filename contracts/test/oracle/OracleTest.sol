// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IPriceFeed} from "../../src/interfaces/IPriceFeed.sol";
import {PriceFeed} from "../../src/oracle/PriceFeed.sol";
import {BaseTest} from "../BaseTest.sol";
import {AttestationSigner} from "../messaging/AttestationSigner.sol";

/// @notice A pool of oracle signer keys sorted by address, an ETH/USD spot feed and helpers to
/// build and sign reports.
abstract contract OracleTest is BaseTest, AttestationSigner {
    bytes32 internal constant ETH_USD = keccak256("ETH/USD");
    bytes32 internal constant ETH_IV = keccak256("ETH/IV");
    uint8 internal constant DECIMALS = 8;
    int256 internal constant MAX_MOVE_BPS = 2000;
    uint256 internal constant MAX_FUTURE_SKEW = 60;
    uint256 internal constant SIGNER_POOL = 5;
    /// @dev 3000 USD with 8 decimals.
    int256 internal constant ETH_PRICE = 3000e8;

    /// @dev The spot feed under test, 2-of-3 over the first three pool signers.
    PriceFeed internal feed;

    /// @dev Signer addresses, strictly ascending, and their keys in the same order.
    address[] internal signerPool;
    uint256[] internal signerKeys;

    function setUp() public virtual override {
        super.setUp();
        _makeSignerPool();
        feed = deploySpotFeed(3, 2);
    }

    /// @dev An ETH/USD feed, positive answers only, over the first `size` pool signers.
    function deploySpotFeed(uint256 size, uint8 threshold) internal returns (PriceFeed spot) {
        spot = new PriceFeed(
            ETH_USD,
            DECIMALS,
            "ETH / USD",
            MAX_MOVE_BPS,
            MAX_FUTURE_SKEW,
            true,
            firstSigners(size),
            threshold,
            owner
        );
        vm.label(address(spot), "PriceFeed-ETH/USD");
    }

    function firstSigners(uint256 size) internal view returns (address[] memory set) {
        set = new address[](size);
        for (uint256 i; i < size; ++i) {
            set[i] = signerPool[i];
        }
    }

    function firstKeys(uint256 count) internal view returns (uint256[] memory keys) {
        keys = new uint256[](count);
        for (uint256 i; i < count; ++i) {
            keys[i] = signerKeys[i];
        }
    }

    function spotReport(int256 answer, uint256 updatedAt, uint80 roundId)
        internal
        pure
        returns (IPriceFeed.PriceReport memory)
    {
        return IPriceFeed.PriceReport({
            feedId: ETH_USD, answer: answer, updatedAt: updatedAt, roundId: roundId
        });
    }

    /// @dev Signatures of `keys`, in the given order, over `report`'s chain-agnostic digest.
    function signReport(IPriceFeed.PriceReport memory report, uint256[] memory keys)
        internal
        pure
        returns (bytes[] memory)
    {
        return signDigest(reportDigestOf(report), keys);
    }

    /// @dev The digest computed independently of the contract: no chain id, no address.
    function reportDigestOf(IPriceFeed.PriceReport memory report) internal pure returns (bytes32) {
        bytes32 separator = keccak256(
            abi.encode(
                keccak256("EIP712Domain(string name,string version)"),
                keccak256("crossflow Oracle"),
                keccak256("1")
            )
        );
        bytes32 structHash = keccak256(
            abi.encode(
                keccak256(
                    "PriceReport(bytes32 feedId,int256 answer,uint256 updatedAt,uint80 roundId)"
                ),
                report.feedId,
                report.answer,
                report.updatedAt,
                report.roundId
            )
        );
        return keccak256(abi.encodePacked("\x19\x01", separator, structHash));
    }

    /// @dev Submits `answer` as round `roundId`, observed now, signed by the first two signers.
    function post(PriceFeed target, int256 answer, uint80 roundId) internal {
        IPriceFeed.PriceReport memory report = spotReport(answer, block.timestamp, roundId);
        target.submit(report, signReport(report, firstKeys(2)));
    }

    function _makeSignerPool() private {
        for (uint256 i; i < SIGNER_POOL; ++i) {
            (address signer, uint256 key) = makeAddrAndKey(string.concat("signer-", vm.toString(i)));
            signerPool.push(signer);
            signerKeys.push(key);
        }
        // Insertion sort: five entries, once per test.
        for (uint256 i = 1; i < SIGNER_POOL; ++i) {
            for (uint256 j = i; j > 0 && signerPool[j - 1] > signerPool[j]; --j) {
                (signerPool[j - 1], signerPool[j]) = (signerPool[j], signerPool[j - 1]);
                (signerKeys[j - 1], signerKeys[j]) = (signerKeys[j], signerKeys[j - 1]);
            }
        }
    }
}
