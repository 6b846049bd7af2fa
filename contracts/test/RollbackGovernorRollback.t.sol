// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {TestBase} from "./TestBase.sol";
import {RollbackGovernor} from "../RollbackGovernor.sol";
import {
    DrillUpgradeProxy,
    DrillBridgeDestinationV1,
    DrillBridgeDestinationV2,
    DrillUpgradeableBase
} from "../DrillUpgradeable.sol";
import {UUPSUpgradeable} from "@openzeppelin/contracts/proxy/utils/UUPSUpgradeable.sol";

/// @notice An implementation with code but no proxiableUUID (not UUPS).
contract NotUUPS {
    function version() external pure returns (string memory) {
        return "plain";
    }
}

/// @notice A UUPS-looking implementation that names another slot.
contract WrongSlot {
    function proxiableUUID() external pure returns (bytes32) {
        return keccak256("not the erc1967 slot");
    }
}

/// @notice A proxy without the implementation() view: the governor cannot check on-chain which
/// implementation runs (Firebreak checks the slot off-chain), the rollback still works.
contract QuietV1 is UUPSUpgradeable {
    address public immutable upgrader;

    constructor(address upgrader_) {
        upgrader = upgrader_;
    }

    /// @dev OpenZeppelin 5.x's ERC1967Proxy refuses to be built without an initializing call
    function init() external {}

    function _authorizeUpgrade(address) internal view override {
        require(msg.sender == upgrader, "not upgrader");
    }
}

