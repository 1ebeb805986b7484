"""seatline.channels."""
