"""seatline.web."""
