// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {TestBase} from "./TestBase.sol";
import {PostmortemRegistry} from "../PostmortemRegistry.sol";

contract PostmortemRegistryTest is TestBase {
    address internal constant ANCHORER = address(0xA4C);
    address internal constant STRANGER = address(0xBAD);
    bytes32 internal constant INCIDENT = keccak256("INC-2026-0001");
    bytes32 internal constant DIGEST1 = keccak256("postmortem v1");
    bytes32 internal constant DIGEST2 = keccak256("postmortem v2");

    PostmortemRegistry internal registry;

    function setUp() public override {
        vm.warp(1_800_000_000);
        registry = new PostmortemRegistry();
    }

    function test_ownerIsDeployer() public view {
        assertEq(registry.owner(), address(this), "owner");
        assertFalse(registry.isAnchorer(address(this)), "owner is not listed as an anchorer");
    }

    function test_ownerAnchors() public {
        vm.expectEmit(true, false, false, true, address(registry));
        emit PostmortemRegistry.PostmortemAnchored(INCIDENT, DIGEST1, "ipfs://bafy1", address(this));
        registry.anchor(INCIDENT, DIGEST1, "ipfs://bafy1");
        assertEq(registry.digestOf(INCIDENT), DIGEST1, "digest");
        assertEq(registry.submitterOf(INCIDENT), address(this), "submitter");
        assertEq(registry.uriOf(INCIDENT), "ipfs://bafy1", "uri");
        assertEq(registry.revisionCount(INCIDENT), 1, "one revision");
    }

    function test_unknownIncident() public view {
        assertEq(registry.digestOf(INCIDENT), bytes32(0), "no digest");
        assertEq(registry.submitterOf(INCIDENT), address(0), "no submitter");
        assertEq(registry.revisionCount(INCIDENT), 0, "no revisions");
    }

    function test_strangerCannotAnchor() public {
        vm.prank(STRANGER);
        vm.expectRevert(abi.encodeWithSelector(PostmortemRegistry.NotAnchorer.selector, STRANGER));
        registry.anchor(INCIDENT, DIGEST1, "ipfs://x");
    }

    function test_setAnchorer_ownerOnly() public {
        vm.prank(STRANGER);
        vm.expectRevert(abi.encodeWithSelector(PostmortemRegistry.NotOwner.selector, STRANGER));
        registry.setAnchorer(STRANGER, true);

        vm.prank(ANCHORER);
        vm.expectRevert(abi.encodeWithSelector(PostmortemRegistry.NotOwner.selector, ANCHORER));
        registry.setAnchorer(ANCHORER, true);
    }

    function test_anchorerAnchorsUntilRevoked() public {
        vm.expectEmit(true, false, false, true, address(registry));
        emit PostmortemRegistry.AnchorerSet(ANCHORER, true);
        registry.setAnchorer(ANCHORER, true);
        assertTrue(registry.isAnchorer(ANCHORER), "listed");

        vm.prank(ANCHORER);
        registry.anchor(INCIDENT, DIGEST1, "ipfs://bafy1");
        assertEq(registry.submitterOf(INCIDENT), ANCHORER, "anchorer submitted");

        registry.setAnchorer(ANCHORER, false);
        vm.prank(ANCHORER);
        vm.expectRevert(abi.encodeWithSelector(PostmortemRegistry.NotAnchorer.selector, ANCHORER));
        registry.anchor(INCIDENT, DIGEST2, "ipfs://bafy2");
    }

    function test_reanchorIsARevision() public {
        registry.setAnchorer(ANCHORER, true);
        registry.anchor(INCIDENT, DIGEST1, "ipfs://bafy1");
        vm.warp(1_800_000_100);
        vm.prank(ANCHORER);
        registry.anchor(INCIDENT, DIGEST2, "ipfs://bafy2");

        assertEq(registry.digestOf(INCIDENT), DIGEST2, "newest digest");
        assertEq(registry.submitterOf(INCIDENT), ANCHORER, "newest submitter");
        assertEq(registry.revisionCount(INCIDENT), 2, "two revisions");

        (bytes32 digest, string memory uri, address submitter, uint64 anchoredAt) = registry.revisionOf(INCIDENT, 0);
        assertEq(digest, DIGEST1, "original digest kept");
        assertEq(uri, "ipfs://bafy1", "original uri kept");
        assertEq(submitter, address(this), "original submitter kept");
        assertEq(uint256(anchoredAt), 1_800_000_000, "original time");
        (digest,,, anchoredAt) = registry.revisionOf(INCIDENT, 1);
        assertEq(digest, DIGEST2, "revision digest");
        assertEq(uint256(anchoredAt), 1_800_000_100, "revision time");

        vm.expectRevert(abi.encodeWithSelector(PostmortemRegistry.NoSuchRevision.selector, INCIDENT, uint256(2)));
        registry.revisionOf(INCIDENT, 2);
    }

    function test_zeroDigestRejected() public {
        vm.expectRevert(PostmortemRegistry.ZeroDigest.selector);
        registry.anchor(INCIDENT, bytes32(0), "ipfs://x");
    }

    function testFuzz_anchorAnyIdAndDigest(bytes32 incidentId, bytes32 digest, string calldata uri) public {
        if (digest == bytes32(0)) return;
        registry.anchor(incidentId, digest, uri);
        assertEq(registry.digestOf(incidentId), digest, "digest");
        assertEq(registry.uriOf(incidentId), uri, "uri");
    }
}
