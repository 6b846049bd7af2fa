// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {TestBase, Vm} from "./TestBase.sol";
import {DrillBridgeSource} from "../DrillBridgeSource.sol";
import {DrillBridgeDestination} from "../DrillBridgeDestination.sol";
import {LockReleaseBridge} from "../LockReleaseBridge.sol";
import {MockPriceFeed} from "../MockPriceFeed.sol";

contract DrillBridgeSourceTest is TestBase {
    address internal constant TOKEN = address(0x70C);
    address internal constant PAUSER = address(0x9A05E);
    address internal constant STRANGER = address(0xBAD);

    DrillBridgeSource internal source;

    function setUp() public override {
        source = new DrillBridgeSource();
    }

    function test_deposit_idsFromChainAddressAndNonce() public {
        bytes32 expected0 = keccak256(abi.encode(block.chainid, address(source), uint256(0)));
        vm.expectEmit(true, true, false, true, address(source));
        emit DrillBridgeSource.Deposit(expected0, STRANGER, TOKEN, 5);
        vm.prank(STRANGER);
        bytes32 id0 = source.deposit(TOKEN, 5);
        assertEq(id0, expected0, "first id");
        bytes32 id1 = source.deposit(TOKEN, 6);
        assertEq(id1, keccak256(abi.encode(block.chainid, address(source), uint256(1))), "second id");
        assertEq(source.nonce(), 2, "nonce");
    }

    function test_depositWithId() public {
        vm.expectEmit(true, true, false, true, address(source));
        emit DrillBridgeSource.Deposit(bytes32(uint256(42)), address(this), TOKEN, 7);
        source.depositWithId(bytes32(uint256(42)), TOKEN, 7);
    }

    function test_depositBatch_emitsOneEventEach() public {
        uint256 n = 50;
        bytes32[] memory ids = new bytes32[](n);
        address[] memory tokens = new address[](n);
        uint256[] memory amounts = new uint256[](n);
        for (uint256 i = 0; i < n; i++) {
            ids[i] = bytes32(i + 1);
            tokens[i] = TOKEN;
            amounts[i] = i * 10;
        }
        vm.recordLogs();
        source.depositBatch(ids, tokens, amounts);
        Vm.Log[] memory logs = vm.getRecordedLogs();
        assertEq(logs.length, n, "one log per deposit");
        bytes32 topic0 = keccak256("Deposit(bytes32,address,address,uint256)");
        for (uint256 i = 0; i < n; i++) {
            assertEq(logs[i].emitter, address(source), "emitter");
            assertEq(logs[i].topics[0], topic0, "topic0");
            assertEq(logs[i].topics[1], ids[i], "transfer id");
            assertEq(logs[i].topics[2], bytes32(uint256(uint160(address(this)))), "sender");
            (address token, uint256 amount) = abi.decode(logs[i].data, (address, uint256));
            assertEq(token, TOKEN, "token");
            assertEq(amount, i * 10, "amount");
        }
    }

    function test_depositBatch_lengthMismatch() public {
        vm.expectRevert(DrillBridgeSource.LengthMismatch.selector);
        source.depositBatch(new bytes32[](2), new address[](1), new uint256[](2));
    }

    function test_pause_blocksDeposits() public {
        vm.prank(STRANGER);
        vm.expectRevert(abi.encodeWithSelector(DrillBridgeSource.NotPauser.selector, STRANGER));
        source.pause();

        vm.expectEmit(false, false, false, true, address(source));
        emit DrillBridgeSource.Paused(address(this));
        source.pause();
        assertTrue(source.paused(), "paused");
        source.pause(); // idempotent

        vm.expectRevert(DrillBridgeSource.EnforcedPause.selector);
        source.deposit(TOKEN, 1);
        vm.expectRevert(DrillBridgeSource.EnforcedPause.selector);
        source.depositWithId(bytes32(uint256(1)), TOKEN, 1);
        vm.expectRevert(DrillBridgeSource.EnforcedPause.selector);
        source.depositBatch(new bytes32[](1), new address[](1), new uint256[](1));

        source.unpause();
        assertFalse(source.paused(), "resumed");
        source.deposit(TOKEN, 1);
    }

    function test_pauser_setByOwnerOnly() public {
        vm.prank(STRANGER);
        vm.expectRevert(abi.encodeWithSelector(DrillBridgeSource.NotOwner.selector, STRANGER));
        source.setPauser(PAUSER, true);

        source.setPauser(PAUSER, true);
        vm.prank(PAUSER);
        source.pause();
        assertTrue(source.paused(), "pauser paused");
        vm.prank(PAUSER);
        source.unpause();
        assertFalse(source.paused(), "pauser unpaused");

        source.setPauser(PAUSER, false);
        vm.prank(PAUSER);
        vm.expectRevert(abi.encodeWithSelector(DrillBridgeSource.NotPauser.selector, PAUSER));
        source.pause();
    }

    function test_transferOwnership() public {
        source.transferOwnership(STRANGER);
        assertEq(source.owner(), STRANGER, "new owner");
        vm.expectRevert(abi.encodeWithSelector(DrillBridgeSource.NotOwner.selector, address(this)));
        source.setPauser(PAUSER, true);
    }
}

