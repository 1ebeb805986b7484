"""The live service's tests reuse the switch fixture: a switch on loopback with SIPp as trunk."""

from switch.conftest import SwitchUnderTest, switch

__all__ = ["SwitchUnderTest", "switch"]
