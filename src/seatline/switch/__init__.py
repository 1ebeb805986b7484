"""seatline.switch."""
