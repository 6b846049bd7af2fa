// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @notice A minimal ERC-721 for lock-and-mint drills and tests: the EIP-721 Transfer event,
/// owner-checked transfers, and mint/burn by its owner (the wrapped side's bridge).
contract NftCollection {
    event Transfer(address indexed from, address indexed to, uint256 indexed tokenId);

    address public owner;
    mapping(uint256 => address) public ownerOf;

    error NotOwner(address caller);
    error NotHolder(uint256 tokenId, address caller);

    constructor() { owner = msg.sender; }

    function mint(address to, uint256 tokenId) public {
        if (msg.sender != owner) revert NotOwner(msg.sender);
        ownerOf[tokenId] = to;
        emit Transfer(address(0), to, tokenId);
    }

    function mintBatch(address to, uint256 firstId, uint256 count) external {
        for (uint256 i = 0; i < count; i++) mint(to, firstId + i);
    }

    function burn(uint256 tokenId) external {
        if (msg.sender != owner && ownerOf[tokenId] != msg.sender) revert NotHolder(tokenId, msg.sender);
        address from = ownerOf[tokenId];
        delete ownerOf[tokenId];
        emit Transfer(from, address(0), tokenId);
    }

    /// the holder (or the owner, standing in for an approved escrow) moves an item
    function transferFrom(address from, address to, uint256 tokenId) public {
        if (ownerOf[tokenId] != from || (msg.sender != from && msg.sender != owner)) revert NotHolder(tokenId, msg.sender);
        ownerOf[tokenId] = to;
        emit Transfer(from, to, tokenId);
    }

    function transferBatch(address from, address to, uint256 firstId, uint256 count) external {
        for (uint256 i = 0; i < count; i++) transferFrom(from, to, firstId + i);
    }
}
