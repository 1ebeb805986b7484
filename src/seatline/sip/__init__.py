"""seatline.sip."""