contract RollbackGovernorRollbackTest is TestBase {
    address internal constant GOV = address(0x600D);
    address internal constant GUARDIAN = address(0x6A2D);
    address internal constant STRANGER = address(0xBAD);
    address internal constant OWNER = address(0x0E);
    bytes32 internal constant INCIDENT = keccak256("INC-2026-0007");
    bytes32 internal constant SLOT = 0x360894a13ba1a3210667c828492db98dca3e2076cc3735a920a3ca505d382bbc;
    uint64 internal constant DAY = 1 days;
    uint256 internal constant T0 = 1_800_000_000;

    RollbackGovernor internal governor;
    DrillBridgeDestinationV1 internal v1;
    DrillBridgeDestinationV2 internal v2;
    address internal proxy;

    function setUp() public override {
        vm.warp(T0);
        address[] memory guardians = new address[](1);
        guardians[0] = GUARDIAN;
        governor = new RollbackGovernor(GOV, guardians);
        v1 = new DrillBridgeDestinationV1();
        v2 = new DrillBridgeDestinationV2();
        proxy = address(new DrillUpgradeProxy(address(v1), abi.encodeWithSignature("initialize(address)", OWNER)));
        vm.prank(OWNER);
        DrillBridgeDestinationV1(proxy).setUpgrader(address(governor), true);
        // the bad upgrade: v1 -> v2 by the owner
        vm.prank(OWNER);
        DrillBridgeDestinationV1(proxy).upgradeToAndCall(address(v2), "");
    }

    function _impl(address p) internal view returns (address) {
        return address(uint160(uint256(vm.load(p, SLOT))));
    }

    function _allow(uint64 secs) internal {
        vm.prank(GOV);
        governor.allowRollback(proxy, address(v2), address(v1), secs);
    }

    function _rollback() internal {
        vm.prank(GUARDIAN);
        governor.rollback(proxy, INCIDENT);
    }

    // ------------------------------------------------------------------ the happy path

    function test_rollback_restoresTheOldImplementationAndFinalizationWorks() public {
        vm.expectRevert(abi.encodeWithSelector(DrillBridgeDestinationV2.NotRelayer.selector, address(this)));
        DrillBridgeDestinationV2(proxy).finalize(bytes32(uint256(1)));
        _allow(7 * DAY);
        (address fromImpl, address toImpl, uint64 validUntil, bool usable) = governor.rollbackOf(proxy);
        assertEq(fromImpl, address(v2), "fromImpl");
        assertEq(toImpl, address(v1), "toImpl");
        assertEq(uint256(validUntil), T0 + 7 * DAY, "validUntil");
        assertTrue(usable, "usable");

        vm.expectEmit(true, true, false, true, address(governor));
        emit RollbackGovernor.RolledBack(proxy, INCIDENT, address(v2), address(v1), GUARDIAN);
        _rollback();

        assertEq(_impl(proxy), address(v1), "slot holds v1 again");
        assertEq(DrillBridgeDestinationV1(proxy).version(), "1", "runs v1");
        DrillBridgeDestinationV1(proxy).finalize(bytes32(uint256(1)));
        (,,, usable) = governor.rollbackOf(proxy);
        assertFalse(usable, "spent");
        assertEq(DrillBridgeDestinationV1(proxy).owner(), OWNER, "storage kept");
    }

    function test_rollback_worksForAProxyWithoutImplementationView() public {
        QuietV1 a = new QuietV1(address(governor));
        QuietV1 b = new QuietV1(address(governor));
        address quiet = address(new DrillUpgradeProxy(address(b), abi.encodeWithSignature("init()")));
        vm.prank(GOV);
        governor.allowRollback(quiet, address(b), address(a), DAY);
        vm.prank(GUARDIAN);
        governor.rollback(quiet, INCIDENT);
        assertEq(_impl(quiet), address(a), "rolled back");
    }

    // ------------------------------------------------------------------ governance bounds

    function test_allowRollback_onlyGovernance() public {
        vm.prank(STRANGER);
        vm.expectRevert(abi.encodeWithSelector(RollbackGovernor.NotGovernance.selector, STRANGER));
        governor.allowRollback(proxy, address(v2), address(v1), DAY);
        vm.prank(GUARDIAN);
        vm.expectRevert(abi.encodeWithSelector(RollbackGovernor.NotGovernance.selector, GUARDIAN));
        governor.allowRollback(proxy, address(v2), address(v1), DAY);
    }

    function testFuzz_allowRollback_atMost30Days(uint64 secs) public {
        vm.prank(GOV);
        if (secs == 0) {
            vm.expectRevert(RollbackGovernor.ZeroRollbackValidity.selector);
        } else if (secs > 30 days) {
            vm.expectRevert(abi.encodeWithSelector(RollbackGovernor.RollbackValidityTooLong.selector, secs, uint64(30 days)));
        }
        governor.allowRollback(proxy, address(v2), address(v1), secs);
        if (secs > 0 && secs <= 30 days) {
            (,, uint64 validUntil, bool usable) = governor.rollbackOf(proxy);
            assertEq(uint256(validUntil), T0 + secs, "validUntil");
            assertTrue(usable, "usable");
        }
    }

    function test_allowRollback_rejectsToImplWithoutCode() public {
        address empty = address(0xE3E3);
        vm.prank(GOV);
        vm.expectRevert(abi.encodeWithSelector(RollbackGovernor.ImplementationWithoutCode.selector, empty));
        governor.allowRollback(proxy, address(v2), empty, DAY);
    }

    function test_allowRollback_rejectsToImplWithoutProxiableUUID() public {
        NotUUPS plain = new NotUUPS();
        vm.prank(GOV);
        vm.expectRevert(abi.encodeWithSelector(RollbackGovernor.NotUUPSImplementation.selector, address(plain)));
        governor.allowRollback(proxy, address(v2), address(plain), DAY);
    }

    function test_allowRollback_rejectsToImplNamingAnotherSlot() public {
        WrongSlot wrong = new WrongSlot();
        vm.prank(GOV);
        vm.expectRevert(abi.encodeWithSelector(RollbackGovernor.NotUUPSImplementation.selector, address(wrong)));
        governor.allowRollback(proxy, address(v2), address(wrong), DAY);
    }

    function test_allowRollback_rejectsZeroAndSame() public {
        vm.startPrank(GOV);
        vm.expectRevert(RollbackGovernor.ZeroAddress.selector);
        governor.allowRollback(address(0), address(v2), address(v1), DAY);
        vm.expectRevert(abi.encodeWithSelector(RollbackGovernor.SameImplementation.selector, address(v1)));
        governor.allowRollback(proxy, address(v1), address(v1), DAY);
        vm.stopPrank();
    }

    function test_disallowRollback_withdrawsIt() public {
        _allow(DAY);
        vm.prank(STRANGER);
        vm.expectRevert(abi.encodeWithSelector(RollbackGovernor.NotGovernance.selector, STRANGER));
        governor.disallowRollback(proxy);
        vm.prank(GOV);
        governor.disallowRollback(proxy);
        (address fromImpl,,, bool usable) = governor.rollbackOf(proxy);
        assertEq(fromImpl, address(0), "cleared");
        assertFalse(usable, "not usable");
        vm.prank(GUARDIAN);
        vm.expectRevert(abi.encodeWithSelector(RollbackGovernor.RollbackNotAllowed.selector, proxy));
        governor.rollback(proxy, INCIDENT);
    }

    // ------------------------------------------------------------------ guardian bounds

    function testFuzz_rollback_nonGuardianRefused(address caller) public {
        if (caller == GUARDIAN) caller = STRANGER;
        _allow(DAY);
        vm.prank(caller);
        vm.expectRevert(abi.encodeWithSelector(RollbackGovernor.NotGuardian.selector, caller));
        governor.rollback(proxy, INCIDENT);
        assertEq(_impl(proxy), address(v2), "unchanged");
    }

    function testFuzz_rollback_wrongProxyRefused(address other) public {
        if (other == proxy) other = STRANGER;
        _allow(DAY);
        vm.prank(GUARDIAN);
        vm.expectRevert(abi.encodeWithSelector(RollbackGovernor.RollbackNotAllowed.selector, other));
        governor.rollback(other, INCIDENT);
        (,,, bool usable) = governor.rollbackOf(proxy);
        assertTrue(usable, "the real allowance is untouched");
    }

    function testFuzz_rollback_expiredRefused(uint64 validFor, uint256 late) public {
        validFor = uint64(bound(validFor, 1, 30 days));
        late = bound(late, 0, 365 days);
        _allow(validFor);
        vm.warp(T0 + validFor + late);
        (,,, bool usable) = governor.rollbackOf(proxy);
        assertFalse(usable, "expired is not usable");
        vm.prank(GUARDIAN);
        vm.expectRevert(abi.encodeWithSelector(RollbackGovernor.RollbackExpired.selector, proxy, uint64(T0 + validFor)));
        governor.rollback(proxy, INCIDENT);
        assertEq(_impl(proxy), address(v2), "unchanged");
    }

    function testFuzz_rollback_worksAnyTimeBeforeExpiry(uint64 validFor, uint256 when) public {
        validFor = uint64(bound(validFor, 1, 30 days));
        when = bound(when, 0, validFor - 1);
        _allow(validFor);
        vm.warp(T0 + when);
        _rollback();
        assertEq(_impl(proxy), address(v1), "rolled back");
    }

    function test_rollback_usedTwiceRefused() public {
        _allow(DAY);
        _rollback();
        // even if the bad implementation came back, the spent allowance does not roll it back again
        vm.prank(OWNER);
        DrillBridgeDestinationV1(proxy).upgradeToAndCall(address(v2), "");
        vm.prank(GUARDIAN);
        vm.expectRevert(abi.encodeWithSelector(RollbackGovernor.RollbackNotAllowed.selector, proxy));
        governor.rollback(proxy, INCIDENT);
        assertEq(_impl(proxy), address(v2), "not rolled back twice");
    }

    function test_rollback_refusedWhenTheProxyRunsAnotherImplementation() public {
        _allow(DAY);
        DrillBridgeDestinationV2 other = new DrillBridgeDestinationV2();
        vm.prank(OWNER);
        DrillBridgeDestinationV2(proxy).upgradeToAndCall(address(other), "");
        vm.prank(GUARDIAN);
        vm.expectRevert(abi.encodeWithSelector(RollbackGovernor.ImplementationMismatch.selector, proxy, address(v2), address(other)));
        governor.rollback(proxy, INCIDENT);
        (,,, bool usable) = governor.rollbackOf(proxy);
        assertTrue(usable, "allowance unused");
    }

    function test_rollback_revertingUpgradeLeavesTheAllowanceUnused() public {
        _allow(DAY);
        // the proxy withdraws the governor's upgrade right: upgradeToAndCall reverts
        vm.prank(OWNER);
        DrillBridgeDestinationV2(proxy).setUpgrader(address(governor), false);
        vm.prank(GUARDIAN);
        vm.expectRevert(abi.encodeWithSelector(DrillUpgradeableBase.NotUpgrader.selector, address(governor)));
        governor.rollback(proxy, INCIDENT);
        (,,, bool usable) = governor.rollbackOf(proxy);
        assertTrue(usable, "allowance unused after a reverted upgrade");
        assertEq(_impl(proxy), address(v2), "unchanged");
        // once the right is back, the same allowance works
        vm.prank(OWNER);
        DrillBridgeDestinationV2(proxy).setUpgrader(address(governor), true);
        _rollback();
        assertEq(_impl(proxy), address(v1), "rolled back");
    }

    function test_rollback_pauseFunctionsStillIndependent() public {
        _allow(DAY);
        (uint64 maxPause, bool pausable) = governor.allowance(proxy);
        assertEq(uint256(maxPause), 0, "a rollback allowance is not a pause allowance");
        assertFalse(pausable, "not pausable");
    }
}
