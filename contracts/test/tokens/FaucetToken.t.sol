// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {ERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Permit.sol";
import {IERC20Errors} from "@openzeppelin/contracts/interfaces/draft-IERC6093.sol";

import {IFaucetToken} from "../../src/interfaces/IFaucetToken.sol";
import {FaucetToken} from "../../src/tokens/FaucetToken.sol";
import {BaseTest} from "../BaseTest.sol";

contract FaucetTokenTest is BaseTest {
    bytes32 private constant PERMIT_TYPEHASH = keccak256(
        "Permit(address owner,address spender,uint256 value,uint256 nonce,uint256 deadline)"
    );
    bytes32 private constant EIP712_DOMAIN_TYPEHASH = keccak256(
        "EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"
    );
    uint256 private constant MAX_DRIP_COOLDOWN = 365 days;
    uint256 private constant MAX_FUZZ_AMOUNT = 1e40;

    FaucetToken private usdc;
    address private holder;
    uint256 private holderKey;

    function setUp() public override {
        super.setUp();
        usdc = deployUsdc();
        (holder, holderKey) = makeAddrAndKey("holder");
    }

    // ---------------------------------------------------------------- constructor

    function test_constructor_SetsMetadataAndSettings() public view {
        assertEq(usdc.name(), "USD Coin");
        assertEq(usdc.symbol(), "USDC");
        assertEq(usdc.decimals(), USDC_DECIMALS);
        assertEq(usdc.dripAmount(), USDC_DRIP_AMOUNT);
        assertEq(usdc.dripCooldown(), DRIP_COOLDOWN);
        assertEq(usdc.owner(), owner);
        assertEq(usdc.totalSupply(), 0);
        assertEq(usdc.MAX_DRIP_COOLDOWN(), MAX_DRIP_COOLDOWN);
    }

    function test_constructor_EmitsInitialSettings() public {
        vm.expectEmit();
        emit IFaucetToken.DripAmountChanged(0, USDC_DRIP_AMOUNT);
        vm.expectEmit();
        emit IFaucetToken.DripCooldownChanged(0, DRIP_COOLDOWN);
        deployUsdc();
    }

    function test_RevertWhen_ConstructedWithZeroOwner() public {
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableInvalidOwner.selector, address(0)));
        new FaucetToken(
            "USD Coin", "USDC", USDC_DECIMALS, USDC_DRIP_AMOUNT, DRIP_COOLDOWN, address(0)
        );
    }

    function test_RevertWhen_ConstructedWithCooldownTooLong() public {
        uint256 cooldown = MAX_DRIP_COOLDOWN + 1;
        vm.expectRevert(
            abi.encodeWithSelector(
                IFaucetToken.FaucetTokenDripCooldownTooLong.selector, cooldown, MAX_DRIP_COOLDOWN
            )
        );
        deployFaucetToken("USD Coin", "USDC", USDC_DECIMALS, USDC_DRIP_AMOUNT, cooldown);
    }

    // ---------------------------------------------------------------- decimals

    function test_decimals_ReturnsConstructorValue() public {
        assertEq(usdc.decimals(), 6);
        assertEq(deployWeth().decimals(), 18);
    }

    // ---------------------------------------------------------------- drip

    function test_drip_MintsDripAmount() public {
        vm.prank(alice);
        usdc.drip();

        assertEq(usdc.balanceOf(alice), USDC_DRIP_AMOUNT);
        assertEq(usdc.totalSupply(), USDC_DRIP_AMOUNT);
    }

    function test_drip_EmitsDrippedAndTransfer() public {
        vm.expectEmit(address(usdc));
        emit IFaucetToken.Dripped(alice, USDC_DRIP_AMOUNT, START_TIME + DRIP_COOLDOWN);
        vm.expectEmit(address(usdc));
        emit IERC20.Transfer(address(0), alice, USDC_DRIP_AMOUNT);

        vm.prank(alice);
        usdc.drip();
    }

    function test_drip_StartsCooldown() public {
        assertEq(usdc.nextDripAt(alice), 0);

        vm.prank(alice);
        usdc.drip();

        assertEq(usdc.nextDripAt(alice), START_TIME + DRIP_COOLDOWN);
    }

    function test_drip_AllowedAgainWhenCooldownEnds() public {
        vm.prank(alice);
        usdc.drip();
        skip(DRIP_COOLDOWN);

        vm.prank(alice);
        usdc.drip();

        assertEq(usdc.balanceOf(alice), 2 * USDC_DRIP_AMOUNT);
        assertEq(usdc.nextDripAt(alice), START_TIME + 2 * DRIP_COOLDOWN);
    }

    function test_RevertWhen_DripBeforeCooldown() public {
        vm.prank(alice);
        usdc.drip();
        skip(DRIP_COOLDOWN - 1);

        vm.expectRevert(
            abi.encodeWithSelector(
                IFaucetToken.FaucetTokenDripTooSoon.selector, alice, START_TIME + DRIP_COOLDOWN
            )
        );
        vm.prank(alice);
        usdc.drip();
    }

    function test_drip_CooldownIsPerAccount() public {
        vm.prank(alice);
        usdc.drip();
        vm.prank(bob);
        usdc.drip();

        assertEq(usdc.balanceOf(alice), USDC_DRIP_AMOUNT);
        assertEq(usdc.balanceOf(bob), USDC_DRIP_AMOUNT);
        assertEq(usdc.nextDripAt(carol), 0);
    }

    function test_drip_RepeatsWithZeroCooldown() public {
        vm.prank(owner);
        usdc.setDripCooldown(0);

        vm.startPrank(alice);
        usdc.drip();
        usdc.drip();
        vm.stopPrank();

        assertEq(usdc.balanceOf(alice), 2 * USDC_DRIP_AMOUNT);
    }

    function test_drip_KeepsCooldownInForceWhenDripped() public {
        vm.prank(alice);
        usdc.drip();
        vm.prank(owner);
        usdc.setDripCooldown(1 hours);
        skip(1 hours);

        vm.expectRevert(
            abi.encodeWithSelector(
                IFaucetToken.FaucetTokenDripTooSoon.selector, alice, START_TIME + DRIP_COOLDOWN
            )
        );
        vm.prank(alice);
        usdc.drip();

        vm.prank(bob);
        usdc.drip();
        assertEq(usdc.nextDripAt(bob), START_TIME + 2 hours);
    }

    // ---------------------------------------------------------------- mint

    function test_mint_MintsToRecipient() public {
        vm.expectEmit(address(usdc));
        emit IERC20.Transfer(address(0), bob, 5e6);

        vm.prank(owner);
        usdc.mint(bob, 5e6);

        assertEq(usdc.balanceOf(bob), 5e6);
        assertEq(usdc.totalSupply(), 5e6);
    }

    function test_mint_IgnoresCooldown() public {
        vm.startPrank(owner);
        usdc.drip();
        usdc.mint(owner, 1);
        vm.stopPrank();

        assertEq(usdc.balanceOf(owner), USDC_DRIP_AMOUNT + 1);
    }

    function test_RevertWhen_MintByNonOwner() public {
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, alice));
        vm.prank(alice);
        usdc.mint(alice, 1);
    }

    function test_RevertWhen_MintToZeroAddress() public {
        vm.expectRevert(
            abi.encodeWithSelector(IERC20Errors.ERC20InvalidReceiver.selector, address(0))
        );
        vm.prank(owner);
        usdc.mint(address(0), 1);
    }

    // ---------------------------------------------------------------- setDripAmount

    function test_setDripAmount_UpdatesAmount() public {
        vm.expectEmit(address(usdc));
        emit IFaucetToken.DripAmountChanged(USDC_DRIP_AMOUNT, 50e6);

        vm.prank(owner);
        usdc.setDripAmount(50e6);

        assertEq(usdc.dripAmount(), 50e6);
    }

    function test_setDripAmount_AppliesToNextDrip() public {
        vm.prank(owner);
        usdc.setDripAmount(50e6);

        vm.prank(alice);
        usdc.drip();

        assertEq(usdc.balanceOf(alice), 50e6);
    }

    function test_setDripAmount_ZeroStillStartsCooldown() public {
        vm.prank(owner);
        usdc.setDripAmount(0);

        vm.prank(alice);
        usdc.drip();

        assertEq(usdc.balanceOf(alice), 0);
        assertEq(usdc.nextDripAt(alice), START_TIME + DRIP_COOLDOWN);
    }

    function test_RevertWhen_SetDripAmountByNonOwner() public {
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, alice));
        vm.prank(alice);
        usdc.setDripAmount(1);
    }

    // ---------------------------------------------------------------- setDripCooldown

    function test_setDripCooldown_UpdatesCooldown() public {
        vm.expectEmit(address(usdc));
        emit IFaucetToken.DripCooldownChanged(DRIP_COOLDOWN, 1 hours);

        vm.prank(owner);
        usdc.setDripCooldown(1 hours);

        assertEq(usdc.dripCooldown(), 1 hours);
    }

    function test_setDripCooldown_AcceptsMaximum() public {
        vm.prank(owner);
        usdc.setDripCooldown(MAX_DRIP_COOLDOWN);

        assertEq(usdc.dripCooldown(), MAX_DRIP_COOLDOWN);
    }

    function test_RevertWhen_SetDripCooldownTooLong() public {
        uint256 cooldown = MAX_DRIP_COOLDOWN + 1;
        vm.expectRevert(
            abi.encodeWithSelector(
                IFaucetToken.FaucetTokenDripCooldownTooLong.selector, cooldown, MAX_DRIP_COOLDOWN
            )
        );
        vm.prank(owner);
        usdc.setDripCooldown(cooldown);
    }

    function test_RevertWhen_SetDripCooldownByNonOwner() public {
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, alice));
        vm.prank(alice);
        usdc.setDripCooldown(1);
    }

    // ---------------------------------------------------------------- permit

    function test_permit_DomainUsesTokenNameAndVersionOne() public view {
        bytes32 expected = keccak256(
            abi.encode(
                EIP712_DOMAIN_TYPEHASH,
                keccak256("USD Coin"),
                keccak256("1"),
                block.chainid,
                address(usdc)
            )
        );
        assertEq(usdc.DOMAIN_SEPARATOR(), expected);
    }

    function test_permit_SetsAllowanceFromSignature() public {
        uint256 deadline = block.timestamp + 1 hours;
        (uint8 v, bytes32 r, bytes32 s) = _signPermit(holderKey, holder, bob, 7e6, 0, deadline);

        vm.expectEmit(address(usdc));
        emit IERC20.Approval(holder, bob, 7e6);
        vm.prank(carol);
        usdc.permit(holder, bob, 7e6, deadline, v, r, s);

        assertEq(usdc.allowance(holder, bob), 7e6);
        assertEq(usdc.nonces(holder), 1);
    }

    function test_permit_LetsSpenderTransferFrom() public {
        vm.prank(owner);
        usdc.mint(holder, 10e6);
        uint256 deadline = block.timestamp;
        (uint8 v, bytes32 r, bytes32 s) = _signPermit(holderKey, holder, bob, 7e6, 0, deadline);
        usdc.permit(holder, bob, 7e6, deadline, v, r, s);

        vm.prank(bob);
        assertTrue(usdc.transferFrom(holder, carol, 7e6));

        assertEq(usdc.balanceOf(holder), 3e6);
        assertEq(usdc.balanceOf(carol), 7e6);
        assertEq(usdc.allowance(holder, bob), 0);
    }

    function test_RevertWhen_PermitExpired() public {
        uint256 deadline = block.timestamp - 1;
        (uint8 v, bytes32 r, bytes32 s) = _signPermit(holderKey, holder, bob, 7e6, 0, deadline);

        vm.expectRevert(
            abi.encodeWithSelector(ERC20Permit.ERC2612ExpiredSignature.selector, deadline)
        );
        usdc.permit(holder, bob, 7e6, deadline, v, r, s);
    }

    function test_RevertWhen_PermitSignedByOtherKey() public {
        (address stranger, uint256 strangerKey) = makeAddrAndKey("stranger");
        uint256 deadline = block.timestamp + 1 hours;
        (uint8 v, bytes32 r, bytes32 s) = _signPermit(strangerKey, holder, bob, 7e6, 0, deadline);

        vm.expectRevert(
            abi.encodeWithSelector(ERC20Permit.ERC2612InvalidSigner.selector, stranger, holder)
        );
        usdc.permit(holder, bob, 7e6, deadline, v, r, s);
    }

    function test_RevertWhen_PermitReplayed() public {
        uint256 deadline = block.timestamp + 1 hours;
        (uint8 v, bytes32 r, bytes32 s) = _signPermit(holderKey, holder, bob, 7e6, 0, deadline);
        usdc.permit(holder, bob, 7e6, deadline, v, r, s);

        // The replay hashes with nonce 1, so the recovered signer is some unrelated address.
        vm.expectPartialRevert(ERC20Permit.ERC2612InvalidSigner.selector);
        usdc.permit(holder, bob, 7e6, deadline, v, r, s);
    }

    // ---------------------------------------------------------------- fuzz

    function testFuzz_drip_AllowedOnceCooldownEnds(uint256 amount, uint256 cooldown, uint256 wait)
        public
    {
        amount = bound(amount, 0, MAX_FUZZ_AMOUNT);
        cooldown = bound(cooldown, 0, MAX_DRIP_COOLDOWN);
        wait = bound(wait, cooldown, 10 * MAX_DRIP_COOLDOWN);
        FaucetToken token = deployFaucetToken("Fuzz", "FUZZ", 18, amount, cooldown);

        vm.prank(alice);
        token.drip();
        skip(wait);
        vm.prank(alice);
        token.drip();

        assertEq(token.balanceOf(alice), 2 * amount);
        assertEq(token.nextDripAt(alice), START_TIME + wait + cooldown);
    }

    function testFuzz_RevertWhen_DripBeforeCooldown(uint256 cooldown, uint256 wait) public {
        cooldown = bound(cooldown, 1, MAX_DRIP_COOLDOWN);
        wait = bound(wait, 0, cooldown - 1);
        FaucetToken token = deployFaucetToken("Fuzz", "FUZZ", 18, 1e18, cooldown);

        vm.prank(alice);
        token.drip();
        skip(wait);

        vm.expectRevert(
            abi.encodeWithSelector(
                IFaucetToken.FaucetTokenDripTooSoon.selector, alice, START_TIME + cooldown
            )
        );
        vm.prank(alice);
        token.drip();
    }

    function testFuzz_drip_MintsOncePerCooldown(uint256 amount, uint256 cooldown, uint256 drips)
        public
    {
        amount = bound(amount, 0, MAX_FUZZ_AMOUNT);
        cooldown = bound(cooldown, 0, MAX_DRIP_COOLDOWN);
        drips = bound(drips, 1, 20);
        FaucetToken token = deployFaucetToken("Fuzz", "FUZZ", 18, amount, cooldown);

        for (uint256 i = 0; i < drips; ++i) {
            vm.prank(alice);
            token.drip();
            skip(cooldown);
        }

        assertEq(token.balanceOf(alice), drips * amount);
        assertEq(token.totalSupply(), drips * amount);
    }

    function testFuzz_mint_CreditsRecipient(uint256 recipientSeed, uint256 amount) public {
        address recipient = address(uint160(bound(recipientSeed, 1, type(uint160).max)));
        amount = bound(amount, 0, type(uint256).max);

        vm.prank(owner);
        usdc.mint(recipient, amount);

        assertEq(usdc.balanceOf(recipient), amount);
        assertEq(usdc.totalSupply(), amount);
    }

    function testFuzz_setDripAmount_AppliesToNextDrip(uint256 amount) public {
        amount = bound(amount, 0, MAX_FUZZ_AMOUNT);

        vm.prank(owner);
        usdc.setDripAmount(amount);
        vm.prank(alice);
        usdc.drip();

        assertEq(usdc.dripAmount(), amount);
        assertEq(usdc.balanceOf(alice), amount);
    }

    function testFuzz_setDripCooldown_StartsNextCooldown(uint256 cooldown) public {
        cooldown = bound(cooldown, 0, MAX_DRIP_COOLDOWN);

        vm.prank(owner);
        usdc.setDripCooldown(cooldown);
        vm.prank(alice);
        usdc.drip();

        assertEq(usdc.dripCooldown(), cooldown);
        assertEq(usdc.nextDripAt(alice), START_TIME + cooldown);
    }

    function testFuzz_RevertWhen_SetDripCooldownTooLong(uint256 cooldown) public {
        cooldown = bound(cooldown, MAX_DRIP_COOLDOWN + 1, type(uint256).max);

        vm.expectRevert(
            abi.encodeWithSelector(
                IFaucetToken.FaucetTokenDripCooldownTooLong.selector, cooldown, MAX_DRIP_COOLDOWN
            )
        );
        vm.prank(owner);
        usdc.setDripCooldown(cooldown);
    }

    function testFuzz_permit_SetsAllowance(
        uint256 signerKey,
        uint256 value,
        uint256 secondsToDeadline
    ) public {
        signerKey = bound(signerKey, 1, SECP256K1_ORDER - 1);
        secondsToDeadline = bound(secondsToDeadline, 0, 365 days);
        address signer = vm.addr(signerKey);
        uint256 deadline = block.timestamp + secondsToDeadline;
        (uint8 v, bytes32 r, bytes32 s) = _signPermit(signerKey, signer, bob, value, 0, deadline);

        usdc.permit(signer, bob, value, deadline, v, r, s);

        assertEq(usdc.allowance(signer, bob), value);
        assertEq(usdc.nonces(signer), 1);
    }

    // ---------------------------------------------------------------- helpers

    function _signPermit(
        uint256 signerKey,
        address tokenOwner,
        address spender,
        uint256 value,
        uint256 nonce,
        uint256 deadline
    ) private view returns (uint8 v, bytes32 r, bytes32 s) {
        bytes32 structHash = keccak256(
            abi.encode(PERMIT_TYPEHASH, tokenOwner, spender, value, nonce, deadline)
        );
        bytes32 digest =
            keccak256(abi.encodePacked("\x19\x01", usdc.DOMAIN_SEPARATOR(), structHash));
        return vm.sign(signerKey, digest);
    }
}
