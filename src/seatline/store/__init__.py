"""seatline.store."""
