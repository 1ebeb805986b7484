"""seatline.dialer."""
