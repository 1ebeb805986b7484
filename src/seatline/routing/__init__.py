"""seatline.routing."""
