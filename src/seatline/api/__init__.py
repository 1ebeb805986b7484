"""seatline.api."""
