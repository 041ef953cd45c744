// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {Ownable2Step} from "@openzeppelin/contracts/access/Ownable2Step.sol";

import {IMailbox} from "../interfaces/IMailbox.sol";
import {IMessageApp} from "../interfaces/IMessageApp.sol";
import {IMessageRecipient} from "../interfaces/IMessageRecipient.sol";

/// @title MessageRecipient
/// @notice Base of every app on the message layer: authenticates inbound messages (mailbox and
/// trusted remote) before `_handle`, and sends to the trusted remote with `_dispatch`.
abstract contract MessageRecipient is IMessageApp, Ownable2Step {
    address private immutable _mailbox;

    mapping(uint32 domain => address app) private _trustedRemotes;

    /// @param mailbox_ The mailbox on this chain.
    /// @param owner_ The account that wires trusted remotes.
    constructor(address mailbox_, address owner_) Ownable(owner_) {
        _mailbox = mailbox_;
    }

    /// @inheritdoc IMessageRecipient
    function handle(uint32 origin, address sender, bytes calldata body) external {
        if (msg.sender != _mailbox) revert RecipientNotMailbox(msg.sender);
        address remote = _trustedRemotes[origin];
        if (remote == address(0) || sender != remote) {
            revert RecipientUntrustedSender(origin, sender);
        }
        _handle(origin, sender, body);
    }

    /// @inheritdoc IMessageApp
    function setTrustedRemote(uint32 domain, address app) external onlyOwner {
        _trustedRemotes[domain] = app;
        emit TrustedRemoteSet(domain, app);
    }

    /// @inheritdoc IMessageApp
    function mailbox() external view returns (address) {
        return _mailbox;
    }

    /// @inheritdoc IMessageApp
    function trustedRemote(uint32 domain) external view returns (address) {
        return _trustedRemote(domain);
    }

    /// @dev Executes a message already authenticated as coming from the trusted remote on
    /// `origin`. A revert marks the message failed in the mailbox, to be retried later.
    function _handle(uint32 origin, address sender, bytes calldata body) internal virtual;

    /// @dev The trusted remote on `domain`; zero when none is wired.
    function _trustedRemote(uint32 domain) internal view returns (address) {
        return _trustedRemotes[domain];
    }

    /// @dev Sends `body` to the trusted remote on `destination`; reverts with
    /// `RecipientNoTrustedRemote` when none is wired.
    /// @return id The message id.
    function _dispatch(uint32 destination, bytes memory body) internal returns (bytes32 id) {
        address remote = _trustedRemotes[destination];
        if (remote == address(0)) revert RecipientNoTrustedRemote(destination);
        return IMailbox(_mailbox).dispatch(destination, remote, body);
    }
}
