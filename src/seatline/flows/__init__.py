"""seatline.flows."""
