"""seatline.stats."""
