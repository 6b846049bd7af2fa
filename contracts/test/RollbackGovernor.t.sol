// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {TestBase} from "./TestBase.sol";
import {RollbackGovernor} from "../RollbackGovernor.sol";
import {DrillBridgeSource} from "../DrillBridgeSource.sol";

contract RollbackGovernorTest is TestBase {
    address internal constant GOV = address(0x600D);
    address internal constant GUARDIAN = address(0x6A2D);
    address internal constant GUARDIAN2 = address(0x6A2E);
    address internal constant STRANGER = address(0xBAD);
    address internal constant NEW_GOV = address(0x2E60);
    bytes32 internal constant INCIDENT = keccak256("INC-2026-0001");
    uint64 internal constant HOUR = 3600;
    uint256 internal constant T0 = 1_800_000_000;

    RollbackGovernor internal governor;
    DrillBridgeSource internal source;

    function setUp() public override {
        vm.warp(T0);
        address[] memory guardians = new address[](2);
        guardians[0] = GUARDIAN;
        guardians[1] = GUARDIAN2;
        governor = new RollbackGovernor(GOV, guardians);
        source = new DrillBridgeSource();
        source.setPauser(address(governor), true);
    }

    function _allow(uint64 secs) internal {
        vm.prank(GOV);
        governor.allow(address(source), secs);
    }

    function _pause() internal {
        vm.prank(GUARDIAN);
        governor.pause(address(source), INCIDENT);
    }

    // ------------------------------------------------------------------ construction and roles

    function test_constructor_setsGovernanceAndGuardians() public view {
        assertEq(governor.governance(), GOV, "governance");
        assertTrue(governor.isGuardian(GUARDIAN), "guardian 1");
        assertTrue(governor.isGuardian(GUARDIAN2), "guardian 2");
        assertFalse(governor.isGuardian(STRANGER), "stranger is no guardian");
        assertEq(governor.pendingGovernance(), address(0), "no pending governance");
        assertEq(uint256(governor.MAX_PAUSE_SECONDS()), 30 days, "cap");
    }

    function test_constructor_rejectsZeroGovernance() public {
        vm.expectRevert(RollbackGovernor.ZeroAddress.selector);
        new RollbackGovernor(address(0), new address[](0));
    }

    function test_setGuardian_onlyGovernance() public {
        vm.prank(STRANGER);
        vm.expectRevert(abi.encodeWithSelector(RollbackGovernor.NotGovernance.selector, STRANGER));
        governor.setGuardian(STRANGER, true);

        vm.prank(GOV);
        governor.setGuardian(GUARDIAN, false);
        assertFalse(governor.isGuardian(GUARDIAN), "guardian removed");

        _allow(HOUR);
        vm.prank(GUARDIAN);
        vm.expectRevert(abi.encodeWithSelector(RollbackGovernor.NotGuardian.selector, GUARDIAN));
        governor.pause(address(source), INCIDENT);
    }

    function test_twoStepGovernance() public {
        vm.prank(STRANGER);
        vm.expectRevert(abi.encodeWithSelector(RollbackGovernor.NotGovernance.selector, STRANGER));
        governor.transferGovernance(NEW_GOV);

        vm.prank(GOV);
        governor.transferGovernance(NEW_GOV);
        assertEq(governor.governance(), GOV, "still the old governance until accepted");
        assertEq(governor.pendingGovernance(), NEW_GOV, "pending");

        // the pending governance has no powers yet
        vm.prank(NEW_GOV);
        vm.expectRevert(abi.encodeWithSelector(RollbackGovernor.NotGovernance.selector, NEW_GOV));
        governor.allow(address(source), HOUR);

        vm.prank(STRANGER);
        vm.expectRevert(abi.encodeWithSelector(RollbackGovernor.NotPendingGovernance.selector, STRANGER));
        governor.acceptGovernance();

        vm.expectEmit(true, true, false, true, address(governor));
        emit RollbackGovernor.GovernanceTransferred(GOV, NEW_GOV);
        vm.prank(NEW_GOV);
        governor.acceptGovernance();
        assertEq(governor.governance(), NEW_GOV, "new governance");
        assertEq(governor.pendingGovernance(), address(0), "pending cleared");

        vm.prank(GOV);
        vm.expectRevert(abi.encodeWithSelector(RollbackGovernor.NotGovernance.selector, GOV));
        governor.allow(address(source), HOUR);

        vm.prank(NEW_GOV);
        governor.allow(address(source), HOUR);
    }

    function test_acceptGovernance_withoutPendingReverts() public {
        vm.prank(address(0));
        vm.expectRevert(abi.encodeWithSelector(RollbackGovernor.NotPendingGovernance.selector, address(0)));
        governor.acceptGovernance();
    }

    // ------------------------------------------------------------------ allowances

    function test_allow_onlyGovernance() public {
        vm.prank(GUARDIAN);
        vm.expectRevert(abi.encodeWithSelector(RollbackGovernor.NotGovernance.selector, GUARDIAN));
        governor.allow(address(source), HOUR);
    }

    function test_allow_capIs30Days() public {
        _allow(30 days);
        (uint64 maxSecs, bool usable) = governor.allowance(address(source));
        assertEq(uint256(maxSecs), 30 days, "30 days is allowed");
        assertTrue(usable, "usable");

        vm.prank(GOV);
        vm.expectRevert(
            abi.encodeWithSelector(RollbackGovernor.PauseTooLong.selector, uint64(30 days + 1), uint64(30 days))
        );
        governor.allow(address(source), 30 days + 1);
    }

    function test_allow_rejectsZeroDurationAndZeroTarget() public {
        vm.startPrank(GOV);
        vm.expectRevert(RollbackGovernor.ZeroPauseDuration.selector);
        governor.allow(address(source), 0);
        vm.expectRevert(RollbackGovernor.ZeroAddress.selector);
        governor.allow(address(0), HOUR);
        vm.stopPrank();
    }

    function testFuzz_allow_boundedBy30Days(uint64 secs) public {
        vm.prank(GOV);
        if (secs == 0) {
            vm.expectRevert(RollbackGovernor.ZeroPauseDuration.selector);
        } else if (secs > 30 days) {
            vm.expectRevert(abi.encodeWithSelector(RollbackGovernor.PauseTooLong.selector, secs, uint64(30 days)));
        }
        governor.allow(address(source), secs);
        (uint64 maxSecs, bool usable) = governor.allowance(address(source));
        bool ok = secs != 0 && secs <= 30 days;
        assertEq(usable, ok, "usable iff within bounds");
        assertEq(uint256(maxSecs), ok ? secs : 0, "stored bound");
    }

    function test_disallow_blocksPause() public {
        _allow(HOUR);
        vm.prank(GOV);
        governor.disallow(address(source));
        vm.prank(GUARDIAN);
        vm.expectRevert(abi.encodeWithSelector(RollbackGovernor.TargetNotAllowed.selector, address(source)));
        governor.pause(address(source), INCIDENT);
    }

    // ------------------------------------------------------------------ pause

    function test_pause_nonGuardianRejected() public {
        _allow(HOUR);
        vm.prank(STRANGER);
        vm.expectRevert(abi.encodeWithSelector(RollbackGovernor.NotGuardian.selector, STRANGER));
        governor.pause(address(source), INCIDENT);
        // governance is not a guardian either
        vm.prank(GOV);
        vm.expectRevert(abi.encodeWithSelector(RollbackGovernor.NotGuardian.selector, GOV));
        governor.pause(address(source), INCIDENT);
    }

    function test_pause_requiresAllowance() public {
        vm.prank(GUARDIAN);
        vm.expectRevert(abi.encodeWithSelector(RollbackGovernor.TargetNotAllowed.selector, address(source)));
        governor.pause(address(source), INCIDENT);
    }

    function test_pause_pausesTargetAndEmits() public {
        _allow(HOUR);
        vm.expectEmit(true, true, false, true, address(governor));
        emit RollbackGovernor.Paused(address(source), INCIDENT, GUARDIAN, uint64(T0) + HOUR);
        _pause();

        assertTrue(source.paused(), "target paused");
        assertEq(uint256(governor.pausedUntil(address(source))), T0 + HOUR, "pausedUntil");
        assertTrue(governor.isPauseActive(address(source)), "active");
        (bytes32 incidentId, address guardian, uint64 pausedAt, uint64 until, bool inPlace, bool isRatified) =
            governor.pauseOf(address(source));
        assertEq(incidentId, INCIDENT, "incident id");
        assertEq(guardian, GUARDIAN, "guardian");
        assertEq(uint256(pausedAt), T0, "pausedAt");
        assertEq(uint256(until), T0 + HOUR, "until");
        assertTrue(inPlace, "in place");
        assertFalse(isRatified, "not ratified");

        vm.expectRevert(DrillBridgeSource.EnforcedPause.selector);
        source.deposit(address(0x70C), 1 ether);
    }

    function test_pause_targetMustGrantTheRight() public {
        source.setPauser(address(governor), false);
        _allow(HOUR);
        vm.prank(GUARDIAN);
        vm.expectRevert(abi.encodeWithSelector(DrillBridgeSource.NotPauser.selector, address(governor)));
        governor.pause(address(source), INCIDENT);
        // the failed attempt did not consume the allowance
        (, bool usable) = governor.allowance(address(source));
        assertTrue(usable, "allowance kept after a failed pause");
    }

    function test_pause_onePausePerAllowance() public {
        _allow(HOUR);
        _pause();
        (uint64 maxSecs, bool usable) = governor.allowance(address(source));
        assertEq(uint256(maxSecs), HOUR, "bound kept for reference");
        assertFalse(usable, "allowance consumed");

        vm.prank(GOV);
        governor.unpause(address(source));

        vm.prank(GUARDIAN2);
        vm.expectRevert(abi.encodeWithSelector(RollbackGovernor.TargetNotAllowed.selector, address(source)));
        governor.pause(address(source), INCIDENT);

        // re-granted by governance: one more pause
        _allow(HOUR);
        vm.prank(GUARDIAN2);
        governor.pause(address(source), keccak256("INC-2026-0002"));
        assertTrue(source.paused(), "paused again");
    }

    function test_pause_revertsWhileActive() public {
        _allow(HOUR);
        _pause();
        _allow(HOUR);
        vm.warp(T0 + HOUR - 1);
        vm.prank(GUARDIAN2);
        vm.expectRevert(
            abi.encodeWithSelector(RollbackGovernor.PauseStillActive.selector, address(source), uint64(T0) + HOUR)
        );
        governor.pause(address(source), INCIDENT);
    }

    function test_allowDuringActivePause_doesNotExtendIt() public {
        _allow(HOUR);
        _pause();
        _allow(30 days);
        assertEq(uint256(governor.pausedUntil(address(source))), T0 + HOUR, "pause unchanged by the new allowance");

        vm.warp(T0 + HOUR);
        assertFalse(governor.isPauseActive(address(source)), "expired on time");
        vm.prank(STRANGER);
        governor.unpause(address(source));
        assertFalse(source.paused(), "lifted at the original expiry");

        // the new allowance is still there for a new incident
        (uint64 maxSecs, bool usable) = governor.allowance(address(source));
        assertEq(uint256(maxSecs), 30 days, "new bound");
        assertTrue(usable, "new allowance usable");
    }

    function test_repauseAfterUnliftedExpiry_withNewAllowance() public {
        _allow(HOUR);
        _pause();
        _allow(2 * HOUR);
        vm.warp(T0 + HOUR + 10);
        bytes32 second = keccak256("INC-2026-0002");
        vm.expectEmit(true, true, false, true, address(governor));
        emit RollbackGovernor.Paused(address(source), second, GUARDIAN2, uint64(T0 + 3 * HOUR + 10));
        vm.prank(GUARDIAN2);
        governor.pause(address(source), second);
        assertEq(uint256(governor.pausedUntil(address(source))), T0 + 3 * HOUR + 10, "new pause window");
    }

    // ------------------------------------------------------------------ unpause and ratify

    function test_unpause_beforeExpiry_governanceOnly() public {
        _allow(HOUR);
        _pause();
        vm.warp(T0 + HOUR - 1);
        vm.prank(STRANGER);
        vm.expectRevert(
            abi.encodeWithSelector(RollbackGovernor.PauseNotExpired.selector, address(source), uint64(T0) + HOUR)
        );
        governor.unpause(address(source));
        // a guardian cannot lift it early either
        vm.prank(GUARDIAN);
        vm.expectRevert(
            abi.encodeWithSelector(RollbackGovernor.PauseNotExpired.selector, address(source), uint64(T0) + HOUR)
        );
        governor.unpause(address(source));

        vm.expectEmit(true, false, false, true, address(governor));
        emit RollbackGovernor.Unpaused(address(source), GOV);
        vm.prank(GOV);
        governor.unpause(address(source));
        assertFalse(source.paused(), "target resumed");
        assertEq(uint256(governor.pausedUntil(address(source))), 0, "no pause in place");
        source.deposit(address(0x70C), 1);
    }

    function test_unpause_afterExpiry_anyone() public {
        _allow(HOUR);
        _pause();
        vm.warp(T0 + HOUR);
        vm.expectEmit(true, false, false, true, address(governor));
        emit RollbackGovernor.Unpaused(address(source), STRANGER);
        vm.prank(STRANGER);
        governor.unpause(address(source));
        assertFalse(source.paused(), "target resumed");

        vm.prank(STRANGER);
        vm.expectRevert(abi.encodeWithSelector(RollbackGovernor.NoPauseInPlace.selector, address(source)));
        governor.unpause(address(source));
    }

    function test_unpause_onlyForThisGovernorsPause() public {
        source.pause(); // the owner's own pause, not the governor's
        vm.prank(GOV);
        vm.expectRevert(abi.encodeWithSelector(RollbackGovernor.NoPauseInPlace.selector, address(source)));
        governor.unpause(address(source));
        assertTrue(source.paused(), "owner's pause untouched");
    }

    function test_ratify_keepsPausePastExpiry() public {
        _allow(HOUR);
        _pause();
        vm.expectEmit(true, false, false, true, address(governor));
        emit RollbackGovernor.Ratified(address(source));
        vm.prank(GOV);
        governor.ratify(address(source));
        assertTrue(governor.ratified(address(source)), "ratified");
        assertEq(uint256(governor.pausedUntil(address(source))), type(uint64).max, "until governance lifts it");

        vm.warp(T0 + 365 days);
        assertTrue(governor.isPauseActive(address(source)), "still active");
        vm.prank(STRANGER);
        vm.expectRevert(abi.encodeWithSelector(RollbackGovernor.PauseIsRatified.selector, address(source)));
        governor.unpause(address(source));

        _allow(HOUR);
        vm.prank(GUARDIAN);
        vm.expectRevert(
            abi.encodeWithSelector(RollbackGovernor.PauseStillActive.selector, address(source), type(uint64).max)
        );
        governor.pause(address(source), INCIDENT);

        vm.prank(GOV);
        governor.unpause(address(source));
        assertFalse(source.paused(), "lifted by governance");
        assertFalse(governor.ratified(address(source)), "ratification ends with the pause");
    }

    function test_ratify_rules() public {
        vm.prank(GOV);
        vm.expectRevert(abi.encodeWithSelector(RollbackGovernor.NoPauseInPlace.selector, address(source)));
        governor.ratify(address(source));

        _allow(HOUR);
        _pause();
        vm.prank(GUARDIAN);
        vm.expectRevert(abi.encodeWithSelector(RollbackGovernor.NotGovernance.selector, GUARDIAN));
        governor.ratify(address(source));

        vm.prank(GOV);
        governor.ratify(address(source));
        vm.prank(GOV);
        vm.expectRevert(abi.encodeWithSelector(RollbackGovernor.AlreadyRatified.selector, address(source)));
        governor.ratify(address(source));
    }

    /// @notice Whoever is not governance can lift an unratified pause exactly when it has expired.
    function testFuzz_unpauseWindow(uint64 maxSecs, uint64 elapsed) public {
        maxSecs = uint64(bound(maxSecs, 1, 30 days));
        elapsed = uint64(bound(elapsed, 0, 60 days));
        _allow(maxSecs);
        _pause();
        assertEq(uint256(governor.pausedUntil(address(source))), T0 + maxSecs, "until = now + maxPauseSeconds");
        vm.warp(T0 + elapsed);
        if (elapsed < maxSecs) {
            vm.expectRevert(
                abi.encodeWithSelector(
                    RollbackGovernor.PauseNotExpired.selector, address(source), uint64(T0) + maxSecs
                )
            );
        }
        vm.prank(STRANGER);
        governor.unpause(address(source));
        assertEq(source.paused(), elapsed < maxSecs, "paused iff not yet expired");
    }
}
