"""seatline.sim."""
