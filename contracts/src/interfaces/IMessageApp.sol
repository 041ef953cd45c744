// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IMessageRecipient} from "./IMessageRecipient.sol";

/// @title IMessageApp
/// @notice An application on the message layer: it accepts messages only from its chain's mailbox
/// and, per origin domain, only from the one remote app it was wired to; it sends only to the
/// remote app wired for the destination.
interface IMessageApp is IMessageRecipient {
    /// @notice The app trusts `app` as its peer on `domain`; zero unwires the domain.
    event TrustedRemoteSet(uint32 indexed domain, address app);

    /// @notice `caller` called `handle` but is not the mailbox.
    error RecipientNotMailbox(address caller);

    /// @notice A message from `sender` on `origin` is not from the trusted remote of `origin`.
    error RecipientUntrustedSender(uint32 origin, address sender);

    /// @notice The app has no trusted remote on `domain` to send to.
    error RecipientNoTrustedRemote(uint32 domain);

    /// @notice Wires the app on `domain` as this app's peer, for both directions.
    /// @dev Owner only. Zero unwires the domain: messages from it are rejected and sending to it
    /// reverts with `RecipientNoTrustedRemote`. Emits `TrustedRemoteSet`.
    /// @param domain The remote domain.
    /// @param app The peer app's address on `domain`.
    function setTrustedRemote(uint32 domain, address app) external;

    /// @notice The mailbox this app sends through and accepts messages from.
    function mailbox() external view returns (address);

    /// @notice The peer app on `domain`; zero when none is wired.
    function trustedRemote(uint32 domain) external view returns (address);
}
