// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {TestBase} from "./TestBase.sol";
import {RollbackGovernor} from "../RollbackGovernor.sol";

/// @notice A target whose pause()/unpause() revert: the governor must revert too and keep its state.
contract RevertingTarget {
    error Broken();

    function pause() external pure {
        revert Broken();
    }

    function unpause() external pure {
        revert Broken();
    }
}

/// @notice A target that calls back into the governor from pause()/unpause() (it is a guardian), and
/// records what the nested call did instead of failing the outer call.
contract ReentrantTarget {
    RollbackGovernor public governor;
    bool public paused;
    bool public nestedPauseSucceeded;
    bool public nestedUnpauseSucceeded;
    bytes public nestedPauseError;
    bytes public nestedUnpauseError;

    function setGovernor(RollbackGovernor governor_) external {
        governor = governor_;
    }

    function pause() external {
        paused = true;
        try governor.pause(address(this), keccak256("re-entered")) {
            nestedPauseSucceeded = true;
        } catch (bytes memory reason) {
            nestedPauseError = reason;
        }
    }

    function unpause() external {
        paused = false;
        try governor.unpause(address(this)) {
            nestedUnpauseSucceeded = true;
        } catch (bytes memory reason) {
            nestedUnpauseError = reason;
        }
    }
}

contract RollbackGovernorTargetsTest is TestBase {
    address internal constant GOV = address(0x600D);
    address internal constant GUARDIAN = address(0x6A2D);
    address internal constant STRANGER = address(0xBAD);
    bytes32 internal constant INCIDENT = keccak256("INC-2026-0001");
    uint64 internal constant HOUR = 3600;
    uint256 internal constant T0 = 1_800_000_000;

    RollbackGovernor internal governor;
    ReentrantTarget internal reentrant;
    RevertingTarget internal reverting;

    function setUp() public override {
        vm.warp(T0);
        reentrant = new ReentrantTarget();
        reverting = new RevertingTarget();
        address[] memory guardians = new address[](2);
        guardians[0] = GUARDIAN;
        guardians[1] = address(reentrant);
        governor = new RollbackGovernor(GOV, guardians);
        reentrant.setGovernor(governor);
    }

    function test_revertingTarget_pauseRevertsAndKeepsAllowance() public {
        vm.prank(GOV);
        governor.allow(address(reverting), HOUR);
        vm.prank(GUARDIAN);
        vm.expectRevert(RevertingTarget.Broken.selector);
        governor.pause(address(reverting), INCIDENT);
        (, bool usable) = governor.allowance(address(reverting));
        assertTrue(usable, "allowance kept");
        assertEq(uint256(governor.pausedUntil(address(reverting))), 0, "no pause recorded");
        assertFalse(governor.isPauseActive(address(reverting)), "not active");
    }

    function test_reentrantTarget_cannotPauseTwiceWithOneAllowance() public {
        vm.prank(GOV);
        governor.allow(address(reentrant), HOUR);
        vm.prank(GUARDIAN);
        governor.pause(address(reentrant), INCIDENT);
        assertTrue(reentrant.paused(), "paused");
        assertFalse(reentrant.nestedPauseSucceeded(), "nested pause refused");
        // state is written before the call: the nested pause sees the allowance used up
        assertEq(
            keccak256(reentrant.nestedPauseError()),
            keccak256(abi.encodeWithSelector(RollbackGovernor.TargetNotAllowed.selector, address(reentrant))),
            "nested pause reverted with TargetNotAllowed"
        );
        (bytes32 incidentId, address guardian,,,,) = governor.pauseOf(address(reentrant));
        assertEq(incidentId, INCIDENT, "the outer incident is recorded");
        assertEq(guardian, GUARDIAN, "the outer guardian is recorded");
        assertEq(uint256(governor.pausedUntil(address(reentrant))), T0 + HOUR, "expiry from the outer pause");
    }

    function test_reentrantTarget_unpauseCannotBeReplayed() public {
        vm.prank(GOV);
        governor.allow(address(reentrant), HOUR);
        vm.prank(GUARDIAN);
        governor.pause(address(reentrant), INCIDENT);
        vm.warp(T0 + HOUR);
        vm.prank(STRANGER);
        governor.unpause(address(reentrant));
        assertFalse(reentrant.paused(), "lifted");
        assertFalse(reentrant.nestedUnpauseSucceeded(), "nested unpause refused");
        assertEq(
            keccak256(reentrant.nestedUnpauseError()),
            keccak256(abi.encodeWithSelector(RollbackGovernor.NoPauseInPlace.selector, address(reentrant))),
            "nested unpause reverted with NoPauseInPlace"
        );
        assertEq(uint256(governor.pausedUntil(address(reentrant))), 0, "no pause in place");
    }

    /// @notice Expiry arithmetic at the extremes of time: until = now + maxPauseSeconds, no overflow
    /// for any timestamp a chain will reach, and the pause is active exactly before `until`.
    function testFuzz_expiryArithmetic(uint64 start, uint64 maxSecs, uint64 probe) public {
        start = uint64(bound(start, 1, type(uint64).max - 31 days));
        maxSecs = uint64(bound(maxSecs, 1, 30 days));
        probe = uint64(bound(probe, 0, 31 days));
        vm.warp(start);
        vm.prank(GOV);
        governor.allow(address(reentrant), maxSecs);
        vm.prank(GUARDIAN);
        governor.pause(address(reentrant), INCIDENT);
        assertEq(uint256(governor.pausedUntil(address(reentrant))), uint256(start) + maxSecs, "until");
        vm.warp(uint256(start) + probe);
        assertEq(governor.isPauseActive(address(reentrant)), probe < maxSecs, "active iff before until");
    }
}
