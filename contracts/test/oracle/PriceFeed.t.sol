// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {console2} from "forge-std/console2.sol";
import {stdMath} from "forge-std/StdMath.sol";

import {IPriceFeed} from "../../src/interfaces/IPriceFeed.sol";
import {IQuorum} from "../../src/interfaces/IQuorum.sol";
import {Quorum} from "../../src/libraries/Quorum.sol";
import {PriceFeed} from "../../src/oracle/PriceFeed.sol";
import {OracleTest} from "./OracleTest.sol";

contract PriceFeedTest is OracleTest {
    uint80 internal constant ROUND = 1;

    /*//////////////////////////////////////////////////////////////
                              CONSTRUCTOR
    //////////////////////////////////////////////////////////////*/

    function test_constructor_StoresConfiguration() public view {
        assertEq(feed.feedId(), ETH_USD);
        assertEq(feed.decimals(), DECIMALS);
        assertEq(feed.description(), "ETH / USD");
        assertEq(feed.version(), 1);
        assertEq(feed.maxMoveBps(), 2000);
        assertEq(feed.maxFutureSkew(), MAX_FUTURE_SKEW);
        assertTrue(feed.positiveOnly());
        assertEq(feed.signers(), firstSigners(3));
        assertEq(feed.threshold(), 2);
        assertEq(feed.MAX_SIGNERS(), Quorum.MAX_SIGNERS);
        assertEq(feed.latestRound(), 0);
        assertEq(feed.owner(), owner);
    }

    function test_constructor_EmitsSignersSet() public {
        vm.expectEmit();
        emit IPriceFeed.SignersSet(firstSigners(3), 2);
        deploySpotFeed(3, 2);
    }

    function test_RevertWhen_ConstructorMaxMoveZero() public {
        vm.expectRevert(
            abi.encodeWithSelector(IPriceFeed.PriceFeedInvalidMaxMove.selector, 0, 1_000_000)
        );
        new PriceFeed(ETH_USD, 8, "x", 0, 60, true, firstSigners(1), 1, owner);
    }

    function test_RevertWhen_ConstructorMaxMoveNegative() public {
        vm.expectRevert(
            abi.encodeWithSelector(IPriceFeed.PriceFeedInvalidMaxMove.selector, -1, 1_000_000)
        );
        new PriceFeed(ETH_USD, 8, "x", -1, 60, true, firstSigners(1), 1, owner);
    }

    function test_RevertWhen_ConstructorMaxMoveAboveLimit() public {
        vm.expectRevert(
            abi.encodeWithSelector(
                IPriceFeed.PriceFeedInvalidMaxMove.selector, 1_000_001, 1_000_000
            )
        );
        new PriceFeed(ETH_USD, 8, "x", 1_000_001, 60, true, firstSigners(1), 1, owner);
    }

    function test_RevertWhen_ConstructorThresholdInvalid() public {
        vm.expectRevert(abi.encodeWithSelector(IQuorum.QuorumInvalidThreshold.selector, 0, 1));
        new PriceFeed(ETH_USD, 8, "x", 2000, 60, true, firstSigners(1), 0, owner);
    }

    /*//////////////////////////////////////////////////////////////
                                DIGEST
    //////////////////////////////////////////////////////////////*/

    function test_DOMAIN_SEPARATOR_HasNoChainIdNorAddress() public {
        bytes32 expected = keccak256(
            abi.encode(
                keccak256("EIP712Domain(string name,string version)"),
                keccak256("crossflow Oracle"),
                keccak256("1")
            )
        );
        assertEq(feed.DOMAIN_SEPARATOR(), expected);
        vm.chainId(999);
        assertEq(deploySpotFeed(1, 1).DOMAIN_SEPARATOR(), expected);
    }

    function test_reportDigest_MatchesIndependentEncoding() public view {
        IPriceFeed.PriceReport memory report = spotReport(ETH_PRICE, START_TIME, 7);
        assertEq(feed.reportDigest(ETH_USD, ETH_PRICE, START_TIME, 7), reportDigestOf(report));
        assertEq(
            feed.REPORT_TYPEHASH(),
            keccak256("PriceReport(bytes32 feedId,int256 answer,uint256 updatedAt,uint80 roundId)")
        );
    }

    /*//////////////////////////////////////////////////////////////
                                SUBMIT
    //////////////////////////////////////////////////////////////*/

    function test_submit_StoresRoundAndEmits() public {
        IPriceFeed.PriceReport memory report = spotReport(ETH_PRICE, START_TIME, ROUND);
        bytes[] memory signatures = signReport(report, firstKeys(2));

        vm.expectEmit();
        emit IPriceFeed.AnswerUpdated(ETH_PRICE, ROUND, START_TIME);
        vm.expectEmit();
        emit IPriceFeed.ReportSubmitted(ROUND, ETH_PRICE, START_TIME, carol);
        vm.prank(carol);
        feed.submit(report, signatures);

        (uint80 roundId, int256 answer, uint256 startedAt, uint256 updatedAt, uint80 answeredIn) =
            feed.latestRoundData();
        assertEq(roundId, ROUND);
        assertEq(answer, ETH_PRICE);
        assertEq(startedAt, START_TIME);
        assertEq(updatedAt, START_TIME);
        assertEq(answeredIn, ROUND);
        assertEq(feed.latestRound(), ROUND);
    }

    function test_submit_AcceptsAllSignersAboveThreshold() public {
        IPriceFeed.PriceReport memory report = spotReport(ETH_PRICE, START_TIME, ROUND);
        feed.submit(report, signReport(report, firstKeys(3)));
        assertEq(feed.latestRound(), ROUND);
    }

    function test_submit_AcceptsRoundGapsAndReportsUpToSkew() public {
        post(feed, ETH_PRICE, 5);
        IPriceFeed.PriceReport memory report =
            spotReport(ETH_PRICE, block.timestamp + MAX_FUTURE_SKEW, 900);
        feed.submit(report, signReport(report, firstKeys(2)));
        assertEq(feed.latestRound(), 900);
    }

    function test_submit_GasOneOfOne() public {
        PriceFeed single = deploySpotFeed(1, 1);
        IPriceFeed.PriceReport memory report = spotReport(ETH_PRICE, block.timestamp, ROUND);
        single.submit(report, signReport(report, firstKeys(1)));
        vm.warp(block.timestamp + 1);
        report = spotReport(ETH_PRICE + 1e8, block.timestamp, 2);
        bytes[] memory signatures = signReport(report, firstKeys(1));
        // Cold account and slots, as in a real transaction posting the next round.
        vm.cool(address(single));
        uint256 gasBefore = gasleft();
        single.submit(report, signatures);
        console2.log("submit 1-of-1 gas (second round):", gasBefore - gasleft());
    }

    function test_submit_GasTwoOfThree() public {
        post(feed, ETH_PRICE, ROUND);
        vm.warp(block.timestamp + 1);
        IPriceFeed.PriceReport memory report = spotReport(ETH_PRICE + 1e8, block.timestamp, 2);
        bytes[] memory signatures = signReport(report, firstKeys(2));
        vm.cool(address(feed));
        uint256 gasBefore = gasleft();
        feed.submit(report, signatures);
        console2.log("submit 2-of-3 gas (second round):", gasBefore - gasleft());
    }

    function test_submit_AllowsNegativeAnswerWhenNotPositiveOnly() public {
        PriceFeed basis = new PriceFeed(
            ETH_USD, 8, "ETH basis", MAX_MOVE_BPS, 60, false, firstSigners(3), 2, owner
        );
        post(basis, -5e8, ROUND);
        vm.warp(block.timestamp + 1);
        post(basis, -6e8, 2);
        (, int256 answer,,,) = basis.latestRoundData();
        assertEq(answer, -6e8);
    }

    function test_submit_AcceptsMoveAtExactBound() public {
        post(feed, 1000e8, ROUND);
        vm.warp(block.timestamp + 1);
        post(feed, 1200e8, 2);
        vm.warp(block.timestamp + 1);
        post(feed, 960e8, 3);
        assertEq(feed.latestRound(), 3);
    }

    function test_submit_SkipsMoveCheckOnFirstRound() public {
        post(feed, 1, ROUND);
        assertEq(feed.latestRound(), ROUND);
    }

    function test_RevertWhen_FeedIdWrong() public {
        IPriceFeed.PriceReport memory report = spotReport(ETH_PRICE, START_TIME, ROUND);
        report.feedId = ETH_IV;
        bytes[] memory signatures = signReport(report, firstKeys(2));
        vm.expectRevert(
            abi.encodeWithSelector(IPriceFeed.PriceFeedWrongFeed.selector, ETH_IV, ETH_USD)
        );
        feed.submit(report, signatures);
    }

    function test_RevertWhen_RoundNotIncreasing() public {
        post(feed, ETH_PRICE, 5);
        vm.warp(block.timestamp + 1);
        IPriceFeed.PriceReport memory report = spotReport(ETH_PRICE, block.timestamp, 5);
        bytes[] memory signatures = signReport(report, firstKeys(2));
        vm.expectRevert(
            abi.encodeWithSelector(IPriceFeed.PriceFeedRoundNotIncreasing.selector, 5, 5)
        );
        feed.submit(report, signatures);

        report.roundId = 4;
        signatures = signReport(report, firstKeys(2));
        vm.expectRevert(
            abi.encodeWithSelector(IPriceFeed.PriceFeedRoundNotIncreasing.selector, 4, 5)
        );
        feed.submit(report, signatures);
    }

    function test_RevertWhen_RoundZero() public {
        IPriceFeed.PriceReport memory report = spotReport(ETH_PRICE, START_TIME, 0);
        bytes[] memory signatures = signReport(report, firstKeys(2));
        vm.expectRevert(
            abi.encodeWithSelector(IPriceFeed.PriceFeedRoundNotIncreasing.selector, 0, 0)
        );
        feed.submit(report, signatures);
    }

    function test_RevertWhen_TimeNotIncreasing() public {
        post(feed, ETH_PRICE, ROUND);
        IPriceFeed.PriceReport memory report = spotReport(ETH_PRICE, START_TIME, 2);
        bytes[] memory signatures = signReport(report, firstKeys(2));
        vm.expectRevert(
            abi.encodeWithSelector(
                IPriceFeed.PriceFeedTimeNotIncreasing.selector, START_TIME, START_TIME
            )
        );
        feed.submit(report, signatures);
    }

    function test_RevertWhen_ReportInFuture() public {
        uint256 updatedAt = block.timestamp + MAX_FUTURE_SKEW + 1;
        IPriceFeed.PriceReport memory report = spotReport(ETH_PRICE, updatedAt, ROUND);
        bytes[] memory signatures = signReport(report, firstKeys(2));
        vm.expectRevert(
            abi.encodeWithSelector(
                IPriceFeed.PriceFeedFutureReport.selector,
                updatedAt,
                block.timestamp + MAX_FUTURE_SKEW
            )
        );
        feed.submit(report, signatures);
    }

    function test_RevertWhen_AnswerZero() public {
        IPriceFeed.PriceReport memory report = spotReport(0, START_TIME, ROUND);
        bytes[] memory signatures = signReport(report, firstKeys(2));
        vm.expectRevert(abi.encodeWithSelector(IPriceFeed.PriceFeedNonPositiveAnswer.selector, 0));
        feed.submit(report, signatures);
    }

    function test_RevertWhen_AnswerNegative() public {
        IPriceFeed.PriceReport memory report = spotReport(-1, START_TIME, ROUND);
        bytes[] memory signatures = signReport(report, firstKeys(2));
        vm.expectRevert(abi.encodeWithSelector(IPriceFeed.PriceFeedNonPositiveAnswer.selector, -1));
        feed.submit(report, signatures);
    }

    function test_RevertWhen_MoveUpTooLarge() public {
        post(feed, 1000e8, ROUND);
        vm.warp(block.timestamp + 1);
        IPriceFeed.PriceReport memory report = spotReport(1200e8 + 1, block.timestamp, 2);
        bytes[] memory signatures = signReport(report, firstKeys(2));
        vm.expectRevert(
            abi.encodeWithSelector(
                IPriceFeed.PriceFeedMoveTooLarge.selector, 1000e8, 1200e8 + 1, MAX_MOVE_BPS
            )
        );
        feed.submit(report, signatures);
    }

    function test_RevertWhen_MoveDownTooLarge() public {
        post(feed, 1000e8, ROUND);
        vm.warp(block.timestamp + 1);
        IPriceFeed.PriceReport memory report = spotReport(800e8 - 1, block.timestamp, 2);
        bytes[] memory signatures = signReport(report, firstKeys(2));
        vm.expectRevert(
            abi.encodeWithSelector(
                IPriceFeed.PriceFeedMoveTooLarge.selector, 1000e8, 800e8 - 1, MAX_MOVE_BPS
            )
        );
        feed.submit(report, signatures);
    }

    function test_RevertWhen_MoveAcrossZeroTooLarge() public {
        PriceFeed basis =
            new PriceFeed(ETH_USD, 8, "basis", MAX_MOVE_BPS, 60, false, firstSigners(3), 2, owner);
        post(basis, type(int256).max, ROUND);
        vm.warp(block.timestamp + 1);
        IPriceFeed.PriceReport memory report = spotReport(type(int256).min, block.timestamp, 2);
        bytes[] memory signatures = signReport(report, firstKeys(2));
        vm.expectRevert(
            abi.encodeWithSelector(
                IPriceFeed.PriceFeedMoveTooLarge.selector,
                type(int256).max,
                type(int256).min,
                MAX_MOVE_BPS
            )
        );
        basis.submit(report, signatures);
    }

    /*//////////////////////////////////////////////////////////////
                              SIGNATURES
    //////////////////////////////////////////////////////////////*/

    function test_RevertWhen_TooFewSignatures() public {
        IPriceFeed.PriceReport memory report = spotReport(ETH_PRICE, START_TIME, ROUND);
        bytes[] memory signatures = signReport(report, firstKeys(1));
        vm.expectRevert(abi.encodeWithSelector(IQuorum.QuorumNotMet.selector, 1, 2));
        feed.submit(report, signatures);
    }

    function test_RevertWhen_NoSignatures() public {
        IPriceFeed.PriceReport memory report = spotReport(ETH_PRICE, START_TIME, ROUND);
        vm.expectRevert(abi.encodeWithSelector(IQuorum.QuorumNotMet.selector, 0, 2));
        feed.submit(report, new bytes[](0));
    }

    function test_RevertWhen_SignerNotInSet() public {
        IPriceFeed.PriceReport memory report = spotReport(ETH_PRICE, START_TIME, ROUND);
        uint256[] memory keys = new uint256[](2);
        // Pool signers 3 and 4 are outside the 3-signer set and ascending.
        keys[0] = signerKeys[3];
        keys[1] = signerKeys[4];
        bytes[] memory signatures = signReport(report, keys);
        vm.expectRevert(
            abi.encodeWithSelector(IQuorum.QuorumSignerNotMember.selector, signerPool[3])
        );
        feed.submit(report, signatures);
    }

    function test_RevertWhen_SignerDuplicated() public {
        IPriceFeed.PriceReport memory report = spotReport(ETH_PRICE, START_TIME, ROUND);
        uint256[] memory keys = new uint256[](2);
        keys[0] = signerKeys[0];
        keys[1] = signerKeys[0];
        bytes[] memory signatures = signReport(report, keys);
        vm.expectRevert(
            abi.encodeWithSelector(
                IQuorum.QuorumSignersNotSorted.selector, signerPool[0], signerPool[0]
            )
        );
        feed.submit(report, signatures);
    }

    function test_RevertWhen_SignersUnsorted() public {
        IPriceFeed.PriceReport memory report = spotReport(ETH_PRICE, START_TIME, ROUND);
        uint256[] memory keys = new uint256[](2);
        keys[0] = signerKeys[1];
        keys[1] = signerKeys[0];
        bytes[] memory signatures = signReport(report, keys);
        vm.expectRevert(
            abi.encodeWithSelector(
                IQuorum.QuorumSignersNotSorted.selector, signerPool[1], signerPool[0]
            )
        );
        feed.submit(report, signatures);
    }

    function test_RevertWhen_SignatureForged() public {
        IPriceFeed.PriceReport memory report = spotReport(ETH_PRICE, START_TIME, ROUND);
        // Valid signatures over a different answer recover to unrelated addresses.
        IPriceFeed.PriceReport memory signed = spotReport(ETH_PRICE + 1, START_TIME, ROUND);
        bytes[] memory signatures = signReport(signed, firstKeys(2));
        vm.expectPartialRevert(IQuorum.QuorumSignerNotMember.selector);
        feed.submit(report, signatures);
    }

    function test_RevertWhen_SignatureMalformed() public {
        IPriceFeed.PriceReport memory report = spotReport(ETH_PRICE, START_TIME, ROUND);
        bytes[] memory signatures = signReport(report, firstKeys(2));
        signatures[1] = bytes.concat(signatures[1], bytes1(0));
        vm.expectRevert(abi.encodeWithSelector(IQuorum.QuorumInvalidSignature.selector, 1));
        feed.submit(report, signatures);
    }

    function test_RevertWhen_SignatureHighS() public {
        IPriceFeed.PriceReport memory report = spotReport(ETH_PRICE, START_TIME, ROUND);
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(signerKeys[0], reportDigestOf(report));
        // The malleable twin (n - s, flipped v) of a valid signature.
        uint256 n = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141;
        bytes[] memory signatures = signReport(report, firstKeys(2));
        signatures[0] = abi.encodePacked(r, bytes32(n - uint256(s)), v == 27 ? 28 : 27);
        vm.expectRevert(abi.encodeWithSelector(IQuorum.QuorumInvalidSignature.selector, 0));
        feed.submit(report, signatures);
    }

    /*//////////////////////////////////////////////////////////////
                                 READS
    //////////////////////////////////////////////////////////////*/

    function test_RevertWhen_LatestRoundDataWithoutRound() public {
        vm.expectRevert(IPriceFeed.PriceFeedNoData.selector);
        feed.latestRoundData();
    }

    function test_getRoundData_ReturnsHistory() public {
        post(feed, 3000e8, 1);
        vm.warp(START_TIME + 10);
        post(feed, 3100e8, 4);
        vm.warp(START_TIME + 20);
        post(feed, 3050e8, 9);

        (uint80 roundId, int256 answer, uint256 startedAt, uint256 updatedAt, uint80 answeredIn) =
            feed.getRoundData(4);
        assertEq(roundId, 4);
        assertEq(answer, 3100e8);
        assertEq(startedAt, START_TIME + 10);
        assertEq(updatedAt, START_TIME + 10);
        assertEq(answeredIn, 4);
        (, answer,, updatedAt,) = feed.getRoundData(1);
        assertEq(answer, 3000e8);
        assertEq(updatedAt, START_TIME);
        (roundId, answer,,,) = feed.latestRoundData();
        assertEq(roundId, 9);
        assertEq(answer, 3050e8);
    }

    function test_RevertWhen_GetRoundDataUnknown() public {
        post(feed, ETH_PRICE, 2);
        vm.expectRevert(abi.encodeWithSelector(IPriceFeed.PriceFeedUnknownRound.selector, 1));
        feed.getRoundData(1);
        vm.expectRevert(abi.encodeWithSelector(IPriceFeed.PriceFeedUnknownRound.selector, 3));
        feed.getRoundData(3);
        vm.expectRevert(abi.encodeWithSelector(IPriceFeed.PriceFeedUnknownRound.selector, 0));
        feed.getRoundData(0);
    }

    /*//////////////////////////////////////////////////////////////
                              SET SIGNERS
    //////////////////////////////////////////////////////////////*/

    function test_setSigners_ReplacesSet() public {
        address[] memory newSigners = new address[](2);
        newSigners[0] = signerPool[3];
        newSigners[1] = signerPool[4];
        vm.expectEmit();
        emit IPriceFeed.SignersSet(newSigners, 1);
        vm.prank(owner);
        feed.setSigners(newSigners, 1);
        assertEq(feed.signers(), newSigners);
        assertEq(feed.threshold(), 1);

        IPriceFeed.PriceReport memory report = spotReport(ETH_PRICE, START_TIME, ROUND);
        bytes[] memory oldSignatures = signReport(report, firstKeys(2));
        vm.expectRevert(
            abi.encodeWithSelector(IQuorum.QuorumSignerNotMember.selector, signerPool[0])
        );
        feed.submit(report, oldSignatures);

        uint256[] memory keys = new uint256[](1);
        keys[0] = signerKeys[4];
        feed.submit(report, signReport(report, keys));
        assertEq(feed.latestRound(), ROUND);
    }

    function test_RevertWhen_SetSignersNotOwner() public {
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, alice));
        vm.prank(alice);
        feed.setSigners(firstSigners(1), 1);
    }

    function test_RevertWhen_SetSignersThresholdZero() public {
        vm.expectRevert(abi.encodeWithSelector(IQuorum.QuorumInvalidThreshold.selector, 0, 2));
        vm.prank(owner);
        feed.setSigners(firstSigners(2), 0);
    }

    function test_RevertWhen_SetSignersThresholdAboveSize() public {
        vm.expectRevert(abi.encodeWithSelector(IQuorum.QuorumInvalidThreshold.selector, 3, 2));
        vm.prank(owner);
        feed.setSigners(firstSigners(2), 3);
    }

    function test_RevertWhen_SetSignersEmpty() public {
        vm.expectRevert(abi.encodeWithSelector(IQuorum.QuorumInvalidThreshold.selector, 1, 0));
        vm.prank(owner);
        feed.setSigners(new address[](0), 1);
    }

    function test_RevertWhen_SetSignersZeroAddress() public {
        address[] memory newSigners = firstSigners(2);
        newSigners[1] = address(0);
        vm.expectRevert(abi.encodeWithSelector(IQuorum.QuorumZeroSigner.selector, 1));
        vm.prank(owner);
        feed.setSigners(newSigners, 1);
    }

    function test_RevertWhen_SetSignersDuplicate() public {
        address[] memory newSigners = firstSigners(3);
        newSigners[2] = newSigners[0];
        vm.expectRevert(
            abi.encodeWithSelector(IQuorum.QuorumDuplicateSigner.selector, newSigners[0])
        );
        vm.prank(owner);
        feed.setSigners(newSigners, 2);
    }

    function test_RevertWhen_SetSignersTooMany() public {
        address[] memory newSigners = new address[](65);
        for (uint256 i; i < newSigners.length; ++i) {
            newSigners[i] = vm.addr(i + 1);
        }
        vm.expectRevert(abi.encodeWithSelector(IQuorum.QuorumTooManySigners.selector, 65, 64));
        vm.prank(owner);
        feed.setSigners(newSigners, 1);
    }

    /*//////////////////////////////////////////////////////////////
                            CHAIN AGNOSTIC
    //////////////////////////////////////////////////////////////*/

    function test_submit_SameSignaturesAcceptedOnTwoChains() public {
        IPriceFeed.PriceReport memory report = spotReport(ETH_PRICE, START_TIME, ROUND);
        bytes[] memory signatures = signReport(report, firstKeys(2));

        vm.chainId(1);
        PriceFeed mainnetFeed = deploySpotFeed(3, 2);
        mainnetFeed.submit(report, signatures);

        vm.chainId(42_161);
        PriceFeed arbitrumFeed = deploySpotFeed(3, 2);
        assertEq(arbitrumFeed.DOMAIN_SEPARATOR(), mainnetFeed.DOMAIN_SEPARATOR());
        arbitrumFeed.submit(report, signatures);

        (, int256 onMainnet,,,) = mainnetFeed.latestRoundData();
        (, int256 onArbitrum,,,) = arbitrumFeed.latestRoundData();
        assertEq(onMainnet, ETH_PRICE);
        assertEq(onArbitrum, ETH_PRICE);

        // Replay on the same chain is still rejected by the round order.
        vm.expectRevert(
            abi.encodeWithSelector(IPriceFeed.PriceFeedRoundNotIncreasing.selector, ROUND, ROUND)
        );
        arbitrumFeed.submit(report, signatures);
    }

    /*//////////////////////////////////////////////////////////////
                                 FUZZ
    //////////////////////////////////////////////////////////////*/

    function testFuzz_submit_MoveBound(int256 previousSeed, int256 answerSeed) public {
        int256 previous = bound(previousSeed, 1, 1e30);
        int256 answer = bound(answerSeed, 1, 1e31);
        post(feed, previous, ROUND);
        vm.warp(block.timestamp + 1);

        bool tooLarge =
            stdMath.delta(answer, previous) * 10_000 > feed.maxMoveBps() * stdMath.abs(previous);
        IPriceFeed.PriceReport memory report = spotReport(answer, block.timestamp, 2);
        bytes[] memory signatures = signReport(report, firstKeys(2));
        if (tooLarge) {
            vm.expectRevert(
                abi.encodeWithSelector(
                    IPriceFeed.PriceFeedMoveTooLarge.selector, previous, answer, MAX_MOVE_BPS
                )
            );
        }
        feed.submit(report, signatures);
        if (!tooLarge) assertEq(feed.latestRound(), 2);
    }

    function testFuzz_submit_SignerSubsets(uint256 thresholdSeed, uint256 mask) public {
        // Bounded to at most `SIGNER_POOL`, five.
        // forge-lint: disable-next-line(unsafe-typecast)
        uint8 threshold = uint8(bound(thresholdSeed, 1, SIGNER_POOL));
        mask = bound(mask, 0, 2 ** SIGNER_POOL - 1);
        vm.prank(owner);
        feed.setSigners(firstSigners(SIGNER_POOL), threshold);

        uint256 count;
        for (uint256 i; i < SIGNER_POOL; ++i) {
            if ((mask >> i) & 1 == 1) ++count;
        }
        uint256[] memory keys = new uint256[](count);
        uint256 next;
        for (uint256 i; i < SIGNER_POOL; ++i) {
            if ((mask >> i) & 1 == 1) keys[next++] = signerKeys[i];
        }
        IPriceFeed.PriceReport memory report = spotReport(ETH_PRICE, START_TIME, ROUND);
        bytes[] memory signatures = signReport(report, keys);
        if (count < threshold) {
            vm.expectRevert(abi.encodeWithSelector(IQuorum.QuorumNotMet.selector, count, threshold));
        }
        feed.submit(report, signatures);
        assertEq(feed.latestRound(), count < threshold ? 0 : ROUND);
    }
}