contract DrillBridgeDestinationTest is TestBase {
    function test_finalizeAndBatch() public {
        DrillBridgeDestination destination = new DrillBridgeDestination();
        vm.expectEmit(true, false, false, true, address(destination));
        emit DrillBridgeDestination.Finalized(bytes32(uint256(9)));
        vm.prank(address(0xBAD));
        destination.finalize(bytes32(uint256(9)));

        bytes32[] memory ids = new bytes32[](20);
        for (uint256 i = 0; i < ids.length; i++) ids[i] = keccak256(abi.encode(i));
        vm.recordLogs();
        destination.finalizeBatch(ids);
        Vm.Log[] memory logs = vm.getRecordedLogs();
        assertEq(logs.length, ids.length, "one log per id");
        for (uint256 i = 0; i < ids.length; i++) {
            assertEq(logs[i].topics[0], keccak256("Finalized(bytes32)"), "topic0");
            assertEq(logs[i].topics[1], ids[i], "id");
        }
    }
}

contract LockReleaseBridgeTest is TestBase {
    address internal constant ASSET = address(0xA55E7);
    LockReleaseBridge internal bridge;

    function setUp() public override {
        bridge = new LockReleaseBridge();
    }

    function test_lock_autoIncrementsNonce() public {
        vm.expectEmit(true, true, false, true, address(bridge));
        emit LockReleaseBridge.TokensLocked(0, address(this), ASSET, 100);
        assertEq(uint256(bridge.lock(ASSET, 100)), 0, "nonce 0");
        assertEq(uint256(bridge.lock(ASSET, 200)), 1, "nonce 1");
        assertEq(uint256(bridge.nextNonce()), 2, "next");
    }

    function test_lockBatchAndReleaseBatch() public {
        uint64[] memory nonces = new uint64[](3);
        address[] memory assets = new address[](3);
        uint128[] memory values = new uint128[](3);
        for (uint256 i = 0; i < 3; i++) {
            nonces[i] = uint64(1000 + i);
            assets[i] = ASSET;
            values[i] = uint128(type(uint128).max - i);
        }
        vm.recordLogs();
        bridge.lockBatch(nonces, assets, values);
        Vm.Log[] memory logs = vm.getRecordedLogs();
        assertEq(logs.length, 3, "three locks");
        assertEq(logs[2].topics[0], keccak256("TokensLocked(uint64,address,address,uint128)"), "topic0");
        assertEq(logs[2].topics[1], bytes32(uint256(1002)), "nonce topic");
        (address asset, uint128 value) = abi.decode(logs[2].data, (address, uint128));
        assertEq(asset, ASSET, "asset");
        assertEq(uint256(value), uint256(type(uint128).max - 2), "value");

        vm.expectRevert(LockReleaseBridge.LengthMismatch.selector);
        bridge.lockBatch(nonces, new address[](2), values);

        vm.recordLogs();
        vm.prank(address(0xD00D));
        bridge.releaseBatch(nonces);
        logs = vm.getRecordedLogs();
        assertEq(logs.length, 3, "three releases");
        assertEq(logs[0].topics[0], keccak256("TokensReleased(uint64,address)"), "topic0");
        assertEq(logs[0].topics[2], bytes32(uint256(uint160(address(0xD00D)))), "to = caller");
    }

    function test_release() public {
        vm.expectEmit(true, true, false, true, address(bridge));
        emit LockReleaseBridge.TokensReleased(7, address(0xBEEF));
        bridge.release(7, address(0xBEEF));
    }
}

contract MockPriceFeedTest is TestBase {
    function test_roundsAndAnswers() public {
        vm.warp(1_800_000_000);
        MockPriceFeed feed = new MockPriceFeed(8, 2000e8);
        assertEq(uint256(feed.decimals()), 8, "decimals");
        assertEq(feed.version(), 4, "version");
        assertTrue(bytes(feed.description()).length > 0, "description");

        (uint80 roundId, int256 answer, uint256 startedAt, uint256 updatedAt, uint80 answeredInRound) =
            feed.latestRoundData();
        assertEq(uint256(roundId), 1, "first round");
        assertEq(answer, 2000e8, "initial answer");
        assertEq(startedAt, 1_800_000_000, "startedAt");
        assertEq(updatedAt, 1_800_000_000, "updatedAt");
        assertEq(uint256(answeredInRound), 1, "answeredInRound");

        vm.warp(1_800_000_600);
        feed.setAnswer(-5, 0);
        (roundId, answer,, updatedAt,) = feed.latestRoundData();
        assertEq(uint256(roundId), 2, "second round");
        assertEq(answer, -5, "new answer");
        assertEq(updatedAt, 1_800_000_600, "0 = block.timestamp");

        feed.setAnswer(1999e8, 1_700_000_000); // a stale answer on purpose
        (,, , updatedAt,) = feed.latestRoundData();
        assertEq(updatedAt, 1_700_000_000, "explicit updatedAt");
        assertEq(feed.latestAnswer(), 1999e8, "latestAnswer");

        (roundId, answer,,,) = feed.getRoundData(1);
        assertEq(uint256(roundId), 1, "old round id");
        assertEq(answer, 2000e8, "old round answer");

        vm.expectRevert(abi.encodeWithSelector(MockPriceFeed.NoDataPresent.selector, uint80(0)));
        feed.getRoundData(0);
        vm.expectRevert(abi.encodeWithSelector(MockPriceFeed.NoDataPresent.selector, uint80(4)));
        feed.getRoundData(4);
    }
}
